"""API key authentication: both headers, precedence, revocation and scopes."""

from __future__ import annotations

from models.base import utcnow
from models.tenants import ApiKey


def test_bearer_header_with_valid_key_should_authenticate(client, tenant):
    r = client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {tenant.key}"})
    assert r.status_code == 200


def test_x_api_key_header_with_valid_key_should_authenticate(client, tenant):
    r = client.get("/api/v1/jobs", headers={"X-API-Key": tenant.key})
    assert r.status_code == 200


def test_both_headers_with_bad_bearer_should_fail_because_bearer_wins(client, tenant):
    r = client.get("/api/v1/jobs", headers={"Authorization": "Bearer ac_live_nope", "X-API-Key": tenant.key})
    assert r.status_code == 401
    assert r.json["error"]["code"] == "UNAUTHORIZED"


def test_both_headers_with_good_bearer_should_succeed(client, tenant):
    r = client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {tenant.key}", "X-API-Key": "junk"})
    assert r.status_code == 200


def test_missing_key_should_answer_401_envelope(client):
    r = client.get("/api/v1/jobs")
    assert r.status_code == 401
    assert r.json["error"]["code"] == "UNAUTHORIZED"
    assert r.json["request_id"] == r.headers["X-Request-ID"]


def test_unknown_key_should_answer_401(client):
    r = client.get("/api/v1/jobs", headers={"X-API-Key": "ac_live_doesnotexist"})
    assert r.status_code == 401


def test_revoked_key_should_answer_401(app, client, tenant):
    with app.extensions["allure"].sessions.begin() as session:
        session.get(ApiKey, tenant.key_id).revoked_at = utcnow()
    r = client.get("/api/v1/jobs", headers=tenant.headers)
    assert r.status_code == 401
    assert r.json["error"]["code"] == "UNAUTHORIZED"


def test_admin_route_without_admin_scope_should_answer_403(client, make_tenant):
    writer = make_tenant(scopes=("read", "write"))
    r = client.post("/api/v1/api-keys", headers=writer.headers, json={"scopes": ["read"]})
    assert r.status_code == 403
    assert r.json["error"]["code"] == "FORBIDDEN"


def test_admin_key_should_create_list_and_revoke_keys(client, tenant, make_tenant):
    r = client.post("/api/v1/api-keys", headers=tenant.headers, json={"scopes": ["read"]})
    assert r.status_code == 201 and r.json["key"].startswith("ac_live_")
    new = r.json
    assert client.get("/api/v1/jobs", headers={"X-API-Key": new["key"]}).status_code == 200
    listed = client.get("/api/v1/api-keys", headers=tenant.headers).json["api_keys"]
    assert {k["id"] for k in listed} == {tenant.key_id, new["id"]}
    assert all("key" not in k for k in listed)
    other = make_tenant()
    assert client.delete(f"/api/v1/api-keys/{new['id']}", headers=other.headers).status_code == 404
    assert client.delete(f"/api/v1/api-keys/{new['id']}", headers=tenant.headers).status_code == 200
    assert client.get("/api/v1/jobs", headers={"X-API-Key": new["key"]}).status_code == 401


def test_create_key_with_unknown_scope_should_fail_validation(client, tenant):
    r = client.post("/api/v1/api-keys", headers=tenant.headers, json={"scopes": ["root"]})
    assert r.status_code == 400
    assert "scopes" in r.json["error"]["details"]["fieldErrors"]


def test_read_without_read_scope_should_answer_403(client, make_tenant):
    writer = make_tenant(scopes=("write",))
    r = client.get("/api/v1/jobs", headers=writer.headers)
    assert r.status_code == 403


def test_key_use_should_record_last_used(app, client, tenant):
    client.get("/api/v1/jobs", headers=tenant.headers)
    with app.extensions["allure"].sessions() as session:
        assert session.get(ApiKey, tenant.key_id).last_used_at is not None


def test_rq_dashboard_without_operator_key_should_answer_401(client, tenant):
    assert client.get("/admin/rq/", headers=tenant.headers).status_code == 401


def test_rq_dashboard_with_operator_admin_key_should_open(client, make_tenant):
    operator = make_tenant(operator=True)
    assert client.get("/admin/rq/", headers=operator.headers).status_code == 200
    basic = client.get("/admin/rq/", auth=("admin", operator.key))
    assert basic.status_code == 200


def test_rq_dashboard_with_operator_read_key_should_answer_401(client, make_tenant):
    operator = make_tenant(operator=True, scopes=("read",))
    assert client.get("/admin/rq/", headers=operator.headers).status_code == 401
