"""A test run stops every process it started and removes what it created, even when tests fail or time out."""

from __future__ import annotations

import os
import subprocess
import sys

import psutil
import psycopg2
import pytest
from redis import Redis

from config.settings import PROJECT_ROOT
from tests.fixtures.redis_claims import CLAIM_KEY
from tests.fixtures.services import PG_ADMIN_DSN, TEST_DATA, TEST_REDIS

NESTED = '''
import subprocess
import sys
import time


def test_fails_with_a_live_stack_and_a_stray_process_running(live_stack):
    # Started by the test itself, in its own session and not tied to it: only the run's clean-up stops it.
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
    raise AssertionError("fails on purpose")


def test_times_out_with_a_live_stack_running(live_stack):
    time.sleep(600)
'''

pytestmark = pytest.mark.slow


def _processes_of_run(name: str) -> list[str]:
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get("TEST_RUN_NAME") == name and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(" ".join(proc.cmdline()[:3]))
        except psutil.Error:
            continue
    return found


def test_a_failing_and_timed_out_test_run_should_leave_no_process_database_or_folder_behind(tmp_path):
    (tmp_path / "test_nested.py").write_text(NESTED)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    name = f"nested{os.getpid()}"
    env = dict(os.environ, TEST_RUN_NAME=name)
    env.pop("TEST_S3_ENDPOINT", None)  # the nested run starts and stops storage of its own
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.conftest", "-p", "no:cacheprovider", "-n", "2",
         "--timeout", "25", "-c", str(tmp_path / "pytest.ini"), "--rootdir", str(tmp_path),
         str(tmp_path / "test_nested.py")],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert "2 failed" in result.stdout, result.stdout[-3000:] + result.stderr[-2000:]
    assert "Timeout" in result.stdout
    assert _processes_of_run(name) == []
    assert not (TEST_DATA / f"run-{name}").exists()
    conn = psycopg2.connect(PG_ADMIN_DSN)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (f"allure_test_{name}%",))
            assert cur.fetchall() == []
    finally:
        conn.close()
    claims = Redis.from_url(TEST_REDIS + "/0").mget([CLAIM_KEY.format(db) for db in range(1, 16)])
    assert not [claim for claim in claims if claim and claim.decode().startswith(name + ":")]
