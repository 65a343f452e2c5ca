"""Imports take turns across tenants; dispatch and rollup work does not wait behind imports.

Real uploads through the API, real Redis and Postgres, in-process burst workers and real
`python -m workers` processes (killed mid-job where it matters).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import psutil
import pytest
from sqlalchemy import update

from config.launcher import EMBEDDED_WORKERS
from config.settings import PROJECT_ROOT
from models.base import utcnow
from models.jobs import Job
from tests.fixtures.corpus import CORPUS
from tests.workers.sample_jobs import block_key, pid_key
from tests.workers.test_job_lifecycle import row, wait_for
from workers import fair_ingest
from workers.enqueue import record_job, send_job
from workers.ingest import KIND_INGEST
from workers.queues import DISPATCH, INGEST, get_queue
from workers.rollups import schedule_rollup

SMALL = CORPUS / "scorm12" / "emp_ContentPackagingWithMetadata_SCORM12.zip"


@pytest.fixture
def workers(app):
    """Start `python -m workers [queue ...]` processes; all are killed at the end."""
    procs: list[subprocess.Popen] = []

    def start(*queues: str) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-m", "workers", *queues], cwd=PROJECT_ROOT, env=dict(os.environ))
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        kill_worker(proc)


def kill_worker(proc: subprocess.Popen) -> None:
    """SIGKILL a worker and its work horse, as the OOM killer or a lost machine would."""
    if proc.poll() is None:
        for child in psutil.Process(proc.pid).children(recursive=True):
            child.kill()
        proc.kill()
    proc.wait()


def upload(ingest, tenant, name: str) -> str:
    return ingest.upload(tenant, SMALL.read_bytes(), name)["job_id"]


def started_order(app, job_ids: list[str]) -> list[str]:
    rows = {job_id: row(app, job_id) for job_id in job_ids}
    assert all(r.status == "succeeded" for r in rows.values()), {i: (r.status, r.error_code) for i, r in rows.items()}
    return sorted(job_ids, key=lambda job_id: rows[job_id].started_at)


def fake_import(app, tenant_id: str) -> str:
    """An import holding its tenant's turn that runs until unblocked (a long upload's stand-in)."""
    svc = app.extensions["allure"]
    with svc.sessions() as session:
        job, _ = record_job(session, tenant_id, KIND_INGEST, {})
        job.sent_at = utcnow()
        session.commit()
        svc.redis.set(block_key(job.id), 1)
        send_job(svc.redis, job, INGEST, "tests.workers.sample_jobs.slow", timeout=300)
        return job.id


def test_a_tenant_with_many_imports_should_not_hold_up_another(app, ingest, make_tenant, run_jobs):
    a, b = make_tenant(name="A"), make_tenant(name="B")
    a_jobs = [upload(ingest, a, f"a{i}.zip") for i in range(5)]
    b_job = upload(ingest, b, "b.zip")
    # RQ carries one import per tenant; A's others wait in the job table, and say they are queued.
    assert get_queue(INGEST, app.extensions["allure"].redis).job_ids == [a_jobs[0], b_job]
    polled = [ingest.job(a, job_id) for job_id in a_jobs]
    assert [(body["status"], body["position"]) for body in polled] == [("queued", n) for n in range(5)]
    assert ingest.job(b, b_job)["position"] == 0
    run_jobs()
    assert started_order(app, [*a_jobs, b_job]) == [a_jobs[0], b_job, *a_jobs[1:]]
    assert ingest.job(a, a_jobs[-1])["position"] is None


def test_a_waiting_import_should_stay_queued_when_polled_however_long_it_waits(app, ingest, tenant):
    first, waiting = upload(ingest, tenant, "one.zip"), upload(ingest, tenant, "two.zip")
    with app.extensions["allure"].sessions.begin() as session:
        session.execute(update(Job).where(Job.id == waiting).values(created_at=utcnow() - timedelta(days=1)))
    body = ingest.job(tenant, waiting)
    assert body["status"] == "queued" and body["error"] is None and body["started_at"] is None
    assert row(app, first).sent_at is not None and row(app, waiting).sent_at is None


def test_imports_that_redis_lost_should_be_sent_again_in_their_order(app, ingest, make_tenant, run_jobs):
    polled, unpolled = make_tenant(name="polled"), make_tenant(name="unpolled")
    job_ids = {t.tenant_id: [upload(ingest, t, f"c{i}.zip") for i in range(3)] for t in (polled, unpolled)}
    app.extensions["allure"].redis.flushdb()  # a Redis restart without persistence
    sent = [ids[0] for ids in job_ids.values()]
    with app.extensions["allure"].sessions.begin() as session:
        session.execute(update(Job).where(Job.id.in_(sent)).values(sent_at=utcnow() - timedelta(minutes=1)))
    body = ingest.job(polled, sent[0])  # the jobs API notices first: back in line, not failed
    assert (body["status"], body["error"], body["position"]) == ("queued", None, 0)
    assert row(app, sent[0]).sent_at is None and row(app, sent[1]).sent_at is not None
    run_jobs()  # the worker's maintenance finds the other, and sends both again, then the rest in turn
    for ids in job_ids.values():
        assert started_order(app, ids) == ids
        assert [row(app, job_id).attempts for job_id in ids] == [1, 1, 1]


def test_several_workers_should_run_one_import_per_tenant_at_a_time(app, ingest, make_tenant, workers):
    a, b = make_tenant(name="A"), make_tenant(name="B")
    a_jobs = [upload(ingest, a, f"a{i}.zip") for i in range(4)]
    b_job = upload(ingest, b, "b.zip")
    workers(), workers()
    wait_for(lambda: all(row(app, j).finished for j in [*a_jobs, b_job]), timeout=120, what="imports done")
    order = started_order(app, [*a_jobs, b_job])
    assert order.index(b_job) < order.index(a_jobs[-1])
    a_rows = [row(app, job_id) for job_id in a_jobs]
    for earlier, later in zip(a_rows, a_rows[1:], strict=False):
        assert earlier.finished_at <= later.started_at  # A never had two imports running at once


def test_embedded_workers_should_run_dispatch_and_rollup_jobs_during_a_long_import(app, tenant, workers):
    for queues in EMBEDDED_WORKERS.values():
        workers(*queues)
    svc = app.extensions["allure"]
    long_import = fake_import(app, tenant.tenant_id)
    wait_for(lambda: row(app, long_import).status == "running", what="the import running")
    with svc.sessions() as session:
        build, _ = record_job(session, tenant.tenant_id, "test", {"n": 1})
        session.commit()
        send_job(svc.redis, build, DISPATCH, "tests.workers.sample_jobs.slow", timeout=300)
        rollup = schedule_rollup(session, svc.redis, tenant.tenant_id)
    for job_id in (build.id, rollup):
        wait_for(lambda job_id=job_id: row(app, job_id).status == "succeeded", timeout=60, what="job done")
    assert row(app, long_import).status == "running"
    svc.redis.delete(block_key(long_import))
    wait_for(lambda: row(app, long_import).status == "succeeded", timeout=60, what="the import done")


def test_a_worker_killed_mid_import_should_not_strand_the_tenants_other_imports(app, ingest, tenant, workers):
    svc = app.extensions["allure"]
    first_worker = workers()
    killed = fake_import(app, tenant.tenant_id)
    waiting = [upload(ingest, tenant, f"w{i}.zip") for i in range(2)]
    wait_for(lambda: svc.redis.get(pid_key(killed)), what="the import running")
    kill_worker(first_worker)
    svc.redis.flushdb()  # and Redis restarted: RQ forgot the job, its retries and its worker
    with svc.sessions.begin() as session:
        session.execute(update(Job).where(Job.id == killed).values(sent_at=utcnow() - timedelta(minutes=1)))
    assert row(app, killed).status == "running"
    workers()
    wait_for(lambda: all(row(app, j).finished for j in waiting), timeout=90, what="the waiting imports done")
    assert row(app, killed).status == "failed" and row(app, killed).error_code == "WORKER_LOST"
    assert started_order(app, waiting) == waiting


def test_a_work_horse_killed_mid_import_should_retry_it_and_keep_the_turn(app, ingest, tenant, workers):
    svc = app.extensions["allure"]
    worker = workers()
    killed = fake_import(app, tenant.tenant_id)
    waiting = upload(ingest, tenant, "after.zip")
    horse = int(wait_for(lambda: svc.redis.get(pid_key(killed)), what="the import running"))
    assert psutil.Process(horse).ppid() == worker.pid
    svc.redis.delete(pid_key(killed))
    psutil.Process(horse).kill()
    wait_for(lambda: row(app, killed).error_code == "WORKER_LOST", what="the kill recorded")
    assert row(app, killed).status == "queued" and row(app, waiting).sent_at is None  # the retry keeps the turn
    svc.redis.delete(block_key(killed))
    wait_for(lambda: row(app, waiting).finished, timeout=90, what="the waiting import done")
    assert row(app, killed).status == "succeeded" and row(app, killed).attempts == 2
    assert row(app, waiting).status == "succeeded" and row(app, waiting).started_at >= row(app, killed).finished_at


def test_an_import_already_in_redis_should_not_be_sent_twice(app, tenant):
    # A commit that failed after sending, or code that sent the row itself: the turn finds it in Redis.
    svc = app.extensions["allure"]
    with svc.sessions() as session:
        job, _ = record_job(session, tenant.tenant_id, KIND_INGEST, {})
        session.commit()
        send_job(svc.redis, job, INGEST, "tests.workers.sample_jobs.slow", timeout=300)
        assert fair_ingest.release(session, svc.redis, tenant.tenant_id, svc.settings) == [job.id]
    assert get_queue(INGEST, svc.redis).job_ids == [job.id]
    assert row(app, job.id).sent_at is not None
