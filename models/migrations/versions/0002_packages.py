"""packages

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import models.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
UTC = models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "packages",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("standard", sa.String(length=16), nullable=True),
        sa.Column("edition", sa.String(length=8), nullable=True),
        sa.Column("current_version", sa.Integer(), nullable=True),
        sa.Column("launch_path", sa.Text(), nullable=True),
        sa.Column("manifest_name", sa.String(length=300), nullable=True),
        sa.Column("sco_count", sa.Integer(), nullable=False),
        sa.Column("file_size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=True),
        sa.Column("original_filename", sa.String(length=500), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_packages_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_packages")),
    )
    with op.batch_alter_table("packages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_packages_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "package_versions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("package_id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.Column("storage_prefix", sa.String(length=300), nullable=False),
        sa.Column("source_key", sa.String(length=500), nullable=True),
        sa.Column("original_filename", sa.String(length=500), nullable=True),
        sa.Column("uploaded_by", sa.String(length=200), nullable=True),
        sa.Column("standard", sa.String(length=16), nullable=True),
        sa.Column("edition", sa.String(length=8), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("launch_path", sa.Text(), nullable=True),
        sa.Column("manifest_name", sa.String(length=300), nullable=True),
        sa.Column("sco_count", sa.Integer(), nullable=False),
        sa.Column("file_count", sa.Integer(), nullable=False),
        sa.Column("file_size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("upload_size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("manifest", JSON, nullable=True),
        sa.Column("warnings", JSON, nullable=False),
        sa.Column("files", JSON, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["package_id"], ["packages.id"], name=op.f("fk_package_versions_package_id_packages"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_package_versions_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_package_versions")),
        sa.UniqueConstraint("job_id", name=op.f("uq_package_versions_job_id")),
        sa.UniqueConstraint("package_id", "version", name="uq_package_versions_package_id_version"),
    )
    with op.batch_alter_table("package_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_package_versions_package_id"), ["package_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_package_versions_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "package_uploads",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("storage_path", sa.String(length=500), nullable=False),
        sa.Column("filename", sa.String(length=500), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=True),
        sa.Column("package_id", sa.String(length=36), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("expires_at", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_package_uploads_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_package_uploads")),
        sa.UniqueConstraint("storage_path", name=op.f("uq_package_uploads_storage_path")),
    )
    with op.batch_alter_table("package_uploads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_package_uploads_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("package_uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_package_uploads_tenant_id"))
    op.drop_table("package_uploads")
    with op.batch_alter_table("package_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_package_versions_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_package_versions_package_id"))
    op.drop_table("package_versions")
    with op.batch_alter_table("packages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_packages_tenant_id"))
    op.drop_table("packages")
