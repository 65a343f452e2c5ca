"""SQL of the rollup stage: apply a window's increments, recompute voided keys, clear a tenant.

Upserts are written once for Postgres and SQLite (both support `ON CONFLICT`); MIN/MAX of
nullable timestamps use CASE so NULL means "nothing yet" on both backends.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Float, String, and_, case, cast, delete, func, literal, literal_column, select, update
from sqlalchemy.orm import Session

from models.xapi import XapiStatement, dialect_insert, execute_many
from models.xapi_rollups import XapiActivityRollup, XapiActorActivity, XapiActorRollup, XapiRollupState

CHUNK = 500
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
VERBS = {
    "completed_count": "http://adlnet.gov/expapi/verbs/completed",
    "passed_count": "http://adlnet.gov/expapi/verbs/passed",
    "failed_count": "http://adlnet.gov/expapi/verbs/failed",
}


@dataclass
class Tally:
    """Increments for one rollup row (from a window's GROUP BY)."""

    total: int = 0
    completed: int = 0
    passed: int = 0
    failed: int = 0
    score_sum: float = 0.0
    score_count: int = 0
    first: datetime | None = None
    last: datetime | None = None
    label: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def now() -> datetime:
    """The current UTC time."""
    return datetime.now(UTC)


def chunks(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """Split a long IN list (SQLite caps bound parameters)."""
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def actor_mbox(actor_key: str) -> str | None:
    """The e-mail address of an mbox actor key (`mbox:mailto:a@b.c` → `a@b.c`)."""
    return actor_key.removeprefix("mbox:mailto:") if actor_key.startswith("mbox:mailto:") else None


def _tally_row(tally: Tally) -> dict[str, Any]:
    """The counter columns of an increment."""
    return {
        "total_statements": tally.total, "completed_count": tally.completed, "passed_count": tally.passed,
        "failed_count": tally.failed, "score_sum": tally.score_sum, "score_count": tally.score_count,
        "avg_score_scaled": tally.score_sum / tally.score_count if tally.score_count else None,
        "first_activity": tally.first, "last_activity": tally.last,
    }


def _merge_set(model: Any, excluded: Any, label: str) -> dict[str, Any]:
    """ON CONFLICT assignments adding an increment to a stored rollup row."""
    table = model.__table__.c
    assignments: dict[str, Any] = {
        name: table[name] + excluded[name]
        for name in ("total_statements", "completed_count", "passed_count", "failed_count",
                     "score_sum", "score_count")
    }
    count = table.score_count + excluded.score_count
    # No bound parameters in the SET clause: they would stop SQLAlchemy batching the rows.
    assignments["avg_score_scaled"] = case(
        (count > literal_column("0"), (table.score_sum + excluded.score_sum) / cast(count, Float)), else_=None)
    assignments["first_activity"] = case(
        (table.first_activity.is_(None) | (excluded.first_activity < table.first_activity),
         excluded.first_activity), else_=table.first_activity)
    assignments["last_activity"] = case(
        (table.last_activity.is_(None) | (excluded.last_activity > table.last_activity),
         excluded.last_activity), else_=table.last_activity)
    assignments[label] = func.coalesce(excluded[label], table[label])
    return assignments


def pair_hash(column: Any) -> Any:
    """SQL for the 64-bit hash keying the pair table (Postgres' built-in; a Python twin on SQLite)."""
    return func.hashtextextended(column, 0)


def insert_pairs(session: Session, tenant_id: str, counted_rows: Any) -> set[tuple[str, str]]:
    """Record the (actor, activity) pairs of counted statements; return those not seen before.

    One INSERT ... SELECT DISTINCT ... ON CONFLICT DO NOTHING RETURNING, run in the database:
    it answers exactly the pairs it inserted. Each new pair adds one to the actor's distinct
    activities and to the activity's distinct learners.
    """
    table, pair = XapiStatement, XapiActorActivity.__table__
    linked = and_(counted_rows, table.actor_key.is_not(None), table.activity_id.is_not(None))
    source = select(literal(tenant_id, String), pair_hash(table.actor_key), pair_hash(table.activity_id)) \
        .distinct().where(linked)
    insert = dialect_insert(session, pair).from_select(["tenant_id", "actor_hash", "activity_hash"], source)
    insert = insert.on_conflict_do_nothing(index_elements=["tenant_id", "actor_hash", "activity_hash"])
    fresh = set(session.execute(insert.returning(pair.c.actor_hash, pair.c.activity_hash)).tuples())
    if not fresh:
        return set()
    keys = session.execute(select(table.actor_key, table.activity_id, pair_hash(table.actor_key),
                                  pair_hash(table.activity_id)).distinct().where(linked))
    return {(actor, activity) for actor, activity, a, b in keys if (a, b) in fresh}


def apply_increments(session: Session, tenant_id: str, actors: dict[str, Tally],
                     activities: dict[str, Tally], counted_rows: Any) -> None:
    """Add a window's tallies to the rollup rows, distinct counts included (new pairs only)."""
    fresh = insert_pairs(session, tenant_id, counted_rows)
    for actor, activity in fresh:
        actors[actor].extra["new"] = actors[actor].extra.get("new", 0) + 1
        activities[activity].extra["new"] = activities[activity].extra.get("new", 0) + 1
    if actors:
        insert = dialect_insert(session, XapiActorRollup)
        assignments = _merge_set(XapiActorRollup, insert.excluded, "actor_name")
        assignments["unique_activities"] = insert.table.c.unique_activities + insert.excluded.unique_activities
        insert = insert.on_conflict_do_update(index_elements=["tenant_id", "actor_key"], set_=assignments)
        execute_many(session, insert, [{"tenant_id": tenant_id, "actor_key": key, "actor_mbox": actor_mbox(key),
                                  "actor_name": tally.label, "unique_activities": tally.extra.get("new", 0),
                                  **_tally_row(tally)} for key, tally in sorted(actors.items())])
    if activities:
        insert = dialect_insert(session, XapiActivityRollup)
        assignments = _merge_set(XapiActivityRollup, insert.excluded, "activity_type")
        assignments["package_id"] = func.coalesce(insert.excluded.package_id, insert.table.c.package_id)
        assignments["unique_learners"] = insert.table.c.unique_learners + insert.excluded.unique_learners
        insert = insert.on_conflict_do_update(index_elements=["tenant_id", "activity_id"], set_=assignments)
        execute_many(session, insert, [{"tenant_id": tenant_id, "activity_id": key, "activity_type": tally.label,
                                  "package_id": tally.extra.get("package_id"),
                                  "unique_learners": tally.extra.get("new", 0), **_tally_row(tally)}
                                 for key, tally in sorted(activities.items())])


def recount(session: Session, tenant_id: str, actors: set[str], activities: set[str]) -> None:
    """Set unique_activities / unique_learners of some keys from the pair table (after voiding)."""
    pair = XapiActorActivity
    for model, column, keys, key_name, distinct in (
            (XapiActorRollup, pair.actor_hash, actors, "actor_key", "unique_activities"),
            (XapiActivityRollup, pair.activity_hash, activities, "activity_id", "unique_learners")):
        table = model.__table__
        for key in sorted(keys):
            count = select(func.count()).where(pair.tenant_id == tenant_id,
                                               column == pair_hash(literal(key, String))).scalar_subquery()
            session.execute(update(table).where(table.c.tenant_id == tenant_id, table.c[key_name] == key)
                            .values({distinct: count}))


def counted(tenant_id: str, below: Any) -> list[Any]:
    """Conditions for statements the rollups count (up to the watermark being written)."""
    return [XapiStatement.tenant_id == tenant_id, XapiStatement.voided.is_(False),
            XapiStatement.verb_id != VOIDED, below]


def window_tallies(session: Session, window: Any) -> tuple[dict, dict, Any, list[str], int]:
    """Aggregate a window in the database: per actor, per activity, and the voided targets.

    Returns:
        (actor tallies, activity tallies, the condition selecting the window's counted
        statements, ids of voided targets, statements in the window).
    """
    table = XapiStatement
    counted_rows = and_(window, table.voided.is_(False), table.verb_id != VOIDED)
    actors = {row[0]: _tally(row) for row in session.execute(
        select(table.actor_key, *_aggregates(), func.max(table.actor_name))
        .where(counted_rows, table.actor_key.is_not(None)).group_by(table.actor_key))}
    activities = {row[0]: _tally(row) for row in session.execute(
        select(table.activity_id, *_aggregates(), func.max(table.activity_type))
        .where(counted_rows, table.activity_id.is_not(None)).group_by(table.activity_id))}
    voided = list(session.scalars(select(table.ref_id).where(window, table.verb_id == VOIDED,
                                                               table.ref_id.is_not(None))))
    total = session.scalar(select(func.count()).where(window)) or 0
    return actors, activities, counted_rows, voided, total


def _tally(row: Any) -> Tally:
    """A Tally from (key, *`_aggregates()`, label): total, completed, passed, failed, sum, count, avg, first, last."""
    return Tally(total=row[1], completed=row[2], passed=row[3], failed=row[4], score_sum=float(row[5] or 0.0),
                 score_count=row[6], first=row[8], last=row[9], label=row[10])


def _aggregates() -> list[Any]:
    """Full-recompute aggregate columns, named like the rollup columns."""
    columns = [func.count().label("total_statements")]
    columns += [func.sum(case((XapiStatement.verb_id == verb, 1), else_=0)).label(name)
                for name, verb in VERBS.items()]
    columns += [func.coalesce(func.sum(XapiStatement.score_scaled), 0.0).label("score_sum"),
                func.count(XapiStatement.score_scaled).label("score_count"),
                func.avg(XapiStatement.score_scaled).label("avg_score_scaled"),
                func.min(XapiStatement.timestamp).label("first_activity"),
                func.max(XapiStatement.timestamp).label("last_activity")]
    return columns


def recompute(session: Session, tenant_id: str, targets: list[str], below: Any, base_url: str) -> None:
    """Rebuild the rollup rows of the actors and activities whose statements were voided."""
    keys = session.execute(select(XapiStatement.actor_key, XapiStatement.activity_id)
                           .where(XapiStatement.tenant_id == tenant_id, XapiStatement.statement_id.in_(targets))).all()
    dirty_actors = {row.actor_key for row in keys if row.actor_key}
    dirty_activities = {row.activity_id for row in keys if row.activity_id}
    pair = XapiActorActivity
    for batch in chunks(sorted(dirty_actors)):
        # Every activity these actors ever touched may lose a learner (a superset is harmless).
        dirty_activities |= set(session.scalars(select(XapiStatement.activity_id).distinct().where(
            XapiStatement.tenant_id == tenant_id, XapiStatement.actor_key.in_(batch),
            XapiStatement.activity_id.is_not(None))))
        hashes = select(pair_hash(XapiStatement.actor_key)).where(
            XapiStatement.tenant_id == tenant_id, XapiStatement.actor_key.in_(batch))
        session.execute(delete(pair).where(pair.tenant_id == tenant_id, pair.actor_hash.in_(hashes)))
        insert_pairs(session, tenant_id, and_(*counted(tenant_id, below), XapiStatement.actor_key.in_(batch)))
    _replace_rows(session, tenant_id, XapiActorRollup, XapiStatement.actor_key, dirty_actors, below)
    _replace_rows(session, tenant_id, XapiActivityRollup, XapiStatement.activity_id, dirty_activities, below)
    recount(session, tenant_id, dirty_actors, dirty_activities)


def _replace_rows(session: Session, tenant_id: str, model: Any, key_column: Any, keys: set[str], below: Any) -> None:
    """Overwrite the counters of `keys` with a full aggregate (deleting keys left with nothing)."""
    key_name = key_column.key
    for batch in chunks(sorted(keys)):
        rows = {row[0]: row for row in session.execute(
            select(key_column, *_aggregates()).where(*counted(tenant_id, below), key_column.in_(batch))
            .group_by(key_column)).all()}
        gone = [key for key in batch if key not in rows]
        if gone:
            session.execute(delete(model).where(model.tenant_id == tenant_id, getattr(model, key_name).in_(gone)))
        for key, row in rows.items():
            values = {name: row._mapping[name] for name in (
                "total_statements", *VERBS, "score_sum", "score_count", "avg_score_scaled",
                "first_activity", "last_activity")}
            session.execute(update(model).where(model.tenant_id == tenant_id, getattr(model, key_name) == key)
                            .values(**values))


def row_counts(session: Session, tenant_id: str) -> tuple[int, int]:
    """How many actor and activity rollups the tenant has."""
    actors = session.scalar(select(func.count()).where(XapiActorRollup.tenant_id == tenant_id)) or 0
    activities = session.scalar(select(func.count()).where(XapiActivityRollup.tenant_id == tenant_id)) or 0
    return actors, activities


def clear(session: Session, tenant_id: str) -> None:
    """Remove a tenant's rollups, pair counts and watermark."""
    for model in (XapiActorRollup, XapiActivityRollup, XapiActorActivity, XapiRollupState):
        session.execute(delete(model).where(model.tenant_id == tenant_id))
