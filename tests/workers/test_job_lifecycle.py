"""Jobs through the real enqueue helper, RQ and workers: success, refusal, crashes, SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest
from rq.registry import StartedJobRegistry

from config.settings import PROJECT_ROOT
from models.jobs import Job
from tests.workers.sample_jobs import block_key, pid_key
from workers.enqueue import record_job, send_job
from workers.queues import INGEST, get_queue


def enqueue(app, tenant_id: str, func: str, params: dict | None = None, kind: str = "test", timeout: int = 300) -> str:
    svc = app.extensions["allure"]
    with svc.sessions() as session:
        job, _ = record_job(session, tenant_id, kind, params or {})
        session.commit()
        send_job(svc.redis, job, INGEST, func, timeout=timeout)
        return job.id


def row(app, job_id: str) -> Job:
    with app.extensions["allure"].sessions() as session:
        return session.get(Job, job_id)


def wait_for(predicate, timeout: float = 60, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_job_succeeding_should_show_result_and_timestamps(app, client, tenant, run_jobs):
    job_id = enqueue(app, tenant.tenant_id, "tests.workers.sample_jobs.slow", {"n": 1})
    queued = client.get(f"/api/v1/jobs/{job_id}", headers=tenant.headers).json
    assert queued["status"] == "queued" and queued["started_at"] is None
    run_jobs()
    body = client.get(f"/api/v1/jobs/{job_id}", headers=tenant.headers).json
    assert body["status"] == "succeeded"
    assert body["progress"] == 100 and body["error"] is None
    assert body["result"] == {"done": True, "params": {"n": 1}}
    assert body["created_at"] <= body["started_at"] <= body["finished_at"]


def test_job_refusing_input_should_fail_with_code_and_not_retry(app, client, tenant, run_jobs):
    job_id = enqueue(app, tenant.tenant_id, "tests.workers.sample_jobs.refuse")
    run_jobs()
    body = client.get(f"/api/v1/jobs/{job_id}", headers=tenant.headers).json
    assert body["status"] == "failed"
    assert body["error"] == {"code": "TEST_REFUSED", "message": "The input was refused", "details": {"field": "x"}}
    assert row(app, job_id).attempts == 1


def test_job_crashing_should_be_retried_then_failed_without_exception_text(app, client, tenant, run_jobs):
    job_id = enqueue(app, tenant.tenant_id, "tests.workers.sample_jobs.crash")
    run_jobs()
    first = client.get(f"/api/v1/jobs/{job_id}", headers=tenant.headers).json
    assert first["status"] == "queued"
    assert "Retrying" in first["error"]["message"]
    queue = get_queue(INGEST, app.extensions["allure"].redis)
    for _ in range(2):  # the retries were scheduled with a delay: move them to the queue now
        for rq_id in queue.scheduled_job_registry.get_job_ids():
            queue.scheduled_job_registry.requeue(rq_id)
        run_jobs()
    body = client.get(f"/api/v1/jobs/{job_id}", headers=tenant.headers).json
    assert body["status"] == "failed"
    assert body["error"]["code"] == "INTERNAL_ERROR"
    assert "boom" not in str(body)
    assert row(app, job_id).attempts == 3


def test_job_over_its_time_limit_should_fail_timeout_without_retries(app, client, tenant, run_jobs):
    job_id = enqueue(app, tenant.tenant_id, "tests.workers.sample_jobs.overrun", timeout=1)
    run_jobs()
    body = client.get(f"/api/v1/jobs/{job_id}", headers=tenant.headers).json
    assert body["status"] == "failed"
    assert body["error"]["code"] == "JOB_TIMEOUT"
    assert "1-second" in body["error"]["message"]
    assert get_queue(INGEST, app.extensions["allure"].redis).scheduled_job_registry.get_job_ids() == []
    assert row(app, job_id).attempts == 1


def test_jobs_of_another_tenant_should_be_invisible(app, client, make_tenant, run_jobs):
    owner, other = make_tenant(), make_tenant()
    job_id = enqueue(app, owner.tenant_id, "tests.workers.sample_jobs.slow")
    r = client.get(f"/api/v1/jobs/{job_id}", headers=other.headers)
    assert r.status_code == 404 and r.json["error"]["code"] == "NOT_FOUND"
    assert client.get("/api/v1/jobs", headers=other.headers).json["jobs"] == []
    assert len(client.get("/api/v1/jobs", headers=owner.headers).json["jobs"]) == 1


def test_jobs_list_should_filter_and_paginate(app, client, tenant, run_jobs):
    ids = [enqueue(app, tenant.tenant_id, "tests.workers.sample_jobs.slow", kind="a") for _ in range(3)]
    enqueue(app, tenant.tenant_id, "tests.workers.sample_jobs.refuse", kind="b")
    run_jobs()
    r = client.get("/api/v1/jobs?status=succeeded&kind=a&limit=2", headers=tenant.headers).json
    assert r["pagination"] == {"page": 1, "limit": 2, "total": 3, "total_pages": 2}
    assert {j["id"] for j in r["jobs"]} <= set(ids)
    failed = client.get("/api/v1/jobs?status=failed", headers=tenant.headers).json
    assert [j["kind"] for j in failed["jobs"]] == ["b"]


def test_job_whose_rq_entry_vanished_should_be_failed_on_read(app, client, tenant):
    job_id = enqueue(app, tenant.tenant_id, "tests.workers.sample_jobs.slow")
    app.extensions["allure"].redis.flushdb()
    with app.extensions["allure"].sessions.begin() as session:
        job = session.get(Job, job_id)
        job.created_at = job.created_at.replace(year=job.created_at.year - 1)
    body = client.get(f"/api/v1/jobs/{job_id}", headers=tenant.headers).json
    assert body["status"] == "failed" and body["error"]["code"] == "WORKER_LOST"


@pytest.fixture
def worker_process(app):
    procs: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-m", "workers"], cwd=PROJECT_ROOT, env=dict(os.environ))
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            for child in psutil.Process(proc.pid).children(recursive=True):
                child.kill()
            proc.kill()
        proc.wait()


def _running(app, job_id: str) -> bool:
    return row(app, job_id).status == "running"


def test_work_horse_killed_mid_job_should_be_recorded_and_retried(app, client, tenant, worker_process):
    redis = app.extensions["allure"].redis
    worker = worker_process()
    job_id = enqueue(app, tenant.tenant_id, "tests.workers.sample_jobs.slow")
    redis.set(block_key(job_id), 1)
    wait_for(lambda: _running(app, job_id), what="job running")
    horse_pid = int(wait_for(lambda: redis.get(pid_key(job_id)), what="work horse pid"))
    assert psutil.Process(horse_pid).ppid() == worker.pid
    os.kill(horse_pid, signal.SIGKILL)
    lost = wait_for(lambda: row(app, job_id).error_code == "WORKER_LOST" and row(app, job_id), what="recorded")
    assert lost.status == "queued" and "Retrying" in lost.error_message
    redis.delete(block_key(job_id))
    wait_for(lambda: row(app, job_id).status == "succeeded", timeout=60, what="retry success")
    body = client.get(f"/api/v1/jobs/{job_id}", headers=tenant.headers).json
    assert body["result"]["done"] is True and body["error"] is None
    assert row(app, job_id).attempts == 2


def test_whole_worker_killed_should_be_retried_by_registry_cleanup(app, client, tenant, worker_process):
    redis = app.extensions["allure"].redis
    worker = worker_process()
    job_id = enqueue(app, tenant.tenant_id, "tests.workers.sample_jobs.slow")
    redis.set(block_key(job_id), 1)
    wait_for(lambda: redis.get(pid_key(job_id)), what="job running")
    for proc in psutil.Process(worker.pid).children() + [psutil.Process(worker.pid)]:
        proc.kill()
    redis.delete(block_key(job_id))
    # Another worker's maintenance finds the abandoned job once its heartbeat expires;
    # run that same cleanup with a clock past the expiry instead of waiting 90 s.
    StartedJobRegistry(INGEST, connection=redis).cleanup(timestamp=time.time() + 3600)
    lost = row(app, job_id)
    assert lost.error_code == "WORKER_LOST" and lost.status == "queued"
    # The retry waits in the scheduled registry; the dead worker's scheduler lock only expires
    # after a minute, so move it to the queue as the scheduler would.
    scheduled = get_queue(INGEST, redis).scheduled_job_registry
    assert scheduled.get_job_ids() == [job_id]
    scheduled.requeue(job_id)
    worker_process()
    wait_for(lambda: row(app, job_id).status == "succeeded", timeout=60, what="retry success")


def test_record_job_losing_a_race_on_the_dedupe_key_should_return_the_winner(app, tenant):
    # Two identical requests at once: both miss the key, both insert; the second used to answer 500.
    import threading

    sessions = app.extensions["allure"].sessions
    first = sessions()
    winner, created = record_job(first, tenant.tenant_id, "test", {}, dedupe_key="race:1")  # uncommitted row
    assert created
    outcome: dict = {}

    def second_request() -> None:
        with sessions() as second:
            job, made = record_job(second, tenant.tenant_id, "test", {}, dedupe_key="race:1")  # waits on the lock
            second.commit()
            outcome.update(id=job.id, created=made)

    thread = threading.Thread(target=second_request)
    thread.start()
    time.sleep(0.5)
    first.commit()
    thread.join(30)
    first.close()
    assert outcome == {"id": winner.id, "created": False}
