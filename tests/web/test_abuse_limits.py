"""Abuse limits: a cap on a tenant's active keys and on keys minted per hour, and a tenant-wide rate limit."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select, update

from models.tenants import ApiKey, create_api_key
from tests.fixtures.platform import TenantKey, start_stack
from web import create_app


def _limited_client(settings, **limits):
    return create_app(settings.with_overrides(**limits)).test_client()


def _mint(client, tenant: TenantKey):
    return client.post("/api/v1/api-keys", headers=tenant.headers, json={"scopes": ["read"]})


def test_active_keys_should_be_capped_per_tenant_until_one_is_revoked(settings, tenant, make_tenant):
    client = _limited_client(settings, max_keys_per_tenant=3)
    assert [_mint(client, tenant).status_code for _ in range(2)] == [201, 201]
    refused = _mint(client, tenant)
    assert refused.status_code == 409
    assert refused.json["error"] == {"code": "API_KEY_LIMIT_REACHED", "details": {"limit": 3, "active": 3},
                                     "message": "The tenant holds its maximum of active API keys; revoke one first"}
    listed = client.get("/api/v1/api-keys", headers=tenant.headers).json
    assert listed["pagination"]["total"] == 3  # nothing half-written
    other = next(k for k in listed["api_keys"] if k["id"] != tenant.key_id)
    assert client.delete(f"/api/v1/api-keys/{other['id']}", headers=tenant.headers).status_code == 200
    assert _mint(client, tenant).status_code == 201
    stranger = make_tenant()
    assert _mint(client, stranger).status_code == 201  # another tenant's cap is its own


def test_keys_created_per_hour_should_be_limited_even_when_revoked(app, settings, tenant):
    client = _limited_client(settings, max_keys_created_per_hour=3)
    created = [_mint(client, tenant) for _ in range(2)]  # the tenant's first key counts too
    assert [r.status_code for r in created] == [201, 201]
    for body in created:
        client.delete(f"/api/v1/api-keys/{body.json['id']}", headers=tenant.headers)
    refused = _mint(client, tenant)
    assert refused.status_code == 429
    assert refused.json["error"]["code"] == "API_KEY_CREATION_RATE_EXCEEDED"
    assert refused.json["error"]["details"] == {"limit": 3, "window_seconds": 3600}
    assert 3500 < int(refused.headers["Retry-After"]) <= 3601
    # An hour later the window has moved on.
    with app.extensions["allure"].sessions.begin() as session:
        session.execute(update(ApiKey).where(ApiKey.tenant_id == tenant.tenant_id).values(
            created_at=ApiKey.created_at - timedelta(hours=1, seconds=1)))
    assert _mint(client, tenant).status_code == 201


def test_tenant_window_should_bound_all_keys_together(app, settings, make_tenant):
    client = _limited_client(settings, rate_limit_read=10, rate_limit_tenant_read=15)
    first = make_tenant()
    with app.extensions["allure"].sessions.begin() as session:
        _, secret = create_api_key(session, first.tenant_id, ["read"])
    second = TenantKey(first.tenant_id, "", secret)
    answers = [client.get("/api/v1/jobs", headers=first.headers) for _ in range(11)]
    assert [r.status_code for r in answers] == [200] * 10 + [429]
    assert [r.headers["X-RateLimit-Scope"] for r in answers[:10]] == ["key"] * 10
    assert answers[-1].json["error"]["details"]["scope"] == "key"
    # The first key's refused request did not count against the tenant: 10 used, 5 left for the second key.
    more = [client.get("/api/v1/jobs", headers=second.headers) for _ in range(6)]
    assert [r.status_code for r in more] == [200] * 5 + [429]
    assert [r.headers["X-RateLimit-Remaining"] for r in more[:5]] == ["4", "3", "2", "1", "0"]
    assert {r.headers["X-RateLimit-Scope"] for r in more} == {"tenant"}
    assert {r.headers["X-RateLimit-Limit"] for r in more} == {"15"}
    refused = more[-1]
    assert refused.json["error"]["code"] == "RATE_LIMIT_EXCEEDED"
    assert refused.json["error"]["details"]["scope"] == "tenant"
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    assert client.get("/api/v1/jobs", headers=make_tenant().headers).status_code == 200  # other tenants unaffected


def test_tenant_limit_defaults_to_five_times_the_key_limit(client, tenant, settings):
    r = client.get("/api/v1/jobs", headers=tenant.headers)
    assert r.headers["X-RateLimit-Scope"] == "key"
    assert r.headers["X-RateLimit-Limit"] == str(settings.rate_limit_read)
    tenant_items = client.application.extensions["allure_ratelimits"].tenant_items
    assert tenant_items["read"].amount == 5 * settings.rate_limit_read


@pytest.fixture
def abuse_stack(app, settings):
    stack = start_stack(settings, web_workers=2, with_worker=False, extra_env={
        "AC_RATE_LIMIT_READ": "30", "AC_RATE_LIMIT_TENANT_READ": "50", "AC_MAX_KEYS_PER_TENANT": "5",
        "AC_RATE_LIMIT_WRITE": "1000", "AC_RATE_LIMIT_TENANT_WRITE": "1000"})
    yield stack
    stack.stop()


@pytest.mark.xdist_group("live")
def test_limits_should_hold_exactly_under_concurrency_across_gunicorn_workers(abuse_stack, app, tenant):
    if time.time() % 60 > 45:  # a fixed window resets on the minute: start well inside one
        time.sleep(61 - time.time() % 60)
    url = abuse_stack.base_url + "/api/v1/api-keys"
    with ThreadPoolExecutor(8) as pool:
        minted = list(pool.map(lambda _: requests.post(url, headers=tenant.headers, json={"scopes": ["read"]},
                                                       timeout=30), range(12)))
    assert sorted(r.status_code for r in minted) == [201] * 4 + [409] * 8  # 5 active, the tenant's own included
    with app.extensions["allure"].sessions() as session:
        active = session.scalars(select(ApiKey.id).where(ApiKey.tenant_id == tenant.tenant_id)).all()
    assert len(active) == 5
    keys = [r.json()["key"] for r in minted if r.status_code == 201][:3]
    jobs = abuse_stack.base_url + "/api/v1/jobs"

    def read(secret: str) -> int:
        return requests.get(jobs, headers={"Authorization": f"Bearer {secret}", "Connection": "close"},
                            timeout=30).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(read, [k for k in keys for _ in range(25)]))
    assert codes.count(200) == 50  # three keys of 30 each, but 50 for the tenant
    assert codes.count(429) == 25
