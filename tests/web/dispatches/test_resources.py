"""Tests of `/api/v1/dispatches`: create, list, read, revoke, derived status, generate and ZIP."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

import workers.dispatch
from models.dispatches import Dispatch
from pipeline.storage import ObjectNotFound
from web.dispatches.service import keyring
from web.dispatches.tokens import verify_token


def set_dispatch(app, dispatch_id: str, **values: object) -> None:
    with app.extensions["allure"].sessions.begin() as session:
        session.execute(update(Dispatch).where(Dispatch.id == dispatch_id).values(**values))


def iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class TestCreate:
    def test_create_dispatch_overview_body_returns_201_with_token(self, client, tenant, ready_package, settings):
        package_id = ready_package(tenant)
        body = {
            "package_id": package_id,
            "dispatch_name": "Partner Training",
            "registration_limit": 100,
            "expires_in_hours": 720,
            "allowed_domains": ["partner.com", "*.partner.com"],
        }
        response = client.post("/api/v1/dispatches", json=body, headers=tenant.headers)
        assert response.status_code == 201
        dispatch = response.get_json()["dispatch"]
        assert dispatch["tenant_id"] == tenant.tenant_id
        assert dispatch["package_id"] == package_id
        assert dispatch["dispatch_name"] == "Partner Training"
        assert dispatch["registration_limit"] == 100
        assert dispatch["registration_count"] == 0
        assert dispatch["status"] == "active"
        assert dispatch["allowed_domains"] == ["partner.com", "*.partner.com"]
        expected_expiry = datetime.now(UTC) + timedelta(hours=720)
        assert abs(iso(dispatch["expires_at"]) - expected_expiry) < timedelta(minutes=1)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", dispatch["created_at"])
        assert verify_token(dispatch["token"], keyring(settings)) == uuid.UUID(dispatch["id"])
        origin = f"http://t-{tenant.tenant_id}.localhost:{settings.port}"  # the tenant's content origin
        assert dispatch["launch_url"] == f"{origin}/player/dispatch/{dispatch['token']}"

    def test_create_dispatch_minimal_body_is_unlimited_and_never_expires(self, client, tenant, ready_package):
        body = {"package_id": ready_package(tenant), "dispatch_name": "  Open   course "}
        dispatch = client.post("/api/v1/dispatches", json=body, headers=tenant.headers).get_json()["dispatch"]
        assert dispatch["dispatch_name"] == "Open course"
        assert dispatch["registration_limit"] is None
        assert dispatch["expires_at"] is None
        assert dispatch["allowed_domains"] == []
        assert dispatch["status"] == "active"

    def test_create_dispatch_domains_are_normalised(self, tenant, ready_package, create_dispatch):
        domains = ["HTTPS://Partner.com/", "*.BÜCHER.de", "partner.com"]
        dispatch = create_dispatch(tenant, ready_package(tenant), allowed_domains=domains)
        assert dispatch["allowed_domains"] == ["partner.com", "*.xn--bcher-kva.de"]

    @pytest.mark.parametrize(
        ("fields", "bad_field"),
        [
            ({"dispatch_name": None}, "dispatch_name"),
            ({"dispatch_name": "   "}, "dispatch_name"),
            ({"registration_limit": -1}, "registration_limit"),
            ({"registration_limit": "many"}, "registration_limit"),
            ({"expires_in_hours": 0}, "expires_in_hours"),
            ({"allowed_domains": "partner.com"}, "allowed_domains"),
            ({"allowed_domains": ["partner.com", "partner.com:8443"]}, "allowed_domains"),
            ({"allowed_domains": ["*.com"]}, "allowed_domains"),
            ({"allowed_domains": ["https://partner.com/lms"]}, "allowed_domains"),
        ],
    )
    def test_create_dispatch_invalid_field_returns_validation_error(
        self, client, tenant, ready_package, fields, bad_field
    ):
        body = {"package_id": ready_package(tenant), "dispatch_name": "D", **fields}
        body = {k: v for k, v in body.items() if v is not None}
        response = client.post("/api/v1/dispatches", json=body, headers=tenant.headers)
        assert response.status_code == 400
        error = response.get_json()["error"]
        assert error["code"] == "VALIDATION_ERROR"
        assert bad_field in error["details"]["fieldErrors"]

    def test_create_dispatch_bad_domain_error_names_its_index(self, client, tenant, ready_package):
        body = {"package_id": ready_package(tenant), "dispatch_name": "D", "allowed_domains": ["ok.com", "a b"]}
        response = client.post("/api/v1/dispatches", json=body, headers=tenant.headers)
        assert list(response.get_json()["error"]["details"]["fieldErrors"]["allowed_domains"]) == ["1"]

    def test_create_dispatch_unknown_or_foreign_package_returns_404(self, client, tenant, make_tenant, ready_package):
        other = make_tenant()
        for package_id in (str(uuid.uuid4()), ready_package(other), "not-a-uuid"):
            body = {"package_id": package_id, "dispatch_name": "D"}
            response = client.post("/api/v1/dispatches", json=body, headers=tenant.headers)
            assert response.status_code == 404
            assert response.get_json()["error"]["code"] == "PACKAGE_NOT_FOUND"

    def test_create_dispatch_read_only_key_is_forbidden(self, client, make_tenant, ready_package):
        reader = make_tenant(scopes=("read",))
        body = {"package_id": ready_package(reader), "dispatch_name": "D"}
        response = client.post("/api/v1/dispatches", json=body, headers=reader.headers)
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "FORBIDDEN"


class TestReadAndList:
    def test_get_dispatch_returns_token_and_launch_url(self, client, tenant, ready_package, create_dispatch):
        created = create_dispatch(tenant, ready_package(tenant))
        response = client.get(f"/api/v1/dispatches/{created['id']}", headers=tenant.headers)
        assert response.status_code == 200
        assert response.get_json()["dispatch"] == created

    def test_get_dispatch_other_tenant_returns_404(self, client, tenant, make_tenant, ready_package, create_dispatch):
        created = create_dispatch(tenant, ready_package(tenant))
        other = make_tenant()
        for path in ("", "/generate", "/zip"):
            method = client.post if path == "/generate" else client.get
            response = method(f"/api/v1/dispatches/{created['id']}{path}", headers=other.headers)
            assert response.status_code == 404
            assert response.get_json()["error"]["code"] == "DISPATCH_NOT_FOUND"
        response = client.delete(f"/api/v1/dispatches/{created['id']}", headers=other.headers)
        assert response.status_code == 404

    def test_get_dispatch_unknown_id_returns_404(self, client, tenant):
        for dispatch_id in (str(uuid.uuid4()), "nope", "y" * 100):
            response = client.get(f"/api/v1/dispatches/{dispatch_id}", headers=tenant.headers)
            assert response.status_code == 404

    def test_list_dispatches_is_paged_and_tenant_scoped(
        self, client, tenant, make_tenant, ready_package, create_dispatch
    ):
        package_id = ready_package(tenant)
        ids = [create_dispatch(tenant, package_id, dispatch_name=f"D{i}")["id"] for i in range(3)]
        other = make_tenant()
        create_dispatch(other, ready_package(other))
        response = client.get("/api/v1/dispatches?page=1&limit=2", headers=tenant.headers)
        body = response.get_json()
        assert response.status_code == 200
        assert body["pagination"] == {"page": 1, "limit": 2, "total": 3, "total_pages": 2}
        page2 = client.get("/api/v1/dispatches?page=2&limit=2", headers=tenant.headers).get_json()
        listed = [d["id"] for d in body["dispatches"] + page2["dispatches"]]
        assert sorted(listed) == sorted(ids)
        item = body["dispatches"][0]
        assert "token" not in item
        assert {
            "id",
            "package_id",
            "dispatch_name",
            "registration_limit",
            "registration_count",
            "expires_at",
            "status",
            "created_at",
        } <= set(item)

    def test_list_dispatches_bad_paging_returns_validation_error(self, client, tenant):
        response = client.get("/api/v1/dispatches?limit=101", headers=tenant.headers)
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "VALIDATION_ERROR"


class TestStatus:
    def test_status_is_derived_and_filterable(self, app, client, tenant, ready_package, create_dispatch):
        package_id = ready_package(tenant)
        active = create_dispatch(tenant, package_id)
        expired = create_dispatch(tenant, package_id, expires_in_hours=1)
        full = create_dispatch(tenant, package_id, registration_limit=2)
        revoked = create_dispatch(tenant, package_id, expires_in_hours=1)
        set_dispatch(app, expired["id"], expires_at=datetime.now(UTC) - timedelta(seconds=1))
        set_dispatch(app, full["id"], registration_count=2)
        set_dispatch(app, revoked["id"], expires_at=datetime.now(UTC) - timedelta(seconds=1))
        client.delete(f"/api/v1/dispatches/{revoked['id']}", headers=tenant.headers)
        expected = {active["id"]: "active", expired["id"]: "expired", full["id"]: "exhausted", revoked["id"]: "revoked"}
        for dispatch_id, status in expected.items():
            got = client.get(f"/api/v1/dispatches/{dispatch_id}", headers=tenant.headers).get_json()
            assert got["dispatch"]["status"] == status
            listed = client.get(f"/api/v1/dispatches?status={status}", headers=tenant.headers).get_json()
            assert [d["id"] for d in listed["dispatches"]] == [dispatch_id]

    def test_unlimited_zero_limit_is_never_exhausted(self, app, client, tenant, ready_package, create_dispatch):
        dispatch = create_dispatch(tenant, ready_package(tenant), registration_limit=0)
        set_dispatch(app, dispatch["id"], registration_count=5000)
        got = client.get(f"/api/v1/dispatches/{dispatch['id']}", headers=tenant.headers).get_json()
        assert got["dispatch"]["status"] == "active"
        assert got["dispatch"]["registration_limit"] == 0

    def test_revoke_dispatch_returns_overview_body_and_is_idempotent(
        self, client, tenant, ready_package, create_dispatch
    ):
        dispatch = create_dispatch(tenant, ready_package(tenant))
        for _ in range(2):
            response = client.delete(f"/api/v1/dispatches/{dispatch['id']}", headers=tenant.headers)
            assert response.status_code == 200
            assert response.get_json() == {"status": "revoked", "dispatch_id": dispatch["id"]}
        got = client.get(f"/api/v1/dispatches/{dispatch['id']}", headers=tenant.headers).get_json()
        assert got["dispatch"]["status"] == "revoked"
        assert got["dispatch"]["revoked_at"] is not None


class TestGenerateAndZip:
    def test_zip_before_generation_returns_conflict(self, client, tenant, ready_package, create_dispatch):
        dispatch = create_dispatch(tenant, ready_package(tenant))
        response = client.get(f"/api/v1/dispatches/{dispatch['id']}/zip", headers=tenant.headers)
        assert response.status_code == 409
        assert response.get_json()["error"]["code"] == "CONFLICT"

    def test_generate_queues_job_then_zip_downloads(
        self, app, client, tenant, ready_package, create_dispatch, run_jobs, settings
    ):
        dispatch = create_dispatch(tenant, ready_package(tenant, title="Safety 101"))
        response = client.post(f"/api/v1/dispatches/{dispatch['id']}/generate", headers=tenant.headers)
        assert response.status_code == 202
        body = response.get_json()
        assert body["success"] is True
        assert body["message"] == "Dispatch generation queued."
        assert body["dispatch_id"] == dispatch["id"]
        assert body["status"] == "queued"
        assert body["status_url"] == f"{settings.public_base_url}/api/v1/jobs/{body['job_id']}"
        again = client.post(f"/api/v1/dispatches/{dispatch['id']}/generate", headers=tenant.headers)
        assert again.get_json()["job_id"] == body["job_id"]

        run_jobs()
        job = client.get(f"/api/v1/jobs/{body['job_id']}", headers=tenant.headers).get_json()
        assert job["status"] == "succeeded", job
        assert job["kind"] == "dispatch_zip"
        assert job["result"]["storage_key"] == f"tenants/{tenant.tenant_id}/dispatches/{dispatch['id']}.zip"

        response = client.get(f"/api/v1/dispatches/{dispatch['id']}/zip", headers=tenant.headers)
        assert response.status_code == 200
        assert response.mimetype == "application/zip"
        assert "attachment" in response.headers["Content-Disposition"]
        with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
            config = archive.read("dispatch-config.js").decode()
            manifest = archive.read("imsmanifest.xml").decode()
        assert json.dumps(dispatch["launch_url"]) in config
        # The launcher listens to the tenant's content origin, where the dispatch player runs.
        assert f'"serviceOrigin": "http://t-{tenant.tenant_id}.localhost:{settings.port}"' in config
        assert "<title>Safety 101</title>" in manifest
        stored = app.extensions["allure"].storage.stat(job["result"]["storage_key"])
        assert stored.size == len(response.data) == job["result"]["size_bytes"]
        got = client.get(f"/api/v1/dispatches/{dispatch['id']}", headers=tenant.headers).get_json()
        assert got["dispatch"]["zip_ready"] is True

    def test_generate_twice_after_finishing_rebuilds_same_bytes(
        self, client, tenant, ready_package, create_dispatch, run_jobs
    ):
        dispatch = create_dispatch(tenant, ready_package(tenant))
        url = f"/api/v1/dispatches/{dispatch['id']}"
        first = client.post(f"{url}/generate", headers=tenant.headers).get_json()["job_id"]
        run_jobs()
        data = client.get(f"{url}/zip", headers=tenant.headers).data
        second = client.post(f"{url}/generate", headers=tenant.headers).get_json()["job_id"]
        run_jobs()
        assert second != first
        assert client.get(f"{url}/zip", headers=tenant.headers).data == data

    def test_generate_revoked_dispatch_returns_conflict(self, client, tenant, ready_package, create_dispatch):
        dispatch = create_dispatch(tenant, ready_package(tenant))
        client.delete(f"/api/v1/dispatches/{dispatch['id']}", headers=tenant.headers)
        response = client.post(f"/api/v1/dispatches/{dispatch['id']}/generate", headers=tenant.headers)
        assert response.status_code == 409
        assert response.get_json()["error"]["code"] == "CONFLICT"

    def test_generate_job_for_dispatch_revoked_meanwhile_fails_with_code(
        self, client, tenant, ready_package, create_dispatch, run_jobs
    ):
        dispatch = create_dispatch(tenant, ready_package(tenant))
        job_id = client.post(f"/api/v1/dispatches/{dispatch['id']}/generate", headers=tenant.headers).get_json()[
            "job_id"
        ]
        client.delete(f"/api/v1/dispatches/{dispatch['id']}", headers=tenant.headers)
        run_jobs()
        job = client.get(f"/api/v1/jobs/{job_id}", headers=tenant.headers).get_json()
        assert job["status"] == "failed"
        assert job["error"]["code"] == "DISPATCH_REVOKED"

    def test_deleting_the_package_removes_its_dispatch_zip(
        self, app, client, tenant, ready_package, create_dispatch, run_jobs
    ):
        package_id = ready_package(tenant)
        dispatch = create_dispatch(tenant, package_id)
        client.post(f"/api/v1/dispatches/{dispatch['id']}/generate", headers=tenant.headers)
        run_jobs()
        storage = app.extensions["allure"].storage
        key = f"tenants/{tenant.tenant_id}/dispatches/{dispatch['id']}.zip"
        assert storage.stat(key).size > 0

        assert client.delete(f"/api/v1/packages/{package_id}", headers=tenant.headers).status_code == 200
        run_jobs()
        with pytest.raises(ObjectNotFound):
            storage.stat(key)
        assert client.get(f"/api/v1/dispatches/{dispatch['id']}", headers=tenant.headers).status_code == 404

    def test_zip_built_for_a_dispatch_deleted_during_the_build_is_removed(
        self, app, client, tenant, ready_package, create_dispatch, run_jobs, monkeypatch
    ):
        package_id = ready_package(tenant)
        dispatch = create_dispatch(tenant, package_id)
        job_id = client.post(f"/api/v1/dispatches/{dispatch['id']}/generate", headers=tenant.headers).get_json()[
            "job_id"
        ]
        build = workers.dispatch.build_dispatch_zip

        def build_then_lose_the_package(*args, **kwargs):
            info = build(*args, **kwargs)
            assert client.delete(f"/api/v1/packages/{package_id}", headers=tenant.headers).status_code == 200
            return info

        monkeypatch.setattr(workers.dispatch, "build_dispatch_zip", build_then_lose_the_package)
        run_jobs()
        job = client.get(f"/api/v1/jobs/{job_id}", headers=tenant.headers).get_json()
        assert job["status"] == "failed" and job["error"]["code"] == "DISPATCH_NOT_FOUND"
        with pytest.raises(ObjectNotFound):
            app.extensions["allure"].storage.stat(f"tenants/{tenant.tenant_id}/dispatches/{dispatch['id']}.zip")
