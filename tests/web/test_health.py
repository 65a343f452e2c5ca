"""`GET /api/health` against real services, and with Redis stopped."""

from __future__ import annotations

import subprocess
import time

import pytest

from tests.fixtures.platform import free_port
from web import create_app


def test_health_should_report_each_check_without_auth(client):
    r = client.get("/api/health")
    assert r.status_code == 200
    body = r.json
    assert body["status"] == "healthy"
    assert body["service"] == "scorm-api"
    assert body["version"]
    assert body["timestamp"].endswith("Z")
    assert body["checks"] == {"database": True, "redis": True, "storage": True}


@pytest.fixture
def own_redis():
    """A Redis server of this test's own, so stopping it disturbs nobody else."""
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.3)
    yield port, proc
    if proc.poll() is None:
        proc.kill()


def test_health_with_redis_stopped_should_be_unhealthy_503(settings, own_redis):
    port, proc = own_redis
    app = create_app(settings.with_overrides(redis_url=f"redis://127.0.0.1:{port}/0"))
    client = app.test_client()
    assert client.get("/api/health").status_code == 200
    proc.terminate()
    proc.wait(10)
    r = client.get("/api/health")
    assert r.status_code == 503
    assert r.json["status"] == "unhealthy"
    assert r.json["checks"] == {"database": True, "redis": False, "storage": True}


def test_authenticated_request_with_redis_stopped_answers_503_envelope(settings, own_redis, tenant):
    port, proc = own_redis
    app = create_app(settings.with_overrides(redis_url=f"redis://127.0.0.1:{port}/0"))
    client = app.test_client()
    assert client.get("/api/v1/jobs", headers=tenant.headers).status_code == 200
    proc.terminate()
    proc.wait(10)
    r = client.get("/api/v1/jobs", headers=tenant.headers)
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "5"
    assert r.json["error"] == {"code": "SERVICE_UNAVAILABLE", "details": {"service": "redis"},
                               "message": "A backing service is unavailable; retry shortly"}
    assert r.json["request_id"] == r.headers["X-Request-ID"]


def test_health_with_storage_unreachable_should_be_unhealthy(settings):
    app = create_app(settings.with_overrides(s3_endpoint=f"127.0.0.1:{free_port()}"))
    r = app.test_client().get("/api/health")
    assert r.status_code == 503
    assert r.json["checks"]["storage"] is False
