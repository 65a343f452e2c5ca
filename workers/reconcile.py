"""Bring a job row in line with RQ when a worker died before it could say so itself."""

from __future__ import annotations

from datetime import timedelta

from redis import Redis
from rq.exceptions import NoSuchJobError
from rq.job import Job as RQJob
from rq.job import JobStatus as RQStatus
from sqlalchemy.orm import Session

from models.base import utcnow
from models.jobs import ENQUEUE_PENDING, Job, JobStatus

# A queued row younger than this may simply not have reached Redis yet.
_GRACE = timedelta(seconds=30)


def reconcile(session: Session, job: Job, redis: Redis) -> bool:
    """Fail a row whose RQ job failed or vanished; returns True when the row changed."""
    if job.finished or job.error_code == ENQUEUE_PENDING:
        return False  # a pending job is not in Redis yet, by design (workers.resend)
    try:
        rq_status = RQJob.fetch(job.id, connection=redis).get_status()
    except NoSuchJobError:
        rq_status = None
    if rq_status is None and utcnow() - job.created_at < _GRACE:
        return False
    if rq_status in (RQStatus.FAILED, RQStatus.STOPPED, RQStatus.CANCELED, None):
        job.status = JobStatus.FAILED
        job.finished_at = utcnow()
        job.error_code = job.error_code or "WORKER_LOST"
        job.error_message = job.error_message or "The job stopped without reporting a result."
        session.commit()
        return True
    return False
