"""Hostile uploads against the live stack (gunicorn + a real worker process + storage)."""

from __future__ import annotations

import time

import pytest
import requests

from tests.fixtures.hostile_zips import HOSTILE, valid
from tests.fixtures.platform import start_stack


@pytest.fixture
def stack(app, settings):
    # Twenty-one uploads in a row: lift the per-minute upload class for this test only.
    stack = start_stack(settings, web_workers=2, extra_env={"AC_RATE_LIMIT_UPLOAD": "1000"})
    yield stack
    stack.stop()


def _upload(base: str, headers: dict[str, str], tenant_id: str, name: str, data: bytes) -> str:
    minted = requests.post(f"{base}/api/v1/packages/upload-url", headers=headers, timeout=30, json={
        "tenant_id": tenant_id, "uploaded_by": "attacker", "filename": f"{name}.zip", "file_size": len(data)})
    assert minted.status_code == 201, minted.text
    ticket = minted.json()
    assert requests.put(ticket["presigned_url"], data=data, headers=ticket["required_put_headers"], timeout=60).ok
    processed = requests.post(f"{base}/api/v1/packages/process", headers=headers, timeout=30, json={
        "tenant_id": tenant_id, "uploaded_by": "attacker", "storage_path": ticket["storage_path"],
        "original_filename": f"{name}.zip"})  # fmt: skip
    assert processed.status_code == 202, processed.text
    return processed.json()["job_id"]


def _wait(base: str, headers: dict[str, str], job_ids: list[str], timeout: float = 180) -> dict[str, dict]:
    deadline = time.monotonic() + timeout
    while True:
        jobs = {job_id: requests.get(f"{base}/api/v1/jobs/{job_id}", headers=headers, timeout=30).json()
                for job_id in job_ids}  # fmt: skip
        if all(job["status"] in ("succeeded", "failed") for job in jobs.values()):
            return jobs
        assert time.monotonic() < deadline, {k: v["status"] for k, v in jobs.items()}
        time.sleep(0.5)


@pytest.mark.slow
def test_hostile_uploads_should_each_fail_with_own_code_and_worker_survive(stack, app, tenant):
    base, headers = stack.base_url, tenant.headers
    job_ids = {name: _upload(base, headers, tenant.tenant_id, name, build()) for name, (build, _) in HOSTILE.items()}
    jobs = _wait(base, headers, list(job_ids.values()))
    outcome = {name: (jobs[job_id]["status"], (jobs[job_id]["error"] or {}).get("code")) for name, job_id in
               job_ids.items()}  # fmt: skip
    assert outcome == {name: ("failed", code) for name, (_, code) in HOSTILE.items()}
    assert stack.worker is not None and stack.worker.poll() is None, "the worker process died"
    # The same worker still imports a good package afterwards.
    good = _wait(base, headers, [_upload(base, headers, tenant.tenant_id, "good", valid("Still works"))])
    assert next(iter(good.values()))["status"] == "succeeded"
    keys = list(app.extensions["allure"].storage.list_keys(f"tenants/{tenant.tenant_id}/"))
    package_keys = [key for key in keys if "/packages/" in key]
    assert all(key.startswith(f"tenants/{tenant.tenant_id}/uploads/") for key in keys if key not in package_keys)
    assert {key.rsplit("/", 1)[1] for key in package_keys} == {"imsmanifest.xml", "index.html"}
    listed = requests.get(f"{base}/api/v1/packages", headers=headers, timeout=30).json()
    assert listed["count"] == 1 and listed["packages"][0]["title"] == "Still works"
