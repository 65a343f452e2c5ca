"""Bring job rows in line with RQ when a worker died, or Redis lost a job, before it could say so itself."""

from __future__ import annotations

import logging
from datetime import timedelta

from redis import Redis
from rq.exceptions import NoSuchJobError
from rq.job import Job as RQJob
from rq.job import JobStatus as RQStatus
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from models.base import utcnow
from models.db import session_factory
from models.jobs import ENQUEUE_PENDING, Job, JobStatus
from workers.fair_ingest import in_flight_clause, is_waiting, takes_turns
from workers.runner import job_ended

log = logging.getLogger(__name__)

# A queued row younger than this may simply not have reached Redis yet.
_GRACE = timedelta(seconds=30)
_BATCH = 200


def _rq_status(redis: Redis, job_id: str) -> RQStatus | None:
    try:
        return RQJob.fetch(job_id, connection=redis).get_status()
    except NoSuchJobError:
        return None


def reconcile(session: Session, job: Job, redis: Redis) -> bool:
    """Settle a row whose RQ job failed or vanished; returns True when the row changed."""
    if job.finished or job.error_code == ENQUEUE_PENDING or is_waiting(job):
        return False  # pending and waiting jobs are not in Redis yet, by design (workers.resend, fair_ingest)
    if not _settle(job, _rq_status(redis, job.id)):
        return False
    job_ended(session, job)
    session.commit()
    return True


def _settle(job: Job, rq_status: RQStatus | None) -> bool:
    """Put a lost import that never ran back in line; fail any other lost or dead job."""
    # A turn-taking import reaches Redis when it is sent, not when it is created.
    since = job.sent_at if takes_turns(job) and job.sent_at is not None else job.created_at
    if rq_status is None and utcnow() - since < _GRACE:
        return False
    if rq_status is None and takes_turns(job) and job.status == JobStatus.QUEUED:
        job.sent_at = None  # a worker's maintenance sends it again, before its tenant's later imports
        return True
    if rq_status not in (RQStatus.FAILED, RQStatus.STOPPED, RQStatus.CANCELED, None):
        return False
    job.status = JobStatus.FAILED
    job.finished_at = utcnow()
    job.error_code = job.error_code or "WORKER_LOST"
    job.error_message = job.error_message or "The job stopped without reporting a result."
    return True


def recover_imports(engine: Engine, redis: Redis) -> int:
    """Imports holding a turn whose RQ job is gone or dead: send again what never started, fail the rest.

    An import that was queued when Redis lost it (a restart without persistence, a flush) has not
    run, so it goes back to waiting at its place (the oldest of its tenant) to be sent again; one
    that was running, or that RQ gave up on without our row hearing of it, is failed as the job
    API would on read. Either way its tenant's turn is free again. Returns how many rows changed.
    """
    changed = 0
    with session_factory(engine)() as session:
        # SKIP LOCKED: each worker's maintenance handles rows the others are not handling.
        jobs = session.scalars(
            select(Job).where(in_flight_clause(), func.coalesce(Job.sent_at, Job.created_at) < utcnow() - _GRACE)
            .order_by(Job.created_at).limit(_BATCH).with_for_update(skip_locked=True)
        ).all()
        for job in jobs:
            if _settle(job, _rq_status(redis, job.id)):
                changed += 1
                job_ended(session, job)
        session.commit()
    if changed:
        log.info("recovered %d import(s) whose RQ job was lost or dead", changed)
    return changed
