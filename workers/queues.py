"""Queue names (highest priority first) and the Redis connection workers and web share."""

from __future__ import annotations

from functools import lru_cache

from redis import Redis
from rq import Queue

INGEST = "ingest"
DISPATCH = "dispatch"
ROLLUPS = "rollups"
WEBHOOKS = "webhooks"
PRIORITY = (INGEST, DISPATCH, ROLLUPS, WEBHOOKS)


@lru_cache(maxsize=4)
def redis_connection(url: str) -> Redis:
    """One client (and its pool) per URL per process."""
    return Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)


def get_queue(name: str, connection: Redis) -> Queue:
    if name not in PRIORITY:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=connection)
