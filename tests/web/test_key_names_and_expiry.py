"""API keys carry a name and an optional expiry (admin API and CLI); an expired key says so."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from models.tenants import ApiKey


def _expire(app, key_id: str) -> None:
    with app.extensions["allure"].sessions.begin() as session:
        session.execute(update(ApiKey).where(ApiKey.id == key_id)
                        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))


def test_admin_api_should_create_a_named_expiring_key_and_list_its_fields(client, tenant):
    expires = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    body = {"scopes": ["read"], "name": "LMS production", "expires_at": expires.isoformat()}
    created = client.post("/api/v1/api-keys", json=body, headers=tenant.headers)
    assert created.status_code == 201, created.json
    assert created.json["name"] == "LMS production"
    assert datetime.fromisoformat(created.json["expires_at"].replace("Z", "+00:00")) == expires
    listed = client.get("/api/v1/api-keys", headers=tenant.headers).json["api_keys"]
    row = next(k for k in listed if k["id"] == created.json["id"])
    assert {"name", "prefix", "scopes", "created_at", "last_used_at", "expires_at"} <= set(row)
    assert row["name"] == "LMS production" and row["expires_at"] == created.json["expires_at"]
    assert client.get("/api/v1/jobs", headers={"X-API-Key": created.json["key"]}).status_code == 200


def test_expired_key_should_answer_401_api_key_expired(app, client, tenant):
    created = client.post("/api/v1/api-keys", json={"scopes": ["read"]}, headers=tenant.headers).json
    assert created["name"] == "" and created["expires_at"] is None
    _expire(app, created["id"])
    r = client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {created['key']}"})
    assert r.status_code == 401
    assert r.json["error"]["code"] == "API_KEY_EXPIRED" and r.json["error"]["details"]["expired_at"]


def test_expiry_in_the_past_or_malformed_should_be_refused(client, tenant):
    for value in ((datetime.now(UTC) - timedelta(minutes=1)).isoformat(), "tomorrow", "2027-13-01T00:00:00Z"):
        r = client.post("/api/v1/api-keys", json={"scopes": ["read"], "expires_at": value}, headers=tenant.headers)
        assert r.status_code == 400 and "expires_at" in r.json["error"]["details"]["fieldErrors"], value


def test_cli_should_create_a_named_expiring_key_and_list_it(app, client, tenant):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["keys", "create", "--tenant", tenant.tenant_id, "--scopes", "read",
                                 "--name", "nightly import", "--expires-at", "2099-01-01", "--json"])
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    assert client.get("/api/v1/jobs", headers={"X-API-Key": created["key"]}).status_code == 200
    listed = [json.loads(line) for line in runner.invoke(args=["keys", "list", "--json"]).output.splitlines()]
    row = next(k for k in listed if k["id"] == created["id"])
    assert row["name"] == "nightly import" and row["expires_at"].startswith("2099-01-01T00:00:00")
    text = runner.invoke(args=["keys", "list"]).output
    assert "nightly import" in text and "expires=2099-01-01" in text
    past = runner.invoke(args=["keys", "create", "--tenant", tenant.tenant_id, "--expires-at", "2001-01-01"])
    assert past.exit_code != 0 and "future" in past.output


def test_expired_keys_should_not_count_against_the_active_key_limit(app, client, tenant):
    app.extensions["allure"].settings = app.extensions["allure"].settings.with_overrides(max_keys_per_tenant=2)
    extra = client.post("/api/v1/api-keys", json={"scopes": ["read"]}, headers=tenant.headers).json
    assert client.post("/api/v1/api-keys", json={"scopes": ["read"]}, headers=tenant.headers).status_code == 409
    _expire(app, extra["id"])
    assert client.post("/api/v1/api-keys", json={"scopes": ["read"]}, headers=tenant.headers).status_code == 201
