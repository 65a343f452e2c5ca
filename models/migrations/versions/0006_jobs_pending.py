"""jobs: partial index of clean-up jobs waiting to reach Redis

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

PENDING_WHERE = sa.text("error_code = 'ENQUEUE_PENDING'")


def upgrade() -> None:
    op.create_index("ix_jobs_enqueue_pending", "jobs", ["created_at"], unique=False,
                    postgresql_where=PENDING_WHERE, sqlite_where=PENDING_WHERE)


def downgrade() -> None:
    op.drop_index("ix_jobs_enqueue_pending", table_name="jobs")
