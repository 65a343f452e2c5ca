"""sessions: learner sessions and the CMI state of each SCO attempt

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import models.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
UTC = models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "learner_sessions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("package_id", sa.String(length=36), nullable=False),
        sa.Column("package_version", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("user_name", sa.String(length=255), nullable=True),
        sa.Column("dispatch_id", sa.String(length=36), nullable=True),
        sa.Column("registration", sa.String(length=600), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("completion_status", sa.String(length=16), nullable=False),
        sa.Column("success_status", sa.String(length=16), nullable=False),
        sa.Column("score", JSON, nullable=False),
        sa.Column("time_spent_seconds", sa.Float(), nullable=False),
        sa.Column("session_time", sa.String(length=40), nullable=True),
        sa.Column("progress", JSON, nullable=False),
        sa.Column("current_item", sa.String(length=255), nullable=True),
        sa.Column("sequencing_state", JSON, nullable=True),
        sa.Column("launched_at", UTC, nullable=True),
        sa.Column("completed_at", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["package_id"], ["packages.id"], name=op.f("fk_learner_sessions_package_id_packages"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_learner_sessions_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learner_sessions")),
        sa.UniqueConstraint("tenant_id", "registration", name="uq_learner_sessions_registration"),
    )
    with op.batch_alter_table("learner_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_learner_sessions_dispatch_id"), ["dispatch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_learner_sessions_package_id"), ["package_id"], unique=False)
        batch_op.create_index("ix_learner_sessions_tenant_package", ["tenant_id", "package_id"], unique=False)
        batch_op.create_index("ix_learner_sessions_tenant_user", ["tenant_id", "user_id"], unique=False)

    op.create_table(
        "sco_states",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=255), nullable=False),
        sa.Column("sco_attempt", sa.Integer(), nullable=False),
        sa.Column("cmi", JSON, nullable=False),
        sa.Column("status", JSON, nullable=False),
        sa.Column("launch_count", sa.Integer(), nullable=False),
        sa.Column("commit_seq", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("terminated", sa.Boolean(), nullable=False),
        sa.Column("exit", sa.String(length=16), nullable=False),
        sa.Column("session_seconds", sa.Float(), nullable=False),
        sa.Column("total_seconds", sa.Float(), nullable=False),
        sa.Column("closed_seconds", sa.Float(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"], ["learner_sessions.id"], name=op.f("fk_sco_states_session_id_learner_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sco_states")),
        sa.UniqueConstraint("session_id", "attempt", "item_id", "sco_attempt", name="uq_sco_states_attempt"),
    )
    with op.batch_alter_table("sco_states", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sco_states_session_id"), ["session_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sco_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sco_states_session_id"))
    op.drop_table("sco_states")
    with op.batch_alter_table("learner_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_learner_sessions_tenant_user")
        batch_op.drop_index("ix_learner_sessions_tenant_package")
        batch_op.drop_index(batch_op.f("ix_learner_sessions_package_id"))
        batch_op.drop_index(batch_op.f("ix_learner_sessions_dispatch_id"))
    op.drop_table("learner_sessions")
