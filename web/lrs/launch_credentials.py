"""Launch credentials: the LRS `Authorization` a TinCan or cmi5 launch hands its content.

A launch credential is a Basic key/secret pair (key `lch_...`) like a tenant's LRS
credentials, but it speaks for one learner (an xAPI Agent) in one registration, optionally
only about activities under an IRI prefix, and it expires (and can be revoked). Content is
hostile code, so `/xapi` holds such a caller to its scope:

- statements written must have that actor and that registration in their context (and,
  with a prefix, an Activity object under it; a voiding statement may only void one of
  the same actor and registration); anything else is refused with 403;
- statement reads only ever return statements of that actor and registration;
- State documents: that actor and that registration (and the prefix); Agent Profile and
  the Agents resource: that actor; Activity Profile: reads, and writes under the prefix.

On a tenant's content origin `/xapi` takes launch credentials of that tenant only (content
then reaches the LRS same-origin, with no CORS); on the API origin it takes both kinds.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.base import utcnow
from models.xapi import XapiStatement
from models.xapi_launch import LaunchCredential
from web.errors import ApiError
from web.lrs.credentials import LrsClient, hash_secret, parse_basic
from web.lrs.documents import Resource
from web.lrs.normalize import agent_key
from web.lrs.validation import validate_statements

KEY_PREFIX = "lch_"
VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
DEFAULT_TTL = timedelta(hours=12)  # as long as a player attempt stays authorised (web.player.tokens)


@dataclass(frozen=True)
class LaunchClient(LrsClient):
    """An `/xapi` caller holding a launch credential: an `LrsClient` with a scope."""

    actor_key: str = ""
    registration: str = ""
    activity_prefix: str | None = None


@dataclass(frozen=True)
class IssuedCredential:
    """A new launch credential; `token` and `authorization` are shown only once."""

    id: str
    key: str
    secret: str
    expires_at: datetime

    @property
    def token(self) -> str:
        """base64(key:secret): a cmi5 `auth-token`."""
        return base64.b64encode(f"{self.key}:{self.secret}".encode()).decode()

    @property
    def authorization(self) -> str:
        """The `Authorization` header value (the TinCan launch's `auth` parameter)."""
        return "Basic " + self.token


def account_actor(home_page: str, user_id: str, name: str | None = None) -> dict[str, Any]:
    """The learner as an xAPI Agent: an account on the service, named by the partner's user id.

    The same agent the player's SCORM statements use (`web.player.xapi_report.statement`).
    """
    actor: dict[str, Any] = {"objectType": "Agent", "account": {"homePage": home_page, "name": user_id}}
    if name:
        actor["name"] = name
    return actor


def issue(session: Session, tenant_id: str, *, actor: dict[str, Any], registration: str,
          ttl: timedelta = DEFAULT_TTL, activity_prefix: str | None = None, session_id: str | None = None,
          purpose: str = "") -> IssuedCredential:  # fmt: skip
    """Create a launch credential in the session's transaction (the caller commits).

    Raises:
        ValueError: the actor has no inverse functional identifier.
    """
    key = agent_key(actor)
    if key is None:
        raise ValueError("a launch credential needs an actor with an mbox, openid or account")
    secret = secrets.token_urlsafe(32)
    row = LaunchCredential(tenant_id=tenant_id, key=KEY_PREFIX + secrets.token_hex(12),
                           secret_hash=hash_secret(secret), actor=json.dumps(actor, ensure_ascii=False),
                           actor_key=key, registration=registration.lower(), activity_prefix=activity_prefix,
                           session_id=session_id, purpose=purpose, expires_at=utcnow() + ttl)
    session.add(row)
    session.flush()
    return IssuedCredential(row.id, row.key, secret, row.expires_at)


def revoke(session: Session, tenant_id: str, *, credential_id: str | None = None, session_id: str | None = None) -> int:
    """Revoke one credential, or every credential of a learner session; returns how many."""
    query = update(LaunchCredential).where(LaunchCredential.tenant_id == tenant_id,
                                           LaunchCredential.revoked_at.is_(None))
    if credential_id is not None:
        query = query.where(LaunchCredential.id == credential_id)
    elif session_id is not None:
        query = query.where(LaunchCredential.session_id == session_id)
    else:
        raise ValueError("name a credential or a session to revoke")
    return session.execute(query.values(revoked_at=utcnow())).rowcount or 0


def is_launch_header(header: str | None) -> bool:
    """Whether a Basic header carries a launch credential's key (without checking it)."""
    pair = parse_basic(header)
    return pair is not None and pair[0].startswith(KEY_PREFIX)


def authenticate(session: Session, header: str | None) -> LaunchClient | None:
    """The launch client behind a Basic header, or None when missing, wrong, expired or revoked."""
    pair = parse_basic(header)
    if pair is None or not pair[0].startswith(KEY_PREFIX):
        return None
    row = session.scalar(select(LaunchCredential).where(LaunchCredential.key == pair[0]))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    if not hmac.compare_digest(row.secret_hash, hash_secret(pair[1])):
        return None
    return LaunchClient(row.id, row.tenant_id, row.key, actor_key=row.actor_key, registration=row.registration,
                        activity_prefix=row.activity_prefix)  # fmt: skip


def forbidden(message: str, **details: Any) -> ApiError:
    """A 403 in the envelope: the request is outside the launch credential's scope."""
    return ApiError(403, "FORBIDDEN", message, details)


def _in_prefix(client: LaunchClient, activity_id: str) -> bool:
    return client.activity_prefix is None or activity_id.startswith(client.activity_prefix)


def check_statements(session: Session, client: LrsClient, statements: list[Any], version: str) -> None:
    """Refuse a batch with any statement outside a launch client's scope (other clients pass).

    An invalid batch passes here so validation answers it with its own 400.

    Raises:
        ApiError: 403 naming the first statement out of scope.
    """
    if not isinstance(client, LaunchClient) or validate_statements(statements, version):
        return
    for index, body in enumerate(statements):
        reason = _statement_refusal(client, body)
        if reason:
            raise forbidden(f"Statement [{index}] is outside this launch's scope: {reason}", index=index)
    voided = [b["object"]["id"].lower() for b in statements if b["verb"]["id"] == VOIDED_VERB]
    if voided and not _all_in_scope(session, client, voided):
        raise forbidden("A voided statement is outside this launch's scope")


def _statement_refusal(client: LaunchClient, body: dict[str, Any]) -> str | None:
    """Why one (valid) statement is out of scope, or None."""
    if agent_key(body.get("actor")) != client.actor_key:
        return "the actor is not this launch's learner"
    registration = (body.get("context") or {}).get("registration")
    if not isinstance(registration, str) or registration.lower() != client.registration:
        return "context.registration is not this launch's registration"
    obj = body["object"]
    if obj.get("objectType", "Activity") == "Activity" and not _in_prefix(client, obj["id"]):
        return "the object is not an activity of this launch"
    return None


def _all_in_scope(session: Session, client: LaunchClient, statement_ids: list[str]) -> bool:
    """Whether every one of these stored statements has the client's actor and registration."""
    found = session.scalars(select(XapiStatement.statement_id).where(
        XapiStatement.tenant_id == client.tenant_id, XapiStatement.statement_id.in_(statement_ids),
        XapiStatement.actor_key == client.actor_key, XapiStatement.registration == client.registration))
    return set(found) == set(statement_ids)


def read_scope(client: LrsClient) -> tuple[str, str] | None:
    """(actor key, registration) every statement read by this client must have; None for no limit."""
    return (client.actor_key, client.registration) if isinstance(client, LaunchClient) else None


def check_statement_read(session: Session, client: LrsClient, statement_id: str) -> None:
    """A single-statement GET: a launch client sees only its own; others answer 404 as if absent.

    Raises:
        ApiError: 404 for a statement outside the scope (its existence is not revealed).
    """
    if isinstance(client, LaunchClient) and not _all_in_scope(session, client, [statement_id.lower()]):
        raise ApiError(404, "NOT_FOUND", "Statement not found")


def check_document(client: LrsClient, resource: Resource, activity_id: str, agent: str, registration: str,
                   writing: bool) -> None:  # fmt: skip
    """Refuse a document request outside a launch client's scope (other clients pass).

    Raises:
        ApiError: 403.
    """
    if not isinstance(client, LaunchClient):
        return
    if resource is not Resource.ACTIVITY_PROFILE and agent != client.actor_key:
        raise forbidden("The agent is not this launch's learner")
    if resource is Resource.STATE and registration.lower() != client.registration:
        raise forbidden("The registration is not this launch's registration")
    if resource is Resource.AGENT_PROFILE:
        return
    if resource is Resource.ACTIVITY_PROFILE and writing and client.activity_prefix is None:
        raise forbidden("This launch may not write activity profiles")
    if (resource is Resource.STATE or writing) and not _in_prefix(client, activity_id):
        raise forbidden("The activity is not an activity of this launch")


def check_agent(client: LrsClient, agent: str | None) -> None:
    """The Agents resource: a launch client may only ask about its own learner.

    Raises:
        ApiError: 403.
    """
    if isinstance(client, LaunchClient) and agent != client.actor_key:
        raise forbidden("The agent is not this launch's learner")
