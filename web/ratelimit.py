"""Rate limits (read, write, upload) per key and per tenant, counted in Redis and shared by every web process.

A tenant's keys each have their own window, and all of them count in one tenant-wide window too
(five times the per-key limit unless AC_RATE_LIMIT_TENANT_* say otherwise), so minting more keys
does not multiply what a tenant may send. The headers describe whichever window is closer to
its end (`X-RateLimit-Scope` says which).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import Flask, Response, current_app, g, request
from limits import RateLimitItemPerMinute
from limits.storage import RedisStorage

from config.settings import Settings
from web.auth import view_marker
from web.errors import ApiError
from web.services import REDIS_TIMEOUTS

F = TypeVar("F", bound=Callable[..., object])
TENANT_FACTOR = 5


def rate_class(name: str) -> Callable[[F], F]:
    """Mark a view as counted in another class than its method's (e.g. upload)."""

    def mark(view: F) -> F:
        view._rate_class = name  # type: ignore[attr-defined]
        return view

    return mark


def _storage_uri(redis_url: str) -> str:
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://") :]
    return redis_url


@dataclass(frozen=True)
class Verdict:
    """One window's answer to one request."""

    scope: str
    limit: int
    remaining: int
    reset: int
    allowed: bool


def _tenant_limit(configured: int, per_key: int) -> int:
    return configured or TENANT_FACTOR * per_key


class RateLimits:
    """A fixed window per key and class, and one per tenant and class: Redis INCR is exact across processes."""

    def __init__(self, settings: Settings) -> None:
        self.storage = RedisStorage(_storage_uri(settings.redis_connection_url), **REDIS_TIMEOUTS)
        per_key = {"read": settings.rate_limit_read, "write": settings.rate_limit_write,
                   "upload": settings.rate_limit_upload}
        per_tenant = {"read": settings.rate_limit_tenant_read, "write": settings.rate_limit_tenant_write,
                      "upload": settings.rate_limit_tenant_upload}
        self.items = {klass: RateLimitItemPerMinute(amount) for klass, amount in per_key.items()}
        self.tenant_items = {klass: RateLimitItemPerMinute(_tenant_limit(per_tenant[klass], amount))
                             for klass, amount in per_key.items()}

    def check(self, key_id: str, tenant_id: str, klass: str) -> Verdict:
        """Count one request in the key's window and, when the key admits it, in the tenant's.

        Each count comes from the same INCR that admits the request, so `remaining` is exact even
        under concurrency (a separate read of the window would race). A request its key refuses is
        not counted against the tenant, so one key over its limit cannot use up its siblings' share.
        """
        key = self._count(self.items[klass], "key", (key_id, klass))
        if not key.allowed:
            return key
        tenant = self._count(self.tenant_items[klass], "tenant", ("tenant", tenant_id, klass))
        return tenant if not tenant.allowed or tenant.remaining < key.remaining else key

    def _count(self, item: RateLimitItemPerMinute, scope: str, identifiers: tuple[str, ...]) -> Verdict:
        window_key = item.key_for(*identifiers)
        count = self.storage.incr(window_key, item.get_expiry())
        reset = int(self.storage.get_expiry(window_key))
        return Verdict(scope, item.amount, max(0, item.amount - count), reset, count <= item.amount)


def _class_for_request() -> str:
    declared = view_marker("_rate_class")
    if declared:
        return declared
    return "read" if request.method in ("GET", "HEAD") else "write"


def enforce() -> None:
    """Runs after authentication; raises 429 in the envelope when the window is spent."""
    principal = g.get("principal")
    if principal is None:
        return
    limits: RateLimits = current_app.extensions["allure_ratelimits"]
    verdict = limits.check(principal.key_id, principal.tenant_id, _class_for_request())
    g.rate_headers = {
        "X-RateLimit-Limit": str(verdict.limit),
        "X-RateLimit-Remaining": str(verdict.remaining),
        "X-RateLimit-Reset": str(verdict.reset),
        "X-RateLimit-Scope": verdict.scope,
    }
    if not verdict.allowed:
        retry_after = max(1, verdict.reset - int(time.time()))
        raise ApiError(
            429,
            "RATE_LIMIT_EXCEEDED",
            "Rate limit exceeded" if verdict.scope == "key" else "Rate limit of the tenant's keys together exceeded",
            {"limit": verdict.limit, "reset": verdict.reset, "scope": verdict.scope},
            headers={"Retry-After": str(retry_after)},
        )


def add_headers(response: Response) -> Response:
    for name, value in g.get("rate_headers", {}).items():
        response.headers[name] = value
    return response


def init_app(app: Flask, settings: Settings) -> None:
    app.extensions["allure_ratelimits"] = RateLimits(settings)
    app.after_request(add_headers)
