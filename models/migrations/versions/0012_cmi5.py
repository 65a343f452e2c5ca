"""cmi5: registrations and AU sessions

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "cmi5_registrations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("learner_session_id", sa.String(36), sa.ForeignKey("learner_sessions.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("actor", _JSON, nullable=False),
        sa.Column("aus", _JSON, nullable=False),
        sa.Column("satisfied", _JSON, nullable=False),
        *_timestamps(),
        sa.UniqueConstraint("learner_session_id", "attempt", name="uq_cmi5_registrations_attempt"),
    )
    op.create_index("ix_cmi5_registrations_tenant_id", "cmi5_registrations", ["tenant_id"])
    op.create_index("ix_cmi5_registrations_learner_session_id", "cmi5_registrations", ["learner_session_id"])
    op.create_table(
        "cmi5_au_sessions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("registration_id", sa.String(36), sa.ForeignKey("cmi5_registrations.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("au_index", sa.Integer, nullable=False),
        sa.Column("au_id", sa.String(2048), nullable=False),
        sa.Column("activity_id", sa.String(2048), nullable=False),
        sa.Column("launch_mode", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("fetch_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("fetch_used", sa.Boolean, nullable=False),
        sa.Column("preferences_read", sa.Boolean, nullable=False),
        sa.Column("credential_key", sa.String(80)),
        sa.Column("verbs", _JSON, nullable=False),
        sa.Column("launched_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_active_at", models.base.UTCDateTime(timezone=True), nullable=False),
        *_timestamps(),
    )
    op.create_index("ix_cmi5_au_sessions_tenant_id", "cmi5_au_sessions", ["tenant_id"])
    op.create_index("ix_cmi5_au_sessions_credential_key", "cmi5_au_sessions", ["credential_key"])
    op.create_index("ix_cmi5_au_sessions_registration_au", "cmi5_au_sessions", ["registration_id", "au_index"])


def downgrade() -> None:
    op.drop_table("cmi5_au_sessions")
    op.drop_table("cmi5_registrations")
