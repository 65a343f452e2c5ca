"""The ingest and package-delete jobs: convergence on re-runs, clean-up after failures and kills."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import zipfile

import psutil
import pytest
from sqlalchemy import func, select

from config.settings import PROJECT_ROOT
from models.jobs import Job, JobStatus
from models.package_ingest import PackageGone, Source, finalize_version, reserve_version
from models.packages import Package, PackageVersion
from tests.fixtures.corpus import CORPUS
from tests.fixtures.hostile_zips import HOSTILE, ISSUE_11, MANIFEST
from workers import ingest as ingest_jobs
from workers.context import WorkerContext

GOLF = CORPUS / "scorm12" / "golf_RuntimeBasicCalls_SCORM12.zip"


def count(app, model, **where) -> int:
    with app.extensions["allure"].sessions() as session:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return session.scalar(query)


def job_row(app, job_id: str) -> Job:
    with app.extensions["allure"].sessions() as session:
        return session.get(Job, job_id)


def set_job_status(app, job_id: str, status: str) -> None:
    with app.extensions["allure"].sessions.begin() as session:
        session.get(Job, job_id).status = status


def test_rerun_after_finalize_should_return_same_package_and_version(app, ingest, tenant):
    job = ingest.import_file(tenant, GOLF)
    set_job_status(app, job["id"], JobStatus.RUNNING)  # as if the worker died before recording success
    again = ingest_jobs.run(job["id"])
    assert (again["package_id"], again["version"]) == (job["result"]["package_id"], 1)
    assert count(app, Package, tenant_id=tenant.tenant_id) == 1
    assert count(app, PackageVersion, tenant_id=tenant.tenant_id) == 1
    assert ingest.job(tenant, job["id"])["status"] == "succeeded"


def test_rerun_after_partial_publish_should_replace_leftovers(app, ingest, tenant):
    accepted = ingest.upload(tenant, GOLF.read_bytes(), "golf.zip")
    job_id = accepted["job_id"]
    with app.extensions["allure"].sessions.begin() as session:
        version, _ = reserve_version(session, job_id, Source(tenant.tenant_id, None, accepted["storage_path"],
                                                          "golf.zip", "u", GOLF.stat().st_size))  # fmt: skip
        prefix = version.storage_prefix
    storage = app.extensions["allure"].storage
    storage.put_stream(prefix + "leftover/from-killed-attempt.html", io.BytesIO(b"x"), 1, "text/html")
    ingest.run_jobs()
    job = ingest.job(tenant, job_id)
    assert job["status"] == "succeeded" and job["result"]["version"] == 1
    with zipfile.ZipFile(GOLF) as archive:
        expected = sorted(prefix + name for name in archive.namelist() if not name.endswith("/"))
    assert ingest.stored_keys(prefix) == expected
    assert count(app, PackageVersion, tenant_id=tenant.tenant_id) == 1


def test_failed_job_reservation_should_be_swept_by_next_ingest(app, ingest, tenant):
    # A job that died on its last attempt: failed row, publishing reservation, stored files.
    with app.extensions["allure"].sessions.begin() as session:
        dead = Job(tenant_id=tenant.tenant_id, kind=ingest_jobs.KIND_INGEST, params={}, status=JobStatus.FAILED)
        session.add(dead)
        session.flush()
        version, _ = reserve_version(session, dead.id, Source(tenant.tenant_id, None, "k", "dead.zip", "u", 1))
        prefix, dead_package = version.storage_prefix, version.package_id
    storage = app.extensions["allure"].storage
    storage.put_stream(prefix + "index.html", io.BytesIO(b"x"), 1, "text/html")
    assert ingest.import_file(tenant, GOLF)["status"] == "succeeded"
    assert ingest.stored_keys(prefix) == []
    with app.extensions["allure"].sessions() as session:
        assert session.get(Package, dead_package) is None


@pytest.mark.parametrize("name", ISSUE_11)
def test_hostile_package_should_fail_with_its_code_and_leave_nothing(app, ingest, tenant, name):
    build, code = HOSTILE[name]
    job = ingest.import_bytes(tenant, build(), f"{name}.zip")
    assert (job["status"], job["error"]["code"]) == ("failed", code)
    assert job["error"]["message"]
    assert ingest.client.get("/api/v1/packages", headers=tenant.headers).json["count"] == 0
    assert count(app, PackageVersion, tenant_id=tenant.tenant_id) == 0
    assert ingest.stored_keys(f"tenants/{tenant.tenant_id}/packages/") == []


def test_maintenance_sweep_should_remove_failed_imports_of_every_tenant(app, ingest, make_tenant):
    svc = app.extensions["allure"]
    prefixes = []
    for tenant in (make_tenant(name="A"), make_tenant(name="B")):
        with svc.sessions.begin() as session:
            dead = Job(tenant_id=tenant.tenant_id, kind=ingest_jobs.KIND_INGEST, params={}, status=JobStatus.FAILED)
            session.add(dead)
            session.flush()
            version, _ = reserve_version(session, dead.id, Source(tenant.tenant_id, None, "k", "dead.zip", "u", 1))
            prefixes.append(version.storage_prefix)
        svc.storage.put_stream(prefixes[-1] + "index.html", io.BytesIO(b"x"), 1, "text/html")
    services = WorkerContext(settings=svc.settings, engine=svc.engine, storage=svc.storage, redis=svc.redis)
    assert ingest_jobs.sweep_failed_imports(services) == 2
    assert [ingest.stored_keys(prefix) for prefix in prefixes] == [[], []]
    assert count(app, PackageVersion) == 0 and count(app, Package) == 0
    assert ingest_jobs.sweep_failed_imports(services) == 0


def test_package_deleted_while_importing_should_refuse_finalize(app, ingest, tenant):
    package_id = ingest.import_file(tenant, GOLF)["result"]["package_id"]
    with app.extensions["allure"].sessions.begin() as session:
        reserve_version(session, "job-for-v2", Source(tenant.tenant_id, package_id, "k", "v2.zip", "u", 1))
    assert ingest.client.delete(f"/api/v1/packages/{package_id}", headers=tenant.headers).status_code == 200
    with app.extensions["allure"].sessions.begin() as session, pytest.raises(PackageGone):
        finalize_version(session, "job-for-v2", {"file_size_bytes": 1})


def test_delete_job_run_twice_should_converge(app, ingest, tenant):
    package_id = ingest.import_file(tenant, GOLF)["result"]["package_id"]
    ingest.client.delete(f"/api/v1/packages/{package_id}", headers=tenant.headers)
    ingest.run_jobs()
    jobs = ingest.client.get("/api/v1/jobs?kind=package_delete", headers=tenant.headers).json["jobs"]
    set_job_status(app, jobs[0]["id"], JobStatus.QUEUED)
    again = ingest_jobs.run_delete(jobs[0]["id"])
    assert again == {"package_id": package_id, "deleted_objects": 0}


def _many_files_zip(path, files: int = 1500, size: int = 16_000) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("imsmanifest.xml", MANIFEST.format(title="Many files"))
        archive.writestr("index.html", b"<p>hi</p>")
        for index in range(files):
            archive.writestr(f"assets/{index:05d}.bin", os.urandom(size))


@pytest.fixture
def worker_with_one_publisher(app):
    env = dict(os.environ, AC_PUBLISH_WORKERS="1")
    proc = subprocess.Popen([sys.executable, "-m", "workers"], cwd=PROJECT_ROOT, env=env)
    yield proc
    if proc.poll() is None:
        for child in psutil.Process(proc.pid).children(recursive=True):
            child.kill()
        proc.kill()
    proc.wait()


@pytest.mark.slow
def test_work_horse_killed_mid_publish_should_retry_and_converge(app, ingest, tenant, tmp_path,
                                                                 worker_with_one_publisher):  # fmt: skip
    path = tmp_path / "many.zip"
    _many_files_zip(path)
    accepted = ingest.upload(tenant, path.read_bytes(), "many.zip")
    job_id = accepted["job_id"]
    deadline = time.monotonic() + 120
    while not (job_row(app, job_id).stage == "publish" and job_row(app, job_id).progress >= 25):
        assert time.monotonic() < deadline, "publish never started"
        time.sleep(0.1)
    # The work horse is the child talking to storage (the other child is RQ's scheduler).
    s3_port = int(app.extensions["allure"].settings.s3_endpoint.rsplit(":", 1)[1])
    horses = [child for child in psutil.Process(worker_with_one_publisher.pid).children()
              if any(conn.raddr and conn.raddr.port == s3_port for conn in child.net_connections())]  # fmt: skip
    assert len(horses) == 1
    os.kill(horses[0].pid, signal.SIGKILL)
    deadline = time.monotonic() + 180
    while job_row(app, job_id).status != JobStatus.SUCCEEDED:
        assert job_row(app, job_id).status != JobStatus.FAILED, job_row(app, job_id).error_message
        assert time.monotonic() < deadline, "the retry did not finish"
        time.sleep(0.5)
    row = job_row(app, job_id)
    assert row.attempts == 2
    prefix = f"tenants/{tenant.tenant_id}/packages/{row.result['package_id']}/v1/"
    with zipfile.ZipFile(path) as archive:
        assert ingest.stored_keys(prefix) == sorted(prefix + name for name in archive.namelist())
    assert count(app, PackageVersion, tenant_id=tenant.tenant_id) == 1
    assert count(app, Package, tenant_id=tenant.tenant_id) == 1
