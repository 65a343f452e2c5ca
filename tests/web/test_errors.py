"""The error envelope for each kind of failure, and the request id."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from web.errors import ApiError


def _assert_envelope(r, status: int, code: str) -> None:
    assert r.status_code == status
    body = r.json
    assert set(body) == {"error", "request_id"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["request_id"] == r.headers["X-Request-ID"]


def test_validation_error_should_name_the_field(client, tenant):
    r = client.get("/api/v1/jobs?page=0&limit=500", headers=tenant.headers)
    _assert_envelope(r, 400, "VALIDATION_ERROR")
    assert set(r.json["error"]["details"]["fieldErrors"]) == {"page", "limit"}


def test_malformed_json_should_answer_bad_request(client, tenant):
    r = client.post(
        "/api/v1/api-keys", headers={**tenant.headers, "Content-Type": "application/json"}, data="{nope"
    )
    _assert_envelope(r, 400, "BAD_REQUEST")


def test_unknown_route_should_answer_not_found(client):
    _assert_envelope(client.get("/api/v1/does-not-exist"), 404, "NOT_FOUND")


def test_wrong_method_should_answer_405(client, tenant):
    r = client.put("/api/v1/jobs", headers=tenant.headers)
    _assert_envelope(r, 405, "METHOD_NOT_ALLOWED")


def test_body_too_large_should_answer_413(client, tenant, settings):
    big = b"x" * (settings.max_request_bytes + 1)
    r = client.post("/api/v1/api-keys", headers={**tenant.headers, "Content-Type": "application/json"}, data=big)
    _assert_envelope(r, 413, "PAYLOAD_TOO_LARGE")


def test_sane_client_request_id_should_be_kept(client):
    r = client.get("/api/v1/nothing", headers={"X-Request-ID": "abc-123.trace"})
    assert r.headers["X-Request-ID"] == "abc-123.trace"
    assert r.json["request_id"] == "abc-123.trace"


@pytest.mark.parametrize("given", ["a b", "x" * 200, "<script>"])
def test_insane_client_request_id_should_be_replaced(client, given):
    r = client.get("/api/v1/nothing", headers={"X-Request-ID": given})
    assert r.headers["X-Request-ID"] != given
    assert len(r.headers["X-Request-ID"]) == 32


def _register_failing_routes(app) -> None:
    def database_down():
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    def crash():
        raise RuntimeError("secret internals /etc/passwd")

    def domain_error():
        raise ApiError(409, "CONFLICT", "State conflict", {"why": "test"})

    app.add_url_rule("/test/db-down", view_func=database_down)
    app.add_url_rule("/test/crash", view_func=crash)
    app.add_url_rule("/test/conflict", view_func=domain_error)


def test_database_failure_should_answer_database_error_without_trace(app, caplog):
    _register_failing_routes(app)
    r = app.test_client().get("/test/db-down")
    _assert_envelope(r, 500, "DATABASE_ERROR")
    assert "connection refused" not in r.get_data(as_text=True)
    assert any(r.json["request_id"] in rec.getMessage() for rec in caplog.records)


def test_unexpected_exception_should_answer_internal_error_without_trace(app, caplog):
    _register_failing_routes(app)
    r = app.test_client().get("/test/crash")
    _assert_envelope(r, 500, "INTERNAL_ERROR")
    text = r.get_data(as_text=True)
    assert "passwd" not in text and "Traceback" not in text
    assert any(rec.exc_info for rec in caplog.records)


def test_api_error_should_keep_its_details(app):
    _register_failing_routes(app)
    r = app.test_client().get("/test/conflict")
    _assert_envelope(r, 409, "CONFLICT")
    assert r.json["error"]["details"] == {"why": "test"}


# Inputs that used to reach the database and answer 500 (found by schemathesis and probing).


@pytest.mark.parametrize("path", ["/api/v1/jobs/a%00b", "/api/v1/api-keys/a%00b", "/api/v1/packages/a%00b"])
def test_nul_in_path_id_should_answer_not_found(client, tenant, path):
    method = client.delete if "api-keys" in path else client.get
    _assert_envelope(method(path, headers=tenant.headers), 404, "NOT_FOUND")


def test_nul_in_query_should_answer_validation_error_naming_the_field(client, tenant):
    r = client.get("/api/v1/jobs?kind=package%00import&kind=x", headers=tenant.headers)
    _assert_envelope(r, 400, "VALIDATION_ERROR")
    assert set(r.json["error"]["details"]["fieldErrors"]) == {"kind"}


@pytest.mark.parametrize("text", ["read\\u0000", "\\ud800"])
def test_unstorable_text_in_json_should_answer_validation_error(client, tenant, text):
    r = client.post("/api/v1/api-keys", headers={**tenant.headers, "Content-Type": "application/json"},
                    data=f'{{"scopes": ["{text}"]}}')  # fmt: skip
    _assert_envelope(r, 400, "VALIDATION_ERROR")
    assert "scopes.0" in r.json["error"]["details"]["fieldErrors"]


def test_deeply_nested_json_should_answer_bad_request(client, tenant):
    deep = '{"scopes": ' + "[" * 100_000 + "]" * 100_000 + "}"
    r = client.post("/api/v1/api-keys", headers={**tenant.headers, "Content-Type": "application/json"}, data=deep)
    _assert_envelope(r, 400, "BAD_REQUEST")


def test_deeply_nested_json_in_a_plain_view_should_answer_bad_request(app):
    from flask import request

    app.add_url_rule("/test/echo", view_func=lambda: {"n": len(request.get_json())}, methods=["POST"])
    r = app.test_client().post("/test/echo", data="[" * 100_000 + "]" * 100_000, content_type="application/json")
    _assert_envelope(r, 400, "BAD_REQUEST")


@pytest.mark.parametrize("route", ["/api/v1/jobs", "/api/v1/packages", "/api/v1/api-keys"])
def test_page_beyond_the_database_offset_should_answer_validation_error(client, tenant, route):
    r = client.get(f"{route}?page=23428393701008068056598862389837824&limit=5", headers=tenant.headers)
    _assert_envelope(r, 400, "VALIDATION_ERROR")
    assert set(r.json["error"]["details"]["fieldErrors"]) == {"page"}


def test_last_allowed_page_should_answer_an_empty_page(client, tenant):
    r = client.get(f"/api/v1/jobs?page={2**31 - 1}&limit=100", headers=tenant.headers)
    assert r.status_code == 200 and r.json["jobs"] == []
