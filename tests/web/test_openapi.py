"""The OpenAPI document: valid OpenAPI 3, every API route, both security schemes."""

from __future__ import annotations

import re

from openapi_spec_validator import validate


def test_openapi_document_should_validate(client):
    r = client.get("/api/docs/openapi")
    assert r.status_code == 200
    validate(r.json)


def test_openapi_document_should_list_every_api_route(app, client):
    spec = client.get("/api/docs/openapi").json
    documented = set(spec["paths"])
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") or rule.rule == "/api/health":
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            assert path in documented, f"{path} is not in the OpenAPI document"


def test_openapi_document_should_declare_both_security_schemes(client):
    spec = client.get("/api/docs/openapi").json
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert schemes["apiKeyHeader"]["name"] == "X-API-Key"
    assert spec["security"] == [{"bearerAuth": []}, {"apiKeyHeader": []}]
    assert spec["paths"]["/api/health"]["get"]["security"] == []


def test_openapi_errors_should_use_the_envelope(client):
    spec = client.get("/api/docs/openapi").json
    envelope = spec["components"]["schemas"]["ErrorEnvelope"]
    assert set(envelope["properties"]) == {"error", "request_id"}


def test_docs_page_should_load_scalar_from_our_own_static_files(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert b'data-url="/api/docs/openapi"' in page.data
    assert b'src="/api/docs/static/scalar.js"' in page.data
    assert b"http" not in page.data.split(b"<body>")[1]
    bundle = client.get("/api/docs/static/scalar.js")
    assert bundle.status_code == 200 and len(bundle.data) > 100_000


def test_openapi_should_document_validation_errors_as_400_like_the_answers(client, tenant):
    spec = client.get("/api/docs/openapi").json
    responses = spec["paths"]["/api/v1/jobs"]["get"]["responses"]
    assert "400" in responses and "422" not in responses
    assert client.get("/api/v1/jobs?page=0", headers=tenant.headers).status_code == 400


def test_openapi_should_document_auth_rate_limit_and_not_found_errors(client):
    spec = client.get("/api/docs/openapi").json
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            if method == "parameters":
                continue
            documented = set(operation["responses"])
            assert {"401", "403", "429"} <= documented, f"{method} {path}"
            if "{" in path:
                assert "404" in documented, f"{method} {path}"


def test_every_operation_should_have_a_unique_operation_id_and_a_2xx_schema(client):
    """Generated clients name their calls by operationId and type their answers by the 2xx schema."""
    spec = client.get("/api/docs/openapi").json
    seen: dict[str, str] = {}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            where = f"{method.upper()} {path}"
            operation_id = operation.get("operationId")
            assert re.fullmatch(r"[a-z][A-Za-z0-9]+", operation_id or ""), f"{where}: operationId {operation_id!r}"
            assert operation_id not in seen, f"{where} and {seen.get(operation_id)} share {operation_id}"
            seen[operation_id] = where
            success = {status: r for status, r in operation["responses"].items() if status.startswith("2")}
            assert success, f"{where} documents no 2xx answer"
            for status, response in success.items():
                if status == "204":
                    assert not response.get("content"), f"{where}: 204 with a body"
                    continue
                content = response.get("content") or {}
                assert content and all(m.get("schema") for m in content.values()), f"{where}: 2xx without a schema"
