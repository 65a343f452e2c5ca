"""Dispatch ZIPs and xAPI statements through the SDK and the CLI, against the live service."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from allure_connect import BadRequest, Client

from tests.fixtures.platform import LiveStack, TenantKey
from tests.fixtures.xapi import statement

pytestmark = pytest.mark.xdist_group("sdk")
CLI = str(Path(sys.executable).parent / "allure-connect")


def cli(stack: LiveStack, tenant: TenantKey, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ALLURE_BASE_URL": stack.base_url, "ALLURE_API_KEY": tenant.key,
           "ALLURE_TENANT_ID": tenant.tenant_id}  # fmt: skip
    return subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=180)


def test_dispatch_zip_is_generated_and_downloaded_whole(
    sdk: Client, golf: Path, sdk_stack: LiveStack, tenant_key: TenantKey, tmp_path: Path
):
    package = sdk.upload_package(golf)
    created = cli(sdk_stack, tenant_key, "dispatches", "create", package.id, "--name", "Partner A", "--json")
    assert created.returncode == 0, created.stderr
    dispatch = json.loads(created.stdout)
    assert dispatch["package_id"] == package.id and dispatch["zip_ready"] is False

    target = tmp_path / "dispatch.zip"
    downloaded = cli(sdk_stack, tenant_key, "dispatches", "zip", dispatch["id"], "--output", str(target), "--json")
    assert downloaded.returncode == 0, downloaded.stderr
    assert json.loads(downloaded.stdout)["bytes"] == target.stat().st_size
    with zipfile.ZipFile(target) as archive:
        assert "imsmanifest.xml" in archive.namelist()
    assert not (tmp_path / "dispatch.zip.part").exists()
    assert sdk.get_dispatch(dispatch["id"]).zip_ready is True


def test_statements_are_posted_in_batches_and_queried_across_pages(sdk: Client):
    batch = [statement(actor=f"learner{n}@example.com") for n in range(5)]
    ids = sdk.post_statements(batch, batch_size=2)
    assert len(ids) == 5 and len(set(ids)) == 5
    assert sorted(s["id"] for s in sdk.iter_statements(limit=2)) == sorted(ids)
    assert sdk.get_statement(ids[0])["id"] == ids[0]
    with pytest.raises(BadRequest) as caught:
        sdk.post_statements([{"actor": {}, "verb": {}, "object": {}}])
    assert caught.value.code == "VALIDATION_ERROR" and caught.value.details


def test_the_cli_posts_a_statement_file_and_queries_it(
    sdk_stack: LiveStack, tenant_key: TenantKey, tmp_path: Path
):
    document = tmp_path / "statements.json"
    document.write_text(json.dumps([statement(verb="completed"), statement(verb="passed")]))
    posted = cli(sdk_stack, tenant_key, "xapi", "post", str(document), "--json")
    assert posted.returncode == 0, posted.stderr
    assert len(json.loads(posted.stdout)) == 2
    queried = cli(sdk_stack, tenant_key, "xapi", "query", "--verb", "http://adlnet.gov/expapi/verbs/completed",
                  "--json")  # fmt: skip
    assert queried.returncode == 0, queried.stderr
    assert [s["verb"]["id"] for s in json.loads(queried.stdout)] == ["http://adlnet.gov/expapi/verbs/completed"]
    not_json = tmp_path / "broken.json"
    not_json.write_text("{not json")
    assert cli(sdk_stack, tenant_key, "xapi", "post", str(not_json)).returncode == 2
