"""Each change writes its webhook event in its own transaction, with the resource as the API shows it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from config.settings import Settings
from models.webhooks import EVENT_TYPES, WebhookEvent
from tests.fixtures.corpus import CORPUS
from tests.fixtures.platform import TenantKey
from tests.fixtures.player import GOLF_12, cmi12, content_client
from tests.fixtures.tincan import launch_tincan, send
from tests.fixtures.webhook_receiver import Receiver, allow_private_receivers


@pytest.fixture
def settings(base_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    yield from allow_private_receivers(base_settings, monkeypatch)


@pytest.fixture
def subscribed(client, tenant: TenantKey, receiver: Receiver) -> dict:
    body = {"url": receiver.url, "events": list(EVENT_TYPES)}
    response = client.post("/api/v1/webhooks", json=body, headers=tenant.headers)
    assert response.status_code == 201
    return response.json


def events(app, tenant: TenantKey) -> list[dict]:
    with app.extensions["allure"].sessions() as session:
        rows = session.scalars(select(WebhookEvent).where(WebhookEvent.tenant_id == tenant.tenant_id)
                               .order_by(WebhookEvent.created_at))  # fmt: skip
        return [json.loads(row.body) for row in rows]


def types(app, tenant: TenantKey) -> list[str]:
    return [event["type"] for event in events(app, tenant)]


def test_import_launch_completion_termination_and_deletion(app, client, tenant, subscribed, player, ingest):
    package_id = player.package(tenant, GOLF_12)
    [imported] = events(app, tenant)
    assert imported["type"] == "package.import.succeeded" and imported["data"]["status"] == "succeeded"
    assert imported["data"]["result"]["package_id"] == package_id
    _opened, launched = player.start(tenant, GOLF_12)
    assert types(app, tenant)[-1] == "session.launched"
    delivery = player.deliver(launched)
    assert player.commit(delivery, cmi12(1, lesson_status="incomplete")).status_code == 200
    assert player.commit(delivery, cmi12(2, terminate=True, lesson_status="passed")).status_code == 200
    later = events(app, tenant)[2:]
    assert sorted(e["type"] for e in later) == ["session.completed", "session.passed", "session.terminated"]
    completed = next(e for e in later if e["type"] == "session.completed")
    assert completed["data"]["id"] == launched.session_id and completed["data"]["completion_status"] == "completed"
    assert client.delete(f"/api/v1/packages/{package_id}", headers=tenant.headers).status_code == 200
    deleted = events(app, tenant)[-1]
    assert deleted["type"] == "package.deleted" and deleted["data"]["id"] == package_id


def test_a_failed_import_says_so(app, tenant, subscribed, ingest):
    job = ingest.import_bytes(tenant, b"this is not a zip")
    assert job["status"] == "failed"
    [failed] = events(app, tenant)
    assert failed["type"] == "package.import.failed" and failed["data"]["error"]["code"] == job["error"]["code"]


def test_dispatch_zip_ready_and_registration_limit(app, client, tenant, subscribed, player, create_dispatch,
                                                   run_jobs):  # fmt: skip
    package_id = player.package(tenant, GOLF_12)
    dispatch = create_dispatch(tenant, package_id, registration_limit=1)
    assert client.post(f"/api/v1/dispatches/{dispatch['id']}/generate", headers=tenant.headers).status_code == 202
    run_jobs()
    assert types(app, tenant)[-1] == "dispatch.zip.ready"
    assert events(app, tenant)[-1]["data"]["zip_ready"] is True
    learner = content_client(app, tenant.tenant_id)
    assert learner.get(f"/player/dispatch/{dispatch['token']}?learner_id=l1").status_code == 200
    assert types(app, tenant)[-2:] == ["dispatch.registration_limit_reached", "session.launched"]
    full = events(app, tenant)[-2]["data"]
    assert full["id"] == dispatch["id"] and full["registration_count"] == 1 and full["status"] == "exhausted"
    assert learner.get(f"/player/dispatch/{dispatch['token']}?learner_id=l1").status_code == 200
    assert types(app, tenant).count("dispatch.registration_limit_reached") == 1  # a returning learner takes no place


def test_no_endpoint_no_event_and_another_tenants_endpoint_never_counts(app, client, make_tenant, receiver, player):
    quiet, other = make_tenant(name="quiet"), make_tenant(name="other")
    client.post("/api/v1/webhooks", json={"url": receiver.url, "events": list(EVENT_TYPES)}, headers=other.headers)
    player.package(quiet, GOLF_12)
    assert events(app, quiet) == [] and events(app, other) == []


def test_a_tincan_session_reports_launch_completion_and_termination(app, tenant, subscribed, player):
    package_id = player.package(tenant, CORPUS / "tincan" / "rustici_GolfExample_TCAPI.zip")
    opened = player.open(tenant, package_id, "learner-1")
    launch = launch_tincan(player, opened["launch_url"])
    assert types(app, tenant)[-1] == "session.launched"
    send(player, launch, launch.statement("passed", result={"success": True, "completion": True}))
    send(player, launch, launch.statement("terminated", result={"duration": "PT1M"}))
    later = [e for e in events(app, tenant) if e["type"] != "package.import.succeeded"][1:]
    assert sorted(e["type"] for e in later) == ["session.completed", "session.passed", "session.terminated"]
    assert {e["data"]["id"] for e in later} == {opened["session"]["id"]}
