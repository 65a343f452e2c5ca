"""The embedded default: no servers configured, `python -m config.launcher` runs everything."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import psutil
import pytest
import requests

from config.settings import PROJECT_ROOT
from tests.fixtures.platform import free_port
from tests.fixtures.services import CORPUS

CONFIGURED = ("DATABASE_URL", "REDIS_URL", "S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY", "S3_BUCKET",
              "SECRET_KEY", "PUBLIC_BASE_URL")


@pytest.fixture
def embedded(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in CONFIGURED}
    # Fixed ports below the ephemeral range: weed derives master, volume, filer and gRPC ports from it.
    port, s3_port = free_port(), 18533
    env.update(AC_DATA_DIR=str(tmp_path / "data"), PORT=str(port), AC_EMBEDDED_S3_PORT=str(s3_port),
               WEB_CONCURRENCY="1", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "config.launcher"], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    found: dict[str, str] = {}
    lines: list[str] = []
    deadline = time.monotonic() + 120
    while "key" not in found and time.monotonic() < deadline and proc.poll() is None:
        line = proc.stdout.readline()
        lines.append(line)
        for name, pattern in (("tenant", r"Tenant id\s+:\s+(\S+)"), ("key", r"API key\s+:\s+(ac_live_\S+)")):
            match = re.search(pattern, line)
            if match:
                found[name] = match.group(1)
    assert "key" in found and "tenant" in found, "launcher printed no key:\n" + "".join(lines[-40:])
    yield proc, f"http://127.0.0.1:{port}", found["key"], found["tenant"], tmp_path / "data"
    if proc.poll() is None:
        proc.kill()


@pytest.mark.slow
def test_embedded_mode_should_serve_the_api_and_stop_everything_on_ctrl_c(embedded):
    proc, base, key, tenant_id, data_dir = embedded
    health = requests.get(base + "/api/health", timeout=30).json()
    assert health["status"] == "healthy", health
    assert (data_dir / "allure.db").exists() and (data_dir / "redis.sock").exists()
    headers = {"Authorization": f"Bearer {key}"}
    assert requests.get(base + "/api/v1/jobs", headers=headers, timeout=30).status_code == 200
    created = requests.post(base + "/api/v1/api-keys", headers=headers, json={"scopes": ["read"]}, timeout=30)
    assert created.status_code == 201
    package = _import_through_quick_start(base, headers, tenant_id)
    assert package["title"] and package["metadata"]["sco_count"] == 1
    family = [proc.pid] + [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    proc.send_signal(signal.SIGINT)
    proc.wait(60)
    time.sleep(1)
    assert not [pid for pid in family if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]


def _import_through_quick_start(base: str, headers: dict[str, str], me: str) -> dict:
    """The overview's Quick Start: mint a presigned URL, PUT the ZIP, process, poll the job."""
    data = (CORPUS / "scorm12" / "golf_RuntimeBasicCalls_SCORM12.zip").read_bytes()
    mint = requests.post(base + "/api/v1/packages/upload-url", headers=headers, timeout=30, json={
        "tenant_id": me, "uploaded_by": "user-123", "filename": "course.zip", "file_size": len(data)})
    assert mint.ok, mint.text
    ticket = mint.json()
    put = requests.put(ticket["presigned_url"], headers=ticket["required_put_headers"], data=data, timeout=30)
    assert put.ok, put.text
    proc = requests.post(base + "/api/v1/packages/process", headers=headers, timeout=30, json={
        "tenant_id": me, "uploaded_by": "user-123", "storage_path": ticket["storage_path"],
        "original_filename": "course.zip"})
    assert proc.status_code == 202, proc.text
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = requests.get(base + f"/api/v1/jobs/{proc.json()['job_id']}", headers=headers, timeout=30).json()
        if job["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.5)
    assert job["status"] == "succeeded", job
    package = requests.get(base + f"/api/v1/packages/{job['result']['package_id']}", headers=headers, timeout=30)
    assert package.status_code == 200
    return package.json()
