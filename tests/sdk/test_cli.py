"""The `allure-connect` command against the live service: the exact forms scripts rely on, and exit codes."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.platform import LiveStack, TenantKey

pytestmark = pytest.mark.xdist_group("sdk")
CLI = str(Path(sys.executable).parent / "allure-connect")


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=180)


@pytest.fixture
def cli_env(sdk_stack: LiveStack, tenant_key: TenantKey) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLURE_")}
    return {**env, "ALLURE_BASE_URL": sdk_stack.base_url, "ALLURE_API_KEY": tenant_key.key,
            "ALLURE_TENANT_ID": tenant_key.tenant_id, "COLUMNS": "200"}  # fmt: skip


def test_upload_list_launch_and_report_in_the_documented_forms(cli_env: dict[str, str], golf: Path):
    uploaded = run(cli_env, "packages", "upload", str(golf), "--json")
    assert uploaded.returncode == 0, uploaded.stderr
    package = json.loads(uploaded.stdout)
    assert package["id"] and package["title"]

    listed = run(cli_env, "packages", "list", "--json")
    assert listed.returncode == 0 and [p["id"] for p in json.loads(listed.stdout)] == [package["id"]]

    launched = run(cli_env, "sessions", "launch", package["id"], "--user-id", "u-1", "--user-name", "Ada", "--json")
    assert launched.returncode == 0, launched.stderr
    answer = json.loads(launched.stdout)
    assert set(answer) == {"session", "launch_url"}
    assert answer["session"]["user_id"] == "u-1" and answer["session"]["user_name"] == "Ada"
    assert answer["launch_url"].startswith("http")

    report = run(cli_env, "report", package["id"])
    assert report.returncode == 0, report.stderr
    rows = list(csv.DictReader(io.StringIO(report.stdout)))
    assert "user_id" in report.stdout.splitlines()[0].split(",")
    assert [(r["user_id"], r["user_name"], r["completion_status"]) for r in rows] == [("u-1", "Ada", "not_attempted")]

    shown = run(cli_env, "sessions", "show", answer["session"]["id"], "--json")
    assert shown.returncode == 0 and json.loads(shown.stdout)["id"] == answer["session"]["id"]
    assert len(json.loads(run(cli_env, "sessions", "list", "--json").stdout)) == 1

    deleted = run(cli_env, "packages", "delete", package["id"], "--json")
    assert deleted.returncode == 0 and json.loads(deleted.stdout)["success"] is True


def test_upload_without_json_shows_the_progress_bars_and_the_package(cli_env: dict[str, str], golf: Path):
    uploaded = run(cli_env, "packages", "upload", str(golf))
    assert uploaded.returncode == 0, uploaded.stderr
    assert f"Uploading {golf.name}" in uploaded.stderr and "Importing" in uploaded.stderr
    assert "succeeded" in uploaded.stderr
    assert "title" in uploaded.stdout


def test_exit_codes_tell_client_errors_from_server_errors(cli_env: dict[str, str]):
    missing = run(cli_env, "packages", "show", "no-such-package", "--json")
    assert missing.returncode == 2
    assert "PACKAGE_NOT_FOUND" in missing.stderr and "request_id" in missing.stderr
    assert run(cli_env, "report", "no-such-package").returncode == 2
    assert run(cli_env, "sessions", "launch", "p").returncode == 2  # --user-id is required: usage error
    assert run({**cli_env, "ALLURE_API_KEY": "ak_wrong"}, "packages", "list", "--json").returncode == 2
    unreachable = run({**cli_env, "ALLURE_BASE_URL": "http://127.0.0.1:9"}, "packages", "list", "--json")
    assert unreachable.returncode == 3 and "ConnectError" in unreachable.stderr
    assert run(cli_env, "packages", "list", "--json").returncode == 0


def test_a_package_the_import_refuses_exits_as_a_client_error(cli_env: dict[str, str], tmp_path: Path):
    not_scorm = tmp_path / "not-scorm.zip"
    not_scorm.write_bytes(b"PK\x05\x06" + b"\0" * 18)  # an empty ZIP: no imsmanifest.xml
    refused = run(cli_env, "packages", "upload", str(not_scorm), "--json")
    assert refused.returncode == 2 and "failed" in refused.stderr
    assert refused.stdout == ""


def test_with_only_the_base_url_and_key_the_cli_uploads_for_the_keys_tenant(cli_env: dict[str, str], golf: Path,
                                                                           tenant_key: TenantKey):  # fmt: skip
    env = {k: v for k, v in cli_env.items() if k != "ALLURE_TENANT_ID"}
    uploaded = run(env, "packages", "upload", str(golf), "--json")
    assert uploaded.returncode == 0, uploaded.stderr
    assert json.loads(uploaded.stdout)["tenant_id"] == tenant_key.tenant_id
