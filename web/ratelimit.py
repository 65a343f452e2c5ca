"""Per-key rate limits (read, write, upload), counted in Redis and shared by every web process."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, Response, current_app, g, request
from limits import RateLimitItemPerMinute
from limits.storage import RedisStorage

from config.settings import Settings
from web.auth import view_marker
from web.errors import ApiError

F = TypeVar("F", bound=Callable[..., object])


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


class RateLimits:
    """A fixed window per key and class: Redis INCR is exact across processes."""

    def __init__(self, settings: Settings) -> None:
        self.storage = RedisStorage(_storage_uri(settings.redis_connection_url))
        self.items = {
            "read": RateLimitItemPerMinute(settings.rate_limit_read),
            "write": RateLimitItemPerMinute(settings.rate_limit_write),
            "upload": RateLimitItemPerMinute(settings.rate_limit_upload),
        }

    def check(self, key_id: str, klass: str) -> tuple[int, int, int, bool]:
        """Count one request; returns (limit, remaining, reset epoch seconds, allowed).

        The count comes from the same INCR that admits the request, so `remaining` is exact
        even under concurrency (a separate read of the window would race).
        """
        item = self.items[klass]
        window_key = item.key_for(key_id, klass)
        count = self.storage.incr(window_key, item.get_expiry())
        reset = int(self.storage.get_expiry(window_key))
        return item.amount, max(0, item.amount - count), reset, count <= item.amount


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
    limit, remaining, reset, allowed = limits.check(principal.key_id, _class_for_request())
    g.rate_headers = {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(reset),
    }
    if not allowed:
        retry_after = max(1, reset - int(time.time()))
        raise ApiError(
            429,
            "RATE_LIMIT_EXCEEDED",
            "Rate limit exceeded",
            {"limit": limit, "reset": reset},
            headers={"Retry-After": str(retry_after)},
        )


def add_headers(response: Response) -> Response:
    for name, value in g.get("rate_headers", {}).items():
        response.headers[name] = value
    return response


def init_app(app: Flask, settings: Settings) -> None:
    app.extensions["allure_ratelimits"] = RateLimits(settings)
    app.after_request(add_headers)
