"""Per-app services (settings, engine, Redis, storage) and the per-request database session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from flask import Flask, current_app, g
from redis import Redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from models.db import make_engine, session_factory
from models.webhook_events import attach
from pipeline.storage import Storage, storage_from_settings
from workers.webhooks import wake

# Web requests never block on Redis (no BLPOP here), so every command is bounded; a stalled Redis
# answers 503 (web.errors) in seconds instead of holding a web thread.
REDIS_TIMEOUTS = {"socket_connect_timeout": 2, "socket_timeout": 5}


def web_redis(url: str) -> Redis:
    """The web process's Redis client (workers keep their own, unbounded for blocking pops)."""
    return Redis.from_url(url, health_check_interval=30, **REDIS_TIMEOUTS)


@dataclass
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    redis: Redis
    storage: Storage


def init_app(app: Flask, settings: Settings) -> Services:
    engine = make_engine(settings.sqlalchemy_url)
    services = Services(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        redis=web_redis(settings.redis_connection_url),
        storage=storage_from_settings(settings),
    )
    app.extensions["allure"] = services
    # Events a request records wake the webhook workers once its transaction commits (else the relay sends them).
    # The callback holds Redis only: holding `services` would keep the engine (a weak key) and its pool alive.
    redis = services.redis
    attach(engine, lambda: wake(redis))
    app.teardown_appcontext(_close_session)
    return services


def services() -> Services:
    return cast(Services, current_app.extensions["allure"])


def settings() -> Settings:
    return services().settings


def db() -> Session:
    """The request's session; views commit explicitly, anything uncommitted is rolled back."""
    if "db" not in g:
        g.db = services().sessions()
    return cast(Session, g.db)


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()
