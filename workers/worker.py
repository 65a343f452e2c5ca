"""The RQ worker class: a dead work horse is recorded on the job row before RQ retries it, and
the periodic maintenance also queues clean-up jobs that could not reach Redis when created and
removes what imports that failed for good left in storage."""

from __future__ import annotations

import logging
from typing import Any

from rq import Worker
from rq.job import Job as RQJob

from workers.context import worker_context
from workers.ingest import sweep_failed_imports
from workers.resend import resend_pending
from workers.runner import record_infrastructure_failure

log = logging.getLogger(__name__)


class AllureWorker(Worker):
    def handle_work_horse_killed(self, job: RQJob, retpid: int, ret_val: int, rusage: Any) -> None:
        # RQ calls no failure callback here (SIGKILL, OOM killer), so record it ourselves.
        super().handle_work_horse_killed(job, retpid, ret_val, rusage)
        record_infrastructure_failure(
            job, "WORKER_LOST", "The process running this job was killed."
        )

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()
        services = worker_context()
        try:
            resend_pending(services.engine, self.connection, services.settings.job_timeout_seconds)
        except Exception:  # Redis or the database still away: the next maintenance tries again
            log.exception("could not queue pending clean-up jobs")
        try:
            sweep_failed_imports(services)
        except Exception:  # storage or the database still away: the next maintenance tries again
            log.exception("could not sweep failed imports")
