"""The rest of the routes through the SDK: multipart upload, jobs, session updates, keys, LRS credentials."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from allure_connect import Client, Forbidden, Unauthorized

from tests.fixtures.platform import LiveStack, TenantKey

pytestmark = pytest.mark.xdist_group("sdk")
CLI = str(Path(sys.executable).parent / "allure-connect")


def test_multipart_upload_job_listing_and_cli_jobs_watch(
    sdk: Client, golf: Path, sdk_stack: LiveStack, tenant_key: TenantKey
):
    accepted = sdk.upload_form(golf)
    env = {**os.environ, "ALLURE_BASE_URL": sdk_stack.base_url, "ALLURE_API_KEY": tenant_key.key}
    watched = subprocess.run([CLI, "jobs", "watch", accepted.job_id, "--json"], env=env, capture_output=True,
                             text=True, timeout=180)  # fmt: skip
    assert watched.returncode == 0, watched.stderr
    job = json.loads(watched.stdout)
    assert job["id"] == accepted.job_id and job["status"] == "succeeded" and job["result"]["package_id"]
    assert [j.id for j in sdk.iter_jobs(limit=1)] == [accepted.job_id]


def test_session_update_is_read_back_in_the_report_fields(sdk: Client, golf: Path):
    package = sdk.upload_package(golf)
    session = sdk.launch(package.id, "learner-9").session
    updated = sdk.update_session(session.id, completion_status="completed", success_status="passed",
                                 score={"scaled": 0.9, "raw": 90, "min": 0, "max": 100})  # fmt: skip
    assert updated.success is True
    [listed] = sdk.iter_sessions(package_id=package.id)
    assert (listed.completion_status, listed.success_status, listed.score.raw) == ("completed", "passed", 90)


def test_api_keys_are_created_scoped_and_revoked(sdk: Client, sdk_stack: LiveStack):
    created = sdk.create_api_key(["read"])
    with Client(sdk_stack.base_url, created.key) as reader:
        assert reader.list_packages().count == 0
        with pytest.raises(Forbidden) as caught:
            reader.launch("any", "learner")
        assert caught.value.status == 403 and caught.value.request_id
        assert sdk.revoke_api_key(created.id).revoked_at is not None
        with pytest.raises(Unauthorized):
            reader.list_packages()
    assert created.id in {key.id for key in sdk.list_api_keys(limit=100).api_keys}


def test_lrs_credentials_and_xapi_analytics(sdk: Client):
    credential = sdk.create_lrs_credential(name="partner LRS")
    assert credential.secret and credential.endpoint
    assert [c.id for c in sdk.list_lrs_credentials().credentials] == [credential.id]
    assert sdk.delete_lrs_credential(credential.id).revoked_at is not None
    assert sdk.xapi_actors().pagination.total == 0
    assert sdk.xapi_activities().pagination.total == 0
