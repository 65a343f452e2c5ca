"""xAPI analytics rollups: per-actor and per-activity aggregates and the per-tenant watermark.

Kept by `pipeline.rollup` from `xapi_statements`; read by the analytics endpoints. Sums and
counts are stored (not only averages) so increments compose; `avg_score_scaled` is kept
alongside for sorting.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class _Counters:
    """Columns both rollups share."""

    total_statements: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    completed_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    passed_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    failed_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    score_sum: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)
    score_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    avg_score_scaled: Mapped[float | None] = mapped_column(Float)
    first_activity: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_activity: Mapped[datetime | None] = mapped_column(UTCDateTime)


class XapiActorRollup(_Counters, Base):
    """Aggregates of one actor (by IFI key) over the tenant's non-voided statements."""

    __tablename__ = "xapi_actor_rollups"
    # No index on the counters: each rollup window rewrites the rows, and on Postgres (fillfactor
    # 50, see the migration) an update that touches no indexed column stays on its page (HOT).
    # Sorting a tenant's actors for the analytics API is a scan and a top-N sort.

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    actor_key: Mapped[str] = mapped_column(Text, primary_key=True)
    actor_mbox: Mapped[str | None] = mapped_column(Text)
    actor_name: Mapped[str | None] = mapped_column(Text)
    unique_activities: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class XapiActivityRollup(_Counters, Base):
    """Aggregates of one activity (statements whose object it is)."""

    __tablename__ = "xapi_activity_rollups"
    __table_args__ = (Index("ix_xapi_activity_rollups_package", "tenant_id", "package_id"),)

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    activity_id: Mapped[str] = mapped_column(Text, primary_key=True)
    activity_type: Mapped[str | None] = mapped_column(Text)
    package_id: Mapped[str | None] = mapped_column(String(64))
    unique_learners: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class XapiActorActivity(Base):
    """An actor and an activity linked by at least one counted statement (the distinct counts).

    Keyed by 64-bit hashes of the actor key and the activity id (`pipeline.rollup_sql.key_hash`):
    one row per pair ever seen, so small index entries keep the per-statement insert cheap.
    """

    __tablename__ = "xapi_actor_activities"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    actor_hash: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    activity_hash: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


class XapiRollupState(Base):
    """A tenant's rollup watermark: statements below it (by `xid`, or `pk` on SQLite) are counted."""

    __tablename__ = "xapi_rollup_state"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    watermark: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    statements_counted: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    # Row counts of the rollup tables, kept so an unfiltered analytics page needs no COUNT(*).
    actors: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    activities: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
