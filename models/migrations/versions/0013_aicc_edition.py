"""AICC packages: the edition is the .crs `Version` (the API's `version`)

Imports now store the AICC guideline version their course file declares as the
edition; packages imported before get it from their stored manifest
(`schemaversion` holds the raw `Version`). Only short dotted numbers qualify, as
at import (`pipeline.manifest.aicc.aicc_edition`, copied here: a migration keeps
the rule it was written with). Downgrade clears them again.

Revision ID: 0013
Revises: 0012
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")
_EDITION = re.compile(r"\d{1,3}(\.\d{1,3}){0,2}")
_versions = sa.table("package_versions", sa.column("id", sa.String), sa.column("package_id", sa.String),
                     sa.column("version", sa.Integer), sa.column("standard", sa.String),
                     sa.column("edition", sa.String), sa.column("manifest", _JSON))  # fmt: skip
_packages = sa.table("packages", sa.column("id", sa.String), sa.column("standard", sa.String),
                     sa.column("current_version", sa.Integer), sa.column("edition", sa.String))  # fmt: skip


def _edition(manifest: object) -> str | None:
    value = str((manifest or {}).get("schemaversion") or "").strip() if isinstance(manifest, dict) else ""
    return value if _EDITION.fullmatch(value) and len(value) <= 8 else None


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_versions.c.id, _versions.c.package_id, _versions.c.version, _versions.c.manifest)
                        .where(_versions.c.standard == "aicc")).all()  # fmt: skip
    for row in rows:
        edition = _edition(row.manifest)
        if edition is None:
            continue
        bind.execute(_versions.update().where(_versions.c.id == row.id).values(edition=edition))
        bind.execute(_packages.update()
                     .where(_packages.c.id == row.package_id, _packages.c.current_version == row.version)
                     .values(edition=edition))  # fmt: skip


def downgrade() -> None:
    op.execute(_versions.update().where(_versions.c.standard == "aicc").values(edition=None))
    op.execute(_packages.update().where(_packages.c.standard == "aicc").values(edition=None))
