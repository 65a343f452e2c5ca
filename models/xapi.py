"""xAPI store: statements and their filter keys, attachments, documents, LRS credentials.

Statements keep their JSON as text (returned verbatim for `format=exact`) next to the
scalar columns the queries and the rollups use. `xid` (Postgres only) is the id of the
inserting transaction: rollups advance a watermark over it, which never skips a row that
commits late (see `pipeline.rollup`). Rollup tables live in `models.xapi_rollups`.
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    FetchedValue,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime, UUIDStr, new_id, utcnow

# SQLite only auto-increments an INTEGER PRIMARY KEY.
BigPK = BigInteger().with_variant(Integer, "sqlite")


class XapiStatement(Base):
    """One stored statement of a tenant."""

    __tablename__ = "xapi_statements"
    __table_args__ = (
        UniqueConstraint("tenant_id", "statement_id", name="uq_xapi_statements_tenant_statement"),
        Index("ix_xapi_statements_tenant_stored", "tenant_id", "stored", "pk"),
        Index("ix_xapi_statements_tenant_verb", "tenant_id", "verb_id", "stored"),
        Index("ix_xapi_statements_tenant_registration", "tenant_id", "registration"),
        Index("ix_xapi_statements_tenant_actor", "tenant_id", "actor_key"),
        Index("ix_xapi_statements_tenant_activity", "tenant_id", "activity_id"),
        Index("ix_xapi_statements_tenant_authority", "tenant_id", "authority_key"),
        Index("ix_xapi_statements_tenant_object_agent", "tenant_id", "object_agent_key",
              postgresql_where=text("object_agent_key IS NOT NULL"), sqlite_where=text("object_agent_key IS NOT NULL")),
        Index("ix_xapi_statements_tenant_ref", "tenant_id", "ref_id",
              postgresql_where=text("ref_id IS NOT NULL"), sqlite_where=text("ref_id IS NOT NULL")),
        Index("ix_xapi_statements_tenant_xid", "tenant_id", "xid"),
    )

    pk: Mapped[int] = mapped_column(BigPK, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)
    statement_id: Mapped[str] = mapped_column(UUIDStr, nullable=False)
    stored: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    verb_id: Mapped[str] = mapped_column(Text, nullable=False)
    actor_key: Mapped[str | None] = mapped_column(Text)
    actor_name: Mapped[str | None] = mapped_column(Text)
    object_agent_key: Mapped[str | None] = mapped_column(Text)
    authority_key: Mapped[str | None] = mapped_column(Text)
    activity_id: Mapped[str | None] = mapped_column(Text)
    activity_type: Mapped[str | None] = mapped_column(Text)
    ref_id: Mapped[str | None] = mapped_column(UUIDStr)
    registration: Mapped[str | None] = mapped_column(UUIDStr)
    score_scaled: Mapped[float | None] = mapped_column(Float)
    voided: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # Set by the database (Postgres: the inserting transaction's id); NULL on SQLite.
    xid: Mapped[int | None] = mapped_column(BigInteger, server_default=FetchedValue())
    document: Mapped[str] = mapped_column(Text, nullable=False)


class XapiStatementAgent(Base):
    """An agent found elsewhere in a statement than its actor, object and authority columns.

    (Instructor, team, group members, contextAgents/Groups, the SubStatement's agents.)
    """

    __tablename__ = "xapi_statement_agents"
    __table_args__ = (Index("ix_xapi_statement_agents_lookup", "tenant_id", "agent_key", "statement_pk"),)

    statement_pk: Mapped[int] = mapped_column(
        ForeignKey("xapi_statements.pk", ondelete="CASCADE"), primary_key=True
    )
    agent_key: Mapped[str] = mapped_column(Text, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(UUIDStr, nullable=False)


class XapiStatementActivity(Base):
    """An activity id found in a statement's context or SubStatement (the object is a column)."""

    __tablename__ = "xapi_statement_activities"
    __table_args__ = (
        Index("ix_xapi_statement_activities_lookup", "tenant_id", "activity_id", "statement_pk"),
    )

    statement_pk: Mapped[int] = mapped_column(
        ForeignKey("xapi_statements.pk", ondelete="CASCADE"), primary_key=True
    )
    activity_id: Mapped[str] = mapped_column(Text, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(UUIDStr, nullable=False)


class XapiAttachment(Base):
    """Raw attachment content, shared by every statement that names its sha2."""

    __tablename__ = "xapi_attachments"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    sha2: Mapped[str] = mapped_column(String(128), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(255), nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class XapiActivity(Base):
    """The LRS's canonical Activity definition, merged from every statement naming it."""

    __tablename__ = "xapi_activities"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    activity_id: Mapped[str] = mapped_column(Text, primary_key=True)
    definition: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class XapiDocument(Base):
    """A State, Activity Profile or Agent Profile document.

    Unused key parts are stored as '' (not NULL) so the unique constraint holds on Postgres.
    """

    __tablename__ = "xapi_documents"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id", "kind", "activity_id", "agent_key", "registration", "doc_id",
            name="uq_xapi_documents_key",
        ),
        Index("ix_xapi_documents_list", "tenant_id", "kind", "activity_id", "agent_key", "updated_at"),
    )

    pk: Mapped[int] = mapped_column(BigPK, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    activity_id: Mapped[str] = mapped_column(Text, nullable=False, default="")
    agent_key: Mapped[str] = mapped_column(Text, nullable=False, default="")
    registration: Mapped[str] = mapped_column(String(36), nullable=False, default="")
    doc_id: Mapped[str] = mapped_column(Text, nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    content_type: Mapped[str] = mapped_column(String(255), nullable=False)
    etag: Mapped[str] = mapped_column(String(64), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class LrsCredential(Base):
    """Basic-auth credentials of the standard LRS endpoint; the secret is stored hashed."""

    __tablename__ = "xapi_credentials"

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True, nullable=False
    )
    key: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def dialect_insert(session: Session, model: Any) -> Any:
    """The backend's INSERT construct (both dialects offer `on_conflict_do_*`) on the Core table.

    Core, not the ORM: ORM bulk inserts split the rows into one batch per pattern of NULL
    values, which can send them one by one.
    """
    table = getattr(model, "__table__", model)
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def is_postgres(session: Session) -> bool:
    """Whether the session talks to Postgres (else SQLite, the embedded mode)."""
    return session.get_bind().dialect.name == "postgresql"


def execute_many(session: Session, statement: Any, rows: list[dict[str, Any]]) -> None:
    """Run an INSERT (or upsert) for many rows as multi-row statements.

    SQLAlchemy batches an executemany into multi-row VALUES ("insertmanyvalues") when the
    INSERT has RETURNING; without it psycopg2 sends one row per round trip (about 4x slower).
    """
    if rows:
        key = next(iter(statement.table.primary_key.columns))
        session.execute(statement.returning(key), rows).all()


def _hash64(value: str | None, seed: int) -> int | None:
    """SQLite stand-in for Postgres' `hashtextextended(text, seed)` (any stable 64-bit hash)."""
    if value is None:
        return None
    digest = hashlib.blake2b(value.encode("utf-8"), digest_size=8, salt=seed.to_bytes(16, "big")).digest()
    return int.from_bytes(digest, "big", signed=True)


@event.listens_for(Engine, "connect")
def _register_sqlite_functions(dbapi_connection: Any, _record: Any) -> None:
    # The rollups key (actor, activity) pairs by 64-bit hashes computed in SQL on both backends.
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function("hashtextextended", 2, _hash64, deterministic=True)
