"""Reading the rollup tables for `/api/v1/xapi/analytics/actors|activities`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from models.base import isoformat
from models.xapi_rollups import XapiActivityRollup, XapiActorRollup, XapiRollupState
from web.pagination import pagination_block


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


def learner_key(home_page: str, user_id: str) -> str:
    """The actor key of a partner's learner: an account on this service named by the partner's user id."""
    return f"account:{home_page}|{user_id}"


def actor_body(row: Any, home_page: str) -> dict[str, Any]:
    """One actor as the overview shows it, with `user_id` when it is one of the partner's learners."""
    prefix = learner_key(home_page, "")
    user_id = row.actor_key[len(prefix):] if row.actor_key.startswith(prefix) else None
    return {"actor_mbox": row.actor_mbox, "actor_name": row.actor_name, "user_id": user_id,
            "total_statements": row.total_statements, "unique_activities": row.unique_activities, **_counters(row)}


def activity_body(row: Any) -> dict[str, Any]:
    """One activity as the overview shows it."""
    return {"activity_id": row.activity_id, "activity_type": row.activity_type, "package_id": row.package_id,
            "total_statements": row.total_statements, "unique_learners": row.unique_learners, **_counters(row)}


def _sorted(query: Select[Any], model: Any, sort: str, order: str, tie: Any) -> Select[Any]:
    """Order by the requested column, then by the key (same direction) for stable pages.

    A missing value (no score yet) counts as the lowest: last when descending, first when
    ascending.
    """
    column = getattr(model, sort)
    if order == "asc":
        first = column.asc().nulls_first() if column.nullable else column.asc()
        return query.order_by(first, tie.asc())
    first = column.desc().nulls_last() if column.nullable else column.desc()
    return query.order_by(first, tie.desc())


def _page(session: Session, query: Select[Any], args: dict[str, Any], known_total: int | None) -> tuple[list, int]:
    """One page of rows (plain rows, no ORM objects) and the total.

    The total is the rollup job's count when no filter applies, else a COUNT(*).
    """
    total = known_total
    if total is None:
        total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.execute(query.limit(args["limit"]).offset((args["page"] - 1) * args["limit"])).all()
    return rows, total


def _known_total(session: Session, tenant_id: str, args: dict[str, Any], filters: tuple[str, ...],
                 column: str) -> int | None:
    """The kept row count, usable when the request filters nothing."""
    if any(args.get(name) is not None for name in filters):
        return None
    return session.scalar(select(getattr(XapiRollupState, column)).where(XapiRollupState.tenant_id == tenant_id)) or 0


def list_actors(session: Session, tenant_id: str, args: dict[str, Any], home_page: str) -> dict[str, Any]:
    """A page of actor rollups with the overview's filters and sorting; `home_page` names our learners' accounts."""
    query = select(*XapiActorRollup.__table__.c).where(XapiActorRollup.tenant_id == tenant_id)
    if args.get("actor_mbox"):
        # The actor key of an mbox is `mbox:mailto:<address>`: the primary key finds it.
        query = query.where(XapiActorRollup.actor_key == f"mbox:mailto:{args['actor_mbox']}")
    if args.get("user_id"):
        query = query.where(XapiActorRollup.actor_key == learner_key(home_page, args["user_id"]))
    if args.get("min_activities") is not None:
        query = query.where(XapiActorRollup.unique_activities >= args["min_activities"])
    query = _sorted(query, XapiActorRollup, args["sort"], args["order"], XapiActorRollup.actor_key)
    known = _known_total(session, tenant_id, args, ("actor_mbox", "user_id", "min_activities"), "actors")
    rows, total = _page(session, query, args, known)
    return {"actors": [actor_body(r, home_page) for r in rows],
            "pagination": pagination_block(args["page"], args["limit"], total)}


def list_activities(session: Session, tenant_id: str, args: dict[str, Any]) -> dict[str, Any]:
    """A page of activity rollups with the overview's filters and sorting."""
    model = XapiActivityRollup
    query = select(*model.__table__.c).where(model.tenant_id == tenant_id)
    for name in ("activity_id", "activity_type", "package_id"):
        if args.get(name):
            query = query.where(getattr(model, name) == args[name])
    if args.get("min_learners") is not None:
        query = query.where(model.unique_learners >= args["min_learners"])
    query = _sorted(query, model, args["sort"], args["order"], model.activity_id)
    filters = ("activity_id", "activity_type", "package_id", "min_learners")
    rows, total = _page(session, query, args, _known_total(session, tenant_id, args, filters, "activities"))
    return {"activities": [activity_body(r) for r in rows],
            "pagination": pagination_block(args["page"], args["limit"], total)}
