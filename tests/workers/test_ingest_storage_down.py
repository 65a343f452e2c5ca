"""Storage dying in the middle of an import, against a private `weed mini`, gunicorn and a real worker."""

from __future__ import annotations

import os
import time
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from config.embedded import WeedServer, start_weed, weed_command
from config.processes import spawn, wait_for_port
from config.settings import Settings
from models.jobs import Job
from models.packages import Package, PackageVersion
from pipeline.storage import storage_from_settings
from tests.fixtures.hostile_zips import MANIFEST, valid
from tests.fixtures.platform import LiveStack, start_stack


def _package(path: Path, files: int = 1500, size: int = 16_000) -> bytes:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("imsmanifest.xml", MANIFEST.format(title="Storage dies"))
        archive.writestr("index.html", b"<p>hi</p>")
        for index in range(files):
            archive.writestr(f"assets/{index:05d}.bin", os.urandom(size))
    return path.read_bytes()


@pytest.fixture
def weed(tmp_path: Path, settings: Settings) -> Iterator[list[WeedServer]]:
    """A storage server of this test alone (a list: the test restarts it)."""
    servers = [start_weed(tmp_path / "weed", settings.s3_access_key, settings.s3_secret_key)]
    yield servers
    servers[-1].stop()


@pytest.fixture
def private_settings(settings: Settings, weed: list[WeedServer]) -> Settings:
    private = replace(settings, s3_endpoint=weed[0].endpoint, s3_public_endpoint="")
    storage_from_settings(private).ensure_bucket()
    return private


@pytest.fixture
def stack(app, settings: Settings, private_settings: Settings) -> Iterator[LiveStack]:
    # One publishing thread: the import is still publishing when storage goes away.
    stack = start_stack(settings, extra_env={"S3_ENDPOINT": private_settings.s3_endpoint, "AC_PUBLISH_WORKERS": "1"})
    yield stack
    stack.stop()


def _upload(stack: LiveStack, tenant, data: bytes) -> str:
    body = {"tenant_id": tenant.tenant_id, "uploaded_by": "u", "filename": "big.zip", "file_size": len(data)}
    minted = requests.post(f"{stack.base_url}/api/v1/packages/upload-url", json=body, headers=tenant.headers,
                           timeout=30)  # fmt: skip
    assert minted.status_code == 201, minted.text
    ticket = minted.json()
    assert requests.put(ticket["presigned_url"], data=data, headers=ticket["required_put_headers"], timeout=60).ok
    processed = requests.post(f"{stack.base_url}/api/v1/packages/process", headers=tenant.headers, timeout=30, json={
        "tenant_id": tenant.tenant_id, "uploaded_by": "u", "storage_path": ticket["storage_path"],
        "original_filename": "big.zip"})  # fmt: skip
    assert processed.status_code == 202, processed.text
    return processed.json()["job_id"]


def _row(app, model, **where):
    with app.extensions["allure"].sessions() as session:
        query = select(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return session.scalar(query)


def _count(app, model, **where) -> int:
    with app.extensions["allure"].sessions() as session:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return session.scalar(query)


def _restart(server: WeedServer) -> WeedServer:
    """The same storage again: same folder, every port as before (weed mini remembers its peers)."""
    proc = spawn(weed_command(server.data_dir, server.ports), log=server.data_dir / "weed.log",
                 env=dict(os.environ, GOMEMLIMIT="512MiB"))  # fmt: skip
    wait_for_port(server.ports.s3, proc)
    return WeedServer(proc, server.ports, server.data_dir)


def _worker_log(stack: LiveStack) -> str:
    port = stack.base_url.rsplit(":", 1)[1]
    path = stack.log_dir / f"worker-{port}.log"
    return path.read_text(errors="replace")[-4000:] if path.exists() else "(none)"


def _until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.25)


@pytest.mark.slow
def test_storage_down_mid_publish_should_fail_storage_unavailable_and_leave_nothing(
    app, tenant, tmp_path, weed, private_settings, stack
):
    storage = storage_from_settings(private_settings)
    job_id = _upload(stack, tenant, _package(tmp_path / "big.zip"))

    def publishing() -> bool:
        row = _row(app, Job, id=job_id)
        return row.stage == "publish" and row.progress >= 25

    _until(publishing, 120, "publish never started")
    prefix = _row(app, PackageVersion, job_id=job_id).storage_prefix
    assert list(storage.list_keys(prefix)), "nothing was stored before storage went down"

    weed[0].stop()
    _until(lambda: _row(app, Job, id=job_id).status == "failed", 120, f"the job did not fail:\n{_worker_log(stack)}")

    job = requests.get(f"{stack.base_url}/api/v1/jobs/{job_id}", headers=tenant.headers, timeout=30).json()
    assert job["error"]["code"] == "STORAGE_UNAVAILABLE", job["error"]
    listed = requests.get(f"{stack.base_url}/api/v1/packages", headers=tenant.headers, timeout=30).json()
    assert listed["count"] == 0
    assert stack.worker is not None and stack.worker.poll() is None, "the worker process died"

    # Storage comes back on the same address with the same data. The failed version's objects and
    # reservation go at the tenant's next import (or the workers' next maintenance pass, which an idle
    # RQ worker runs only between its blocking dequeues, minutes apart).
    weed.append(_restart(weed[0]))
    next_job = _upload(stack, tenant, valid("After the outage"))
    _until(lambda: _row(app, Job, id=next_job).status in ("succeeded", "failed"), 120,
           f"the next import did not finish:\n{_worker_log(stack)}")  # fmt: skip
    assert _row(app, Job, id=next_job).status == "succeeded", _worker_log(stack)
    assert list(storage.list_keys(prefix)) == []
    assert _count(app, PackageVersion, job_id=job_id) == 0
    assert _count(app, Package, tenant_id=tenant.tenant_id) == 1
    listed = requests.get(f"{stack.base_url}/api/v1/packages", headers=tenant.headers, timeout=30).json()
    assert [package["title"] for package in listed["packages"]] == ["After the outage"]
