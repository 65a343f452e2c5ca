"""The `webhooks` queue: drain the outbox of pending deliveries, signed (Standard Webhooks) and retried.

A drain job claims due deliveries in batches (SKIP LOCKED plus a claim that expires, so a worker
killed mid-send lets its batch go), sends them concurrently, records each try and, for a failed
one, its next try on the retry schedule (exponential, with jitter, about three days), then
schedules a drain for that moment on RQ's scheduler. Every try of a delivery carries the same
`webhook-id` (the event id), so receivers can drop repeats: delivery is at least once.

What wakes a drain: a commit that recorded events (`wake`, attached to the engines by web and
workers), a scheduled retry, and the workers' maintenance (`relay`), which finds deliveries that
are due and unclaimed however they got so (Redis was down at commit, a scheduled job lost with
Redis, a worker killed) and queues a drain for them: the design of workers.resend.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta

from redis import Redis
from sqlalchemy import Engine, delete, or_, select, update
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook

from config.settings import Settings
from models.base import utcnow
from models.db import transaction
from models.webhook_events import record_event
from models.webhooks import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    endpoint_body,
)
from workers.context import worker_context
from workers.queues import WEBHOOKS, get_queue
from workers.webhook_http import Answer, post

log = logging.getLogger(__name__)
DRAIN_FUNC = "workers.webhooks.drain"
KICK_KEY = "allure:webhooks:kick"
KICK_TTL = 30
# Seconds before try n+1 after n failed tries (± 20 % jitter): the first retry within 10 s, the
# last about three days after the first try (71.7 h in all); then the delivery has failed.
SCHEDULE = (5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 43200, 43200, 43200, 43200, 28800)
JITTER = 0.2
BATCH = 200
# A drain job hands over to a fresh one after this long, so other queues' jobs get their turn.
DRAIN_SECONDS = 60
# A relay leaves alone what a commit's own wake-up is about to send.
RELAY_GRACE = timedelta(seconds=5)
MAX_ERROR = 500
CLAIM_MARGIN_SECONDS = 5
# Events, deliveries and tries are kept this long for the deliveries API, then pruned.
RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class Outgoing:
    """A claimed delivery and what sending it needs."""

    delivery_id: str
    endpoint_id: str
    url: str
    secrets: tuple[str, ...]
    event_id: str
    body: str


def retry_delay(failed_tries: int) -> float | None:
    """Seconds until the next try after `failed_tries` failures; None when the schedule is over."""
    if failed_tries < 1 or failed_tries > len(SCHEDULE):
        return None
    return SCHEDULE[failed_tries - 1] * random.uniform(1 - JITTER, 1 + JITTER)


def enqueue_drain(redis: Redis, at: datetime | None = None) -> None:
    queue = get_queue(WEBHOOKS, redis)
    options = {"job_timeout": DRAIN_SECONDS * 3, "result_ttl": 60, "failure_ttl": 86400}
    if at is None:
        queue.enqueue(DRAIN_FUNC, **options)
        return
    # One scheduled drain per second is enough for every retry due in it; a second late, never early.
    second = math.ceil(at.timestamp()) + 1
    queue.enqueue_at(datetime.fromtimestamp(second, at.tzinfo), DRAIN_FUNC, job_id=f"webhooks-drain-{second}",
                     **options)  # fmt: skip


def wake(redis: Redis) -> None:
    """After a commit that recorded events: queue a drain unless one is queued and not started yet."""
    if redis.set(KICK_KEY, "1", nx=True, ex=KICK_TTL):
        enqueue_drain(redis)


def drain() -> int:
    """RQ entry point: send what is due for up to DRAIN_SECONDS; returns how many tries were made."""
    services = worker_context()
    services.engine.dispose(close=False)  # connections inherited across fork are not ours
    services.redis.delete(KICK_KEY)  # commits from now on queue another drain
    return drain_for(services.engine, services.redis, services.settings, DRAIN_SECONDS)


def drain_for(engine: Engine, redis: Redis | None, settings: Settings, seconds: float) -> int:
    """Claim, send and record until nothing is due or `seconds` have passed; returns how many tries.

    Sending streams: new deliveries are claimed while earlier ones are in flight, and answers are
    recorded in small batches, so the requests never wait for a whole batch's slowest one.
    """
    drain = _Drain(engine, redis, settings, time.monotonic() + seconds)
    with ThreadPoolExecutor(max_workers=settings.webhook_concurrency) as pool:
        return drain.run(pool)


class _Drain:
    def __init__(self, engine: Engine, redis: Redis | None, settings: Settings, deadline: float) -> None:
        self.engine, self.redis, self.settings, self.deadline = engine, redis, settings, deadline
        self.in_flight: dict[Future[Answer], Outgoing] = {}
        self.answered: list[tuple[Outgoing, Answer]] = []
        self.recorded_at = time.monotonic()
        self.tried = 0
        self.since_claim = 0

    def run(self, pool: ThreadPoolExecutor) -> int:
        width = max(self.settings.webhook_concurrency, 1)
        claiming = True
        while claiming or self.in_flight:
            # Claim again once half the width has been answered (not at every answer: a claim
            # costs three statements).
            if claiming and (not self.in_flight or self.since_claim >= max(width // 2, 1)):
                self.since_claim = 0
                batch, due = claim(self.engine, self.settings, width * 2 - len(self.in_flight), self._busy())
                # Nothing due: done once the requests in flight are answered. Due but every place
                # taken by busy endpoints: claim again when some answer.
                claiming = due and time.monotonic() < self.deadline
                for out in batch:
                    self.in_flight[pool.submit(send, out, self.settings)] = out
            if self.in_flight:
                self._collect(wait(self.in_flight, timeout=0.1, return_when=FIRST_COMPLETED).done)
            self._record(force=not claiming and not self.in_flight)
        if time.monotonic() >= self.deadline and self.redis is not None:
            enqueue_drain(self.redis)  # more may be due: a fresh job goes on after the others' turn
        return self.tried

    def _busy(self) -> Counter[str]:
        return Counter(out.endpoint_id for out in self.in_flight.values())

    def _collect(self, done: set[Future[Answer]]) -> None:
        for future in done:
            self.answered.append((self.in_flight.pop(future), future.result()))
        self.since_claim += len(done)

    def _record(self, force: bool) -> None:
        """Record answers by the hundred, or every fifth of a second, or when all is done."""
        if not self.answered or not (force or len(self.answered) >= 100 or time.monotonic() - self.recorded_at > 0.2):
            return
        retries = record(self.engine, self.settings, self.answered)
        self.tried += len(self.answered)
        self.answered, self.recorded_at = [], time.monotonic()
        _schedule(self.redis, retries)


def claim(engine: Engine, settings: Settings, limit: int = BATCH,
          busy: Counter[str] | None = None) -> tuple[list[Outgoing], bool]:  # fmt: skip
    """Take up to `limit` due deliveries, sharing places fairly among endpoints, for one claim period.

    Returns:
        What was claimed, and whether anything was due (claimed or not).
    """
    now = utcnow()
    busy = busy or Counter()
    with transaction(engine) as session:
        rows = session.execute(
            select(WebhookDelivery.id, WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.status == DeliveryStatus.PENDING, WebhookDelivery.next_attempt_at <= now,
                   or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now))
            .order_by(WebhookDelivery.next_attempt_at).limit(limit * 4)
            .with_for_update(skip_locked=True, of=WebhookDelivery)
        ).all()  # fmt: skip
        ids = fair_share(rows, limit, busy, settings.webhook_concurrency)
        if not ids:
            return [], bool(rows)
        # Long enough for everything in flight and this claim at the worst (every request cut at the
        # timeout), plus a margin.
        rounds = math.ceil((len(ids) + sum(busy.values())) / max(settings.webhook_concurrency, 1))
        until = now + timedelta(seconds=settings.webhook_timeout_seconds * rounds + CLAIM_MARGIN_SECONDS)
        session.execute(update(WebhookDelivery).where(WebhookDelivery.id.in_(ids)).values(claimed_until=until))
        found = session.execute(
            select(WebhookDelivery.id, WebhookEndpoint, WebhookEvent.id, WebhookEvent.body)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
            .where(WebhookDelivery.id.in_(ids))
        ).all()  # fmt: skip
        claimed = [Outgoing(d_id, ep.id, ep.url, tuple(ep.secrets(now)), ev_id, body)
                   for d_id, ep, ev_id, body in found]  # fmt: skip
        return claimed, True


def fair_share(rows: list[tuple[str, str]], limit: int, busy: Counter[str], width: int) -> list[str]:
    """Oldest first, each endpoint its share first, then the rest; no endpoint ever holds more than
    three quarters of the requests in flight, so a slow or hanging receiver never stalls the others."""
    share = max(width // 4, 1)
    ceiling = max(width * 3 // 4, 1)
    taken: Counter[str] = Counter(busy)
    ids: list[str] = []
    for cap in (share, ceiling):
        for delivery_id, endpoint_id in rows:
            if len(ids) < limit and taken[endpoint_id] < cap and delivery_id not in ids:
                taken[endpoint_id] += 1
                ids.append(delivery_id)
    return ids


def signed_headers(out: Outgoing, now: datetime) -> dict[str, str]:
    """Standard Webhooks headers: the event id on every try, this try's time, one signature per secret."""
    signatures = " ".join(Webhook(secret).sign(out.event_id, now, out.body) for secret in out.secrets)
    return {"webhook-id": out.event_id, "webhook-timestamp": str(math.floor(now.timestamp())),
            "webhook-signature": signatures, "Content-Type": "application/json"}  # fmt: skip


def send(out: Outgoing, settings: Settings) -> Answer:
    headers = signed_headers(out, utcnow())
    return post(out.url, out.body.encode(), headers, settings.webhook_timeout_seconds,
                settings.webhooks_allow_private_networks)  # fmt: skip


def record(engine: Engine, settings: Settings, results: list[tuple[Outgoing, Answer]]) -> list[datetime]:
    """Keep each try and its outcome; returns when the failed ones are tried next."""
    now = utcnow()
    retries: list[datetime] = []
    with transaction(engine) as session:
        deliveries = {d.id: d for d in session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.id.in_([out.delivery_id for out, _ in results])))}
        endpoints = {e.id: e for e in session.scalars(
            select(WebhookEndpoint).where(WebhookEndpoint.id.in_({out.endpoint_id for out, _ in results})))}
        for out, answer in results:
            delivery, endpoint = deliveries.get(out.delivery_id), endpoints.get(out.endpoint_id)
            if delivery is None or endpoint is None:
                continue  # the endpoint was deleted meanwhile
            next_at = _outcome(delivery, endpoint, answer, now)
            session.add(WebhookAttempt(delivery_id=delivery.id, number=delivery.attempts, at=now,
                                       response_status=answer.status, duration_ms=answer.duration_ms,
                                       error=_short(answer.error), response_excerpt=answer.excerpt,
                                       next_attempt_at=next_at))  # fmt: skip
            if next_at is not None:
                retries.append(next_at)
        for endpoint in endpoints.values():
            _disable_if_failing(session, endpoint, settings, now)
    return retries


def _outcome(delivery: WebhookDelivery, endpoint: WebhookEndpoint, answer: Answer, now: datetime) -> datetime | None:
    delivery.attempts += 1
    delivery.claimed_until = None
    delivery.response_status, delivery.duration_ms = answer.status, answer.duration_ms
    delivery.error = _short(answer.error) if answer.error else (None if answer.ok else f"HTTP {answer.status}")
    if answer.ok:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.SUCCEEDED, now, None
        endpoint.failing_since = None
        return None
    endpoint.failing_since = endpoint.failing_since or now
    delay = retry_delay(delivery.attempts)
    if delay is None:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        return None
    delivery.next_attempt_at = now + timedelta(seconds=delay)
    return delivery.next_attempt_at


def _disable_if_failing(session: Session, endpoint: WebhookEndpoint, settings: Settings, now: datetime) -> None:
    """An endpoint failing without a success for `webhook_disable_after_hours` is disabled, and says so."""
    limit = timedelta(hours=settings.webhook_disable_after_hours)
    if not endpoint.enabled or endpoint.failing_since is None or now - endpoint.failing_since < limit:
        return
    disable(session, endpoint, f"Failing since {endpoint.failing_since.isoformat()}; disabled automatically.")
    record_event(session, endpoint.tenant_id, "webhook.endpoint.disabled", endpoint_body(endpoint))
    log.warning("webhook endpoint %s disabled after failing since %s", endpoint.id, endpoint.failing_since)


def disable(session: Session, endpoint: WebhookEndpoint, reason: str) -> None:
    """Disable an endpoint; its pending deliveries fail now (a retry request sends one again)."""
    endpoint.enabled = False
    endpoint.disabled_reason = reason[:200]
    session.flush()
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.FAILED, next_attempt_at=None, error="The endpoint was disabled.")
        .execution_options(synchronize_session=False)
    )


def _short(error: str | None) -> str | None:
    return error[:MAX_ERROR] if error else None


def _schedule(redis: Redis | None, retries: list[datetime]) -> None:
    """A scheduled drain per second holding retries; if Redis is away, the relay finds them when due."""
    if redis is None:
        return
    try:
        for second in sorted({math.ceil(at.timestamp()) for at in retries}):
            enqueue_drain(redis, datetime.fromtimestamp(second, retries[0].tzinfo))
    except Exception:
        log.warning("could not schedule webhook retries; the relay sends them when due", exc_info=True)


def relay(engine: Engine, redis: Redis) -> bool:
    """Maintenance: queue a drain when deliveries are due and nobody is sending them; True when queued."""
    now = utcnow()
    with transaction(engine) as session:
        due = session.scalar(
            select(WebhookDelivery.id)
            .where(WebhookDelivery.status == DeliveryStatus.PENDING,
                   WebhookDelivery.next_attempt_at <= now - RELAY_GRACE,
                   or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now))
            .limit(1)
        )  # fmt: skip
    if due is None:
        return False
    enqueue_drain(redis)
    log.info("queued a webhook drain for deliveries nobody was sending")
    return True


def prune(engine: Engine, keep: timedelta = RETENTION, batch: int = 1000) -> int:
    """Maintenance: forget events older than `keep` that nothing is still sending (their deliveries and
    tries go with them, by the foreign keys' cascade); returns how many events were removed."""
    cutoff = utcnow() - keep
    pending = select(WebhookDelivery.id).where(WebhookDelivery.event_id == WebhookEvent.id,
                                               WebhookDelivery.status == DeliveryStatus.PENDING)  # fmt: skip
    with transaction(engine) as session:
        old = select(WebhookEvent.id).where(WebhookEvent.created_at < cutoff, ~pending.exists()).limit(batch)
        ids = list(session.scalars(old))
        if ids:
            session.execute(delete(WebhookEvent).where(WebhookEvent.id.in_(ids)))
    return len(ids)
