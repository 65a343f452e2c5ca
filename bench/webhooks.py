"""Webhook benchmark: a burst of events delivered by the real workers, against a floor measured in the same run.

  - the floor: the same number of signed POSTs sent straight from this process to the same receiver
    with as many parallel requests as one drain job makes (no database, no queue);
  - the burst: `--events` events recorded by `--producers` threads, each event in its own
    transaction as requests and jobs record them (`--per-transaction 100`: a sharper burst),
    delivered by `--workers` RQ worker processes (`python -m workers webhooks`) to a receiver on
    127.0.0.1. The lag of an event is the time from its timestamp to its arrival; the target is a
    worst lag under a minute;
  - a receiver down then back: `--down-events` events recorded while the receiver is stopped for
    `--down-seconds`; after it is back, every event must arrive (retries on the schedule).
It prints the figures, the ratio burst/floor and whether every event arrived (duplicates counted apart).

Needs Postgres (127.0.0.1:5432, trust) and Redis (127.0.0.1:6379), like bench/ingest.py.
Usage: `.venv/bin/python -m bench.webhooks [--events 10000] [--workers 2] [--down-seconds 20]`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from bench.stack import BenchServices, bench_services, prepare
from config.processes import spawn, stop
from config.settings import PROJECT_ROOT, Settings, load_settings
from tests.fixtures.webhook_receiver import Receiver, start_receiver, stop_receiver

LAG_TARGET_S = 60.0
EVENT = "session.completed"


def environment(services: BenchServices) -> dict[str, str]:
    return {**services.environment(), "SECRET_KEY": "bench-secret", "AC_LOG_LEVEL": "WARNING",
            "AC_WEBHOOKS_ALLOW_PRIVATE_NETWORKS": "true"}  # fmt: skip


def setup(settings: Settings, url: str) -> tuple[str, object]:
    """A tenant with one endpoint at `url`; returns the tenant id and the engine."""
    from models.db import make_engine, session_factory
    from models.tenants import create_tenant
    from models.webhooks import WebhookEndpoint
    from web.webhooks.resources import new_secret

    engine = make_engine(settings.sqlalchemy_url, pool_size=8)
    with session_factory(engine).begin() as session:
        tenant = create_tenant(session, "bench", 10, 1024**3)
        session.add(WebhookEndpoint(tenant_id=tenant.id, url=url, events=[EVENT], secret=new_secret()))
        return tenant.id, engine


def produce(engine: object, tenant_id: str, count: int, producers: int, settings: Settings, per: int = 1) -> float:
    """Record `count` events, `per` a transaction, from `producers` threads; returns the seconds it took."""
    from models.db import transaction
    from models.webhook_events import attach, record_event
    from workers.queues import redis_connection
    from workers.webhooks import wake

    redis = redis_connection(settings.redis_connection_url)
    attach(engine, lambda: wake(redis))  # type: ignore[arg-type]

    def some(first: int) -> None:
        with transaction(engine) as session:  # type: ignore[arg-type]
            for index in range(first, min(first + per, count)):
                record_event(session, tenant_id, EVENT, {"id": f"s{index}", "completion_status": "completed"})

    started = time.monotonic()
    with ThreadPoolExecutor(producers) as pool:
        list(pool.map(some, range(0, count, per)))
    return time.monotonic() - started


def floor(url: str, count: int, settings: Settings) -> float:
    """Seconds to send `count` signed POSTs straight to the receiver, as parallel as a drain job."""
    from workers.webhooks import Outgoing, send

    out = Outgoing("d", "e", url, ("whsec_" + "A" * 44,), "evt_floor", json.dumps({"type": "floor"}))
    started = time.monotonic()
    with ThreadPoolExecutor(settings.webhook_concurrency) as pool:
        answers = list(pool.map(lambda _: send(out, settings), range(count)))
    assert all(a.ok for a in answers), "the floor's receiver refused requests"
    return time.monotonic() - started


def wait_all(receiver: Receiver, ids: set[str], timeout: float) -> float | None:
    """Seconds until every id in `ids` has arrived (None: not within `timeout`)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if ids <= set(receiver.ids()):
            return time.monotonic() - started
        time.sleep(0.1)
    return None


def lags(receiver: Receiver, ids: set[str], wall_minus_mono: float) -> list[float]:
    """Seconds from each event's timestamp to its first arrival."""
    first: dict[str, float] = {}
    for got in receiver.received:
        event_id = got.headers["webhook-id"]
        if event_id in ids and event_id not in first:
            stamp = datetime.fromisoformat(json.loads(got.body)["timestamp"].replace("Z", "+00:00")).timestamp()
            first[event_id] = got.at + wall_minus_mono - stamp
    return sorted(first.values())


def event_ids(engine: object, tenant_id: str) -> set[str]:
    from sqlalchemy import select

    from models.db import transaction
    from models.webhooks import WebhookEvent

    with transaction(engine) as session:  # type: ignore[arg-type]
        return set(session.scalars(select(WebhookEvent.id).where(WebhookEvent.tenant_id == tenant_id)))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--producers", type=int, default=4)
    parser.add_argument("--per-transaction", type=int, default=1, help="events recorded per transaction")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--down-events", type=int, default=1000)
    parser.add_argument("--down-seconds", type=float, default=20)
    args = parser.parse_args(argv)
    with bench_services("webhooks") as services:
        os.environ.update(environment(services))
        settings = load_settings()
        prepare(settings, services.database)
        run(args, settings, services.folder)


def run(args: argparse.Namespace, settings: Settings, folder: Path) -> None:
    receiver = start_receiver()
    port = receiver.server.server_address[1]
    tenant_id, engine = setup(settings, receiver.url)
    floor_s = floor(receiver.url, args.events, settings)
    receiver.received.clear()
    workers = [spawn([sys.executable, "-m", "workers", "webhooks"], log=folder / f"worker-{n}.log",
                     env=dict(os.environ), cwd=PROJECT_ROOT) for n in range(args.workers)]  # fmt: skip
    try:
        time.sleep(3)  # the workers are up and listening
        wall_minus_mono = time.time() - time.monotonic()
        started = time.monotonic()
        produce_s = produce(engine, tenant_id, args.events, args.producers, settings, args.per_transaction)
        ids = event_ids(engine, tenant_id)
        waited = wait_all(receiver, ids, timeout=600)
        burst_s = time.monotonic() - started
        burst_lags = lags(receiver, ids, wall_minus_mono)
        burst_copies = len([r for r in receiver.received if r.headers["webhook-id"] in ids])
        receiver = down_and_back(receiver, port, engine, tenant_id, args, settings, ids, folder)
    finally:
        for worker in workers:
            stop(worker)
        stop_receiver(receiver)
    report(args, settings, floor_s, produce_s, burst_s if waited is not None else None, burst_lags, burst_copies)


def down_and_back(receiver: Receiver, port: int, engine: object, tenant_id: str, args: argparse.Namespace,
                  settings: Settings, before: set[str], folder: Path) -> Receiver:  # fmt: skip
    stop_receiver(receiver)
    down_at = time.monotonic()
    produce(engine, tenant_id, args.down_events, args.producers, settings)
    ids = event_ids(engine, tenant_id) - before
    time.sleep(max(0.0, args.down_seconds - (time.monotonic() - down_at)))
    back = start_receiver(port)
    back_at = time.monotonic()
    waited = wait_all(back, ids, timeout=900)
    copies = len([r for r in back.received if r.headers["webhook-id"] in ids])
    arrived = len(ids & set(back.ids()))
    print(f"\nReceiver down for {back_at - down_at:.1f} s while {len(ids)} events were recorded, then back: "
          f"{arrived}/{len(ids)} arrived " + (f"{waited:.1f} s after it came back" if waited is not None else
                                              "(NOT all within 15 minutes)") + f", {copies - arrived} duplicates")
    return back


def report(args: argparse.Namespace, settings: Settings, floor_s: float, produce_s: float, burst_s: float | None,
           burst_lags: list[float], copies: int) -> None:  # fmt: skip
    count = args.events
    print(f"\nWebhook benchmark: {count} events, {args.producers} producer threads ({args.per_transaction} "
          "event(s) per transaction), "
          f"{args.workers} worker processes, {settings.webhook_concurrency} requests at once per drain job")
    print(f"  floor (the same POSTs sent directly, no database or queue): {floor_s:.2f} s "
          f"({count / floor_s:.0f}/s)")
    print(f"  events recorded in {produce_s:.2f} s ({count / produce_s:.0f}/s)")
    if burst_s is None or not burst_lags:
        print(f"  NOT every event arrived within 10 minutes ({len(burst_lags)}/{count})")
        return
    worst = burst_lags[-1]
    p99 = burst_lags[int(len(burst_lags) * 0.99) - 1]
    print(f"  all {len(burst_lags)} delivered {burst_s:.2f} s after the burst began ({count / burst_s:.0f}/s), "
          f"{copies - len(burst_lags)} duplicates; ratio burst/floor {burst_s / floor_s:.2f}")
    print(f"  lag (event timestamp → arrival): median {statistics.median(burst_lags):.2f} s, p99 {p99:.2f} s, "
          f"worst {worst:.2f} s; target worst < {LAG_TARGET_S:.0f} s: {'met' if worst < LAG_TARGET_S else 'MISSED'}")


if __name__ == "__main__":
    main(sys.argv[1:])
