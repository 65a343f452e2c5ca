"""xapi: statements and their filter keys, attachments, documents, credentials, rollups.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = (
    "xapi_statement_agents",
    "xapi_statement_activities",
    "xapi_statements",
    "xapi_rollup_state",
    "xapi_documents",
    "xapi_credentials",
    "xapi_attachments",
    "xapi_actor_rollups",
    "xapi_actor_activities",
    "xapi_activity_rollups",
    "xapi_activities",
)


def _xid_default():
    # Postgres stamps each row with its transaction id (rollup watermark); SQLite has none.
    if op.get_bind().dialect.name == "postgresql":
        return sa.text("(pg_current_xact_id()::text::bigint)")
    return None


def upgrade() -> None:
    op.create_table('xapi_activities',
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('activity_id', sa.Text(), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_xapi_activities_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'activity_id', name=op.f('pk_xapi_activities'))
    )
    op.create_table('xapi_activity_rollups',
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('activity_id', sa.Text(), nullable=False),
    sa.Column('activity_type', sa.Text(), nullable=True),
    sa.Column('package_id', sa.String(length=64), nullable=True),
    sa.Column('unique_learners', sa.Integer(), nullable=False),
    sa.Column('total_statements', sa.Integer(), nullable=False),
    sa.Column('completed_count', sa.Integer(), nullable=False),
    sa.Column('passed_count', sa.Integer(), nullable=False),
    sa.Column('failed_count', sa.Integer(), nullable=False),
    sa.Column('score_sum', sa.Float(), nullable=False),
    sa.Column('score_count', sa.Integer(), nullable=False),
    sa.Column('avg_score_scaled', sa.Float(), nullable=True),
    sa.Column('first_activity', UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_activity', UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_xapi_activity_rollups_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'activity_id', name=op.f('pk_xapi_activity_rollups'))
    )
    op.create_index('ix_xapi_activity_rollups_package', 'xapi_activity_rollups', ['tenant_id', 'package_id'], unique=False)
    op.create_table('xapi_actor_activities',
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('actor_hash', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('activity_hash', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_xapi_actor_activities_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'actor_hash', 'activity_hash', name=op.f('pk_xapi_actor_activities'))
    )
    op.create_table('xapi_actor_rollups',
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('actor_key', sa.Text(), nullable=False),
    sa.Column('actor_mbox', sa.Text(), nullable=True),
    sa.Column('actor_name', sa.Text(), nullable=True),
    sa.Column('unique_activities', sa.Integer(), nullable=False),
    sa.Column('total_statements', sa.Integer(), nullable=False),
    sa.Column('completed_count', sa.Integer(), nullable=False),
    sa.Column('passed_count', sa.Integer(), nullable=False),
    sa.Column('failed_count', sa.Integer(), nullable=False),
    sa.Column('score_sum', sa.Float(), nullable=False),
    sa.Column('score_count', sa.Integer(), nullable=False),
    sa.Column('avg_score_scaled', sa.Float(), nullable=True),
    sa.Column('first_activity', UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_activity', UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_xapi_actor_rollups_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'actor_key', name=op.f('pk_xapi_actor_rollups'))
    )
    if op.get_bind().dialect.name == 'postgresql':
        # The rollup rows are rewritten by every rollup window: with free room on each page and
        # no index on the counters, Postgres updates them in place (HOT), without index churn
        # or dead rows piling up between vacuums.
        for table in ('xapi_actor_rollups', 'xapi_activity_rollups'):
            op.execute(f'ALTER TABLE {table} SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.05)')
    op.create_table('xapi_attachments',
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('sha2', sa.String(length=128), nullable=False),
    sa.Column('content_type', sa.String(length=255), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_xapi_attachments_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'sha2', name=op.f('pk_xapi_attachments'))
    )
    op.create_table('xapi_credentials',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_xapi_credentials_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_xapi_credentials')),
    sa.UniqueConstraint('key', name=op.f('uq_xapi_credentials_key'))
    )
    op.create_index(op.f('ix_xapi_credentials_tenant_id'), 'xapi_credentials', ['tenant_id'], unique=False)
    op.create_table('xapi_documents',
    sa.Column('pk', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('activity_id', sa.Text(), nullable=False),
    sa.Column('agent_key', sa.Text(), nullable=False),
    sa.Column('registration', sa.String(length=36), nullable=False),
    sa.Column('doc_id', sa.Text(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('content_type', sa.String(length=255), nullable=False),
    sa.Column('etag', sa.String(length=64), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_xapi_documents_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pk', name=op.f('pk_xapi_documents')),
    sa.UniqueConstraint('tenant_id', 'kind', 'activity_id', 'agent_key', 'registration', 'doc_id', name='uq_xapi_documents_key')
    )
    op.create_index('ix_xapi_documents_list', 'xapi_documents', ['tenant_id', 'kind', 'activity_id', 'agent_key', 'updated_at'], unique=False)
    op.create_table('xapi_rollup_state',
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('watermark', sa.BigInteger(), nullable=False),
    sa.Column('statements_counted', sa.BigInteger(), nullable=False),
    sa.Column('actors', sa.Integer(), nullable=False),
    sa.Column('activities', sa.Integer(), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_xapi_rollup_state_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_xapi_rollup_state'))
    )
    op.create_table('xapi_statements',
    sa.Column('pk', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('statement_id', sa.String(length=36), nullable=False),
    sa.Column('stored', UTCDateTime(timezone=True), nullable=False),
    sa.Column('timestamp', UTCDateTime(timezone=True), nullable=False),
    sa.Column('verb_id', sa.Text(), nullable=False),
    sa.Column('actor_key', sa.Text(), nullable=True),
    sa.Column('actor_name', sa.Text(), nullable=True),
    sa.Column('object_agent_key', sa.Text(), nullable=True),
    sa.Column('authority_key', sa.Text(), nullable=True),
    sa.Column('activity_id', sa.Text(), nullable=True),
    sa.Column('activity_type', sa.Text(), nullable=True),
    sa.Column('ref_id', sa.String(length=36), nullable=True),
    sa.Column('registration', sa.String(length=36), nullable=True),
    sa.Column('score_scaled', sa.Float(), nullable=True),
    sa.Column('voided', sa.Boolean(), nullable=False),
    sa.Column('xid', sa.BigInteger(), server_default=_xid_default(), nullable=True),
    sa.Column('document', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_xapi_statements_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pk', name=op.f('pk_xapi_statements')),
    sa.UniqueConstraint('tenant_id', 'statement_id', name='uq_xapi_statements_tenant_statement')
    )
    op.create_index('ix_xapi_statements_tenant_ref', 'xapi_statements', ['tenant_id', 'ref_id'], unique=False,
                    postgresql_where=sa.text('ref_id IS NOT NULL'), sqlite_where=sa.text('ref_id IS NOT NULL'))
    op.create_index('ix_xapi_statements_tenant_actor', 'xapi_statements', ['tenant_id', 'actor_key'], unique=False)
    op.create_index('ix_xapi_statements_tenant_activity', 'xapi_statements', ['tenant_id', 'activity_id'], unique=False)
    op.create_index('ix_xapi_statements_tenant_authority', 'xapi_statements', ['tenant_id', 'authority_key'],
                    unique=False)
    op.create_index('ix_xapi_statements_tenant_object_agent', 'xapi_statements', ['tenant_id', 'object_agent_key'],
                    unique=False, postgresql_where=sa.text('object_agent_key IS NOT NULL'),
                    sqlite_where=sa.text('object_agent_key IS NOT NULL'))
    op.create_index('ix_xapi_statements_tenant_registration', 'xapi_statements', ['tenant_id', 'registration'], unique=False)
    op.create_index('ix_xapi_statements_tenant_stored', 'xapi_statements', ['tenant_id', 'stored', 'pk'], unique=False)
    op.create_index('ix_xapi_statements_tenant_verb', 'xapi_statements', ['tenant_id', 'verb_id', 'stored'], unique=False)
    op.create_index('ix_xapi_statements_tenant_xid', 'xapi_statements', ['tenant_id', 'xid'], unique=False)
    op.create_table('xapi_statement_activities',
    sa.Column('statement_pk', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('activity_id', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['statement_pk'], ['xapi_statements.pk'], name=op.f('fk_xapi_statement_activities_statement_pk_xapi_statements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('statement_pk', 'activity_id', name=op.f('pk_xapi_statement_activities'))
    )
    op.create_index('ix_xapi_statement_activities_lookup', 'xapi_statement_activities', ['tenant_id', 'activity_id', 'statement_pk'], unique=False)
    op.create_table('xapi_statement_agents',
    sa.Column('statement_pk', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('agent_key', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['statement_pk'], ['xapi_statements.pk'], name=op.f('fk_xapi_statement_agents_statement_pk_xapi_statements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('statement_pk', 'agent_key', name=op.f('pk_xapi_statement_agents'))
    )
    op.create_index('ix_xapi_statement_agents_lookup', 'xapi_statement_agents', ['tenant_id', 'agent_key', 'statement_pk'], unique=False)
    # ### end Alembic commands ###


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
