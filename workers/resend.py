"""Clean-up jobs that could not reach Redis are queued again by the workers' maintenance.

A package delete commits before its storage clean-up is queued; when Redis is out of reach at
that moment the client has nothing to retry (the package is gone), so the row stays queued
with `ENQUEUE_PENDING` and any worker sends it once Redis answers again.
"""

from __future__ import annotations

import logging

from redis import Redis
from sqlalchemy import Engine, select

from models.db import transaction
from models.jobs import ENQUEUE_PENDING, Job, JobStatus
from workers.enqueue import send_job
from workers.ingest import KIND_DELETE
from workers.queues import INGEST

log = logging.getLogger(__name__)

# kind → (queue, function) of the jobs that are safe to send again and have nobody else to retry them.
RESENDABLE = {KIND_DELETE: (INGEST, "workers.ingest.run_delete")}
_BATCH = 100


def mark_pending(job: Job) -> None:
    """Keep a resendable job queued, saying why it has not reached a worker yet."""
    job.error_code = ENQUEUE_PENDING
    job.error_message = "Redis was unreachable when this job was created; a worker will queue it."


def send_cleanup(redis: Redis, job: Job, timeout: int) -> None:
    """Put a resendable job on its queue."""
    queue, func = RESENDABLE[job.kind]
    send_job(redis, job, queue, func, timeout)


def resend_pending(engine: Engine, redis: Redis, timeout: int) -> int:
    """Send pending clean-up jobs to their queues; returns how many were sent."""
    with transaction(engine) as session:
        # SKIP LOCKED: several workers run maintenance at once, each job is sent by one of them.
        jobs = session.scalars(
            select(Job).where(Job.status == JobStatus.QUEUED, Job.error_code == ENQUEUE_PENDING,
                              Job.kind.in_(RESENDABLE)).order_by(Job.created_at).limit(_BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        for job in jobs:
            send_cleanup(redis, job, timeout)
            job.error_code = job.error_message = None
    if jobs:
        log.info("queued %d clean-up job(s) that could not be queued before", len(jobs))
    return len(jobs)
