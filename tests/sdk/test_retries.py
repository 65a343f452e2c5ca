"""A 429 is retried after the server's Retry-After; when the retries run out it is a typed RateLimited."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import ClassVar

import pytest
from allure_connect import Client, RateLimited, ServerError, TransportError
from flask import Flask

from config.settings import Settings
from tests.fixtures.platform import LiveStack, TenantKey, start_stack

# Its own group: the 429 test waits out a rate-limit window while the other SDK tests run.
pytestmark = [pytest.mark.xdist_group("sdk-retries"), pytest.mark.slow]


@pytest.fixture
def tight_stack(app: Flask, settings: Settings) -> Iterator[LiveStack]:
    stack = start_stack(settings, web_workers=1, with_worker=False, extra_env={"AC_RATE_LIMIT_READ": "2"})
    yield stack
    stack.stop()


def test_429_is_retried_after_retry_after_and_typed_when_retries_run_out(
    tight_stack: LiveStack, make_tenant: Callable[..., TenantKey]
):
    key = make_tenant().key
    with Client(tight_stack.base_url, key, max_attempts=1) as impatient:
        impatient.list_packages()
        impatient.list_packages()
        with pytest.raises(RateLimited) as caught:
            impatient.list_packages()
    refused = caught.value
    assert refused.status == 429 and refused.code == "RATE_LIMIT_EXCEEDED" and refused.request_id
    assert refused.retry_after is not None and 0 < refused.retry_after <= 60

    seen: list[tuple[int, float]] = []
    with Client(tight_stack.base_url, key) as patient:
        patient.http.event_hooks["response"].append(lambda r: seen.append((r.status_code, time.monotonic())))
        patient.list_packages()
    statuses = [status for status, _ in seen]
    assert statuses[0] == 429 and statuses[-1] == 200 and set(statuses[1:-1]) <= {429}
    waited = seen[1][1] - seen[0][1]
    assert waited >= refused.retry_after - 2  # the advice, less the time since the first refusal


def test_an_unreachable_service_is_retried_then_a_transport_error():
    started = time.monotonic()
    with Client("http://127.0.0.1:9", "ak_any", max_attempts=3) as client, pytest.raises(TransportError):
        client.health()
    assert time.monotonic() - started >= 0.5  # it backed off between the attempts


class FlakyService(http.server.BaseHTTPRequestHandler):
    """A hostile stand-in for a failing deployment: 503 twice, then an answer; 500 to every POST."""

    calls: ClassVar[list[str]] = []
    JOB: ClassVar[dict] = {"id": "j1", "kind": "package_import", "status": "queued", "progress": 0,
                           "created_at": "2026-01-01T00:00:00Z"}  # fmt: skip

    def _answer(self, status: int, body: dict) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        self.calls.append("GET")
        if len(self.calls) <= 2:
            self._answer(503, {"error": {"code": "SERVICE_UNAVAILABLE", "message": "down", "details": {}},
                               "request_id": f"r{len(self.calls)}"})  # fmt: skip
        else:
            self._answer(200, self.JOB)

    def do_POST(self) -> None:
        self.calls.append("POST")
        self._answer(500, {"error": {"code": "INTERNAL_ERROR", "message": "boom", "details": {}}, "request_id": "rp"})

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def flaky_url() -> Iterator[str]:
    FlakyService.calls.clear()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FlakyService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_5xx_is_retried_for_reads_and_a_post_is_not_done_twice(flaky_url: str):
    with Client(flaky_url, "ak_any", max_attempts=4) as client:
        assert client.get_job("j1").status == "queued"
        with pytest.raises(ServerError) as caught:
            client.launch("p", "u")
    assert FlakyService.calls == ["GET", "GET", "GET", "POST"]
    assert (caught.value.status, caught.value.code, caught.value.request_id) == (500, "INTERNAL_ERROR", "rp")
