"""`/api/v1/xapi/statements`: the overview's shapes, validation errors and tenant isolation."""

from __future__ import annotations

import base64
import json
import uuid

from tests.fixtures.xapi import VERBS, statement

URL = "/api/v1/xapi/statements"


class TestPost:
    """One statement → its id; an array → the ids."""

    def test_post_single_statement_returns_its_id_as_json_string(self, client, lrs):
        response = client.post(URL, json=statement(), headers=lrs.tenant.headers)
        assert response.status_code == 200
        assert isinstance(response.get_json(), str) and uuid.UUID(response.get_json())

    def test_post_array_returns_array_of_ids_in_order(self, client, lrs):
        ids = [str(uuid.uuid4()) for _ in range(2)]
        response = client.post(URL, json=[statement(id=i) for i in ids], headers=lrs.tenant.headers)
        assert response.get_json() == ids

    def test_post_invalid_statement_returns_validation_error_naming_field(self, client, lrs):
        body = statement(result={"score": {"scaled": 1.5}, "duration": "1 hour"})
        response = client.post(URL, json=body, headers=lrs.tenant.headers)
        error = response.get_json()["error"]
        assert response.status_code == 400 and error["code"] == "VALIDATION_ERROR"
        assert set(error["details"]["fieldErrors"]) == {"result.score.scaled", "result.duration"}
        assert response.get_json()["request_id"]

    def test_post_batch_with_one_bad_statement_stores_none(self, client, lrs):
        good = statement(id=str(uuid.uuid4()))
        response = client.post(URL, json=[good, statement(actor="not-an-email")], headers=lrs.tenant.headers)
        assert response.status_code == 400
        assert "[1].actor.mbox" in response.get_json()["error"]["details"]["fieldErrors"]
        assert client.get(f"{URL}/{good['id']}", headers=lrs.tenant.headers).status_code == 404

    def test_post_malformed_json_returns_bad_request(self, client, lrs):
        response = client.post(URL, data="{", content_type="application/json", headers=lrs.tenant.headers)
        assert response.status_code == 400 and response.get_json()["error"]["code"] == "BAD_REQUEST"

    def test_post_without_key_returns_401(self, client):
        assert client.post(URL, json=statement()).status_code == 401


class TestGet:
    """Filters, pagination, by id."""

    def test_get_statements_returns_overview_shape(self, client, lrs):
        client.post(URL, json=[statement(verb="completed"), statement(verb="failed"), statement(verb="failed")],
                    headers=lrs.tenant.headers)
        body = client.get(URL, query_string={"verb": VERBS["failed"], "limit": 1, "page": 2},
                          headers=lrs.tenant.headers).get_json()
        assert body["pagination"] == {"page": 2, "limit": 1, "total": 2, "total_pages": 2}
        [item] = body["statements"]
        assert {"id", "actor", "verb", "object", "timestamp", "stored"} <= set(item)
        assert item["verb"]["id"] == VERBS["failed"]

    def test_get_statement_by_id_returns_statement(self, client, lrs):
        statement_id = client.post(URL, json=statement(), headers=lrs.tenant.headers).get_json()
        body = client.get(f"{URL}/{statement_id}", headers=lrs.tenant.headers).get_json()
        assert body["id"] == statement_id and body["actor"]["mbox"] == "mailto:ann@example.com"

    def test_get_with_bad_filter_returns_validation_error(self, client, lrs):
        response = client.get(URL, query_string={"since": "yesterday", "limit": 500}, headers=lrs.tenant.headers)
        assert response.status_code == 400
        assert set(response.get_json()["error"]["details"]["fieldErrors"]) == {"since", "limit"}

    def test_statement_sent_to_lrs_is_seen_by_api_and_back(self, client, lrs):
        [from_lrs] = client.post("/xapi/statements", json=statement(), headers=lrs.headers()).get_json()
        from_api = client.post(URL, json=statement(), headers=lrs.tenant.headers).get_json()
        assert client.get(f"{URL}/{from_lrs}", headers=lrs.tenant.headers).status_code == 200
        got = client.get("/xapi/statements", query_string={"statementId": from_api}, headers=lrs.headers())
        assert got.status_code == 200 and got.get_json()["authority"]["name"].startswith("api-key:")


class TestTenantIsolation:
    """A tenant never sees another tenant's statements, documents or rollups."""

    def test_other_tenant_cannot_read_statements(self, client, make_lrs):
        owner, other = make_lrs(), make_lrs()
        statement_id = client.post(URL, json=statement(), headers=owner.tenant.headers).get_json()
        assert client.get(f"{URL}/{statement_id}", headers=other.tenant.headers).status_code == 404
        assert client.get(URL, headers=other.tenant.headers).get_json()["statements"] == []
        lrs_get = client.get("/xapi/statements", query_string={"statementId": statement_id}, headers=other.headers())
        assert lrs_get.status_code == 404

    def test_same_statement_id_in_two_tenants_is_two_statements(self, client, make_lrs):
        first, second = make_lrs(), make_lrs()
        shared = str(uuid.uuid4())
        client.post(URL, json=statement(id=shared, verb="passed"), headers=first.tenant.headers)
        assert client.post(URL, json=statement(id=shared, verb="failed"), headers=second.tenant.headers
                           ).status_code == 200
        assert client.get(f"{URL}/{shared}", headers=first.tenant.headers).get_json()["verb"]["id"] == VERBS["passed"]
        assert client.get(f"{URL}/{shared}", headers=second.tenant.headers).get_json()["verb"]["id"] == VERBS["failed"]


class TestCredentials:
    """The admin route and the CLI both mint LRS credentials."""

    def test_admin_route_creates_working_credentials(self, client, lrs):
        created = client.post("/api/v1/xapi/credentials", json={"name": "lms"}, headers=lrs.tenant.headers)
        assert created.status_code == 201
        body = created.get_json()
        assert body["endpoint"].endswith("/xapi") and body["secret"]
        token = base64.b64encode(f"{body['key']}:{body['secret']}".encode()).decode()
        headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}
        assert client.get("/xapi/statements", headers=headers).status_code == 200
        client.delete(f"/api/v1/xapi/credentials/{body['id']}", headers=lrs.tenant.headers)
        assert client.get("/xapi/statements", headers=headers).status_code == 401

    def test_credentials_route_needs_admin_scope(self, client, make_tenant):
        reader = make_tenant(scopes=("read", "write"))
        assert client.post("/api/v1/xapi/credentials", json={}, headers=reader.headers).status_code == 403

    def test_cli_creates_credentials_as_json(self, app, lrs):
        result = app.test_cli_runner().invoke(args=["lrs-credentials", "create", "--tenant", lrs.tenant_id, "--json"])
        assert result.exit_code == 0, result.output
        assert set(json.loads(result.output)) == {"key", "secret"}
