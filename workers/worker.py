"""The RQ worker class: a dead work horse is recorded on the job row before RQ retries it."""

from __future__ import annotations

from typing import Any

from rq import Worker
from rq.job import Job as RQJob

from workers.runner import record_infrastructure_failure


class AllureWorker(Worker):
    def handle_work_horse_killed(self, job: RQJob, retpid: int, ret_val: int, rusage: Any) -> None:
        # RQ calls no failure callback here (SIGKILL, OOM killer), so record it ourselves.
        super().handle_work_horse_killed(job, retpid, ret_val, rusage)
        record_infrastructure_failure(
            job, "WORKER_LOST", "The process running this job was killed."
        )
