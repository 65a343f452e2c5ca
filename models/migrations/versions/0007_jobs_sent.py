"""jobs: when a row was sent to RQ (imports wait for their tenant's turn), index of unfinished jobs

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UNFINISHED_WHERE = sa.text("status IN ('queued', 'running')")


def upgrade() -> None:
    op.add_column("jobs", sa.Column("sent_at", models.base.UTCDateTime(timezone=True), nullable=True))
    # Every existing row already went to RQ when it was created: none of them waits for a turn.
    op.execute("UPDATE jobs SET sent_at = created_at")
    op.create_index("ix_jobs_unfinished", "jobs", ["tenant_id", "created_at"], unique=False,
                    postgresql_where=UNFINISHED_WHERE, sqlite_where=UNFINISHED_WHERE)


def downgrade() -> None:
    op.drop_index("ix_jobs_unfinished", table_name="jobs")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("sent_at")
