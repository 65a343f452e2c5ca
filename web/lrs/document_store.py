"""Persistence of State, Activity Profile and Agent Profile documents.

A `DocumentKey` names one document (or, without `doc_id`, the set a GET lists or a State
DELETE clears). Writes go through `write_document`, which applies the concurrency rules of
`documents.check_preconditions` and the JSON merge of POST.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models.xapi import XapiDocument, is_postgres
from web.lrs.documents import (
    DocumentError,
    Resource,
    check_preconditions,
    compute_etag,
    is_json_type,
    merge_json,
    parse_json_object,
)
from web.lrs.store import now_ms


@dataclass(frozen=True)
class DocumentKey:
    """Where a document lives; unused parts are ''."""

    tenant_id: str
    resource: Resource
    activity_id: str = ""
    agent_key: str = ""
    registration: str = ""
    doc_id: str = ""

    def where(self, with_id: bool = True) -> list:
        """SQL conditions selecting this document (or, without the id, its siblings)."""
        conditions = [
            XapiDocument.tenant_id == self.tenant_id,
            XapiDocument.kind == self.resource.value,
            XapiDocument.activity_id == self.activity_id,
            XapiDocument.agent_key == self.agent_key,
        ]
        if self.resource is Resource.STATE:
            conditions.append(XapiDocument.registration == self.registration)
        if with_id:
            conditions.append(XapiDocument.doc_id == self.doc_id)
        return conditions


@dataclass
class WriteRequest:
    """A PUT or POST of one document."""

    method: str
    content: bytes
    content_type: str
    if_match: str | None
    if_none_match: str | None
    version: str


def get_document(session: Session, key: DocumentKey, lock: bool = False) -> XapiDocument | None:
    """The document at `key`, if any."""
    query = select(XapiDocument).where(*key.where())
    if lock and is_postgres(session):
        query = query.with_for_update()
    return session.scalar(query)


def list_ids(session: Session, key: DocumentKey, since: datetime | None) -> list[str]:
    """Ids of the documents next to `key`, optionally only those updated after `since`."""
    query = select(XapiDocument.doc_id).where(*key.where(with_id=False))
    if since is not None:
        query = query.where(XapiDocument.updated_at > since)
    return list(session.scalars(query.order_by(XapiDocument.doc_id)))


def write_document(session: Session, key: DocumentKey, request: WriteRequest) -> None:
    """Store a PUT (replace) or POST (merge) in the caller's transaction.

    Raises:
        DocumentError: a failed precondition or a refused merge.
    """
    current = get_document(session, key, lock=True)
    check_preconditions(method=request.method, resource=key.resource,
                        current_etag=current.etag if current else None, if_match=request.if_match,
                        if_none_match=request.if_none_match, version=request.version)
    content, content_type = request.content, request.content_type or "application/octet-stream"
    if request.method == "POST":
        if current is not None:
            content = merge_json(current.content, current.content_type, content, content_type)
            content_type = "application/json"
        elif is_json_type(content_type):
            parse_json_object(content)
    if current is None:
        session.add(XapiDocument(
            tenant_id=key.tenant_id, kind=key.resource.value, activity_id=key.activity_id,
            agent_key=key.agent_key, registration=key.registration, doc_id=key.doc_id,
            content=content, content_type=content_type, etag=compute_etag(content), updated_at=now_ms(),
        ))
    else:
        current.content, current.content_type = content, content_type
        current.etag, current.updated_at = compute_etag(content), now_ms()


def delete_documents(session: Session, key: DocumentKey, if_match: str | None, single: bool) -> None:
    """Delete one document (honouring If-Match) or, for State without stateId, all of them."""
    if not single:
        session.execute(delete(XapiDocument).where(*key.where(with_id=False)))
        return
    current = get_document(session, key, lock=True)
    if if_match is not None:
        check_preconditions(method="DELETE", resource=key.resource,
                            current_etag=current.etag if current else None,
                            if_match=if_match, if_none_match=None, version="2.0.0")
    if current is not None:
        session.delete(current)


__all__ = ["DocumentError", "DocumentKey", "WriteRequest", "delete_documents", "get_document",
           "list_ids", "write_document"]
