"""Job bodies the lifecycle tests run through the real runner, queues and workers."""

from __future__ import annotations

import os
import time
from typing import Any

from pipeline.errors import PipelineError
from workers.runner import JobContext, run_job


def block_key(job_id: str) -> str:
    return f"test:block:{job_id}"


def pid_key(job_id: str) -> str:
    return f"test:pid:{job_id}"


def _slow(ctx: JobContext) -> dict[str, Any]:
    ctx.services.redis.set(pid_key(ctx.job_id), os.getpid())
    ctx.progress("working", 50)
    deadline = time.monotonic() + 120
    while ctx.services.redis.exists(block_key(ctx.job_id)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return {"done": True, "params": ctx.params}


def _refuse(ctx: JobContext) -> dict[str, Any]:
    raise PipelineError("TEST_REFUSED", "The input was refused", {"field": "x"})


def _crash(ctx: JobContext) -> dict[str, Any]:
    raise RuntimeError("boom")


def _overrun(ctx: JobContext) -> dict[str, Any]:
    time.sleep(30)  # RQ's time limit interrupts this
    return {"done": True}


def slow(job_id: str) -> dict[str, Any]:
    return run_job(job_id, _slow)


def refuse(job_id: str) -> dict[str, Any]:
    return run_job(job_id, _refuse)


def crash(job_id: str) -> dict[str, Any]:
    return run_job(job_id, _crash)


def overrun(job_id: str) -> dict[str, Any]:
    return run_job(job_id, _overrun)
