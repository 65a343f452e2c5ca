"""Imports take turns across tenants: a tenant's imports wait behind each other, not in front of everyone.

Each tenant has at most `ingest_slots_per_tenant` imports on the RQ `ingest` queue (sent, retrying
or running); its other imports wait as `queued` rows with no `sent_at`, and the oldest is sent
when one of its imports ends. The RQ queue is first in, first out, so tenants alternate: after
five imports of A and one of B, B's runs second.

Why the job table holds the waiting imports rather than per-tenant RQ queues: the table already
is what clients see and survives Redis restarts, and one `ingest` queue keeps RQ plain. Per-tenant
queues would need workers that discover new queues while blocked in BLPOP, a scheduler that moves
retries of queues created after it started, and a dashboard with a queue per tenant. Here RQ's
retries, abandoned-job clean-up and dashboard work unchanged (the dashboard lists the imports that
hold a turn), and any number of worker processes share the turns: releasing one takes a lock on
the tenant's row, so two workers ending two imports of a tenant never send more than its slots.

A turn is handed on by the worker process after each import (workers.worker), even when the work
horse was killed; the workers' periodic maintenance hands on turns that were missed (a whole
worker killed, the database away at that moment) and re-sends imports that Redis lost
(workers.reconcile), so no tenant's imports are stranded.
"""

from __future__ import annotations

import logging

from redis import Redis
from rq.job import Job as RQJob
from sqlalchemy import ColumnElement, Engine, and_, func, or_, select, update
from sqlalchemy.orm import Session

from config.settings import Settings
from models.base import utcnow
from models.db import session_factory
from models.jobs import Job, JobStatus
from models.tenants import Tenant
from workers.enqueue import send_job
from workers.ingest import KIND_INGEST
from workers.queues import INGEST

log = logging.getLogger(__name__)

FUNC = "workers.ingest.run"
_UNFINISHED = (JobStatus.QUEUED, JobStatus.RUNNING)


def takes_turns(job: Job) -> bool:
    """Whether the job's kind is scheduled by turns (the others are sent when created)."""
    return job.kind == KIND_INGEST


def is_waiting(job: Job) -> bool:
    """An import waiting for its tenant's turn: queued by design, not yet in Redis."""
    return takes_turns(job) and job.status == JobStatus.QUEUED and job.sent_at is None


def _imports(tenant_id: str | None = None) -> ColumnElement[bool]:
    # Matches the partial index ix_jobs_unfinished (tenant_id, created_at WHERE status unfinished).
    clauses = [Job.status.in_(_UNFINISHED), Job.kind == KIND_INGEST]
    if tenant_id is not None:
        clauses.append(Job.tenant_id == tenant_id)
    return and_(*clauses)


def waiting_clause() -> ColumnElement[bool]:
    return and_(_imports(), Job.status == JobStatus.QUEUED, Job.sent_at.is_(None))


def in_flight_clause() -> ColumnElement[bool]:
    """Imports holding a turn: sent to RQ (queued, scheduled for a retry) or running."""
    return and_(_imports(), or_(Job.status == JobStatus.RUNNING, Job.sent_at.is_not(None)))


def position(session: Session, job: Job) -> int | None:
    """For a queued import: how many of its tenant's imports run before it (oldest first); else None."""
    if not takes_turns(job) or job.status != JobStatus.QUEUED:
        return None
    earlier = or_(Job.created_at < job.created_at, and_(Job.created_at == job.created_at, Job.id < job.id))
    return session.scalar(select(func.count()).select_from(Job).where(_imports(job.tenant_id), earlier)) or 0


def _lock_tenant(session: Session, tenant_id: str) -> None:
    """Serialise the turn decisions of one tenant across processes, until the transaction ends."""
    if session.get_bind().dialect.name == "sqlite":
        # SQLite ignores FOR UPDATE; a write first takes the database's write lock, so what
        # this transaction reads next cannot change under it.
        same = {"name": Tenant.name, "updated_at": Tenant.updated_at}  # not even updated_at's onupdate
        session.execute(update(Tenant).where(Tenant.id == tenant_id).values(same))
    else:
        # NO KEY UPDATE: new job rows referencing the tenant (KEY SHARE) are not held up.
        session.execute(select(Tenant.id).where(Tenant.id == tenant_id).with_for_update(key_share=True))


def _send_next(session: Session, redis: Redis, tenant_id: str, settings: Settings) -> str | None:
    """Send the tenant's oldest waiting import if it has a free slot; commits. Returns its id."""
    _lock_tenant(session, tenant_id)
    busy = session.scalar(
        select(func.count()).select_from(Job).where(in_flight_clause(), Job.tenant_id == tenant_id)
    ) or 0
    job = None
    if busy < max(1, settings.ingest_slots_per_tenant):
        job = session.scalars(
            select(Job).where(waiting_clause(), Job.tenant_id == tenant_id).order_by(Job.created_at, Job.id).limit(1)
        ).first()
    if job is not None:
        # Sent before the commit: a row marked sent is in Redis (or Redis lost it: workers.reconcile).
        # Already there when a commit after sending failed, or a caller used send_job itself: sent once.
        if not RQJob.exists(job.id, connection=redis):
            send_job(redis, job, INGEST, FUNC, settings.job_timeout_seconds)
        job.sent_at = utcnow()
    session.commit()
    return job.id if job is not None else None


def release(session: Session, redis: Redis, tenant_id: str, settings: Settings) -> list[str]:
    """Send the tenant's waiting imports while it has free slots; returns the ids sent.

    One import per transaction, so a failure to reach Redis leaves every unsent row waiting and
    every sent one marked. Raises what sending raised (the rows stay waiting).
    """
    sent: list[str] = []
    try:
        while (job_id := _send_next(session, redis, tenant_id, settings)) is not None:
            sent.append(job_id)
    except Exception:
        session.rollback()
        raise
    return sent


def release_all(engine: Engine, redis: Redis, settings: Settings) -> int:
    """Hand on missed turns of every tenant, the tenant waiting longest first; returns how many were sent."""
    with session_factory(engine)() as session:
        tenants = session.scalars(
            select(Job.tenant_id).where(waiting_clause()).group_by(Job.tenant_id).order_by(func.min(Job.created_at))
        ).all()
    sent = 0
    for tenant_id in tenants:
        with session_factory(engine)() as session:
            sent += len(release(session, redis, tenant_id, settings))
    if sent:
        log.info("sent %d waiting import(s) whose turn had come", sent)
    return sent


def job_ended(engine: Engine, redis: Redis, settings: Settings, job_id: str) -> None:
    """After an import ended (or was put back for a retry), hand its tenant's turn on."""
    with session_factory(engine)() as session:
        job = session.get(Job, job_id)
        if job is not None and takes_turns(job):
            release(session, redis, job.tenant_id, settings)
