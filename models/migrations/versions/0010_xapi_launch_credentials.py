"""xapi_launch_credentials: scoped, expiring LRS credentials of TinCan / cmi5 launches

Revision ID: 0010
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "xapi_launch_credentials",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("actor_key", sa.Text(), nullable=False),
        sa.Column("registration", sa.String(length=36), nullable=False),
        sa.Column("activity_prefix", sa.Text(), nullable=True),
        sa.Column("session_id", sa.String(length=36), nullable=True),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_xapi_launch_credentials_tenant_id_tenants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xapi_launch_credentials")),
        sa.UniqueConstraint("key", name=op.f("uq_xapi_launch_credentials_key")),
    )
    op.create_index("ix_xapi_launch_credentials_tenant_session", "xapi_launch_credentials",
                    ["tenant_id", "session_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_xapi_launch_credentials_tenant_session", table_name="xapi_launch_credentials")
    op.drop_table("xapi_launch_credentials")
