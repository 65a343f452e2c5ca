"""The Flask CLI: tenants and keys, with --json output."""

from __future__ import annotations

import json


def _invoke(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_should_create_tenant_and_key_that_authenticates(app, client):
    tenant = json.loads(_invoke(app, "tenants", "create", "Acme", "--quota-packages", "5", "--json"))
    created = json.loads(_invoke(app, "keys", "create", "--tenant", tenant["id"], "--scopes", "read", "--json"))
    assert set(created) == {"id", "key"} and created["key"].startswith("ac_live_")
    assert client.get("/api/v1/jobs", headers={"X-API-Key": created["key"]}).status_code == 200
    listed = [json.loads(line) for line in _invoke(app, "keys", "list", "--json").splitlines()]
    assert [k["id"] for k in listed] == [created["id"]]
    assert created["key"] not in json.dumps(listed)
    _invoke(app, "keys", "revoke", created["id"])
    assert client.get("/api/v1/jobs", headers={"X-API-Key": created["key"]}).status_code == 401


def test_cli_keys_create_with_unknown_scope_should_fail(app, tenant):
    result = app.test_cli_runner().invoke(args=["keys", "create", "--tenant", tenant.tenant_id, "--scopes", "root"])
    assert result.exit_code != 0
    assert "scopes" in result.output
