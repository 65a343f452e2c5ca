"""`record_event`: the one function every change calls to tell the tenant's webhooks about it.

Call it inside the transaction of the change, before that transaction commits:

    record_event(db, tenant_id, "session.completed", session_body(learner, package))

It writes the event and one pending delivery per enabled endpoint of the tenant that wants the
type, in that transaction (an outbox): a rolled-back change leaves no event, a committed one
always has its deliveries, whether or not Redis answers. Once the transaction commits, the
workers are woken (a sender attached to the engine, see `attach`); if that fails, or no sender
is attached, a worker's maintenance finds the pending deliveries (workers.webhooks.relay).

`resource` is the object as the API shows it (a JSON-serialisable dict); an oversized one is
replaced by its id and `"truncated": true` so the outbox stays bounded.
"""

from __future__ import annotations

import json
import logging
import uuid
import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from models.base import isoformat, utcnow
from models.webhooks import EVENT_TYPES, TEST_EVENT, WebhookDelivery, WebhookEndpoint, WebhookEvent

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024
_PENDING = "allure.webhooks.pending"
# engine → what wakes the workers after a commit (web and workers attach theirs).
_senders: weakref.WeakKeyDictionary[Engine, Callable[[], None]] = weakref.WeakKeyDictionary()


def new_event_id() -> str:
    return "evt_" + uuid.uuid4().hex


def event_body(event_id: str, tenant_id: str, event_type: str, resource: dict[str, Any]) -> str:
    """The JSON body of an event (Standard Webhooks' `type`, `timestamp`, `data`, plus our `id`)."""
    body = {"id": event_id, "type": event_type, "timestamp": isoformat(utcnow()), "tenant_id": tenant_id,
            "data": resource}  # fmt: skip
    text = json.dumps(body, separators=(",", ":"), default=str)
    if len(text.encode()) > MAX_BODY_BYTES:
        body["data"] = {"id": resource.get("id"), "truncated": True}
        text = json.dumps(body, separators=(",", ":"), default=str)
    return text


def record_event(db: Session, tenant_id: str, event_type: str, resource: dict[str, Any]) -> str | None:
    """Record one event for the tenant's endpoints that want it, in `db`'s transaction (the caller commits).

    Returns:
        The event id, or None when no enabled endpoint of the tenant wants this type (nothing is written).
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    endpoints = [e for e in _enabled_endpoints(db, tenant_id) if event_type in (e.events or [])]
    if not endpoints:
        return None
    return _write(db, tenant_id, event_type, resource, endpoints)


def record_test_event(db: Session, endpoint: WebhookEndpoint) -> str:
    """A `webhook.test` event for one endpoint (enabled or not): the test-ping action."""
    resource = {"id": endpoint.id, "url": endpoint.url, "message": "A test event from Allure Connect."}
    return _write(db, endpoint.tenant_id, TEST_EVENT, resource, [endpoint])


def _enabled_endpoints(db: Session, tenant_id: str) -> list[WebhookEndpoint]:
    query = select(WebhookEndpoint).where(WebhookEndpoint.tenant_id == tenant_id, WebhookEndpoint.enabled.is_(True))
    return list(db.scalars(query))


def _write(db: Session, tenant_id: str, event_type: str, resource: dict[str, Any],
           endpoints: list[WebhookEndpoint]) -> str:  # fmt: skip
    event_id = new_event_id()
    event = WebhookEvent(id=event_id, tenant_id=tenant_id, type=event_type,
                         body=event_body(event_id, tenant_id, event_type, resource))  # fmt: skip
    db.add(event)
    now = utcnow()
    for endpoint in endpoints:
        db.add(WebhookDelivery(tenant_id=tenant_id, endpoint_id=endpoint.id, event=event, event_type=event_type,
                               next_attempt_at=now))  # fmt: skip
    wake_after_commit(db)
    return event_id


def wake_after_commit(db: Session) -> None:
    """Wake the webhook workers once `db`'s transaction commits (a delivery made due again, an event)."""
    db.info[_PENDING] = True


def attach(engine: Engine, wake: Callable[[], None]) -> None:
    """After a commit on `engine` that recorded events, call `wake` (it must not raise to matter).

    `wake` must not refer to the engine: the engine is a weak key, so that a dropped engine's
    connections close (every test app makes one).
    """
    _senders[engine] = wake


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if not session.info.pop(_PENDING, False):
        return
    try:
        wake = _senders.get(session.get_bind())  # type: ignore[arg-type]
    except Exception:  # an unbound session: the relay sends them
        return
    if wake is None:
        return
    try:
        wake()
    except Exception:  # Redis away: the deliveries are committed, a worker's relay sends them
        log.warning("could not wake the webhook workers; the relay will send the events", exc_info=True)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    # Events of a rolled-back transaction were never written: nothing to wake for.
    session.info.pop(_PENDING, None)
