"""dispatches

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import models.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "dispatches",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("package_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("registration_limit", sa.Integer(), nullable=True),
        sa.Column("registration_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("allowed_domains", JSON, nullable=False),
        sa.Column("expires_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("zip_key", sa.String(length=300), nullable=True),
        sa.Column("zip_size", sa.BigInteger(), nullable=True),
        sa.Column("zip_sha256", sa.String(length=64), nullable=True),
        sa.Column("zip_built_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("zip_job_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["package_id"], ["packages.id"], name=op.f("fk_dispatches_package_id_packages"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_dispatches_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatches")),
    )
    with op.batch_alter_table("dispatches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispatches_package_id"), ["package_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispatches_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "dispatch_registrations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("dispatch_id", sa.String(length=36), nullable=False),
        sa.Column("learner_id", sa.String(length=255), nullable=False),
        sa.Column("learner_name", sa.String(length=255), nullable=True),
        sa.Column("launch_count", sa.Integer(), nullable=False),
        sa.Column("last_origin", sa.String(length=300), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_launched_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dispatch_id"],
            ["dispatches.id"],
            name=op.f("fk_dispatch_registrations_dispatch_id_dispatches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_registrations")),
        sa.UniqueConstraint("dispatch_id", "learner_id", name=op.f("uq_dispatch_registrations_dispatch_id")),
    )
    with op.batch_alter_table("dispatch_registrations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dispatch_registrations_dispatch_id"), ["dispatch_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("dispatch_registrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatch_registrations_dispatch_id"))
    op.drop_table("dispatch_registrations")
    with op.batch_alter_table("dispatches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatches_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_dispatches_package_id"))
    op.drop_table("dispatches")
