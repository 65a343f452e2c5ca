"""The RQ worker classes: a dead work horse is recorded on the job row before RQ retries it, the
tenant's next import is sent when one ends (workers.fair_ingest), and the periodic maintenance
hands on missed turns, recovers imports Redis lost, queues clean-up jobs that could not reach
Redis when created and removes what imports that failed for good left in storage."""

from __future__ import annotations

import logging
from typing import Any

from rq import Queue, SimpleWorker, Worker
from rq.job import Job as RQJob

from workers.cmi5 import abandon_idle_sessions
from workers.context import worker_context
from workers.fair_ingest import job_ended, release_all
from workers.ingest import sweep_failed_imports
from workers.queues import INGEST
from workers.reconcile import recover_imports
from workers.resend import resend_pending
from workers.runner import record_infrastructure_failure
from workers.webhooks import prune, relay

log = logging.getLogger(__name__)

# How often an idle worker wakes from waiting on Redis to run its maintenance (RQ's default is
# 405 s): missed turns and lost imports are found within about this long.
IDLE_WAKE_SECONDS = 30


class _Turns:
    """What both worker classes add to RQ's: turns handed on, and the maintenance of our rows."""

    connection: Any

    def execute_job(self, job: RQJob, queue: Queue) -> None:
        try:
            super().execute_job(job, queue)  # type: ignore[misc]
        finally:
            # Here in the worker process, not in the job: a killed work horse ends its turn too.
            if queue.name == INGEST:
                self._hand_on_turn(job.id)

    def _hand_on_turn(self, job_id: str) -> None:
        services = worker_context()
        try:
            job_ended(services.engine, self.connection, services.settings, job_id)
        except Exception:  # the next maintenance hands the turn on
            log.exception("could not hand on the import turn after job %s", job_id)

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()  # type: ignore[misc]
        services = worker_context()
        for name, task in (
            ("queue pending clean-up jobs",
             lambda: resend_pending(services.engine, self.connection, services.settings.job_timeout_seconds)),
            ("recover lost imports", lambda: recover_imports(services.engine, self.connection)),
            ("hand on missed import turns", lambda: release_all(services.engine, self.connection, services.settings)),
            ("sweep failed imports", lambda: sweep_failed_imports(services)),
            ("relay webhook deliveries", lambda: relay(services.engine, self.connection)),
            ("prune old webhook events", lambda: prune(services.engine)),
            ("abandon idle cmi5 sessions", lambda: abandon_idle_sessions(services)),
        ):
            try:
                task()
            except Exception:  # Redis or the database still away: the next maintenance tries again
                log.exception("could not %s", name)


class AllureWorker(_Turns, Worker):
    @property
    def dequeue_timeout(self) -> int:
        return min(IDLE_WAKE_SECONDS, self.maintenance_interval)

    def handle_work_horse_killed(self, job: RQJob, retpid: int, ret_val: int, rusage: Any) -> None:
        # RQ calls no failure callback here (SIGKILL, OOM killer), so record it ourselves.
        super().handle_work_horse_killed(job, retpid, ret_val, rusage)
        record_infrastructure_failure(
            job, "WORKER_LOST", "The process running this job was killed."
        )


class AllureSimpleWorker(_Turns, SimpleWorker):
    """Runs jobs in its own process, without forking (tests, benchmarks)."""
