"""The embedded default: no servers configured, `python -m config.launcher` runs everything.

Instances side by side never share storage, a launcher stops everything it started on any stop
signal however it was started, and the demo key stays the same across restarts.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import requests
from minio import Minio

from config.settings import PROJECT_ROOT
from tests.fixtures.corpus import CORPUS
from tests.fixtures.platform import free_port

CONFIGURED = ("DATABASE_URL", "REDIS_URL", "S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY", "S3_BUCKET",
              "SECRET_KEY", "PUBLIC_BASE_URL", "AC_DATA_DIR", "PORT", "AC_EMBEDDED_S3_PORT")
GOLF = CORPUS / "scorm12" / "golf_RuntimeBasicCalls_SCORM12.zip"

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("embedded")]


@dataclass
class Launch:
    """One `python -m config.launcher` and what it printed."""

    proc: subprocess.Popen[str]
    base: str
    key: str
    tenant_id: str
    data_dir: Path

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def family(self) -> list[psutil.Process]:
        return [psutil.Process(self.proc.pid), *psutil.Process(self.proc.pid).children(recursive=True)]

    def workers(self) -> list[psutil.Process]:
        """The RQ worker processes running now (a killed one stays a zombie until the launcher reaps it)."""
        found = []
        for proc in self.family():
            try:
                if proc.cmdline()[-2:] == ["-m", "workers"]:
                    found.append(proc)
            except psutil.Error:
                continue
        return found

    @property
    def storage_endpoint(self) -> str:
        return (self.data_dir / "storage" / "endpoint").read_text().strip()

    def storage(self) -> Minio:
        return Minio(self.storage_endpoint, "allure-dev", "allure-dev-secret", secure=False)


def launch(data_dir: Path, background: bool = False, extra: dict[str, str] | None = None) -> Launch:
    """Start the launcher with nothing configured; `background` ignores SIGINT as a shell's `&` does."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in CONFIGURED}
    env.update(AC_DATA_DIR=str(data_dir), PORT=str(port), WEB_CONCURRENCY="1", PYTHONUNBUFFERED="1", **(extra or {}))
    ignore_sigint = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if background else None
    proc = subprocess.Popen([sys.executable, "-m", "config.launcher"], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=ignore_sigint)
    found = _read_banner(proc)
    return Launch(proc, f"http://127.0.0.1:{port}", found["key"], found["tenant"], data_dir)


def _read_banner(proc: subprocess.Popen[str]) -> dict[str, str]:
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
    if "key" not in found:
        proc.kill()
        raise AssertionError("launcher printed no key:\n" + "".join(lines[-40:]))
    return found


def stop_and_count_leftovers(instance: Launch, sig: int) -> list[str]:
    """Signal the launcher; what of everything it had started is still running afterwards."""
    family = instance.family()
    assert len(family) >= 5, [p.cmdline()[:2] for p in family]  # launcher, Redis, weed, gunicorn (+worker), RQ
    instance.proc.send_signal(sig)
    instance.proc.wait(60)
    time.sleep(1)
    return [" ".join(p.cmdline()[:3]) for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


@pytest.fixture
def launched(tmp_path):
    started: list[Launch] = []

    def start(name: str = "data", **kwargs: object) -> Launch:
        instance = launch(tmp_path / name, **kwargs)
        started.append(instance)
        return instance

    yield start
    for instance in started:
        if instance.proc.poll() is None:
            instance.proc.kill()


def test_embedded_mode_started_in_background_should_serve_the_api_and_stop_everything_on_sigint(launched):
    instance = launched(background=True)
    health = requests.get(instance.base + "/api/health", timeout=30).json()
    assert health["status"] == "healthy", health
    assert (instance.data_dir / "allure.db").exists() and (instance.data_dir / "redis.sock").exists()
    assert requests.get(instance.base + "/api/v1/jobs", headers=instance.headers, timeout=30).status_code == 200
    package = _import_through_quick_start(instance)
    assert package["title"] and package["metadata"]["sco_count"] == 1
    # Dispatch ZIPs and rollups have a worker of their own: they never wait behind an import.
    assert ["workers", "dispatch", "rollups", "webhooks"] in [p.cmdline()[-4:] for p in instance.family()]
    assert stop_and_count_leftovers(instance, signal.SIGINT) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_launcher_should_stop_everything_on_a_stop_signal_and_keep_its_demo_key(launched, sig):
    first = launched(background=True)
    assert stop_and_count_leftovers(first, sig) == []
    saved = first.data_dir / "demo-key.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    again = launched()
    assert (again.key, again.tenant_id) == (first.key, first.tenant_id)
    assert requests.get(again.base + "/api/v1/jobs", headers=again.headers, timeout=30).status_code == 200
    assert stop_and_count_leftovers(again, signal.SIGTERM) == []


def test_a_fresh_data_folder_should_get_a_fresh_demo_key(launched):
    one, two = launched("one"), launched("two")
    assert one.key != two.key
    assert requests.get(two.base + "/api/v1/jobs", headers=one.headers, timeout=30).status_code == 401


def test_two_instances_at_once_should_each_keep_their_own_storage(launched):
    one, two = launched("one"), launched("two")
    assert one.storage_endpoint != two.storage_endpoint
    first, second = _import_through_quick_start(one), _import_through_quick_start(two)
    keys_one = {o.object_name for o in one.storage().list_objects("allure-connect", recursive=True)}
    keys_two = {o.object_name for o in two.storage().list_objects("allure-connect", recursive=True)}
    assert any(first["id"] in key for key in keys_one) and any(second["id"] in key for key in keys_two)
    assert not any(first["id"] in key for key in keys_two) and not any(second["id"] in key for key in keys_one)
    url = f"{two.base}/api/v1/packages/{first['id']}"
    assert requests.get(url, headers=two.headers, timeout=30).status_code == 404
    assert stop_and_count_leftovers(one, signal.SIGTERM) == []
    assert requests.get(two.base + "/api/health", timeout=30).json()["status"] == "healthy"


def test_a_second_launcher_on_the_same_data_folder_should_stop_with_a_clear_message(launched):
    first = launched()
    env = {k: v for k, v in os.environ.items() if k not in CONFIGURED}
    env.update(AC_DATA_DIR=str(first.data_dir), PORT=str(free_port()))
    second = subprocess.run([sys.executable, "-m", "config.launcher"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert second.returncode == 1
    assert f"another Allure Connect instance (pid {first.proc.pid}) uses {first.data_dir}" in second.stderr
    assert requests.get(first.base + "/api/health", timeout=30).json()["status"] == "healthy"


def test_launcher_should_refuse_a_storage_port_that_another_process_answers(tmp_path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if k not in CONFIGURED}
        env.update(AC_DATA_DIR=str(tmp_path / "data"), PORT=str(free_port()), AC_EMBEDDED_S3_PORT=str(taken))
        result = subprocess.run([sys.executable, "-m", "config.launcher"], cwd=PROJECT_ROOT, env=env,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"127.0.0.1:{taken} answers, but not the storage server (weed mini) this instance started" in result.stderr
    assert f"pid {os.getpid()}" in result.stderr


def test_launcher_should_start_a_killed_worker_again(launched):
    instance = launched()
    [worker] = instance.workers()
    worker.kill()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        workers = [p for p in instance.workers() if p.pid != worker.pid]
        if workers:
            break
        time.sleep(0.3)
    assert workers, "no worker was started again"
    assert instance.proc.poll() is None
    package = _import_through_quick_start(instance)
    assert package["metadata"]["sco_count"] == 1


def _import_through_quick_start(instance: Launch) -> dict:
    """The overview's Quick Start: mint a presigned URL, PUT the ZIP, process, poll the job."""
    base, headers, me = instance.base, instance.headers, instance.tenant_id
    data = GOLF.read_bytes()
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
