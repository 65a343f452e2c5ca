"""The `rollups` queue: coalesced xAPI rollup jobs (at most one pending per tenant).

`schedule_rollup` is called after a statement write commits. A Redis flag per tenant is the
coalescing gate: only the writer that sets it records and enqueues a job; the job clears the
flag before it reads, so a write landing while it runs schedules exactly one follow-up. The
flag holds the job's id: when that job ended without clearing it (it failed, or its worker
died), the next write sees the flag is stale and takes over, so rollups never stall.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from redis import Redis
from sqlalchemy.orm import Session

from pipeline.rollup import roll_up
from workers.enqueue import mark_enqueue_failed, record_job, send_job
from workers.queues import ROLLUPS
from workers.runner import JobContext, run_job

KIND = "xapi_rollup"
PENDING_TTL_SECONDS = 3600
JOB_TIMEOUT_SECONDS = 1800
# RQ statuses of a job that will not run (again): its flag no longer means "pending".
_ENDED = {b"finished", b"failed", b"stopped", b"canceled"}
_SCHEDULING = b"scheduling:"
# A writer holds the flag this long at most between claiming it and naming its job.
_SCHEDULING_GRACE_SECONDS = 60
# Replace the flag only if it still holds what this writer put there.
_SWAP = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('set', KEYS[1], ARGV[2], 'EX', ARGV[3])
end
return false
"""


def pending_key(tenant_id: str) -> str:
    """The Redis flag saying a rollup of the tenant is queued and not yet started."""
    return f"xapi:rollup:pending:{tenant_id}"


def _stale(redis: Redis, value: bytes) -> bool:
    """Whether a flag names a job that has ended (or vanished) without clearing it."""
    if value.startswith(_SCHEDULING):
        claimed_at = float(value.split(b":")[1])
        return time.time() - claimed_at > _SCHEDULING_GRACE_SECONDS
    status = redis.hget(f"rq:job:{value.decode()}", "status")
    return status is None or status in _ENDED


def _claim(redis: Redis, key: str) -> bytes | None:
    """Set the flag to a fresh token unless a live job already holds it; returns the token."""
    token = _SCHEDULING + f"{time.time():.3f}:{uuid.uuid4().hex}".encode()
    if redis.set(key, token, nx=True, ex=PENDING_TTL_SECONDS):
        return token
    current = redis.get(key)
    if current is None or not _stale(redis, current):
        return None
    # Compare-and-set: of several writers seeing the same stale job, only one takes over.
    previous = redis.set(key, token, xx=True, get=True, ex=PENDING_TTL_SECONDS)
    return token if previous == current else None


def schedule_rollup(session: Session, redis: Redis, tenant_id: str) -> str | None:
    """Queue a rollup of the tenant unless one is already pending.

    Returns:
        The new job's id, or None when an already pending job will cover the write.
    """
    key = pending_key(tenant_id)
    token = _claim(redis, key)
    if token is None:
        return None
    job = None
    try:
        job, _ = record_job(session, tenant_id, KIND, {})
        session.commit()
        send_job(redis, job, ROLLUPS, "workers.rollups.run", JOB_TIMEOUT_SECONDS)
        # The job may already have started (and cleared the flag): then leave it alone.
        redis.eval(_SWAP, 1, key, token, job.id, PENDING_TTL_SECONDS)
    except Exception:
        redis.delete(key)
        session.rollback()
        if job is not None:
            mark_enqueue_failed(session, job.id)
            session.commit()
        raise
    return job.id


def run(job_id: str) -> dict[str, Any]:
    """RQ entry point."""
    return run_job(job_id, _body)


def _body(ctx: JobContext) -> dict[str, Any]:
    # Clear the gate before reading, so writes committed from now on queue a follow-up job.
    ctx.services.redis.delete(pending_key(ctx.tenant_id))
    report = roll_up(ctx.services.engine, ctx.tenant_id, ctx.services.settings.public_base_url)
    return {"windows": report.windows, "statements": report.statements, "watermark": report.watermark}
