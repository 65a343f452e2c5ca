"""The enqueue helper: the job row is written and committed first, then RQ carries its id."""

from __future__ import annotations

from typing import Any

from redis import Redis
from rq import Retry
from rq.job import Callback
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.base import utcnow
from models.jobs import Job, JobStatus
from workers.queues import get_queue

# Infrastructure failures (a dead worker, storage down) are retried; bad input never is.
RETRY = Retry(max=2, interval=[5, 15])


def record_job(
    session: Session,
    tenant_id: str,
    kind: str,
    params: dict[str, Any],
    dedupe_key: str | None = None,
) -> tuple[Job, bool]:
    """Write the job row (or find the one with the same dedupe key).

    Returns:
        The job and whether it was created now (False: an earlier identical request).
    """
    if dedupe_key is not None:
        existing = session.scalar(select(Job).where(Job.dedupe_key == dedupe_key))
        if existing is not None:
            return existing, False
    job = Job(tenant_id=tenant_id, kind=kind, params=params, dedupe_key=dedupe_key)
    try:
        # A savepoint: a concurrent identical request may insert the same key first.
        with session.begin_nested():
            session.add(job)
    except IntegrityError:
        if dedupe_key is None:
            raise
        winner = session.scalar(select(Job).where(Job.dedupe_key == dedupe_key))
        if winner is None:
            raise
        return winner, False
    return job, True


def send_job(redis: Redis, job: Job, queue: str, func: str, timeout: int) -> None:
    """Put a committed job row on its RQ queue; RQ's id is the row id."""
    get_queue(queue, redis).enqueue(
        func,
        job.id,
        job_id=job.id,
        job_timeout=timeout,
        retry=RETRY,
        on_failure=Callback("workers.runner.on_rq_failure"),
        result_ttl=3600,
        failure_ttl=7 * 86400,
    )


def mark_enqueue_failed(session: Session, job_id: str) -> None:
    """A job that never reached Redis must not look queued forever."""
    job = session.get(Job, job_id)
    if job is not None and job.status == JobStatus.QUEUED:
        job.status = JobStatus.FAILED
        job.error_code = "ENQUEUE_FAILED"
        job.error_message = "The job could not be queued; the request may be retried."
        job.finished_at = utcnow()
