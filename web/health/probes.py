"""Health checks that answer within a deadline whatever hangs (database, Redis, storage).

Each check has a bounded client of its own (storage: short urllib3 timeouts and no retries; Redis:
socket timeouts; database: libpq's connect timeout and a statement timeout), and runs on a thread
of its own beside the web threads, one run of a check at a time per process: concurrent probes share the
run in flight instead of starting more, so a stalled dependency holds at most one thread per check
and never the web threads, which wait no longer than the deadline.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from redis import Redis
from sqlalchemy import Engine, text

from pipeline.storage import Storage

log = logging.getLogger(__name__)


class Probe:
    """One named check, single-flight: callers share the run in progress.

    Runs go on daemon threads, so a check stuck on a server that never answers cannot hold up the
    process's exit either.
    """

    def __init__(self, name: str, check: Callable[[], None]) -> None:
        self.name = name
        self.check = check
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.done.set()
        self.healthy = False

    def start(self) -> threading.Event:
        """Start a run unless one is in flight; returns the event set when the run in flight ends."""
        with self.lock:
            if self.done.is_set():
                self.done = threading.Event()
                threading.Thread(target=self._run, args=(self.done,), name=f"health-{self.name}", daemon=True).start()
            return self.done

    def _run(self, done: threading.Event) -> None:
        try:
            self.check()
            self.healthy = True
        except Exception as err:  # a health check reports failures, it never raises them
            log.warning("health check %s failed: %s", self.name, type(err).__name__)
            self.healthy = False
        finally:
            done.set()


class HealthProbes:
    """The database, Redis and storage checks of one app, answered within `timeout` seconds."""

    def __init__(self, engine: Engine, redis: Redis, storage: Storage, timeout: float) -> None:
        self.timeout = timeout
        self.engine = engine
        self.redis = _probe_redis(redis, timeout)
        self.probes = [Probe("database", self._database), Probe("redis", self.redis.ping),
                       Probe("storage", storage.ping)]

    def run(self) -> dict[str, bool]:
        """Each check's answer; one still running at the deadline counts as down."""
        runs = [(probe, probe.start()) for probe in self.probes]
        deadline = time.monotonic() + self.timeout
        results: dict[str, bool] = {}
        for probe, done in runs:
            answered = done.wait(max(0.0, deadline - time.monotonic()))
            if not answered:
                log.warning("health check %s did not answer within %.1fs", probe.name, self.timeout)
            results[probe.name] = answered and probe.healthy
        return results

    def _database(self) -> None:
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                # A database that accepts the query but is stuck (locks, load) ends it on its side.
                conn.execute(text("SET LOCAL statement_timeout = :ms"), {"ms": int(self.timeout * 1000)})
            conn.execute(text("SELECT 1"))


def _probe_redis(redis: Redis, timeout: float) -> Redis:
    """A client on the same server as `redis` whose socket gives up after `timeout` seconds."""
    kwargs = dict(redis.connection_pool.connection_kwargs)
    kwargs.update(socket_timeout=timeout, socket_connect_timeout=timeout)
    # redis-py keeps the original timeouts too (`orig_socket_timeout`), to restore them later.
    kwargs.update({name: timeout for name in kwargs if name.startswith("orig_socket")})
    return Redis(connection_pool=type(redis.connection_pool)(
        connection_class=redis.connection_pool.connection_class, max_connections=4, **kwargs))
