"""`/api/v1/packages` through the real app, storage (plain HTTP PUTs) and worker."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
import requests
from redis.exceptions import ConnectionError as RedisConnectionError

import workers.resend
from models.base import utcnow
from models.jobs import Job
from tests.fixtures.corpus import CORPUS
from workers.queues import INGEST, get_queue
from workers.worker import AllureWorker

GOLF = CORPUS / "scorm12" / "golf_RuntimeBasicCalls_SCORM12.zip"
SINGLE_2004 = CORPUS / "scorm2004" / "golf_ContentPackagingSingleSCO_SCORM20042ndEdition.zip"
SUMMARY_FIELDS = {"id", "tenant_id", "title", "version", "launch_url", "manifest_url", "file_size_bytes",
                  "created_at", "updated_at"}  # fmt: skip


def error_of(response) -> tuple[int, str]:
    return response.status_code, response.json["error"]["code"]


class TestUploadUrl:
    def test_upload_url_should_return_ticket_for_plain_put(self, ingest, tenant):
        data = GOLF.read_bytes()
        minted = ingest.mint(tenant, "course.zip", len(data))
        assert minted.status_code == 201
        ticket = minted.json
        assert set(ticket) >= {"presigned_url", "required_put_headers", "storage_path", "upload_id", "expires_at"}
        assert ticket["storage_path"] == f"tenants/{tenant.tenant_id}/uploads/{ticket['upload_id']}.zip"
        assert ticket["expires_at"].endswith("Z")
        assert ingest.put(ticket, data).status_code == 200
        assert ingest.stored_keys(ticket["storage_path"]) == [ticket["storage_path"]]

    def test_upload_sessions_alias_should_behave_the_same(self, ingest, tenant):
        body = {"tenant_id": tenant.tenant_id, "uploaded_by": "u", "filename": "c.zip", "file_size": 10}
        r = ingest.client.post("/api/v1/packages/upload-sessions", json=body, headers=tenant.headers)
        assert r.status_code == 201 and r.json["storage_path"].endswith(".zip")

    def test_upload_url_for_another_tenant_should_be_forbidden(self, ingest, make_tenant):
        mine, other = make_tenant(), make_tenant()
        r = ingest.client.post("/api/v1/packages/upload-url", headers=mine.headers, json={
            "tenant_id": other.tenant_id, "uploaded_by": "u", "filename": "c.zip", "file_size": 10})  # fmt: skip
        assert error_of(r) == (403, "FORBIDDEN")

    def test_upload_flow_without_tenant_id_should_take_the_keys_tenant(self, ingest, tenant):
        data = GOLF.read_bytes()
        mint = ingest.client.post("/api/v1/packages/upload-url", headers=tenant.headers, json={
            "uploaded_by": "u", "filename": "c.zip", "file_size": len(data)})  # fmt: skip
        assert mint.status_code == 201, mint.json
        assert ingest.put(mint.json, data).ok
        started = ingest.client.post("/api/v1/packages/process", headers=tenant.headers, json={
            "uploaded_by": "u", "storage_path": mint.json["storage_path"], "original_filename": "c.zip"})  # fmt: skip
        assert started.status_code == 202, started.json
        ingest.run_jobs()
        job = ingest.client.get(f"/api/v1/jobs/{started.json['job_id']}", headers=tenant.headers).json
        assert job["status"] == "succeeded"
        package = ingest.client.get(f"/api/v1/packages/{job['result']['package_id']}", headers=tenant.headers).json
        assert package["tenant_id"] == tenant.tenant_id

    @pytest.mark.parametrize(
        ("filename", "size", "expected"),
        [("course.rar", 10, (400, "VALIDATION_ERROR")), ("course.zip", 0, (400, "VALIDATION_ERROR")),
         ("course.zip", 3 * 1024**3, (400, "FILE_TOO_LARGE")), ("COURSE.ZIP", 10, (201, None))],
    )  # fmt: skip
    def test_upload_url_should_check_name_and_size(self, ingest, tenant, filename, size, expected):
        r = ingest.mint(tenant, filename, size)
        assert r.status_code == expected[0]
        if expected[1]:
            assert r.json["error"]["code"] == expected[1]

    def test_upload_url_missing_field_should_be_validation_error(self, ingest, tenant):
        r = ingest.client.post("/api/v1/packages/upload-url", json={"tenant_id": tenant.tenant_id},
                               headers=tenant.headers)  # fmt: skip
        assert error_of(r) == (400, "VALIDATION_ERROR")
        assert "filename" in r.json["error"]["details"]["fieldErrors"]

    def test_upload_url_over_package_quota_should_be_quota_exceeded(self, ingest, make_tenant):
        tenant = make_tenant(quota_packages=1)
        assert ingest.import_file(tenant, GOLF)["status"] == "succeeded"
        r = ingest.mint(tenant, "second.zip", 100)
        assert error_of(r) == (403, "QUOTA_EXCEEDED")
        assert r.json["error"]["details"]["limit"] == 1 and r.json["error"]["details"]["current"] == 1

    def test_upload_url_over_byte_quota_should_be_quota_exceeded(self, ingest, make_tenant):
        tenant = make_tenant(quota_bytes=1000)
        r = ingest.mint(tenant, "big.zip", 5000)
        assert error_of(r) == (403, "QUOTA_EXCEEDED")
        assert r.json["error"]["details"] == {"quota": "bytes", "limit": 1000, "current": 0}

    def test_upload_url_should_count_in_upload_rate_class(self, ingest, tenant):
        r = ingest.mint(tenant, "c.zip", 10)
        assert r.headers["X-RateLimit-Limit"] == "10"


class TestProcess:
    def test_process_should_answer_202_then_import(self, ingest, tenant):
        accepted = ingest.upload(tenant, GOLF.read_bytes(), "golf.zip")
        assert accepted["status"] == "queued"
        assert accepted["status_url"].endswith(f"/api/v1/jobs/{accepted['job_id']}")
        ingest.run_jobs()
        job = ingest.job(tenant, accepted["job_id"])
        assert job["status"] == "succeeded" and job["kind"] == "package_ingest"
        assert job["result"]["version"] == 1 and job["result"]["standard"] == "scorm12"

    def test_process_same_storage_path_twice_should_give_same_job(self, ingest, tenant):
        data = GOLF.read_bytes()
        ticket = ingest.mint(tenant, "golf.zip", len(data)).json
        ingest.put(ticket, data)
        first = ingest.process(tenant, ticket["storage_path"])
        second = ingest.process(tenant, ticket["storage_path"])
        assert first.status_code == second.status_code == 202
        assert first.json["job_id"] == second.json["job_id"]
        ingest.run_jobs()
        third = ingest.process(tenant, ticket["storage_path"])
        assert third.json["job_id"] == first.json["job_id"] and third.json["status"] == "succeeded"
        assert ingest.client.get("/api/v1/packages", headers=tenant.headers).json["count"] == 1

    def test_process_with_size_different_from_announced_should_fail_size_mismatch(self, ingest, tenant):
        data = GOLF.read_bytes()
        ticket = ingest.mint(tenant, "golf.zip", len(data) + 10).json
        assert ingest.put(ticket, data).status_code == 200
        r = ingest.process(tenant, ticket["storage_path"])
        assert error_of(r) == (400, "UPLOAD_SIZE_MISMATCH")
        assert r.json["error"]["details"] == {"announced": len(data) + 10, "actual": len(data)}

    def test_expired_presigned_url_should_refuse_put_and_process(self, ingest, tenant, app):
        app.extensions["allure"].settings = app.extensions["allure"].settings.with_overrides(upload_url_ttl_seconds=1)
        data = GOLF.read_bytes()
        ticket = ingest.mint(tenant, "golf.zip", len(data)).json
        time.sleep(2.5)
        put = ingest.put(ticket, data)
        assert put.status_code == 403
        assert ingest.stored_keys(ticket["storage_path"]) == []
        r = ingest.process(tenant, ticket["storage_path"])
        assert error_of(r) == (404, "UPLOAD_NOT_FOUND")

    def test_process_before_any_put_should_be_upload_not_found(self, ingest, tenant):
        ticket = ingest.mint(tenant, "golf.zip", 100).json
        assert error_of(ingest.process(tenant, ticket["storage_path"])) == (404, "UPLOAD_NOT_FOUND")

    def test_process_unknown_key_under_prefix_should_be_upload_not_found(self, ingest, tenant):
        path = f"tenants/{tenant.tenant_id}/uploads/never-minted.zip"
        assert error_of(ingest.process(tenant, path)) == (404, "UPLOAD_NOT_FOUND")

    @pytest.mark.parametrize("path", ["tenants/other/uploads/x.zip", "../../etc/passwd", "uploads/x.zip"])
    def test_process_key_outside_tenant_uploads_should_be_invalid_storage_path(self, ingest, tenant, path):
        assert error_of(ingest.process(tenant, path)) == (400, "INVALID_STORAGE_PATH")

    def test_process_another_tenants_upload_should_be_refused(self, ingest, make_tenant):
        owner, other = make_tenant(), make_tenant()
        data = GOLF.read_bytes()
        ticket = ingest.mint(owner, "golf.zip", len(data)).json
        ingest.put(ticket, data)
        assert error_of(ingest.process(other, ticket["storage_path"])) == (400, "INVALID_STORAGE_PATH")

    def test_process_for_another_tenant_id_should_be_forbidden(self, ingest, make_tenant):
        mine, other = make_tenant(), make_tenant()
        r = ingest.client.post("/api/v1/packages/process", headers=mine.headers, json={
            "tenant_id": other.tenant_id, "uploaded_by": "u", "storage_path": "x", "original_filename": "c.zip"})
        assert error_of(r) == (403, "FORBIDDEN")

    def test_process_with_package_id_should_add_a_version(self, ingest, tenant):
        first = ingest.import_file(tenant, GOLF)
        package_id = first["result"]["package_id"]
        second = ingest.import_file(tenant, SINGLE_2004, package_id=package_id)
        assert second["status"] == "succeeded", second
        assert (second["result"]["package_id"], second["result"]["version"]) == (package_id, 2)
        body = ingest.client.get(f"/api/v1/packages/{package_id}", headers=tenant.headers).json
        assert body["current_version"] == 2 and [v["version"] for v in body["versions"]] == [1, 2]
        assert body["version"] == "2004" and "/v2/" in body["launch_url"]
        assert ingest.stored_keys(f"tenants/{tenant.tenant_id}/packages/{package_id}/v1/")
        assert ingest.client.get("/api/v1/packages", headers=tenant.headers).json["count"] == 1

    def test_process_with_unknown_package_id_should_be_package_not_found(self, ingest, tenant):
        data = GOLF.read_bytes()
        ticket = ingest.mint(tenant, "golf.zip", len(data)).json
        ingest.put(ticket, data)
        r = ingest.process(tenant, ticket["storage_path"], package_id="00000000-0000-0000-0000-000000000000")
        assert error_of(r) == (404, "PACKAGE_NOT_FOUND")

    def test_stored_bytes_over_quota_at_finalize_should_fail_job_and_store_nothing(self, ingest, make_tenant):
        data = GOLF.read_bytes()  # ~360 KB zipped, ~640 KB once published
        tenant = make_tenant(quota_bytes=len(data) + 1000)
        job = ingest.import_bytes(tenant, data)
        assert job["status"] == "failed" and job["error"]["code"] == "QUOTA_EXCEEDED"
        assert ingest.client.get("/api/v1/packages", headers=tenant.headers).json["count"] == 0
        assert ingest.stored_keys(f"tenants/{tenant.tenant_id}/packages/") == []


class TestMultipartUpload:
    def test_multipart_upload_should_import(self, ingest, tenant):
        data = {"tenant_id": tenant.tenant_id, "uploaded_by": "u", "file": (io.BytesIO(GOLF.read_bytes()), "golf.zip")}
        r = ingest.client.post("/api/v1/packages/upload", data=data, headers=tenant.headers,
                               content_type="multipart/form-data")  # fmt: skip
        assert r.status_code == 202, r.json
        ingest.run_jobs()
        job = ingest.job(tenant, r.json["job_id"])
        assert job["status"] == "succeeded" and job["result"]["sco_count"] == 1
        assert r.json["storage_path"].startswith(f"tenants/{tenant.tenant_id}/uploads/")

    def test_multipart_upload_bigger_than_request_limit_should_be_accepted(self, ingest, tenant, app):
        # The general 10 MB body limit does not apply to this route.
        services = app.extensions["allure"]
        services.settings = services.settings.with_overrides(max_request_bytes=100_000)
        app.config["MAX_CONTENT_LENGTH"] = 100_000
        data = {"tenant_id": tenant.tenant_id, "uploaded_by": "u", "file": (io.BytesIO(GOLF.read_bytes()), "g.zip")}
        r = ingest.client.post("/api/v1/packages/upload", data=data, headers=tenant.headers)
        assert r.status_code == 202, r.json

    def test_multipart_upload_without_file_should_be_validation_error(self, ingest, tenant):
        r = ingest.client.post("/api/v1/packages/upload", data={"tenant_id": tenant.tenant_id, "uploaded_by": "u"},
                               headers=tenant.headers, content_type="multipart/form-data")  # fmt: skip
        assert error_of(r) == (400, "VALIDATION_ERROR")

    def test_multipart_upload_of_non_zip_name_should_be_validation_error(self, ingest, tenant):
        data = {"tenant_id": tenant.tenant_id, "uploaded_by": "u", "file": (io.BytesIO(b"hello"), "notes.txt")}
        r = ingest.client.post("/api/v1/packages/upload", data=data, headers=tenant.headers)
        assert error_of(r) == (400, "VALIDATION_ERROR")


    def test_multipart_upload_with_overlong_file_name_should_be_validation_error_and_store_nothing(
        self, ingest, tenant
    ):
        name = "a" * 600 + ".zip"  # wider than the filename column: used to be a 500 DATABASE_ERROR
        data = {"tenant_id": tenant.tenant_id, "uploaded_by": "u", "file": (io.BytesIO(GOLF.read_bytes()), name)}
        r = ingest.client.post("/api/v1/packages/upload", data=data, headers=tenant.headers)
        assert error_of(r) == (400, "VALIDATION_ERROR")
        assert set(r.json["error"]["details"]["fieldErrors"]) == {"filename"}
        assert ingest.stored_keys(f"tenants/{tenant.tenant_id}/uploads/") == []

    def test_multipart_upload_with_nul_in_a_field_should_be_validation_error(self, ingest, tenant):
        data = {"tenant_id": tenant.tenant_id, "uploaded_by": "u\x00", "file": (io.BytesIO(b"PK"), "g.zip")}
        r = ingest.client.post("/api/v1/packages/upload", data=data, headers=tenant.headers)
        assert error_of(r) == (400, "VALIDATION_ERROR")
        assert set(r.json["error"]["details"]["fieldErrors"]) == {"uploaded_by"}
        assert ingest.stored_keys(f"tenants/{tenant.tenant_id}/uploads/") == []


    def test_multipart_upload_failing_after_storing_should_remove_the_stored_zip(self, ingest, tenant, app):
        # The queue's Redis is unreachable (rate limits keep their own connection): the job cannot be sent.
        from redis import Redis

        from tests.fixtures.platform import free_port

        app.extensions["allure"].redis = Redis(port=free_port(), socket_connect_timeout=1)
        data = {"tenant_id": tenant.tenant_id, "uploaded_by": "u", "file": (io.BytesIO(GOLF.read_bytes()), "g.zip")}
        r = ingest.client.post("/api/v1/packages/upload", data=data, headers=tenant.headers)
        assert error_of(r) == (500, "INTERNAL_ERROR")
        assert ingest.stored_keys(f"tenants/{tenant.tenant_id}/uploads/") == []
        jobs = ingest.client.get("/api/v1/jobs", headers=tenant.headers).json["jobs"]
        assert [(j["status"], j["error"]["code"]) for j in jobs] == [("failed", "ENQUEUE_FAILED")]


class TestUnstorableInput:
    """Text Postgres cannot store used to answer 500; it is a validation error, with nothing written."""

    @pytest.mark.parametrize("text", ["user\\u0000", "\\ud800"])
    def test_upload_url_with_unstorable_text_should_be_validation_error(self, ingest, tenant, text):
        # Raw JSON: the escape must reach the server as written.
        body = f'{{"tenant_id": "{tenant.tenant_id}", "uploaded_by": "{text}", "filename": "c.zip", "file_size": 10}}'
        r = ingest.client.post("/api/v1/packages/upload-url", data=body, headers=tenant.headers,
                               content_type="application/json")  # fmt: skip
        assert error_of(r) == (400, "VALIDATION_ERROR")
        assert set(r.json["error"]["details"]["fieldErrors"]) == {"uploaded_by"}
        assert ingest.client.get("/api/v1/jobs", headers=tenant.headers).json["jobs"] == []

    def test_process_with_nul_in_storage_path_should_be_validation_error(self, ingest, tenant):
        r = ingest.process(tenant, f"tenants/{tenant.tenant_id}/uploads/\x00.zip")
        assert error_of(r) == (400, "VALIDATION_ERROR")
        assert set(r.json["error"]["details"]["fieldErrors"]) == {"storage_path"}

    def test_package_id_with_nul_should_be_not_found(self, ingest, tenant):
        r = ingest.client.get("/api/v1/packages/abc%00def", headers=tenant.headers)
        assert error_of(r) == (404, "NOT_FOUND")


class TestRoutes:
    @pytest.mark.parametrize("action", ["upload", "upload-url", "upload-sessions", "process"])
    def test_action_route_should_allow_only_post(self, ingest, tenant, action):
        # These names used to match `/{package_id}` too: Allow listed GET and DELETE, GET said PACKAGE_NOT_FOUND.
        options = ingest.client.options(f"/api/v1/packages/{action}", headers=tenant.headers)
        assert set(options.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}
        r = ingest.client.get(f"/api/v1/packages/{action}", headers=tenant.headers)
        assert error_of(r) == (405, "METHOD_NOT_ALLOWED")

    def test_package_id_route_should_still_match_ids_starting_with_an_action_name(self, ingest, tenant):
        r = ingest.client.get("/api/v1/packages/process-2", headers=tenant.headers)
        assert error_of(r) == (404, "PACKAGE_NOT_FOUND")

    def test_openapi_should_document_the_zip_name_and_minimum_size(self, ingest):
        spec = ingest.client.get("/api/docs/openapi").json
        props = spec["components"]["schemas"]["UploadUrlRequest"]["properties"]
        assert props["filename"]["pattern"] == r"^.*\.([Zz][Ii][Pp]|[Xx][Mm][Ll])$"  # .xml: a bare cmi5.xml
        assert props["file_size"]["minimum"] == 1
        assert "404" in spec["paths"]["/api/v1/packages/process"]["post"]["responses"]


class TestReadAndDelete:
    def test_list_should_match_overview_shape_and_paginate(self, ingest, tenant):
        for _ in range(3):
            assert ingest.import_file(tenant, GOLF)["status"] == "succeeded"
        body = ingest.client.get("/api/v1/packages?page=2&limit=2", headers=tenant.headers).json
        assert set(body) == {"packages", "count"}
        assert body["count"] == 3 and len(body["packages"]) == 1
        assert set(body["packages"][0]) == SUMMARY_FIELDS

    def test_get_should_show_metadata_tree_versions_and_warnings(self, ingest, tenant):
        job = ingest.import_file(tenant, CORPUS / "scorm2004" / "adlcts_LMSTestPackage_SX-05.zip")
        package_id = job["result"]["package_id"]
        body = ingest.client.get(f"/api/v1/packages/{package_id}", headers=tenant.headers).json
        assert SUMMARY_FIELDS <= set(body)
        assert body["metadata"]["sco_count"] == 1 and "description" in body["metadata"]
        assert (body["standard"], body["edition"], body["version"]) == ("scorm2004", "4th", "2004")
        assert body["organizations"][0]["items"][0]["identifier"] == "activity_1"
        assert {w["code"] for w in body["warnings"]} >= {"LAUNCH_FILE_MISSING"}
        assert body["launch_url"] == (
            f"http://t-{tenant.tenant_id}.localhost:3000/content/{package_id}/v1/resources/SequencingTest.htm?tc=SX-05&act=1"
        )
        assert body["manifest_url"].endswith(f"/content/{package_id}/v1/imsmanifest.xml")
        assert {w["code"] for w in job["result"]["warnings"]} == {w["code"] for w in body["warnings"]}

    def test_get_unknown_or_other_tenants_package_should_be_package_not_found(self, ingest, make_tenant):
        owner, other = make_tenant(), make_tenant()
        package_id = ingest.import_file(owner, GOLF)["result"]["package_id"]
        for who, pid in ((other, package_id), (owner, "no-such-package")):
            assert error_of(ingest.client.get(f"/api/v1/packages/{pid}", headers=who.headers)) == (
                404, "PACKAGE_NOT_FOUND")  # fmt: skip
        assert error_of(ingest.client.delete(f"/api/v1/packages/{package_id}", headers=other.headers)) == (
            404, "PACKAGE_NOT_FOUND")  # fmt: skip
        assert ingest.client.get("/api/v1/packages", headers=other.headers).json == {"packages": [], "count": 0}

    def test_delete_should_answer_then_remove_files_through_a_job(self, ingest, tenant):
        job = ingest.import_file(tenant, GOLF)
        package_id = job["result"]["package_id"]
        prefix = f"tenants/{tenant.tenant_id}/packages/{package_id}/"
        assert ingest.stored_keys(prefix)
        r = ingest.client.delete(f"/api/v1/packages/{package_id}", headers=tenant.headers)
        assert r.status_code == 200 and r.json == {"success": True, "package_id": package_id}
        assert error_of(ingest.client.get(f"/api/v1/packages/{package_id}", headers=tenant.headers))[0] == 404
        ingest.run_jobs()
        assert ingest.stored_keys(prefix) == []
        assert ingest.stored_keys(f"tenants/{tenant.tenant_id}/uploads/") == []
        jobs = ingest.client.get("/api/v1/jobs?kind=package_delete", headers=tenant.headers).json["jobs"]
        assert jobs[0]["status"] == "succeeded" and jobs[0]["result"]["deleted_objects"] > 1

    def test_delete_while_redis_is_away_answers_then_a_worker_queues_the_clean_up(
        self, ingest, tenant, monkeypatch, redis_client
    ):
        package_id = ingest.import_file(tenant, GOLF)["result"]["package_id"]
        prefix = f"tenants/{tenant.tenant_id}/packages/{package_id}/"

        def redis_away(*args, **kwargs):
            raise RedisConnectionError("Connection refused")

        monkeypatch.setattr(workers.resend, "send_job", redis_away)
        r = ingest.client.delete(f"/api/v1/packages/{package_id}", headers=tenant.headers)
        assert r.status_code == 200 and r.json == {"success": True, "package_id": package_id}
        [job] = ingest.client.get("/api/v1/jobs?kind=package_delete", headers=tenant.headers).json["jobs"]
        assert job["status"] == "queued" and job["error"]["code"] == "ENQUEUE_PENDING"
        with ingest.app.extensions["allure"].sessions.begin() as session:  # older than the reconcile grace
            session.get(Job, job["id"]).created_at = utcnow() - timedelta(minutes=5)
        assert ingest.client.get(f"/api/v1/jobs/{job['id']}", headers=tenant.headers).json["status"] == "queued"
        worker = AllureWorker([get_queue(INGEST, redis_client)], connection=redis_client)
        worker.run_maintenance_tasks()  # Redis still away: nothing lost
        ingest.run_jobs()
        assert ingest.stored_keys(prefix)

        monkeypatch.undo()
        worker.run_maintenance_tasks()
        ingest.run_jobs()
        assert ingest.stored_keys(prefix) == []
        done = ingest.client.get(f"/api/v1/jobs/{job['id']}", headers=tenant.headers).json
        assert done["status"] == "succeeded" and done["error"] is None

    def test_failed_import_should_leave_no_package_and_no_published_files(self, ingest, tenant):
        job = ingest.import_file(tenant, CORPUS / "scorm12" / "invalid_moodle_singlescobasic_missingorg.zip")
        assert job["status"] == "failed" and job["error"]["code"] == "MANIFEST_INVALID"
        assert ingest.client.get("/api/v1/packages", headers=tenant.headers).json["count"] == 0
        assert ingest.stored_keys(f"tenants/{tenant.tenant_id}/packages/") == []

    @pytest.mark.parametrize(("name", "code", "stage"), [
        ("invalid_catapult_lts_209-1-not-a-zip.zip", "NOT_A_ZIP", "validate"),
        ("invalid_moodle_singlescobasic_missingorg.zip", "MANIFEST_INVALID", "manifest"),
    ])
    def test_failed_import_should_name_the_stage_that_failed(self, ingest, tenant, name, code, stage):
        folder = "cmi5" if "catapult" in name else "scorm12"
        job = ingest.import_file(tenant, CORPUS / folder / name)
        assert (job["status"], job["error"]["code"], job["stage"]) == ("failed", code, stage)


def test_presigned_put_is_plain_http(ingest, tenant):
    """The Quick Start's PUT: no SDK, only the URL and the required headers."""
    data = GOLF.read_bytes()
    ticket = ingest.mint(tenant, "course.zip", len(data)).json
    response = requests.put(ticket["presigned_url"], data=io.BytesIO(data), headers=ticket["required_put_headers"],
                            timeout=30)  # fmt: skip
    assert response.ok
