"""xAPI analytics rollups: fold new statements into per-actor and per-activity aggregates.

Input: a tenant id and a database engine. Output: a `RollupReport` (windows and statements
folded). The stage is incremental from a per-tenant watermark and idempotent: each window is
read, aggregated and written together with the new watermark in one transaction, under a
lock on the tenant's state row, so a crash or a second run never counts a statement twice.

The watermark runs over the inserting transaction's id (`xapi_statements.xid`, Postgres),
bounded by the oldest transaction still running in the database: every row below that
bound is committed and visible, so a statement whose transaction commits late is never
skipped (and a long write transaction holds the rollups back until it ends). SQLite (one
writer at a time) uses the row's primary key instead. Counted statements are the tenant's
non-voided, non-voiding ones; a voiding statement makes the window recompute the actor and
activity of its target from the base table (`pipeline.rollup_sql`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, select, text, update
from sqlalchemy.orm import Session

from models.db import transaction
from models.packages import Package
from models.xapi import XapiStatement, dialect_insert, is_postgres
from models.xapi_rollups import XapiActivityRollup, XapiRollupState
from pipeline import rollup_pg, rollup_sql
from pipeline.rollup_sql import Tally

# Large windows amortize the per-actor upserts when the rollups catch up after a burst.
WINDOW_ROWS = 100_000


@dataclass
class RollupReport:
    """What one run folded in."""

    windows: int = 0
    statements: int = 0
    watermark: int = 0


def package_prefix(public_base_url: str) -> str:
    """How the IRIs of the tenant's packages (and of their SCOs) start."""
    return public_base_url.rstrip("/") + "/packages/"


def package_id_for(activity_id: str, public_base_url: str) -> str | None:
    """The package an activity belongs to: its IRI is `{PUBLIC_BASE_URL}/packages/{id}[/...]`."""
    prefix = package_prefix(public_base_url)
    if not activity_id.startswith(prefix):
        return None
    package = activity_id[len(prefix):].split("/")[0].split("?")[0].split("#")[0]
    return package or None


def roll_up(engine: Engine, tenant_id: str, public_base_url: str, window_rows: int = WINDOW_ROWS) -> RollupReport:
    """Fold every committed, not yet counted statement of the tenant into its rollups."""
    report = RollupReport()
    while True:
        with transaction(engine) as session:
            folded, capped, watermark = _one_window(session, tenant_id, public_base_url, window_rows)
        report.statements += folded
        report.windows += folded > 0
        report.watermark = watermark
        if not capped:
            return report


def rebuild(engine: Engine, tenant_id: str, public_base_url: str) -> RollupReport:
    """Drop a tenant's rollups and count every statement again from the start."""
    with transaction(engine) as session:
        rollup_sql.clear(session, tenant_id)
    return roll_up(engine, tenant_id, public_base_url)


def _lock_state(session: Session, tenant_id: str) -> XapiRollupState:
    """Create (if needed) and lock the tenant's state row: one window at a time per tenant."""
    session.execute(dialect_insert(session, XapiRollupState)
                    .values(tenant_id=tenant_id, watermark=0, statements_counted=0, actors=0, activities=0)
                    .on_conflict_do_nothing(index_elements=["tenant_id"]))
    query = select(XapiRollupState).where(XapiRollupState.tenant_id == tenant_id)
    if is_postgres(session):
        query = query.with_for_update()
    return session.scalars(query).one()


def window_column(session: Session) -> Any:
    """The column the watermark runs over."""
    return XapiStatement.xid if is_postgres(session) else XapiStatement.pk


# The oldest transaction id still running in this database (64-bit, as the xid column stores
# it), else the next id to be assigned. pg_stat_activity shows 32-bit ids: they are widened
# with the epoch of the snapshot's xmax. Transactions of other databases cannot write here,
# so unlike the cluster-wide snapshot xmin they never hold the watermark back.
_PG_HORIZON = text("""
WITH snap AS (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS xmax)
SELECT least(snap.xmax, coalesce(min(
    ((snap.xmax >> 32) << 32) + a.backend_xid::text::bigint
    - CASE WHEN a.backend_xid::text::bigint > (snap.xmax & 4294967295) THEN 4294967296 ELSE 0 END
  ), snap.xmax))
FROM snap LEFT JOIN pg_stat_activity a
  ON a.datname = current_database() AND a.backend_xid IS NOT NULL AND a.pid <> pg_backend_pid()
GROUP BY snap.xmax
""")


def _horizon(session: Session, tenant_id: str) -> int:
    """The exclusive upper bound below which every row is committed and visible.

    Must run first in the window's transaction (before it writes and gets an id itself).
    """
    if is_postgres(session):
        return int(session.scalar(_PG_HORIZON))
    top = session.scalar(select(XapiStatement.pk).where(XapiStatement.tenant_id == tenant_id)
                         .order_by(XapiStatement.pk.desc()).limit(1))
    return (top or 0) + 1


def _one_window(session: Session, tenant_id: str, base_url: str, window_rows: int) -> tuple[int, bool, int]:
    """Fold one window; returns (statements folded, whether the window was capped, watermark)."""
    horizon = _horizon(session, tenant_id)
    state = _lock_state(session, tenant_id)
    low, column = state.watermark, window_column(session)
    cap = session.scalar(
        select(column).where(XapiStatement.tenant_id == tenant_id, column >= low, column < horizon)
        .order_by(column).offset(window_rows).limit(1)
    )
    high = cap if cap is not None and cap > low else horizon
    if high <= low:
        return 0, False, low
    if is_postgres(session):
        folded, voided_targets, unlinked = rollup_pg.fold_window(session, tenant_id, low, high,
                                                                 package_prefix(base_url))
        _link_packages(session, tenant_id, unlinked, base_url)
    else:
        window = and_(XapiStatement.tenant_id == tenant_id, column >= low, column < high)
        actors, activities, counted_rows, voided_targets, folded = rollup_sql.window_tallies(session, window)
        for activity_id, tally in activities.items():
            tally.extra["package_id"] = package_id_for(activity_id, base_url)
        _keep_known_packages(session, tenant_id, activities)
        rollup_sql.apply_increments(session, tenant_id, actors, activities, counted_rows)
    if voided_targets:
        rollup_sql.recompute(session, tenant_id, voided_targets, column < high, base_url)
    state.watermark = high
    state.statements_counted += folded
    state.actors, state.activities = rollup_sql.row_counts(session, tenant_id)
    state.updated_at = rollup_sql.now()
    return folded, cap is not None and cap > low, high


def _link_packages(session: Session, tenant_id: str, activity_ids: list[str], base_url: str) -> None:
    """Set package_id on activity rollups whose IRI names one of the tenant's packages."""
    candidates = {activity_id: package_id_for(activity_id, base_url) for activity_id in activity_ids}
    wanted = {package for package in candidates.values() if package}
    if not wanted:
        return
    known = set(session.scalars(select(Package.id).where(Package.tenant_id == tenant_id, Package.id.in_(wanted))))
    rollup = XapiActivityRollup
    for activity_id, package in candidates.items():
        if package in known:
            session.execute(update(rollup).where(rollup.tenant_id == tenant_id, rollup.activity_id == activity_id)
                            .values(package_id=package))


def _keep_known_packages(session: Session, tenant_id: str, activities: dict[str, Tally]) -> None:
    """Link an activity to a package only when that package is one of the tenant's."""
    wanted = {tally.extra["package_id"] for tally in activities.values() if tally.extra.get("package_id")}
    if not wanted:
        return
    known = set(session.scalars(select(Package.id).where(Package.tenant_id == tenant_id, Package.id.in_(wanted))))
    for tally in activities.values():
        if tally.extra.get("package_id") not in known:
            tally.extra["package_id"] = None
