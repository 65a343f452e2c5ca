"""Tenant isolation of every platform and packages route: another tenant's ids are not found."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

from tests.fixtures.corpus import CORPUS
from tests.fixtures.ingest import Ingest
from tests.fixtures.platform import TenantKey

GOLF = CORPUS / "scorm12" / "golf_RuntimeBasicCalls_SCORM12.zip"


@dataclass
class World:
    """`owner` has a package, its import job, a processed and an unprocessed upload; `other` has nothing."""

    owner: TenantKey
    other: TenantKey
    package_id: str
    job_id: str
    processed_path: str
    pending_path: str


@pytest.fixture
def world(ingest: Ingest, make_tenant) -> World:
    owner, other = make_tenant(name="Owner"), make_tenant(name="Other")
    data = GOLF.read_bytes()
    accepted = ingest.upload(owner, data, "golf.zip")
    ingest.run_jobs()
    job = ingest.job(owner, accepted["job_id"])
    assert job["status"] == "succeeded", job
    ticket = ingest.mint(owner, "pending.zip", len(data)).json
    assert ingest.put(ticket, data).status_code == 200
    return World(owner, other, job["result"]["package_id"], job["id"], accepted["storage_path"],
                 ticket["storage_path"])  # fmt: skip


def error_of(response) -> tuple[int, str]:
    return response.status_code, response.json["error"]["code"]


def test_jobs_list_of_other_tenant_should_be_empty_with_any_filter(client, world):
    for query in ("", "?status=succeeded", "?kind=package_ingest", "?page=1&limit=100"):
        body = client.get(f"/api/v1/jobs{query}", headers=world.other.headers).json
        assert body["jobs"] == [] and body["pagination"]["total"] == 0, query
    assert [j["id"] for j in client.get("/api/v1/jobs", headers=world.owner.headers).json["jobs"]] == [world.job_id]


def test_job_of_other_tenant_should_be_not_found(client, world):
    r = client.get(f"/api/v1/jobs/{world.job_id}", headers=world.other.headers)
    assert error_of(r) == (404, "NOT_FOUND")
    assert "package" not in r.get_data(as_text=True)


def test_api_keys_list_should_show_only_own_keys(client, world):
    mine = client.get("/api/v1/api-keys", headers=world.other.headers).json
    assert [k["id"] for k in mine["api_keys"]] == [world.other.key_id]
    assert mine["pagination"]["total"] == 1


def test_revoking_other_tenants_key_should_be_not_found_and_leave_it_working(client, world):
    r = client.delete(f"/api/v1/api-keys/{world.owner.key_id}", headers=world.other.headers)
    assert error_of(r) == (404, "NOT_FOUND")
    assert client.get("/api/v1/jobs", headers=world.owner.headers).status_code == 200


def test_packages_list_of_other_tenant_should_be_empty(client, world):
    assert client.get("/api/v1/packages", headers=world.other.headers).json == {"packages": [], "count": 0}
    assert client.get("/api/v1/packages", headers=world.owner.headers).json["count"] == 1


def test_package_of_other_tenant_should_be_not_found_to_get_and_delete(client, world):
    path = f"/api/v1/packages/{world.package_id}"
    assert error_of(client.get(path, headers=world.other.headers)) == (404, "PACKAGE_NOT_FOUND")
    assert error_of(client.delete(path, headers=world.other.headers)) == (404, "PACKAGE_NOT_FOUND")
    assert client.get(path, headers=world.owner.headers).status_code == 200


@pytest.mark.parametrize("route", ["upload-url", "upload-sessions"])
def test_minting_a_version_of_other_tenants_package_should_be_not_found(client, world, route):
    body = {"tenant_id": world.other.tenant_id, "uploaded_by": "u", "filename": "v2.zip", "file_size": 10,
            "package_id": world.package_id}  # fmt: skip
    r = client.post(f"/api/v1/packages/{route}", json=body, headers=world.other.headers)
    assert error_of(r) == (404, "PACKAGE_NOT_FOUND")


@pytest.mark.parametrize("route", ["upload-url", "upload-sessions", "process", "upload"])
def test_body_naming_other_tenant_should_be_forbidden(client, world, route):
    fields = {"tenant_id": world.owner.tenant_id, "uploaded_by": "u", "filename": "c.zip", "file_size": 10,
              "storage_path": world.pending_path, "original_filename": "c.zip"}  # fmt: skip
    if route == "upload":
        form = {"tenant_id": world.owner.tenant_id, "uploaded_by": "u", "file": (io.BytesIO(b"PK"), "c.zip")}
        r = client.post("/api/v1/packages/upload", data=form, headers=world.other.headers)
    else:
        keep = {"tenant_id", "uploaded_by", "storage_path", "original_filename"} if route == "process" else {
            "tenant_id", "uploaded_by", "filename", "file_size"}  # fmt: skip
        r = client.post(f"/api/v1/packages/{route}", json={k: fields[k] for k in keep}, headers=world.other.headers)
    assert error_of(r) == (403, "FORBIDDEN")


@pytest.mark.parametrize("which", ["processed_path", "pending_path"])
def test_processing_other_tenants_upload_should_be_refused_without_its_job(client, world, which):
    # The processed one has a job under the same dedupe key: it must not be handed out.
    body = {"tenant_id": world.other.tenant_id, "uploaded_by": "u", "storage_path": getattr(world, which),
            "original_filename": "c.zip"}  # fmt: skip
    r = client.post("/api/v1/packages/process", json=body, headers=world.other.headers)
    assert error_of(r) == (400, "INVALID_STORAGE_PATH")
    assert world.job_id not in r.get_data(as_text=True)
    assert client.get("/api/v1/jobs", headers=world.other.headers).json["jobs"] == []


def test_processing_own_upload_into_other_tenants_package_should_be_not_found(ingest, client, world):
    data = GOLF.read_bytes()
    ticket = ingest.mint(world.other, "mine.zip", len(data)).json
    assert ingest.put(ticket, data).status_code == 200
    r = ingest.process(world.other, ticket["storage_path"], package_id=world.package_id)
    assert error_of(r) == (404, "PACKAGE_NOT_FOUND")


def test_multipart_upload_into_other_tenants_package_should_be_not_found(ingest, client, world):
    form = {"tenant_id": world.other.tenant_id, "uploaded_by": "u", "package_id": world.package_id,
            "file": (io.BytesIO(GOLF.read_bytes()), "golf.zip")}  # fmt: skip
    r = client.post("/api/v1/packages/upload", data=form, headers=world.other.headers)
    assert error_of(r) == (404, "PACKAGE_NOT_FOUND")
    assert ingest.stored_keys(f"tenants/{world.other.tenant_id}/") == []


def test_other_tenants_packages_should_not_count_against_my_quota(ingest, make_tenant, world):
    small = make_tenant(quota_packages=1, quota_bytes=10_000_000)
    assert ingest.mint(small, "first.zip", 1000).status_code == 201
