"""The statement store shared by `/xapi` and `/api/v1/xapi`: write a batch, read statements.

`store_statements` takes validated statements, prepares them (`normalize`), refuses id
conflicts, inserts rows and filter keys, applies voiding, merges Activity definitions and
keeps attachment content, all in the caller's transaction (a batch is stored whole or not
at all). Queries live in `store_query`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from models.xapi import (
    XapiActivity,
    XapiAttachment,
    XapiStatement,
    XapiStatementActivity,
    XapiStatementAgent,
    dialect_insert,
    execute_many,
    is_postgres,
)
from web.lrs.datatypes import format_timestamp, parse_timestamp
from web.lrs.multipart import Part
from web.lrs.normalize import StatementIndex, index_statement, prepare_statement
from web.lrs.validation import VOIDED_VERB

# Properties that differ between two sends of the same statement without it being different.
_NOT_COMPARED = ("stored", "authority", "version")


class StoreError(Exception):
    """The batch cannot be stored: `status` is the HTTP status the LRS answers with."""

    def __init__(self, status: int, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or {}


@dataclass
class StoreResult:
    """Ids of the batch in request order, and the number of rows actually inserted."""

    ids: list[str]
    inserted: int = 0
    stored: str = ""
    new_ids: list[str] = field(default_factory=list)


def now_ms() -> datetime:
    """The current UTC time truncated to milliseconds (the precision `stored` is shown with)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def store_statements(session: Session, tenant_id: str, statements: list[dict], *, authority: dict,
                     version: str, parts: dict[str, Part] | None = None) -> StoreResult:
    """Store a validated batch in the session's transaction (the caller commits).

    Raises:
        StoreError: 400 for an id repeated in the batch, 409 when an id exists with
            different content.
    """
    given = [str(s["id"]).lower() for s in statements if s.get("id")]
    if len(given) != len(set(given)):
        raise StoreError(400, "DUPLICATE_STATEMENT_ID", "A statement id appears twice in the batch")
    stored_at = now_ms()
    stored = format_timestamp(stored_at)
    timestamped = {str(s["id"]).lower() for s in statements if s.get("id") and "timestamp" in s}
    prepared = [prepare_statement(s, stored=stored, authority=authority, header_version=version)
                for s in statements]
    inserted = _insert(session, tenant_id, prepared, stored_at)
    if len(inserted) < len(prepared):
        _check_resent(session, tenant_id, [s for s in prepared if s["id"] not in inserted], timestamped)
    fresh = [s for s in prepared if s["id"] in inserted]
    if fresh:
        _void(session, tenant_id, fresh)
        merge_activities(session, tenant_id, fresh)
    if parts:
        _save_attachments(session, tenant_id, parts)
    return StoreResult([s["id"] for s in prepared], len(fresh), stored, [s["id"] for s in fresh])


def _check_resent(session: Session, tenant_id: str, resent: list[dict], timestamped: set[str]) -> None:
    """Statements whose id already exists must match what is stored (else 409)."""
    existing = _existing(session, tenant_id, [s["id"] for s in resent])
    for statement in resent:
        previous = existing.get(statement["id"])
        if previous is None or not same_statement(previous, statement, statement["id"] in timestamped):
            raise StoreError(409, "CONFLICT", f"Statement {statement['id']} exists with different content")


def same_statement(previous: dict, statement: dict, has_timestamp: bool) -> bool:
    """Whether a re-sent statement matches the stored one (LRS-set properties aside)."""
    ignored = _NOT_COMPARED if has_timestamp else (*_NOT_COMPARED, "timestamp")
    return ({k: v for k, v in previous.items() if k not in ignored}
            == {k: v for k, v in statement.items() if k not in ignored})


def _existing(session: Session, tenant_id: str, ids: list[str]) -> dict[str, dict]:
    """Stored statements among `ids`, decoded."""
    if not ids:
        return {}
    rows = session.execute(
        select(XapiStatement.statement_id, XapiStatement.document)
        .where(XapiStatement.tenant_id == tenant_id, XapiStatement.statement_id.in_(ids))
    )
    return {row.statement_id: json.loads(row.document) for row in rows}


def _row(tenant_id: str, statement: dict, index: StatementIndex, stored_at: datetime) -> dict[str, Any]:
    """The scalar columns of one statement."""
    obj = statement["object"]
    definition = (obj.get("definition") or {}) if index.activities else {}
    score = ((statement.get("result") or {}).get("score") or {}).get("scaled")
    actor_name = statement["actor"].get("name")
    return {
        "tenant_id": tenant_id,
        "statement_id": statement["id"],
        "stored": stored_at,
        "timestamp": parse_timestamp(statement["timestamp"], require_zone=False) or stored_at,
        "verb_id": index.verb,
        "actor_key": index.actor_key,
        "actor_name": actor_name if isinstance(actor_name, str) else None,
        "object_agent_key": index.object_agent_key,
        "authority_key": index.authority_key,
        "activity_id": obj["id"] if index.activities else None,
        "activity_type": definition.get("type"),
        "ref_id": index.ref_id,
        "registration": index.registration,
        "score_scaled": float(score) if isinstance(score, (int, float)) else None,
        "voided": False,
        "document": json.dumps(statement, separators=(",", ":"), ensure_ascii=False),
    }


def _insert(session: Session, tenant_id: str, statements: list[dict], stored_at: datetime) -> set[str]:
    """Insert statement rows (skipping ids already stored), then their other agents/activities.

    Returns:
        The ids actually inserted.
    """
    indexes = {s["id"]: index_statement(s) for s in statements}
    rows = [_row(tenant_id, s, indexes[s["id"]], stored_at) for s in statements]
    table = XapiStatement.__table__
    insert = dialect_insert(session, table).on_conflict_do_nothing(index_elements=["tenant_id", "statement_id"])
    result = session.execute(insert.returning(table.c.pk, table.c.statement_id), rows)
    pks = {row.statement_id: row.pk for row in result}
    agents = [{"statement_pk": pk, "agent_key": key, "tenant_id": tenant_id}
              for statement_id, pk in pks.items() for key in indexes[statement_id].extra_agents]
    activities = [{"statement_pk": pk, "activity_id": key, "tenant_id": tenant_id}
                  for statement_id, pk in pks.items() for key in indexes[statement_id].extra_activities]
    execute_many(session, XapiStatementAgent.__table__.insert(), agents)
    execute_many(session, XapiStatementActivity.__table__.insert(), activities)
    return set(pks)


def _void(session: Session, tenant_id: str, statements: list[dict]) -> None:
    """Mark the targets of voiding statements; a voiding statement itself cannot be voided."""
    targets = [s["object"]["id"] for s in statements if s["verb"]["id"] == VOIDED_VERB]
    if targets:
        session.execute(
            update(XapiStatement)
            .where(XapiStatement.tenant_id == tenant_id, XapiStatement.statement_id.in_(targets),
                   XapiStatement.verb_id != VOIDED_VERB)
            .values(voided=True)
        )


def _activities_with_definitions(statement: dict) -> list[dict]:
    """Activity objects carrying a definition, in the statement and its SubStatement."""
    found = []
    for body in (statement, statement["object"]):
        if body is not statement and body.get("objectType") != "SubStatement":
            continue
        obj = body["object"]
        if obj.get("objectType", "Activity") == "Activity":
            found.append(obj)
        for items in ((body.get("context") or {}).get("contextActivities") or {}).values():
            found.extend(items)
    return [item for item in found if item.get("definition")]


def merge_definition(old: dict, new: dict) -> dict:
    """Merge two Activity definitions: language maps and extensions by key, the rest replaced."""
    merged = {**old, **new}
    for key in ("name", "description", "extensions"):
        if isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
            merged[key] = {**old[key], **new[key]}
    return merged


# Canonical definitions this process knows are committed: the same definition sent again
# (content usually repeats it on every statement) then costs no query at all.
_KNOWN: dict[tuple[str, str], dict] = {}
_KNOWN_LIMIT = 20_000


@event.listens_for(Session, "after_commit")
def _remember_definitions(session: Session) -> None:
    known = session.info.pop("xapi_definitions", None)
    if known:
        if len(_KNOWN) > _KNOWN_LIMIT:
            _KNOWN.clear()
        _KNOWN.update(known)


@event.listens_for(Session, "after_soft_rollback")
def _forget_definitions(session: Session, previous_transaction: object) -> None:
    # Any rollback, a savepoint's included: what it undid must not be remembered as stored.
    session.info.pop("xapi_definitions", None)


def merge_activities(session: Session, tenant_id: str, statements: list[dict]) -> None:
    """Fold the batch's Activity definitions into the canonical ones (xAPI 2.0 §4.1.6.4)."""
    incoming: dict[str, dict] = {}
    for statement in statements:
        for activity in _activities_with_definitions(statement):
            incoming[activity["id"]] = merge_definition(incoming.get(activity["id"], {}), activity["definition"])
    incoming = {key: value for key, value in incoming.items()
                if merge_definition(_KNOWN.get((tenant_id, key), {}), value) != _KNOWN.get((tenant_id, key))}
    if not incoming:
        return
    current = _definitions(session, tenant_id, sorted(incoming), lock=False)
    changed = {key for key, value in incoming.items()
               if merge_definition(current.get(key, {}), value) != current.get(key)}
    remembered = session.info.setdefault("xapi_definitions", {})
    remembered.update({(tenant_id, key): value for key, value in current.items() if key not in changed})
    if not changed:
        return
    current = _definitions(session, tenant_id, sorted(changed), lock=True)
    rows = []
    for activity_id in sorted(changed):
        merged = merge_definition(current.get(activity_id, {}), incoming[activity_id])
        remembered[(tenant_id, activity_id)] = merged
        rows.append({"tenant_id": tenant_id, "activity_id": activity_id,
                     "definition": json.dumps(merged, ensure_ascii=False), "updated_at": now_ms()})
    statement = dialect_insert(session, XapiActivity)
    statement = statement.on_conflict_do_update(
        index_elements=["tenant_id", "activity_id"],
        set_={"definition": statement.excluded.definition, "updated_at": statement.excluded.updated_at},
    )
    execute_many(session, statement, rows)


def _definitions(session: Session, tenant_id: str, activity_ids: list[str], lock: bool) -> dict[str, dict]:
    """Stored canonical definitions (locked for update on Postgres when about to change them)."""
    query = (select(XapiActivity.activity_id, XapiActivity.definition)
             .where(XapiActivity.tenant_id == tenant_id, XapiActivity.activity_id.in_(activity_ids))
             .order_by(XapiActivity.activity_id))
    if lock and is_postgres(session):
        query = query.with_for_update()
    return {row.activity_id: json.loads(row.definition) for row in session.execute(query)}


def _save_attachments(session: Session, tenant_id: str, parts: dict[str, Part]) -> None:
    """Keep attachment content once per tenant and hash."""
    rows = [{"tenant_id": tenant_id, "sha2": sha2, "content_type": part.headers.get("content-type") or
             "application/octet-stream", "content": part.content, "created_at": now_ms()}
            for sha2, part in parts.items()]
    statement = dialect_insert(session, XapiAttachment).on_conflict_do_nothing(index_elements=["tenant_id", "sha2"])
    execute_many(session, statement, rows)
