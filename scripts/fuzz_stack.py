"""A private live stack for fuzzing the API (schemathesis): own Postgres database, Redis DB and storage.

    .venv/bin/python scripts/fuzz_stack.py --seed-config /tmp/st.toml -- /tmp/st-venv/bin/st \\
        --config-file /tmp/st.toml run {base}/api/docs/openapi -H "Authorization: Bearer {key}" \\
        --checks not_a_server_error -n 300 -w 2 --generation-allow-x00 true

starts `weed mini`, gunicorn, a worker and a tenant with an admin key; with `--seed-config` it
imports a package, opens a session, makes a dispatch, a statement and an LRS credential and writes
a schemathesis config that uses their ids as path parameters; it runs the command after `--` with
`{base}` and `{key}` filled in, then stops everything and drops the database, whatever happened.
Without a command it prints the address and key and serves until interrupted. Rate and key
limits are raised so the fuzzer explores instead of being refused.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.embedded import start_weed  # noqa: E402
from config.processes import free_ports, spawn, stop  # noqa: E402
from models.databases import drop_database, recreate_database  # noqa: E402
from tests.fixtures.redis_claims import claim_redis_db, release_redis_db  # noqa: E402

PG_ADMIN_DSN = os.environ.get("TEST_PG_ADMIN_DSN", "dbname=postgres user=postgres host=127.0.0.1")
REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
SEED_PACKAGE = ROOT / "tests" / "corpus" / "scorm12" / "golf_ContentPackagingOneFilePerSCO_SCORM12.zip"
FINISHED = {"succeeded", "failed"}
GENEROUS = {"AC_RATE_LIMIT_READ": "10000000", "AC_RATE_LIMIT_WRITE": "10000000", "AC_RATE_LIMIT_UPLOAD": "10000000",
            "AC_MAX_KEYS_PER_TENANT": "1000000", "AC_MAX_KEYS_CREATED_PER_HOUR": "1000000"}


@contextmanager
def private_services(folder: Path) -> Iterator[dict[str, str]]:
    owner = f"fuzz:{os.getpid()}:{os.getpid()}"
    database = f"allure_fuzz_{os.getpid()}"
    redis_db = claim_redis_db(REDIS, owner)
    weed = start_weed(folder / "weed", "fuzz", "fuzz-secret")
    try:
        recreate_database(database, PG_ADMIN_DSN)
        yield {**GENEROUS, "AC_DATA_DIR": str(folder / "data"), "REDIS_URL": f"{REDIS}/{redis_db}",
               "DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{database}", "S3_ENDPOINT": weed.endpoint,
               "S3_ACCESS_KEY": "fuzz", "S3_SECRET_KEY": "fuzz-secret", "S3_BUCKET": "allure-fuzz",
               "SECRET_KEY": "fuzz-secret-key"}
    finally:
        weed.stop()
        drop_database(database, PG_ADMIN_DSN)
        release_redis_db(REDIS, redis_db, owner)


def _flask(env: dict[str, str], *args: str) -> str:
    command = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "web", *args]
    return subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True, text=True).stdout


def prepared(env: dict[str, str]) -> tuple[str, str]:
    """Migrate, create the bucket, a tenant and an admin key; returns the key and the tenant id."""
    _flask(env, "db", "upgrade")
    _flask(env, "storage", "init")
    tenant = json.loads(_flask(env, "tenants", "create", "Fuzz", "--json"))
    key = json.loads(_flask(env, "keys", "create", "--tenant", tenant["id"], "--scopes", "read,write,admin", "--json"))
    return key["key"], tenant["id"]


@contextmanager
def gunicorn(env: dict[str, str], log: Path) -> Iterator[str]:
    port = free_ports(1)[0]
    base = f"http://127.0.0.1:{port}"
    env = {**env, "PORT": str(port), "PUBLIC_BASE_URL": base, "WEB_CONCURRENCY": "2"}
    proc = spawn([str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "config/gunicorn.py", "--bind",
                  f"127.0.0.1:{port}", "web.wsgi:app"], log=log, env=env, cwd=ROOT)
    # A worker too, so imports, dispatch ZIPs and rollups the fuzzer (or its seed data) starts run.
    worker = spawn([sys.executable, "-m", "workers"], log=log.with_name("worker.log"), env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not _healthy(base):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"gunicorn did not become healthy; see {log}")
            time.sleep(0.3)
        yield base
    finally:
        stop(worker)
        stop(proc)


def _healthy(base: str) -> bool:
    try:
        return requests.get(base + "/api/health", timeout=10).status_code == 200
    except requests.ConnectionError:
        return False


def seeded(base: str, key: str, tenant: str) -> dict[str, str]:
    """A package (imported by the worker), a session, a dispatch, a statement and an LRS credential."""
    auth = {"Authorization": f"Bearer {key}"}
    with open(SEED_PACKAGE, "rb") as archive:
        job = requests.post(base + "/api/v1/packages/upload", headers=auth, timeout=60,
                            files={"file": (SEED_PACKAGE.name, archive, "application/zip")},
                            data={"tenant_id": tenant, "uploaded_by": "fuzz"}).json()
    deadline = time.monotonic() + 120
    while (done := requests.get(job["status_url"], headers=auth, timeout=30).json())["status"] not in FINISHED:
        if time.monotonic() > deadline:
            raise RuntimeError("the seed package was not imported in time")
        time.sleep(1)
    package_id = done["result"]["package_id"]

    def post(path: str, body: dict[str, object]) -> object:
        return requests.post(base + path, headers=auth, json=body, timeout=30).json()

    session = post("/api/v1/sessions", {"package_id": package_id, "user_id": "fuzz", "user_name": "Fuzz"})
    dispatch = post("/api/v1/dispatches", {"package_id": package_id, "dispatch_name": "fuzz"})
    statement = post("/api/v1/xapi/statements", {"actor": {"mbox": "mailto:fuzz@example.com"},
                                                 "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
                                                 "object": {"id": "http://example.com/fuzz"}})
    credential = post("/api/v1/xapi/credentials", {"name": "fuzz"})
    return {"package_id": package_id, "job_id": job["job_id"], "session_id": session["session"]["id"],  # type: ignore[index]
            "dispatch_id": dispatch["dispatch"]["id"], "statement_id": statement,  # type: ignore[index]
            "credential_id": credential["id"]}  # type: ignore[index]


def schemathesis_config(ids: dict[str, str]) -> str:
    """Path parameters drawn from the seed data more often than not, so operations get past 404."""
    lines = ["[dictionaries]", *(f'{name} = {{ values = ["{value}"] }}' for name, value in ids.items()),
             "", "[parameters]"]
    lines += [f'"path.{name}" = {{ dictionary = "{name}", probability = 0.6 }}' for name in ids]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    command = argv[argv.index("--") + 1:] if "--" in argv else []
    config = Path(argv[argv.index("--seed-config") + 1]) if "--seed-config" in argv else None
    with tempfile.TemporaryDirectory(prefix="allure-fuzz-") as tmp:
        folder = Path(tmp)
        with private_services(folder) as services:
            env = {**os.environ, **services}
            key, tenant = prepared(env)
            log = Path(os.environ.get("FUZZ_WEB_LOG", folder / "web.log"))
            with gunicorn(env, log) as base:
                if config is not None:
                    config.write_text(schemathesis_config(seeded(base, key, tenant)))
                if not command:
                    print(json.dumps({"base": base, "key": key, "tenant": tenant, "log": str(log)}), flush=True)
                    while True:
                        time.sleep(3600)
                filled = [part.replace("{base}", base).replace("{key}", key) for part in command]
                return subprocess.run(filled).returncode


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwinds the stack: everything stops, the database goes
    sys.exit(main(sys.argv[1:]))
