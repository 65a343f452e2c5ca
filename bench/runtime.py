"""Runtime benchmark: commits and content under 200 concurrent learners, each next to a baseline of the same run.

Against gunicorn with the production configuration (`config/gunicorn.py`) and
an RQ worker, it imports the golf SCORM 1.2 package through the API, opens and
launches one session per simulated learner, delivers their SCO, then measures:
  - commits: each learner POSTs scorm-again's JSON commit (full 1.2 CMI, 2 KB of
    suspend_data, interactions) with a rising commitSequence, as fast as the
    server answers; next to `POST /player/ping`, a no-op JSON endpoint of the
    same server taking the same body (the ceiling). Targets: >= 50% of the
    ceiling's throughput, p99 < 100 ms.
  - content: GET of one package file through `/content/t/{token}/...` (from
    storage) next to the same file from a plain static file server (Python's
    threading `http.server`, HTTP/1.1 keep-alive) on the same machine. Target:
    >= 40% of the static throughput.
The load generator is asyncio with one keep-alive connection per learner. Every phase
runs on freshly reloaded gunicorn workers (SIGHUP: a phase never straddles the
max_requests recycling of config/gunicorn.py) and starts with a 3-second ramp-up that
is not measured (200 connections opening at once and each learner's first commit in a
process are not the steady state).

Needs Postgres (127.0.0.1:5432, trust) and Redis (127.0.0.1:6379); storage is the
test run's `weed mini` on 127.0.0.1:18333 when it answers, else one started here.
Usage: `.venv/bin/python -m bench.runtime [--learners 200] [--seconds 15] [--pace 1] [--content-clients 50]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

from bench.stack import BENCH_DIR, BenchServices, bench_services, prepare
from config.settings import PROJECT_ROOT, Settings, load_settings
from tests.fixtures.corpus import CORPUS

PACKAGE = CORPUS / "scorm12" / "golf_RuntimeBasicCalls_SCORM12.zip"
CONTENT_FILE = "Playing/playing.jpg"
COMMIT_RATIO_TARGET, P99_TARGET_MS, CONTENT_RATIO_TARGET = 0.5, 100.0, 0.4
RAMP_UP = 3.0  # seconds of every run that are not measured (connections opening, first requests)


def environment(port: int, services: BenchServices) -> dict[str, str]:
    return {
        **services.environment(),
        "SECRET_KEY": "bench-secret-for-the-runtime-benchmark",
        "PORT": str(port),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "AC_LOG_LEVEL": "WARNING",
        # Setting up 200 sessions is 600 writes from one key: the API's per-key limit is not under test.
        "AC_RATE_LIMIT_WRITE": "1000000",
        "AC_RATE_LIMIT_READ": "1000000",
    }


def tenant_key(settings: Settings) -> str:
    from models.db import make_engine, session_factory
    from models.tenants import create_api_key, create_tenant

    with session_factory(make_engine(settings.sqlalchemy_url)).begin() as session:
        tenant = create_tenant(session, "bench", 1000, 50 * 1024**3)
        _key, secret = create_api_key(session, tenant.id, ["read", "write", "admin"])
        return f"{tenant.id} {secret}"


def start_services(env: dict[str, str]) -> list[subprocess.Popen[bytes]]:
    logs = BENCH_DIR / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    full = dict(os.environ, **env)
    bin_dir = Path(sys.executable).parent
    web = subprocess.Popen([str(bin_dir / "gunicorn"), "-c", "config/gunicorn.py", "web.wsgi:app"], cwd=PROJECT_ROOT,
                           env=full, stdout=open(logs / "runtime-web.log", "wb"), stderr=subprocess.STDOUT)  # fmt: skip
    worker = subprocess.Popen([sys.executable, "-m", "workers"], cwd=PROJECT_ROOT, env=full,
                              stdout=open(logs / "runtime-worker.log", "wb"), stderr=subprocess.STDOUT)  # fmt: skip
    return [web, worker]


def wait_healthy(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/api/health", timeout=10).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.3)
    raise SystemExit(f"the server did not become healthy; see {BENCH_DIR / 'logs'}")


@dataclass
class Learner:
    commit_path: str
    content_path: str
    host: str  # the Host of the tenant's content origin, where the player and content answer


def set_up_learners(base: str, tenant_id: str, key: str, count: int) -> list[Learner]:
    """Import the package, then open, launch and deliver one session per learner (as browsers would)."""
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {key}"
    with PACKAGE.open("rb") as stream:
        accepted = api.post(base + "/api/v1/packages/upload", files={"file": (PACKAGE.name, stream)},
                            data={"tenant_id": tenant_id, "uploaded_by": "bench"}, timeout=60).json()  # fmt: skip
    job: dict = {}
    for _ in range(300):
        job = api.get(f"{base}/api/v1/jobs/{accepted['job_id']}", timeout=10).json()
        if job["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.3)
    if job.get("status") != "succeeded":
        raise SystemExit(f"import failed: {job}")
    package_id = job["result"]["package_id"]
    learners = []
    for index in range(count):
        opened = api.post(base + "/api/v1/sessions", json={"package_id": package_id, "user_id": f"bench-{index}"},
                          timeout=10).json()  # fmt: skip
        # The launch link is on the tenant's content origin (t-{tenant}.localhost), which `requests` may not
        # resolve: talk to the server's address with that Host, as a browser resolving it to loopback would.
        launch = urlsplit(opened["launch_url"])
        browser = requests.Session()
        browser.headers["Host"] = launch.netloc
        page_path = browser.get(base + launch.path, allow_redirects=False, timeout=10).headers["Location"]
        page = browser.get(base + page_path, timeout=10).text
        config = json.loads(re.search(r'id="player-config">(.*?)</script>', page, re.S).group(1))
        delivery = browser.post(base + config["runtime"]["deliver"], json={"item": config["resume"]}, timeout=10)
        learners.append(Learner(delivery.json()["commit_url"], config["content"] + CONTENT_FILE, launch.netloc))
    return learners


def commit_body(sequence: int) -> bytes:
    """A scorm-again 1.2 JSON commit (dataCommitFormat "json", sendFullCommit) of a learner mid-course."""
    interactions = {
        str(i): {"id": f"q{i}", "time": "10:00:00", "type": "choice", "weighting": "1", "student_response": "b",
                 "result": "correct" if i % 2 else "wrong", "latency": "0000:00:12", "objectives": {"0": {"id": "o1"}},
                 "correct_responses": {"0": {"pattern": "b"}}}
        for i in range(4)
    }  # fmt: skip
    cmi = {
        "suspend_data": ("viewed=1,2,3,4,5|answers=" + "abcd" * 480)[:2048], "launch_data": "", "comments": "",
        "comments_from_lms": "",
        "core": {"student_id": "bench", "student_name": "Bench, Learner", "lesson_location": str(sequence % 15),
                 "credit": "credit", "lesson_status": "incomplete", "entry": "ab-initio", "lesson_mode": "normal",
                 "exit": "", "session_time": f"0000:{sequence // 60 % 60:02d}:{sequence % 60:02d}",
                 "score": {"raw": "75", "min": "0", "max": "100"}},
        "objectives": {"0": {"id": "o1", "status": "passed", "score": {"raw": "75", "min": "0", "max": "100"}}},
        "student_data": {"mastery_score": "", "max_time_allowed": "", "time_limit_action": ""},
        "student_preference": {"audio": "", "language": "", "speed": "", "text": ""},
        "interactions": interactions,
    }  # fmt: skip
    return json.dumps({"cmi": cmi, "commitSequence": sequence}).encode()


# ---- the load generator ---------------------------------------------------------------------------


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, method: str, path: str,
                   body: bytes | None, host: str) -> int:  # fmt: skip
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: keep-alive\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    writer.write(head.encode() + b"\r\n" + (body or b""))
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionResetError("the server closed the connection")
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    await reader.readexactly(length)
    return status


@dataclass
class _Window:
    """What one load run records: requests answered between `measured_from` and `deadline`."""

    measured_from: float
    deadline: float
    latencies: list[float]
    errors: list[int]


async def _client(host: str, port: int, make: object, window: _Window, pace: float | None,
                  host_header: str) -> None:  # fmt: skip
    reader, writer = await asyncio.open_connection(host, port)
    sequence = 0
    # Paced learners start spread over one period, then send once per period.
    next_at = time.monotonic() + (random.random() * pace if pace else 0.0)
    try:
        while time.monotonic() < window.deadline:
            if pace:
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
                next_at += pace
            sequence += 1
            method, path, body = make(sequence)  # type: ignore[operator]
            started = time.perf_counter()
            try:
                status = await _request(reader, writer, method, path, body, host_header)
            except (ConnectionError, asyncio.IncompleteReadError):
                # gunicorn recycles workers (max_requests) and closes idle connections: reconnect, resend.
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                status = await _request(reader, writer, method, path, body, host_header)
            if window.measured_from <= time.monotonic() <= window.deadline:
                window.latencies.append(time.perf_counter() - started)
                if status >= 400:
                    window.errors.append(status)
    finally:
        writer.close()


@dataclass
class Result:
    label: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def run_load(label: str, base: str, makers: list[object], seconds: float, pace: float | None = None,
             ramp_up: float = 0.0, host: str = "bench") -> Result:  # fmt: skip
    """Each maker drives one keep-alive connection: back to back, or once per `pace` seconds.

    The first `ramp_up` seconds (connections opening, each learner's first commit in a
    process) are run but not measured.
    """
    url = urlsplit(base)

    async def main() -> _Window:
        started = time.monotonic()
        window = _Window(started + ramp_up, started + ramp_up + seconds, [], [])
        await asyncio.gather(*(_client(url.hostname, url.port, make, window, pace, host) for make in makers))
        return window

    window = asyncio.run(main())
    ordered = sorted(window.latencies) or [0.0]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return Result(label, len(window.latencies), seconds, statistics.median(ordered) * 1000, p99 * 1000,
                  len(window.errors))  # fmt: skip


def static_server(root: Path) -> tuple[subprocess.Popen[bytes], int]:
    """A plain static file server (stdlib, threading, HTTP/1.1 keep-alive) on a free port."""
    code = (
        "import functools, http.server, sys\n"
        "class H(http.server.SimpleHTTPRequestHandler):\n"
        "    protocol_version = 'HTTP/1.1'\n"
        "    def log_message(self, *a): pass\n"
        "server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(H, directory=sys.argv[1]))\n"
        "print(server.server_address[1], flush=True)\n"
        "server.serve_forever()\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(root)], stdout=subprocess.PIPE)
    port = int(proc.stdout.readline())  # type: ignore[union-attr]
    return proc, port


def _line(row: Result) -> str:
    return f"{row.label:<40}{row.requests:>9}{row.rps:>9.0f}{row.p50_ms:>9.1f}{row.p99_ms:>9.1f}{row.errors:>7}"


def report(commit: tuple[Result, Result, Result], content: tuple[Result, Result]) -> bool:
    """Print the figures and the verdict against the targets; True when all are met."""
    result, ceiling, paced = commit
    app, plain = content
    print(f"\n{'measure':<40}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>7}")
    for row in (ceiling, result, paced, plain, app):
        print(_line(row))
    commit_ratio = result.rps / ceiling.rps if ceiling.rps else 0.0
    content_ratio = app.rps / plain.rps if plain.rps else 0.0
    checks = [
        (f"commit throughput / no-op ceiling = {commit_ratio:.2f} (target >= {COMMIT_RATIO_TARGET})",
         commit_ratio >= COMMIT_RATIO_TARGET and result.errors == 0),
        (f"commit p99 of paced learners = {paced.p99_ms:.1f} ms (target < {P99_TARGET_MS:.0f})",
         paced.p99_ms < P99_TARGET_MS and paced.errors == 0),
        (f"content throughput / static server = {content_ratio:.2f} (target >= {CONTENT_RATIO_TARGET})",
         content_ratio >= CONTENT_RATIO_TARGET and app.errors == 0),
    ]  # fmt: skip
    print()
    for text, passed in checks:
        print(f"{'PASS' if passed else 'FAIL'}  {text}")
    return all(passed for _, passed in checks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--pace", type=float, default=1.0, help="seconds between a paced learner's commits")
    parser.add_argument("--content-clients", type=int, default=50)
    args = parser.parse_args()
    with bench_services("runtime") as services:
        ok = run(args, services)
    sys.exit(0 if ok else 1)


def run(args: argparse.Namespace, services: BenchServices) -> bool:
    port = _free_port()
    env = environment(port, services)
    os.environ.update(env)
    settings = load_settings()
    prepare(settings, services.database)
    tenant_id, key = tenant_key(settings).split(" ")
    processes = start_services(env)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base)
        print(f"gunicorn (config/gunicorn.py) on {base}; setting up {args.learners} learners ...", flush=True)
        learners = set_up_learners(base, tenant_id, key, args.learners)
        commit = measure_commits(base, learners, args, processes[0])
        content = measure_content(base, learners, args, processes)
        return report(commit, content)
    finally:
        for proc in processes:
            proc.terminate()
        for proc in processes:
            proc.wait(30)


def fresh_workers(web: subprocess.Popen[bytes], base: str) -> None:
    """Reload gunicorn's workers (SIGHUP) so a phase never straddles their max_requests recycling."""
    web.send_signal(signal.SIGHUP)
    time.sleep(3)
    wait_healthy(base)


def measure_commits(base: str, learners: list[Learner], args: argparse.Namespace,
                    web: subprocess.Popen[bytes]) -> tuple[Result, Result, Result]:  # fmt: skip
    """(commits back to back, the no-op ceiling, commits at the learners' pace)."""
    body = commit_body(1)
    noop = [lambda _seq, b=body: ("POST", "/player/ping", b) for _ in learners]
    # Each phase continues a learner's commit sequence, as its runtime would.
    sequences = [0] * len(learners)

    def committer(index: int) -> object:
        def make(_seq: int) -> tuple[str, str, bytes]:
            sequences[index] += 1
            return "POST", learners[index].commit_path, commit_body(sequences[index])

        return make

    # Each phase on freshly started workers: gunicorn recycles a worker after ~5,000 requests
    # (max_requests), and a phase straddling that would measure worker boots, not the endpoint.
    host = learners[0].host
    fresh_workers(web, base)
    paced = run_load(f"commits, {len(learners)} learners every {args.pace:g} s", base,
                     [committer(i) for i in range(len(learners))], args.seconds, args.pace, RAMP_UP, host)  # fmt: skip
    fresh_workers(web, base)
    ceiling = run_load(f"no-op JSON endpoint, {len(learners)} clients", base, noop, args.seconds, None, RAMP_UP, host)
    fresh_workers(web, base)
    result = run_load(f"commits, {len(learners)} learners back to back", base,
                      [committer(i) for i in range(len(learners))], args.seconds, None, RAMP_UP, host)  # fmt: skip
    return result, ceiling, paced


def measure_content(base: str, learners: list[Learner], args: argparse.Namespace,
                    processes: list[subprocess.Popen[bytes]]) -> tuple[Result, Result]:  # fmt: skip
    """(the content route, the plain static server): same file, same number of clients."""
    root = Path(tempfile.mkdtemp(dir=BENCH_DIR))
    with zipfile.ZipFile(PACKAGE) as archive:
        archive.extract(CONTENT_FILE, root)
    static, static_port = static_server(root)
    processes.append(static)
    clients = learners[: args.content_clients]
    fetch = [lambda _s, lr=lr: ("GET", lr.content_path, None) for lr in clients]
    fresh_workers(processes[0], base)
    app = run_load(f"content route, {len(clients)} clients", base, fetch, args.seconds, None, RAMP_UP, clients[0].host)
    plain = run_load(f"static file server, {len(clients)} clients", f"http://127.0.0.1:{static_port}",
                     [lambda _s: ("GET", "/" + CONTENT_FILE, None) for _ in clients], args.seconds, None,
                     RAMP_UP)  # fmt: skip
    return app, plain


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    main()
