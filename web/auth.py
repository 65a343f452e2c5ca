"""API key authentication and scopes: Bearer or X-API-Key (Bearer wins)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from flask import Flask, current_app, g, request
from sqlalchemy import update

from models.base import isoformat, utcnow
from models.tenants import ApiKey, find_key
from web.errors import ApiError
from web.services import db

F = TypeVar("F", bound=Callable[..., object])
API_PREFIX = "/api/v1/"
_LAST_USED_GRANULARITY = timedelta(minutes=1)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id, its tenant and scopes."""

    key_id: str
    tenant_id: str
    scopes: frozenset[str]


def presented_key() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    api_key = request.headers.get("X-API-Key", "").strip()
    return api_key or None


def authenticate() -> Principal:
    secret = presented_key()
    if not secret and request.headers.get("Authorization", "").strip():
        raise ApiError(401, "UNAUTHORIZED", "Send the key as 'Authorization: Bearer <key>' or in the X-API-Key header.",
                       {"header": "Authorization"})
    if not secret:
        raise ApiError(401, "UNAUTHORIZED", "Missing API key")
    key = find_key(db(), secret)
    if key is None or key.revoked_at is not None:
        raise ApiError(401, "UNAUTHORIZED", "Invalid or revoked API key")
    if key.expired():
        raise ApiError(401, "API_KEY_EXPIRED", "This API key has expired; create a new one.",
                       {"expired_at": isoformat(key.expires_at)})
    _touch(key)
    return Principal(key.id, key.tenant_id, key.scope_set)


def _touch(key: ApiKey) -> None:
    # Written at most once a minute per key, so reads stay cheap under load.
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > _LAST_USED_GRANULARITY:
        db().execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
        db().commit()


def view_marker(name: str) -> str | None:
    """A marker set by a decorator on the view function or on the MethodView's method."""
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        view = getattr(view_class, request.method.lower(), None)
    return getattr(view, name, None)


def required_scope() -> str:
    declared = view_marker("_required_scope")
    if declared:
        return declared
    return "read" if request.method in ("GET", "HEAD", "OPTIONS") else "write"


def scope(name: str) -> Callable[[F], F]:
    """Mark a view as needing a scope other than the method's default (e.g. admin)."""

    def mark(view: F) -> F:
        view._required_scope = name  # type: ignore[attr-defined]
        return view

    return mark


def current_principal() -> Principal:
    return g.principal


def current_tenant_id() -> str:
    return current_principal().tenant_id


def _before_request() -> None:
    if not request.path.startswith(API_PREFIX) or request.method == "OPTIONS":
        return
    principal = authenticate()
    g.principal = principal
    needed = required_scope()
    if needed not in principal.scopes:
        raise ApiError(403, "FORBIDDEN", f"This API key lacks the '{needed}' scope")


def init_app(app: Flask) -> None:
    app.before_request(_before_request)
