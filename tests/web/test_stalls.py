"""Stalled storage (SIGSTOP on weed): health answers within seconds, the API keeps serving, storage calls end.

A private `weed mini` serves this test only, so stopping it disturbs no other test of the run.
"""

from __future__ import annotations

import io
import os
import signal
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from config.embedded import start_weed
from pipeline.errors import StorageError
from pipeline.storage import storage_from_settings
from tests.fixtures.platform import LiveStack, start_stack
from tests.fixtures.services import S3_KEYS

HEALTH_TIMEOUT = 1.5
READ_TIMEOUT = 3


@pytest.fixture
def weed(settings, tmp_path) -> Iterator[object]:
    server = start_weed(tmp_path / "weed", *S3_KEYS)
    try:
        storage_from_settings(settings.with_overrides(s3_endpoint=server.endpoint)).ensure_bucket()
        yield server
    finally:
        if server.alive():
            os.kill(server.proc.pid, signal.SIGCONT)
        server.stop()


@pytest.fixture
def stack(app, settings, weed) -> Iterator[LiveStack]:
    env = {"S3_ENDPOINT": weed.endpoint, "AC_HEALTH_TIMEOUT": str(HEALTH_TIMEOUT),
           "AC_STORAGE_READ_TIMEOUT": str(READ_TIMEOUT), "AC_WEB_THREADS": "4"}
    live = start_stack(settings, web_workers=2, with_worker=False, extra_env=env)
    yield live
    live.stop()


def _timed(method: str, url: str, **kwargs: object) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = requests.request(method, url, timeout=60, **kwargs)
    return response, time.monotonic() - started


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", "<manifest/>")
    return buffer.getvalue()


@pytest.mark.xdist_group("live")
def test_stalled_storage_should_leave_health_quick_and_the_api_serving(stack, weed, tenant):
    health = stack.base_url + "/api/health"
    assert requests.get(health, timeout=10).json()["checks"]["storage"] is True
    os.kill(weed.proc.pid, signal.SIGSTOP)
    try:
        with ThreadPoolExecutor(12) as pool:
            probes = [pool.submit(_timed, "GET", health) for _ in range(10)]
            time.sleep(0.2)  # the probes hold (or queue for) every web thread by now
            listed, listed_after = _timed("GET", stack.base_url + "/api/v1/packages", headers=tenant.headers)
            answers = [probe.result() for probe in probes]
        assert listed.status_code == 200, listed.text
        assert listed_after < 3 * HEALTH_TIMEOUT + 2
        for response, seconds in answers:
            assert response.status_code == 503
            assert response.json()["checks"] == {"database": True, "redis": True, "storage": False}
            assert seconds < 3 * HEALTH_TIMEOUT + 2
        uploaded, upload_seconds = _timed("POST", stack.base_url + "/api/v1/packages/upload", headers=tenant.headers,
                                          data={"tenant_id": tenant.tenant_id, "uploaded_by": "u"},
                                          files={"file": ("course.zip", _zip(), "application/zip")})
        assert uploaded.status_code == 503, uploaded.text
        assert uploaded.json()["error"]["code"] == "STORAGE_UNAVAILABLE"
        assert upload_seconds < READ_TIMEOUT + 5
    finally:
        os.kill(weed.proc.pid, signal.SIGCONT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        response = requests.get(health, timeout=10)
        if response.status_code == 200:
            break
        time.sleep(0.3)
    assert response.status_code == 200
    assert response.json()["checks"]["storage"] is True


def test_stalled_redis_should_leave_health_quick(app, settings):
    """A Redis that accepts connections but never answers (SIGSTOP) fails its check at the deadline."""
    import subprocess

    from tests.fixtures.platform import free_port
    from web import create_app

    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        time.sleep(0.3)
        stalled = create_app(settings.with_overrides(redis_url=f"redis://127.0.0.1:{port}/0", health_timeout=1.0))
        client = stalled.test_client()
        assert client.get("/api/health").status_code == 200
        proc.send_signal(signal.SIGSTOP)
        started = time.monotonic()
        r = client.get("/api/health")
        assert time.monotonic() - started < 2.5
        assert r.status_code == 503
        assert r.json["checks"] == {"database": True, "redis": False, "storage": True}
    finally:
        proc.send_signal(signal.SIGCONT)
        proc.kill()
        proc.wait(10)


def test_storage_calls_should_end_within_the_read_timeout_when_storage_stalls(settings, weed):
    storage = storage_from_settings(settings.with_overrides(s3_endpoint=weed.endpoint, storage_read_timeout=2.0))
    size = 24 * 1024 * 1024  # more than the socket buffers hold, so the stream must wait on the server
    storage.put_stream("stall/big.bin", io.BytesIO(os.urandom(1024) * (size // 1024)), size, "application/octet-stream")
    chunks = storage.open("stall/big.bin")
    next(chunks)
    os.kill(weed.proc.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        with pytest.raises(Exception):  # noqa: B017 - urllib3's timeout, whichever form it takes mid-stream
            for _ in chunks:
                pass
        assert time.monotonic() - started < 2.0 + 3
        started = time.monotonic()
        with pytest.raises(StorageError):
            storage.stat("stall/big.bin")
        assert time.monotonic() - started < 2.0 + 3
    finally:
        os.kill(weed.proc.pid, signal.SIGCONT)
    assert storage.stat("stall/big.bin").size == size
