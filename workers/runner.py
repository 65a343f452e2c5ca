"""Runs a job body against its row: status, stage, progress, result or error, retry notes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from redis import Redis
from rq.job import Job as RQJob
from sqlalchemy.orm import Session

from models.base import utcnow
from models.db import transaction
from models.jobs import Job, JobStatus
from pipeline.errors import PipelineError, StorageError
from workers.context import WorkerContext, worker_context

log = logging.getLogger(__name__)


@dataclass
class JobContext:
    """Handed to a job body: its row's facts and the services, plus a progress reporter."""

    job_id: str
    tenant_id: str
    params: dict[str, Any]
    services: WorkerContext
    warnings: list[dict[str, Any]] = field(default_factory=list)
    # The stage running now, even when throttled progress has not written it yet: a failure names it.
    stage: str | None = None

    def progress(self, stage: str, percent: int) -> None:
        """Record the running stage and percent in its own short transaction."""
        self.stage = stage
        with transaction(self.services.engine) as session:
            job = session.get(Job, self.job_id)
            if job is not None:
                job.stage = stage
                job.progress = max(0, min(100, int(percent)))


JobBody = Callable[[JobContext], dict[str, Any]]
# kind → called in the transaction that ends a job of that kind for good (its webhook event).
END_HOOKS: dict[str, Callable[[Session, Job], None]] = {}


def job_ended(session: Session, job: Job) -> None:
    """Run the end hook of a job that has just succeeded or failed for good, in the caller's transaction."""
    hook = END_HOOKS.get(job.kind)
    if hook is not None and job.finished:
        hook(session, job)


def run_job(job_id: str, body: JobBody, services: WorkerContext | None = None) -> dict[str, Any]:
    """Run `body` for the job row `job_id`; safe to call again for the same job.

    A PipelineError fails the job with its code (bad input is never retried); any other
    exception propagates to RQ, whose retry policy and failure callback take over.
    """
    services = services or worker_context()
    services.engine.dispose(close=False)  # connections inherited across fork are not ours
    ctx = _start(job_id, services)
    if ctx is None:
        return _finished_result(job_id, services)
    try:
        result = body(ctx)
    except PipelineError as err:
        _finish(services, job_id, JobStatus.FAILED, error=(err.code, err.message, err.details), stage=ctx.stage)
        return {"error": err.code}
    except Exception:
        _record_stage(services, job_id, ctx.stage)  # RQ records the failure; the row keeps where it happened
        raise
    _finish(services, job_id, JobStatus.SUCCEEDED, result=result)
    return result


def _start(job_id: str, services: WorkerContext) -> JobContext | None:
    with transaction(services.engine) as session:
        job = session.get(Job, job_id, with_for_update=True)
        if job is None:
            raise LookupError(f"job {job_id} has no row")
        if job.finished:
            return None
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or utcnow()
        return JobContext(job.id, job.tenant_id, dict(job.params), services)


def _finished_result(job_id: str, services: WorkerContext) -> dict[str, Any]:
    with transaction(services.engine) as session:
        job = session.get(Job, job_id)
        return dict(job.result or {}) if job else {}


def _finish(
    services: WorkerContext,
    job_id: str,
    status: JobStatus,
    result: dict[str, Any] | None = None,
    error: tuple[str, str, dict[str, Any]] | None = None,
    stage: str | None = None,
) -> None:
    with transaction(services.engine) as session:
        job = session.get(Job, job_id, with_for_update=True)
        if job is None:
            return
        job.status = status
        job.stage = stage or job.stage
        job.finished_at = utcnow()
        if status == JobStatus.SUCCEEDED:
            job.progress, job.stage, job.result = 100, "done", result
            job.error_code = job.error_message = job.error_details = None
        elif error is not None:
            job.error_code, job.error_message, job.error_details = error
        job_ended(session, job)


def _record_stage(services: WorkerContext, job_id: str, stage: str | None) -> None:
    if stage is None:
        return
    try:
        with transaction(services.engine) as session:
            job = session.get(Job, job_id)
            if job is not None:
                job.stage = stage
    except Exception:  # the database may be what failed; the original error matters more
        log.exception("could not record the stage of job %s", job_id)


def record_infrastructure_failure(rq_job: RQJob, code: str, message: str) -> None:
    """Reflect a crash RQ saw (exception, dead work horse, abandoned job) on our row."""
    retrying = bool(rq_job.retries_left and rq_job.retries_left > 0)
    services = worker_context()
    with transaction(services.engine) as session:
        job = session.get(Job, rq_job.id, with_for_update=True)
        if job is None or job.finished:
            return
        job.error_code = code
        if retrying:
            job.status = JobStatus.QUEUED
            job.error_message = f"{message} Retrying ({rq_job.retries_left} attempts left)."
        else:
            job.status = JobStatus.FAILED
            job.error_message = f"{message} No attempts left."
            job.finished_at = utcnow()
        job.error_details = {"attempts": job.attempts}
        job_ended(session, job)


def on_rq_failure(rq_job: RQJob, connection: Redis, exc_type: type, value: object, tb: object) -> None:
    """RQ failure callback: runs for exceptions in a job and for jobs abandoned by a dead worker.

    RQ calls it before deciding on a retry, so a time-out can cancel the retries:
    the same input would take as long again. Storage failures are retried (storage
    comes back) and say so in their code.
    """
    from rq.exceptions import AbandonedJobError
    from rq.timeouts import JobTimeoutException

    if exc_type is AbandonedJobError:
        record_infrastructure_failure(
            rq_job, "WORKER_LOST", "The worker running this job stopped unexpectedly."
        )
    elif issubclass(exc_type, JobTimeoutException):
        rq_job.retries_left = 0
        record_infrastructure_failure(
            rq_job, "JOB_TIMEOUT", f"The job ran longer than its {rq_job.timeout}-second limit."
        )
    elif issubclass(exc_type, StorageError):
        log.error("job %s: storage unavailable (%s)", rq_job.id, value)
        record_infrastructure_failure(
            rq_job, "STORAGE_UNAVAILABLE", "Object storage was unavailable; what was stored is removed once it is back."
        )
    else:
        log.error("job %s raised %s", rq_job.id, exc_type.__name__)
        record_infrastructure_failure(
            rq_job, "INTERNAL_ERROR", "The job hit an internal error."
        )
