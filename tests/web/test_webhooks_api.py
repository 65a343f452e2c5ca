"""`/api/v1/webhooks`: create (secret once), list, read, change, disable, delete; errors in the envelope."""

from __future__ import annotations

import base64

from sqlalchemy import select

from models.db import transaction
from models.webhook_events import record_event
from models.webhooks import WebhookDelivery

URL = "https://hooks.partner.example/allure"


def create(client, tenant, **fields):
    return client.post("/api/v1/webhooks", json={"url": URL, "events": ["session.completed"], **fields},
                       headers=tenant.headers)  # fmt: skip


def test_create_answers_the_secret_once_and_lists_without_it(client, tenant):
    created = create(client, tenant, description="LMS")
    assert created.status_code == 201
    body = created.json
    assert body["secret"].startswith("whsec_") and len(base64.b64decode(body["secret"][6:])) == 32
    assert body["enabled"] is True and body["events"] == ["session.completed"] and body["description"] == "LMS"
    listed = client.get("/api/v1/webhooks", headers=tenant.headers).json
    assert listed["pagination"]["total"] == 1 and "secret" not in listed["webhooks"][0]
    assert "secret" not in client.get(f"/api/v1/webhooks/{body['id']}", headers=tenant.headers).json


def test_patch_changes_fields_and_disabling_fails_pending_deliveries(app, client, tenant):
    hook = create(client, tenant).json
    with transaction(app.extensions["allure"].engine) as session:
        record_event(session, tenant.tenant_id, "session.completed", {"id": "s1"})
    changed = client.patch(f"/api/v1/webhooks/{hook['id']}", headers=tenant.headers,
                           json={"enabled": False, "events": ["session.passed", "session.failed"]})  # fmt: skip
    assert changed.status_code == 200
    assert changed.json["enabled"] is False and changed.json["events"] == ["session.failed", "session.passed"]
    with transaction(app.extensions["allure"].engine) as session:
        assert session.scalar(select(WebhookDelivery.status)) == "failed"
    again = client.patch(f"/api/v1/webhooks/{hook['id']}", json={"enabled": True}, headers=tenant.headers)
    assert again.json["enabled"] is True and again.json["disabled_reason"] is None


def test_delete_removes_it(client, tenant):
    hook = create(client, tenant).json
    assert client.delete(f"/api/v1/webhooks/{hook['id']}", headers=tenant.headers).status_code == 204
    missing = client.get(f"/api/v1/webhooks/{hook['id']}", headers=tenant.headers)
    assert missing.status_code == 404 and missing.json["error"]["code"] == "WEBHOOK_NOT_FOUND"


def test_bad_input_answers_the_envelope(client, tenant):
    for body in ({"url": URL, "events": ["nope"]}, {"url": URL, "events": []}, {"events": ["session.completed"]},
                 {"url": "http://10.0.0.7/hook", "events": ["session.completed"]}):  # fmt: skip
        response = client.post("/api/v1/webhooks", json=body, headers=tenant.headers)
        assert response.status_code == 400, body
        assert response.json["error"]["code"] == "VALIDATION_ERROR" and response.json["request_id"]
    hook = create(client, tenant).json
    bad = client.post(f"/api/v1/webhooks/{hook['id']}/rotate-secret", json={"overlap_seconds": -1},
                      headers=tenant.headers)  # fmt: skip
    assert bad.status_code == 400
    retry = client.post(f"/api/v1/webhooks/{hook['id']}/deliveries/nope/retry", headers=tenant.headers)
    assert retry.status_code == 404 and retry.json["error"]["code"] == "DELIVERY_NOT_FOUND"


def test_a_tenant_has_at_most_twenty_endpoints(client, tenant):
    for _ in range(20):
        assert create(client, tenant).status_code == 201
    refused = create(client, tenant)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "LIMIT_REACHED"


def test_read_only_keys_cannot_change_webhooks(client, make_tenant):
    reader = make_tenant(scopes=("read",))
    assert client.get("/api/v1/webhooks", headers=reader.headers).status_code == 200
    assert create(client, reader).status_code == 403
