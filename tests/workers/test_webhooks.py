"""Webhook delivery against a real receiver on 127.0.0.1: signatures, retries, time-outs, the outbox."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from config.embedded import start_redis
from config.processes import spawn, stop
from config.settings import PROJECT_ROOT, Settings
from models.base import utcnow
from models.db import transaction
from models.webhook_events import record_event
from models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEvent
from tests.fixtures.platform import TenantKey
from tests.fixtures.webhook_receiver import HANG, allow_private_receivers, start_receiver, stop_receiver
from workers.context import worker_context
from workers.queues import WEBHOOKS, get_queue
from workers.webhook_http import refused_address
from workers.webhooks import drain_for, prune, relay
from workers.worker import AllureSimpleWorker

EVENT = "package.deleted"


@pytest.fixture
def settings(base_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    yield from allow_private_receivers(base_settings, monkeypatch, webhook_timeout_seconds=1.0)


def create_webhook(client: FlaskClient, tenant: TenantKey, url: str, events: list[str] | None = None) -> dict:
    response = client.post("/api/v1/webhooks", json={"url": url, "events": events or [EVENT]}, headers=tenant.headers)
    assert response.status_code == 201, response.json
    return response.json


def emit(app: Flask, tenant: TenantKey, resource: dict | None = None) -> str | None:
    with transaction(app.extensions["allure"].engine) as session:
        return record_event(session, tenant.tenant_id, EVENT, resource or {"id": "pkg-1", "title": "Golf"})


def drain(app: Flask, seconds: float = 5) -> int:
    svc = app.extensions["allure"]
    return drain_for(svc.engine, svc.redis, svc.settings, seconds)


def deliveries(client: FlaskClient, tenant: TenantKey, webhook_id: str) -> list[dict]:
    response = client.get(f"/api/v1/webhooks/{webhook_id}/deliveries", headers=tenant.headers)
    assert response.status_code == 200, response.json
    return response.json["deliveries"]


def test_delivery_is_signed_and_verifies_with_the_receiver_side_of_standardwebhooks(app, client, tenant, receiver):
    hook = create_webhook(client, tenant, receiver.url)
    assert hook["secret"].startswith("whsec_")
    event_id = emit(app, tenant, {"id": "pkg-1", "title": "Golf"})
    assert drain(app) == 1
    [got] = receiver.wait_for(1)
    payload = Webhook(hook["secret"]).verify(got.body, got.headers)
    assert payload["id"] == event_id == got.headers["webhook-id"]
    assert payload["type"] == EVENT and payload["data"] == {"id": "pkg-1", "title": "Golf"}
    assert payload["tenant_id"] == tenant.tenant_id and payload["timestamp"].endswith("Z")
    [delivery] = deliveries(client, tenant, hook["id"])
    assert delivery["status"] == "succeeded" and delivery["response_status"] == 200
    assert delivery["tries"][0]["response_excerpt"] == '{"ok": true}'


def test_rotated_secret_signs_twice_during_the_overlap(app, client, tenant, receiver):
    hook = create_webhook(client, tenant, receiver.url)
    rotated = client.post(f"/api/v1/webhooks/{hook['id']}/rotate-secret", json={"overlap_seconds": 3600},
                          headers=tenant.headers).json  # fmt: skip
    emit(app, tenant)
    drain(app)
    [got] = receiver.wait_for(1)
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    for secret in (hook["secret"], rotated["secret"]):
        Webhook(secret).verify(got.body, got.headers)


def test_500_then_200_gets_the_same_id_again_within_ten_seconds(app, client, tenant, receiver):
    receiver.script = [500]
    hook = create_webhook(client, tenant, receiver.url)
    event_id = emit(app, tenant)
    drain(app)
    [delivery] = deliveries(client, tenant, hook["id"])
    assert delivery["status"] == "pending" and delivery["response_status"] == 500 and delivery["attempts"] == 1
    deadline = time.monotonic() + 12
    while len(receiver.received) < 2 and time.monotonic() < deadline:
        drain(app, 1)
        time.sleep(0.3)
    first, second = receiver.wait_for(2, timeout=1)
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == event_id
    assert second.at - first.at < 10
    [delivery] = deliveries(client, tenant, hook["id"])
    assert delivery["status"] == "succeeded" and [t["response_status"] for t in delivery["tries"]] == [500, 200]


def test_a_scheduled_retry_runs_on_rq_and_a_manual_retry_resends_the_same_id(app, client, tenant, receiver):
    receiver.script = [503]
    hook = create_webhook(client, tenant, receiver.url)
    emit(app, tenant)
    redis = app.extensions["allure"].redis
    queue = get_queue(WEBHOOKS, redis)
    AllureSimpleWorker([queue], connection=redis).work(burst=True)  # the commit's wake-up drain
    assert len(receiver.received) == 1 and queue.scheduled_job_registry.count == 1
    deadline = time.monotonic() + 15
    while len(receiver.received) < 2 and time.monotonic() < deadline:
        AllureSimpleWorker([queue], connection=redis).work(burst=True, with_scheduler=True)
        time.sleep(0.5)
    assert len(set(receiver.ids())) == 1 and len(receiver.received) == 2
    [delivery] = deliveries(client, tenant, hook["id"])
    retried = client.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{delivery['id']}/retry", headers=tenant.headers)
    assert retried.status_code == 202 and retried.json["status"] == "pending"
    AllureSimpleWorker([queue], connection=redis).work(burst=True)
    assert len(receiver.wait_for(3)) == 3 and len(set(receiver.ids())) == 1


def test_a_hanging_receiver_is_cut_at_the_timeout(app, client, tenant, receiver):
    receiver.script = [HANG]
    hook = create_webhook(client, tenant, receiver.url)
    emit(app, tenant)
    started = time.monotonic()
    drain(app, 0)
    assert time.monotonic() - started < 5
    [delivery] = deliveries(client, tenant, hook["id"])
    assert delivery["status"] == "pending" and delivery["response_status"] is None
    assert "timed out" in delivery["error"] and 900 <= delivery["duration_ms"] < 3000


def test_a_redirect_is_never_followed(app, client, tenant, receiver):
    receiver.script = [302]
    hook = create_webhook(client, tenant, receiver.url)
    emit(app, tenant)
    drain(app)
    time.sleep(0.3)
    assert len(receiver.received) == 1  # the Location was not visited
    [delivery] = deliveries(client, tenant, hook["id"])
    assert delivery["status"] == "pending" and delivery["response_status"] == 302 and delivery["error"] == "HTTP 302"


def test_events_of_a_rolled_back_transaction_are_never_sent(app, client, tenant, receiver):
    create_webhook(client, tenant, receiver.url)
    engine = app.extensions["allure"].engine
    with pytest.raises(RuntimeError), transaction(engine) as session:
        record_event(session, tenant.tenant_id, EVENT, {"id": "rolled-back"})
        raise RuntimeError("the change fails")
    emit(app, tenant, {"id": "committed"})
    drain(app)
    received = receiver.wait_for(1)
    time.sleep(0.3)
    assert [r.body for r in received if b"rolled-back" in r.body] == [] and len(receiver.received) == 1
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(WebhookEvent)) == 1


def test_tenants_never_see_or_receive_each_others_events(app, client, make_tenant, receiver):
    first, second = make_tenant(name="A"), make_tenant(name="B")
    other = start_receiver()
    try:
        hook_a = create_webhook(client, first, receiver.url)
        hook_b = create_webhook(client, second, other.url)
        emit(app, first, {"id": "a-only"})
        drain(app)
        assert len(receiver.wait_for(1)) == 1
        time.sleep(0.3)
        assert other.received == []
        [delivery] = deliveries(client, first, hook_a["id"])
        for path in (f"/api/v1/webhooks/{hook_a['id']}", f"/api/v1/webhooks/{hook_a['id']}/deliveries"):
            assert client.get(path, headers=second.headers).status_code == 404
        assert client.post(f"/api/v1/webhooks/{hook_b['id']}/deliveries/{delivery['id']}/retry",
                           headers=second.headers).status_code == 404  # fmt: skip
        listed = client.get("/api/v1/webhooks", headers=second.headers).json["webhooks"]
        assert [w["id"] for w in listed] == [hook_b["id"]]
    finally:
        stop_receiver(other)


def test_a_url_resolving_to_a_private_address_is_refused_unless_allowed(app, client, tenant, receiver):
    svc = app.extensions["allure"]
    svc.settings = replace(svc.settings, webhooks_allow_private_networks=False)
    literal = client.post("/api/v1/webhooks", json={"url": receiver.url, "events": [EVENT]}, headers=tenant.headers)
    assert literal.status_code == 400 and literal.json["error"]["code"] == "VALIDATION_ERROR"
    by_name = receiver.url.replace("127.0.0.1", "localhost")  # a name: checked when sending
    hook = create_webhook(client, tenant, by_name)
    emit(app, tenant)
    drain(app)
    time.sleep(0.3)
    assert receiver.received == []
    [delivery] = deliveries(client, tenant, hook["id"])
    assert "private or reserved address" in delivery["error"] and delivery["response_status"] is None


@pytest.mark.parametrize("url", ["ftp://example.com/x", "http://user:pw@example.com/", "not a url", "http:///x"])
def test_only_http_urls_without_credentials_are_accepted(client, tenant, url):
    response = client.post("/api/v1/webhooks", json={"url": url, "events": [EVENT]}, headers=tenant.headers)
    assert response.status_code == 400 and "url" in response.json["error"]["details"]["fieldErrors"]


def _spawn_worker(settings: Settings, log: Path) -> object:
    env = dict(os.environ, AC_WEBHOOKS_ALLOW_PRIVATE_NETWORKS="true", AC_WEBHOOK_TIMEOUT_SECONDS="30",
               REDIS_URL=settings.redis_connection_url)  # fmt: skip
    return spawn([sys.executable, "-m", "workers", WEBHOOKS], log=log, env=env, cwd=PROJECT_ROOT)


def test_a_worker_sigkilled_mid_delivery_loses_nothing(app, client, tenant, receiver, settings, tmp_path):
    receiver.script = [HANG]
    hook = create_webhook(client, tenant, receiver.url)
    worker = _spawn_worker(settings, tmp_path / "worker.log")
    try:
        event_id = emit(app, tenant)
        assert len(receiver.wait_for(1, timeout=60)) == 1, (tmp_path / "worker.log").read_text()
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its work horse, mid-request
        worker.wait(10)
    finally:
        stop(worker)
    engine = app.extensions["allure"].engine
    with transaction(engine) as session:
        delivery = session.scalar(select(WebhookDelivery))
        assert delivery.status == "pending" and delivery.claimed_until is not None
        # The dead worker's claim runs out (time-out x rounds + margin); the test moves time on.
        delivery.claimed_until = delivery.next_attempt_at = utcnow() - timedelta(minutes=1)
    redis = app.extensions["allure"].redis
    assert relay(engine, redis)
    AllureSimpleWorker([get_queue(WEBHOOKS, redis)], connection=redis).work(burst=True)
    assert receiver.wait_for(2)[-1].headers["webhook-id"] == event_id
    assert deliveries(client, tenant, hook["id"])[0]["status"] == "succeeded"


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[list]:
    servers = [start_redis(tmp_path / "redis-1")]
    yield servers
    for server in servers:
        server.stop()


def test_redis_stopped_mid_burst_loses_nothing(settings, private_redis, receiver, tmp_path, monkeypatch):
    from web import create_app

    settings = settings.with_overrides(redis_url=private_redis[0].url)
    app = create_app(settings)
    client = app.test_client()
    tenant = _tenant_of(app)
    create_webhook(client, tenant, receiver.url)
    sent = [emit(app, tenant, {"id": f"n{i}"}) for i in range(40)]
    private_redis[0].stop()  # Redis dies mid-burst: commits go on, their wake-ups fail
    sent += [emit(app, tenant, {"id": f"n{i}"}) for i in range(40, 100)]
    fresh = start_redis(tmp_path / "redis-2")  # back, empty: every queued job is gone
    private_redis.append(fresh)
    redis = Redis.from_url(fresh.url)
    monkeypatch.setenv("REDIS_URL", fresh.url)  # the RQ jobs run here use it too
    worker_context.cache_clear()
    svc = app.extensions["allure"]
    deadline = time.monotonic() + 60
    while len(set(receiver.ids())) < 100 and time.monotonic() < deadline:
        relay(svc.engine, redis)  # a worker's maintenance, once the deliveries are past their grace
        AllureSimpleWorker([get_queue(WEBHOOKS, redis)], connection=redis).work(burst=True)
        time.sleep(0.5)
    assert set(receiver.ids()) == set(sent)


def _tenant_of(app: Flask) -> TenantKey:
    from models.tenants import create_api_key, create_tenant

    with app.extensions["allure"].sessions.begin() as session:
        tenant = create_tenant(session, "Redis down", 10, 10**9)
        key, secret = create_api_key(session, tenant.id, ["read", "write", "admin"])
        return TenantKey(tenant.id, key.id, secret)


def test_an_endpoint_failing_for_days_is_disabled_and_an_event_says_so(app, client, tenant, receiver):
    down = start_receiver()
    down.default = 500
    try:
        failing = create_webhook(client, tenant, down.url)
        watcher = create_webhook(client, tenant, receiver.url, ["webhook.endpoint.disabled"])
        svc = app.extensions["allure"]
        svc.settings = replace(svc.settings, webhook_disable_after_hours=0.0)
        emit(app, tenant)
        drain(app)  # the failing try disables the endpoint and records the event saying so
        drain(app)  # which a later drain sends (in service, the commit's wake-up queues it)
        assert client.get(f"/api/v1/webhooks/{failing['id']}", headers=tenant.headers).json["enabled"] is False
        [got] = receiver.wait_for(1)
        payload = Webhook(watcher["secret"]).verify(got.body, got.headers)
        assert payload["type"] == "webhook.endpoint.disabled" and payload["data"]["id"] == failing["id"]
        assert "secret" not in payload["data"]
        [delivery] = deliveries(client, tenant, failing["id"])
        assert delivery["status"] == "failed"
    finally:
        stop_receiver(down)


def test_the_test_ping_is_delivered_and_listed(app, client, tenant, receiver):
    hook = create_webhook(client, tenant, receiver.url)
    ping = client.post(f"/api/v1/webhooks/{hook['id']}/test", headers=tenant.headers)
    assert ping.status_code == 202
    drain(app)
    [got] = receiver.wait_for(1)
    assert Webhook(hook["secret"]).verify(got.body, got.headers)["type"] == "webhook.test"
    [delivery] = deliveries(client, tenant, hook["id"])
    assert delivery["id"] == ping.json["delivery_id"] and delivery["event_id"] == ping.json["event_id"]


def test_old_finished_events_are_pruned_with_their_deliveries(app, client, tenant, receiver):
    create_webhook(client, tenant, receiver.url)
    emit(app, tenant, {"id": "old"})
    drain(app)
    emit(app, tenant, {"id": "old but pending"})
    engine = app.extensions["allure"].engine
    with transaction(engine) as session:
        for event in session.scalars(select(WebhookEvent)):
            event.created_at = utcnow() - timedelta(days=31)
    assert prune(engine) == 1
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1
        assert session.scalar(select(func.count()).select_from(WebhookAttempt)) == 0


@pytest.mark.parametrize("address, refused", [
    ("10.1.2.3", True), ("172.16.0.1", True), ("192.168.1.1", True), ("127.0.0.1", True),
    ("169.254.169.254", True), ("100.64.0.1", True), ("0.0.0.0", True), ("224.0.0.1", True),
    ("::1", True), ("fe80::1", True), ("fd00:ec2::254", True), ("::ffff:127.0.0.1", True),
    ("8.8.8.8", False), ("2606:4700:4700::1111", False),
])  # fmt: skip
def test_private_loopback_link_local_and_metadata_addresses_are_refused(address, refused):
    assert refused_address(address) is refused
