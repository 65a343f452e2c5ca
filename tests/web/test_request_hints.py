"""Errors that say what to do: a JSON body without its Content-Type, a key without its scheme."""

from __future__ import annotations

import json

import pytest


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_json_body_without_json_content_type_should_say_to_send_the_header(client, tenant, content_type):
    body = json.dumps({"package_id": "p", "user_id": "learner-1"})
    headers = dict(tenant.headers, **({"Content-Type": content_type} if content_type else {}))
    r = client.post("/api/v1/sessions", data=body, headers=headers)
    assert r.status_code == 400
    assert r.json["error"]["code"] == "BAD_REQUEST"
    assert "Content-Type: application/json" in r.json["error"]["message"]
    assert r.json["request_id"]


def test_empty_body_without_content_type_should_still_name_the_missing_fields(client, tenant):
    r = client.post("/api/v1/sessions", headers=tenant.headers)
    assert r.status_code == 400
    assert r.json["error"]["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize("header", ["{key}", "Token {key}", "Basic {key}", "bearer"])
def test_authorization_without_bearer_scheme_should_say_how_to_send_the_key(client, tenant, header):
    r = client.get("/api/v1/jobs", headers={"Authorization": header.format(key=tenant.key)})
    assert r.status_code == 401
    assert r.json["error"]["code"] == "UNAUTHORIZED"
    assert "Authorization: Bearer <key>" in r.json["error"]["message"] and "X-API-Key" in r.json["error"]["message"]


def test_lowercase_bearer_and_x_api_key_should_still_work(client, tenant):
    assert client.get("/api/v1/jobs", headers={"Authorization": f"bearer {tenant.key}"}).status_code == 200
    assert client.get("/api/v1/jobs", headers={"X-API-Key": tenant.key}).status_code == 200
