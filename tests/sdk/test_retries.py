"""A 429 is retried after the server's Retry-After; when the retries run out it is a typed RateLimited."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from allure_connect import Client, RateLimited, TransportError
from flask import Flask

from config.settings import Settings
from tests.fixtures.platform import LiveStack, TenantKey, start_stack

pytestmark = [pytest.mark.xdist_group("sdk"), pytest.mark.slow]


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
