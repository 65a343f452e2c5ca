"""429 and 503 of the real service are retried after its Retry-After; when retries run out the error is typed."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from allure_connect import Client, RateLimited, TransportError
from flask import Flask

from config.processes import free_ports, stop, wait_for_port
from config.settings import Settings
from tests.fixtures.platform import LiveStack, TenantKey, start_stack

# Its own group: the 429 test waits out a rate-limit window while the other SDK tests run.
pytestmark = [pytest.mark.xdist_group("sdk-retries"), pytest.mark.slow]


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


def _redis_server(port: int) -> subprocess.Popen[bytes]:
    # Not config.processes.spawn: this one may start from a timer thread, and a child tied to its
    # parent's life would die with that thread. The fixture stops it.
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, start_new_session=True)
    wait_for_port(port, proc)
    return proc


@pytest.fixture
def stack_with_own_redis(app: Flask, settings: Settings) -> Iterator[tuple[LiveStack, list[subprocess.Popen]]]:
    """A live stack whose Redis is this test's own, so stopping it disturbs nobody else."""
    port = free_ports(1)[0]
    servers = [_redis_server(port)]
    stack = start_stack(settings, web_workers=1, with_worker=False,
                        extra_env={"REDIS_URL": f"redis://127.0.0.1:{port}/0"})  # fmt: skip
    yield stack, servers
    stack.stop()
    for server in servers:
        stop(server)


def test_a_503_of_the_real_service_is_retried_after_its_retry_after(stack_with_own_redis, make_tenant):
    stack, servers = stack_with_own_redis
    key = make_tenant().key
    port = int(servers[0].args[2])
    stop(servers[0])  # the service now answers 503 SERVICE_UNAVAILABLE with Retry-After
    seen: list[tuple[int, float]] = []
    restarted = threading.Timer(2.0, lambda: servers.append(_redis_server(port)))
    with Client(stack.base_url, key, max_attempts=4) as client:
        client.http.event_hooks["response"].append(lambda r: seen.append((r.status_code, time.monotonic())))
        restarted.start()
        assert client.list_packages().count == 0
    restarted.join()
    statuses = [status for status, _ in seen]
    assert statuses[0] == 503 and statuses[-1] == 200, statuses
    assert seen[1][1] - seen[0][1] >= 4  # the service's Retry-After (5 s), not an immediate hammering
