"""Reading the rollup tables for `/api/v1/xapi/analytics/actors|activities`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from models.base import isoformat
from models.xapi_rollups import XapiActivityRollup, XapiActorRollup
from web.pagination import paginate, pagination_block


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _counters(row: Any) -> dict[str, Any]:
    return {
        "total_statements": row.total_statements,
        "completed_count": row.completed_count,
        "passed_count": row.passed_count,
        "failed_count": row.failed_count,
        "avg_score_scaled": _round(row.avg_score_scaled),
        "first_activity": isoformat(row.first_activity),
        "last_activity": isoformat(row.last_activity),
    }


def actor_body(row: XapiActorRollup) -> dict[str, Any]:
    """One actor as the overview shows it."""
    return {"actor_mbox": row.actor_mbox, "actor_name": row.actor_name, "total_statements": row.total_statements,
            "unique_activities": row.unique_activities, **_counters(row)}


def activity_body(row: XapiActivityRollup) -> dict[str, Any]:
    """One activity as the overview shows it."""
    return {"activity_id": row.activity_id, "activity_type": row.activity_type, "package_id": row.package_id,
            "total_statements": row.total_statements, "unique_learners": row.unique_learners, **_counters(row)}


def _sorted(query: Select[Any], model: Any, sort: str, order: str, tie: Any) -> Select[Any]:
    """Order by the requested column, then by the key (same direction) for stable pages.

    A missing value (no score yet) counts as the lowest: last when descending, first when
    ascending, which is also how the (tenant, column NULLS FIRST, key) indexes are built, so
    either direction is an index scan.
    """
    column = getattr(model, sort)
    if order == "asc":
        first = column.asc().nulls_first() if column.nullable else column.asc()
        return query.order_by(first, tie.asc())
    first = column.desc().nulls_last() if column.nullable else column.desc()
    return query.order_by(first, tie.desc())


def list_actors(session: Session, tenant_id: str, args: dict[str, Any]) -> dict[str, Any]:
    """A page of actor rollups with the overview's filters and sorting."""
    query = select(XapiActorRollup).where(XapiActorRollup.tenant_id == tenant_id)
    if args.get("actor_mbox"):
        query = query.where(XapiActorRollup.actor_mbox == args["actor_mbox"])
    if args.get("min_activities") is not None:
        query = query.where(XapiActorRollup.unique_activities >= args["min_activities"])
    query = _sorted(query, XapiActorRollup, args["sort"], args["order"], XapiActorRollup.actor_key)
    rows, total = paginate(session, query, args["page"], args["limit"])
    return {"actors": [actor_body(r) for r in rows], "pagination": pagination_block(args["page"], args["limit"], total)}


def list_activities(session: Session, tenant_id: str, args: dict[str, Any]) -> dict[str, Any]:
    """A page of activity rollups with the overview's filters and sorting."""
    model = XapiActivityRollup
    query = select(model).where(model.tenant_id == tenant_id)
    for name in ("activity_id", "activity_type", "package_id"):
        if args.get(name):
            query = query.where(getattr(model, name) == args[name])
    if args.get("min_learners") is not None:
        query = query.where(model.unique_learners >= args["min_learners"])
    query = _sorted(query, model, args["sort"], args["order"], model.activity_id)
    rows, total = paginate(session, query, args["page"], args["limit"])
    return {"activities": [activity_body(r) for r in rows],
            "pagination": pagination_block(args["page"], args["limit"], total)}
