"""The SDK against the live service: upload with progress, jobs, launch, pages, typed errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from allure_connect import Client, ConfigurationError, NotFound, Unauthorized, models

from tests.fixtures.platform import LiveStack, TenantKey

pytestmark = pytest.mark.xdist_group("sdk")


def test_upload_package_reports_bytes_and_stages_and_returns_the_ready_package(sdk: Client, golf: Path):
    sent: list[tuple[int, int]] = []
    jobs: list[models.Job] = []
    package = sdk.upload_package(golf, progress=lambda done, total: sent.append((done, total)), on_job=jobs.append)
    size = golf.stat().st_size
    assert sent[0] == (0, size) and sent[-1] == (size, size)
    assert [done for done, _ in sent] == sorted(done for done, _ in sent)
    assert jobs[-1].status == "succeeded" and jobs[-1].progress == 100
    assert isinstance(package, models.PackageDetail) and package.title
    assert [p.id for p in sdk.iter_packages()] == [package.id]
    assert sdk.get_package(package.id).id == package.id


def test_wait_for_job_returns_the_finished_job_with_its_result(sdk: Client, golf: Path):
    ticket = sdk.create_upload_url(golf.name, golf.stat().st_size)
    sdk.put_to_storage(ticket, golf)
    accepted = sdk.process_upload(ticket.storage_path, golf.name)
    job = sdk.wait_for_job(accepted.job_id)
    assert job.status == "succeeded" and job.result and job.result["package_id"]
    assert job.finished_at is not None


def test_launch_and_listing_across_pages(sdk: Client, golf: Path):
    package = sdk.upload_package(golf)
    launched = [sdk.launch(package.id, f"learner-{n}", user_name=f"Learner {n}") for n in range(5)]
    assert all(item.launch_url.startswith("http") for item in launched)
    assert launched[0].session.user_name == "Learner 0"
    first = sdk.list_sessions(limit=2)
    assert len(first.sessions) == 2 and first.pagination.total_pages == 3
    listed = list(sdk.iter_sessions(limit=2, package_id=package.id))
    assert sorted(s.id for s in listed) == sorted(item.session.id for item in launched)
    assert sdk.get_session(launched[0].session.id).user_id == "learner-0"


def test_errors_are_typed_with_code_details_and_request_id(sdk: Client):
    with pytest.raises(NotFound) as caught:
        sdk.get_package("no-such-package")
    assert caught.value.status == 404
    assert caught.value.code == "PACKAGE_NOT_FOUND"
    assert caught.value.request_id
    with pytest.raises(NotFound) as session_missing:
        sdk.launch("no-such-package", "learner")
    assert session_missing.value.code == "PACKAGE_NOT_FOUND"


def test_a_bad_key_is_unauthorized_and_no_configuration_is_refused(sdk_stack: LiveStack, monkeypatch):
    with Client(sdk_stack.base_url, "ak_not_a_key") as client, pytest.raises(Unauthorized) as caught:
        client.list_packages()
    assert caught.value.code == "UNAUTHORIZED" and caught.value.request_id
    monkeypatch.delenv("ALLURE_BASE_URL", raising=False)
    monkeypatch.delenv("ALLURE_API_KEY", raising=False)
    with pytest.raises(ConfigurationError):
        Client()


def test_the_client_reads_its_configuration_from_the_environment(sdk_stack: LiveStack, tenant_key: TenantKey,
                                                                 monkeypatch):
    monkeypatch.setenv("ALLURE_BASE_URL", sdk_stack.base_url)
    monkeypatch.setenv("ALLURE_API_KEY", tenant_key.key)
    monkeypatch.delenv("ALLURE_TENANT_ID", raising=False)
    with Client() as client:
        assert client.list_packages().count == 0
        assert client.tenant_id is None  # uploads then name no tenant and the service takes the key's
