"""Reading statements: by id, and by the Statement Resource filters with cursor paging.

Filters follow xAPI 2.0 §4.1.6.1: a statement matches when it satisfies every filter itself,
or when its object is a StatementRef to a statement that does (so voiding statements and
other references come back with their targets). Voided statements are never listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, or_, select, tuple_, union
from sqlalchemy.orm import Session, aliased

from models.xapi import XapiAttachment, XapiStatement, XapiStatementActivity, XapiStatementAgent
from web.lrs.params import StatementParams


@dataclass
class StatementRow:
    """A stored statement as read for output."""

    pk: int
    statement_id: str
    stored: datetime
    document: str


def get_statement(session: Session, tenant_id: str, statement_id: str, voided: bool) -> StatementRow | None:
    """One statement by id; a voided one only when `voided` asks for it (and vice versa)."""
    row = session.execute(
        select(XapiStatement.pk, XapiStatement.statement_id, XapiStatement.stored,
               XapiStatement.document, XapiStatement.voided)
        .where(XapiStatement.tenant_id == tenant_id, XapiStatement.statement_id == statement_id.lower())
    ).first()
    if row is None or row.voided != voided:
        return None
    return StatementRow(row.pk, row.statement_id, row.stored, row.document)


def _agent_set(tenant_id: str, key: str, related: bool) -> Any:
    """Primary keys of statements naming an agent: as actor/object, or anywhere when related."""
    table = XapiStatement
    parts = [select(table.pk).where(table.tenant_id == tenant_id, table.actor_key == key),
             select(table.pk).where(table.tenant_id == tenant_id, table.object_agent_key == key)]
    if related:
        parts += [select(table.pk).where(table.tenant_id == tenant_id, table.authority_key == key),
                  select(XapiStatementAgent.statement_pk).where(XapiStatementAgent.tenant_id == tenant_id,
                                                                XapiStatementAgent.agent_key == key)]
    return union(*parts)


def _activity_set(tenant_id: str, activity_id: str, related: bool) -> Any:
    """Primary keys of statements about an activity: as object, or anywhere when related."""
    direct = select(XapiStatement.pk).where(XapiStatement.tenant_id == tenant_id,
                                            XapiStatement.activity_id == activity_id)
    if not related:
        return direct
    return union(direct, select(XapiStatementActivity.statement_pk).where(
        XapiStatementActivity.tenant_id == tenant_id, XapiStatementActivity.activity_id == activity_id))


def _matches(table: Any, tenant_id: str, params: StatementParams) -> list[Any]:
    """Conditions a statement (alias `table`) must meet to match the filters itself."""
    conditions: list[Any] = []
    if params.verb:
        conditions.append(table.verb_id == params.verb)
    if params.registration:
        conditions.append(table.registration == params.registration)
    if params.agent:
        conditions.append(table.pk.in_(_agent_set(tenant_id, params.agent, params.related_agents)))
    if params.activity:
        conditions.append(table.pk.in_(_activity_set(tenant_id, params.activity, params.related_activities)))
    return conditions


def statements_query(tenant_id: str, params: StatementParams) -> Select[Any]:
    """The SELECT for a filtered, ordered statement list (without LIMIT)."""
    own = _matches(XapiStatement, tenant_id, params)
    query = select(XapiStatement.pk, XapiStatement.statement_id, XapiStatement.stored, XapiStatement.document)
    query = query.where(XapiStatement.tenant_id == tenant_id, XapiStatement.voided.is_(False))
    if own:
        target = aliased(XapiStatement)
        targets = select(target.statement_id).where(target.tenant_id == tenant_id,
                                                    *_matches(target, tenant_id, params))
        query = query.where(or_(and_(*own), XapiStatement.ref_id.in_(targets)))
    if params.scope:
        query = query.where(XapiStatement.actor_key == params.scope[0], XapiStatement.registration == params.scope[1])
    if params.since:
        query = query.where(XapiStatement.stored > params.since)
    if params.until:
        query = query.where(XapiStatement.stored <= params.until)
    position = tuple_(XapiStatement.stored, XapiStatement.pk)
    if params.ascending:
        if params.cursor:
            query = query.where(position > tuple_(*params.cursor))
        return query.order_by(XapiStatement.stored.asc(), XapiStatement.pk.asc())
    if params.cursor:
        query = query.where(position < tuple_(*params.cursor))
    return query.order_by(XapiStatement.stored.desc(), XapiStatement.pk.desc())


def find_statements(session: Session, tenant_id: str, params: StatementParams) -> tuple[list[StatementRow], bool]:
    """One page of matching statements and whether more follow."""
    rows = session.execute(statements_query(tenant_id, params).limit(params.limit + 1)).all()
    page = [StatementRow(r.pk, r.statement_id, r.stored, r.document) for r in rows[: params.limit]]
    return page, len(rows) > params.limit


def load_attachments(session: Session, tenant_id: str, sha2s: list[str]) -> list[tuple[str, str, bytes]]:
    """Stored attachment content for the given hashes: (content type, sha2, content)."""
    if not sha2s:
        return []
    rows = session.execute(
        select(XapiAttachment.content_type, XapiAttachment.sha2, XapiAttachment.content)
        .where(XapiAttachment.tenant_id == tenant_id, XapiAttachment.sha2.in_(sorted(set(sha2s))))
    )
    return [(row.content_type, row.sha2, row.content) for row in rows]
