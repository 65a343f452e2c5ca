"""What every job needs (settings, database engine, storage, Redis), built once per worker."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from redis import Redis
from sqlalchemy import Engine

from config.settings import Settings, load_settings
from models.db import make_engine
from models.webhook_events import attach
from pipeline.storage import Storage, storage_from_settings
from workers.queues import redis_connection


@dataclass(frozen=True)
class WorkerContext:
    settings: Settings
    engine: Engine
    storage: Storage
    redis: Redis


@lru_cache(maxsize=1)
def worker_context() -> WorkerContext:
    """Built in the worker before it forks, so each job starts warm (rq "Performance Notes")."""
    from workers.webhooks import wake

    settings = load_settings()
    context = WorkerContext(
        settings=settings,
        engine=make_engine(settings.sqlalchemy_url, pool_size=2, max_overflow=2),
        storage=storage_from_settings(settings),
        redis=redis_connection(settings.redis_connection_url),
    )
    # Events a job records (an import's end, a ZIP ready) wake the webhook workers once committed.
    redis = context.redis  # not `context`: that would keep the engine (a weak key) and its pool alive
    attach(context.engine, lambda: wake(redis))
    return context
