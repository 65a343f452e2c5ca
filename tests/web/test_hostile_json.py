"""Deeply nested JSON at every entry point that reads JSON: 400 in the envelope, never a 500 or a traceback."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from tests.fixtures.player import content_client
from web import safe_json

FLOOD = "[" * 100_000  # the parser's own recursion gives up on this
JUST_TOO_DEEP = "[" * (safe_json.MAX_DEPTH + 1) + "]" * (safe_json.MAX_DEPTH + 1)
# Parses under the interpreter's limit, but would crash any recursive walk after the parser.
UNDER_RECURSION_LIMIT = '{"a": ' + "[" * 900 + "]" * 900 + "}"
HOSTILE = [FLOOD, JUST_TOO_DEEP, UNDER_RECURSION_LIMIT]


def _nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth - 1):
        value = [value]
    return value


def test_safe_loads_should_accept_the_limit_and_refuse_one_level_more():
    assert safe_json.loads(json.dumps(_nested(safe_json.MAX_DEPTH))) == _nested(safe_json.MAX_DEPTH)
    for text in HOSTILE:
        with pytest.raises(ValueError, match="nested deeper"):
            safe_json.loads(text)
    with pytest.raises(safe_json.TooLarge):
        safe_json.loads(b"[1, 2]", max_bytes=3)


def _assert_refused(response, status: int = 400, code: str | None = "BAD_REQUEST") -> None:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    body = response.json
    assert set(body) == {"error", "request_id"}
    if code:
        assert body["error"]["code"] == code


@pytest.mark.parametrize("body", HOSTILE, ids=["flood", "limit+1", "900"])
@pytest.mark.parametrize("path", ["/player/s/unknown-session/deliver", "/player/s/unknown-session/commit/x/1"])
def test_player_runtime_should_refuse_deep_json_before_any_auth(app, tenant, path, body):
    # On the tenant's content origin, where the runtime answers; sendBeacon posts text/plain and the
    # player parses whatever arrives as JSON.
    client = content_client(app, tenant.tenant_id)
    for content_type in ("application/json", "text/plain;charset=UTF-8"):
        _assert_refused(client.post(path, data=body, content_type=content_type))


@pytest.mark.parametrize("body", HOSTILE, ids=["flood", "limit+1", "900"])
@pytest.mark.parametrize(("method", "path"), [
    ("post", "/api/v1/api-keys"), ("post", "/api/v1/sessions"), ("post", "/api/v1/dispatches"),
    ("post", "/api/v1/xapi/statements"), ("post", "/api/v1/xapi/credentials"),
])
def test_api_should_refuse_deep_json_bodies(client, tenant, method, path, body):
    response = getattr(client, method)(path, data=body, content_type="application/json", headers=tenant.headers)
    _assert_refused(response)


STATE = "/xapi/activities/state?activityId=http%3A%2F%2Fexample.com%2Fa&stateId=s&agent=" + quote(
    json.dumps({"mbox": "mailto:ann@example.com"}))


@pytest.mark.parametrize("body", HOSTILE, ids=["flood", "limit+1", "900"])
@pytest.mark.parametrize(("method", "path"), [
    ("post", "/xapi/statements"), ("put", "/xapi/statements?statementId=5f1b3c2e-8a7d-4a35-9a51-3c1f2f0e9b10"),
    ("post", STATE), ("post", "/xapi/activities/profile?activityId=http%3A%2F%2Fexample.com%2Fa&profileId=p"),
])
def test_lrs_should_refuse_deep_json_documents_and_statements(client, lrs, method, path, body):
    response = getattr(client, method)(path, data=body, content_type="application/json", headers=lrs.headers())
    _assert_refused(response, code=None)
    assert "nested" in response.json["error"]["message"] or "JSON" in response.json["error"]["message"]


def test_lrs_merge_onto_a_deep_document_put_as_is_should_be_refused(client, lrs):
    # PUT stores a document's bytes as they are (any content); merging JSON into it must parse it.
    put = client.put(STATE, data=FLOOD, content_type="application/json", headers=lrs.headers())
    assert put.status_code == 204
    merged = client.post(STATE, data='{"b": 1}', content_type="application/json", headers=lrs.headers())
    _assert_refused(merged, code=None)


@pytest.mark.parametrize("body", HOSTILE, ids=["flood", "limit+1", "900"])
def test_lrs_should_refuse_deep_json_in_a_query_parameter(client, lrs, body):
    if len(body) > 4000:
        body = "[" * 3000  # a request line holds ~4 KB: still three times the parser's recursion limit
    response = client.get("/xapi/agents?agent=" + quote(body), headers=lrs.headers())
    _assert_refused(response, code=None)


def test_lrs_alternate_request_with_deep_content_should_be_refused(client, lrs):
    token = lrs.headers()["Authorization"]
    form = {"Authorization": token, "X-Experience-API-Version": "2.0.0", "Content-Type": "application/json",
            "content": FLOOD}
    response = client.post("/xapi/statements?method=POST", data=form,
                           content_type="application/x-www-form-urlencoded")
    _assert_refused(response, code=None)
