"""xAPI benchmark: statement throughput against Ralph, rollup lag and analytics p95 at 1M statements.

Phases, in one run on this machine:
  1. Throughput: the same statements, in batches of 100 from 4 clients, POSTed to our `/xapi`
     (gunicorn with config/gunicorn.py + one RQ worker) and to Ralph 5.1.0 (filesystem
     backend, one uvicorn worker, served by `bench.ralph_app`), for the ratio.
  2. Load: more statements until our store holds `--total` (1,000,000 by default), while the
     rollup lag is sampled every half second: how long ago the oldest statement the client
     got acknowledged but the rollups have not counted yet was acknowledged.
  3. Analytics: `--queries` GETs of /api/v1/xapi/analytics/actors|activities with varied
     sorts, filters and pages; p50/p95/max latency.
Targets: >= 2,000 statements/s, >= 3x Ralph, rollups <= 5 s behind, analytics p95 < 50 ms.

Ralph is installed into its own virtualenv under BENCH_DIR (never into the project):
`pip install 'ralph-malph[cli,lrs]==5.1.0'`. Needs Postgres (127.0.0.1:5432, trust) and
Redis (127.0.0.1:6379). Uses (and drops) the database `allure_bench_xapi`.
Usage: `.venv/bin/python -m bench.xapi [--total 1000000] [--compare 30000] [--queries 500]
[--skip-ralph] [--keep-db]`. Redis is a private `redis-server` on a unix socket in BENCH_DIR.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg2
import requests

from bench.xapi_load import StatementFactory, Throughput, basic, percentile, post_batches, timed_gets
from config.settings import PROJECT_ROOT
from models.databases import drop_database, recreate_database

BENCH_DIR = Path(os.environ.get("BENCH_DIR", "/tmp/allure-bench"))
# Per run, so benchmarks and test runs side by side never share a database, socket or folder.
DB_NAME = f"allure_bench_xapi_{os.getpid()}"
RALPH_SPEC = "ralph-malph[cli,lrs]==5.1.0"
PY = str(PROJECT_ROOT / ".venv" / "bin" / "python")
WARMUP = 20
TARGETS = {"statements_per_second": 2000, "ratio_to_ralph": 3.0, "rollup_lag_s": 5.0, "analytics_p95_ms": 50.0}


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(procs: list[subprocess.Popen]) -> str:
    """A private Redis on a unix socket: no other process can take the bench's jobs."""
    socket_path = BENCH_DIR / f"redis-{os.getpid()}.sock"
    socket_path.unlink(missing_ok=True)
    binary = Path(PY).parent / "redis-server"
    proc = subprocess.Popen([str(binary if binary.exists() else "redis-server"), "--port", "0", "--unixsocket",
                             str(socket_path), "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    procs.append(proc)
    for _ in range(100):
        if socket_path.exists():
            return f"unix://{socket_path}"
        time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def environment(port: int, redis_url: str) -> dict[str, str]:
    return dict(os.environ, AC_DATA_DIR=str(BENCH_DIR / f"xapi-app-{os.getpid()}"), DATABASE_URL=f"postgresql://postgres@127.0.0.1/{DB_NAME}",
                REDIS_URL=redis_url, PORT=str(port),
                PUBLIC_BASE_URL=f"http://127.0.0.1:{port}", SECRET_KEY="bench-secret", AC_LOG_LEVEL="WARNING",
                AC_RATE_LIMIT_READ="1000000", AC_RATE_LIMIT_WRITE="1000000")


def flask(env: dict[str, str], *args: str) -> dict:
    output = subprocess.run([PY, "-m", "flask", "--app", "web", *args], env=env, cwd=PROJECT_ROOT, check=True,
                            capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1]) if "--json" in args else {}


def prepare(env: dict[str, str]) -> dict[str, str]:
    """A fresh database, a tenant, an API key and LRS credentials."""
    recreate_database(DB_NAME)
    flask(env, "db", "upgrade")
    tenant = flask(env, "tenants", "create", "bench", "--json")["id"]
    api_key = flask(env, "keys", "create", "--tenant", tenant, "--scopes", "read,write,admin", "--json")["key"]
    lrs = flask(env, "lrs-credentials", "create", "--tenant", tenant, "--json")
    return {"tenant": tenant, "api_key": api_key, "lrs_key": lrs["key"], "lrs_secret": lrs["secret"]}


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{url}: the server exited ({proc.returncode})")
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer")


def start_ours(env: dict[str, str], logs: Path, procs: list[subprocess.Popen]) -> None:
    """gunicorn (the production config) and one RQ worker; registered in `procs` at once."""
    web = subprocess.Popen([str(Path(PY).parent / "gunicorn"), "-c", "config/gunicorn.py", "--bind",
                            f"127.0.0.1:{env['PORT']}", "web.wsgi:app"], cwd=PROJECT_ROOT, env=env,
                           stdout=open(logs / "web.log", "wb"), stderr=subprocess.STDOUT)
    procs.append(web)
    procs.append(subprocess.Popen([PY, "-m", "workers", "rollups"], cwd=PROJECT_ROOT, env=env,
                                  stdout=open(logs / "worker.log", "wb"), stderr=subprocess.STDOUT))
    wait_http(f"http://127.0.0.1:{env['PORT']}/xapi/about", web)


def start_ralph(logs: Path, procs: list[subprocess.Popen]) -> tuple[subprocess.Popen, str, dict[str, str]]:
    """Install (once) and serve Ralph with the FS backend in append mode."""
    venv = BENCH_DIR / "ralph-venv"
    if not (venv / "bin" / "uvicorn").exists() or not list(venv.glob("lib/python*/site-packages/requests")):
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        # Ralph 5.1.0's API imports `requests` (OIDC auth) without declaring it in [cli,lrs].
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", RALPH_SPEC, "requests"], check=True)
    data = BENCH_DIR / f"ralph-data-{os.getpid()}"
    data.mkdir(parents=True, exist_ok=True)
    password = "bench-ralph-secret"
    hashed = subprocess.run([str(venv / "bin" / "python"), "-c",
                             f"import bcrypt;print(bcrypt.hashpw(b'{password}', bcrypt.gensalt()).decode())"],
                            check=True, capture_output=True, text=True).stdout.strip()
    auth = data / "auth.json"
    auth.write_text(json.dumps([{"agent": {"mbox": "mailto:bench@example.com"}, "scopes": ["all"],
                                 "hash": hashed, "username": "bench"}]))
    port = free_port()
    env = dict(os.environ, RALPH_RUNSERVER_BACKEND="fs", RALPH_AUTH_FILE=str(auth), RALPH_APP_DIR=str(data),
               RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH=str(data))
    proc = subprocess.Popen([str(venv / "bin" / "uvicorn"), "bench.ralph_app:app", "--app-dir", str(PROJECT_ROOT),
                             "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--log-level", "warning"],
                            env=env, stdout=open(logs / "ralph.log", "wb"), stderr=subprocess.STDOUT)
    procs.append(proc)
    wait_http(f"http://127.0.0.1:{port}/__heartbeat__", proc)
    headers = {"Authorization": basic("bench", password), "Content-Type": "application/json",
               "X-Experience-API-Version": "1.0.3"}
    return proc, f"http://127.0.0.1:{port}/xAPI/statements", headers


class RollupLag:
    """Samples how far the rollups trail the statements the clients got acknowledged."""

    def __init__(self, tenant: str, baseline: int) -> None:
        self.tenant, self.acked, self.samples = tenant, [(time.monotonic(), baseline)], []
        self.series: list[tuple[float, float, float]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def ack(self, count: int) -> None:
        self.acked.append((time.monotonic(), self.acked[0][1] + count))

    def counted(self, conn: psycopg2.extensions.connection) -> int:
        with conn.cursor() as cur:
            cur.execute("SELECT statements_counted FROM xapi_rollup_state WHERE tenant_id = %s", (self.tenant,))
            row = cur.fetchone()
        return int(row[0]) if row else 0

    def lag(self, counted: int, now: float) -> float:
        """Seconds since the oldest acknowledged-but-uncounted statement was acknowledged."""
        for moment, total in self.acked:
            if total > counted:
                return max(0.0, now - moment)
        return 0.0

    def _run(self) -> None:
        conn = psycopg2.connect(f"dbname={DB_NAME} user=postgres host=127.0.0.1")
        conn.autocommit = True
        started = time.monotonic()
        while not self.stop.is_set():
            now = time.monotonic()
            self.samples.append(self.lag(self.counted(conn), now))
            # The machine's load is kept next to the lag: other processes slow both down.
            self.series.append((round(now - started, 1), round(self.samples[-1], 1), os.getloadavg()[0]))
            time.sleep(0.5)
        conn.close()

    def catch_up(self, timeout: float = 600) -> float:
        """Seconds from the end of the load until every acknowledged statement is counted."""
        conn = psycopg2.connect(f"dbname={DB_NAME} user=postgres host=127.0.0.1")
        conn.autocommit = True
        started, target = time.monotonic(), self.acked[-1][1]
        while self.counted(conn) < target and time.monotonic() - started < timeout:
            time.sleep(0.1)
        conn.close()
        return time.monotonic() - started


def analytics_queries(base: str, count: int, rng: random.Random) -> list[tuple[str, dict]]:
    actor_sorts = ["total_statements", "avg_score_scaled", "last_activity", "completed_count", "unique_activities"]
    activity_sorts = ["total_statements", "unique_learners", "avg_score_scaled", "failed_count"]
    queries = []
    for index in range(count):
        if index % 2:
            params = {"sort": rng.choice(actor_sorts), "order": rng.choice(["asc", "desc"]),
                      "page": rng.randrange(1, 50), "limit": rng.choice([20, 50, 100])}
            if index % 7 == 1:
                params = {"actor_mbox": f"learner{rng.randrange(20000)}@example.com"}
            elif index % 5 == 1:
                params["min_activities"] = rng.randrange(1, 30)
            queries.append((f"{base}/api/v1/xapi/analytics/actors", params))
        else:
            params = {"sort": rng.choice(activity_sorts), "order": rng.choice(["asc", "desc"]),
                      "page": rng.randrange(1, 5), "limit": rng.choice([20, 100])}
            if index % 6 == 0:
                params["activity_type"] = "http://adlnet.gov/expapi/activities/lesson"
            elif index % 4 == 0:
                params["min_learners"] = rng.randrange(1, 500)
            queries.append((f"{base}/api/v1/xapi/analytics/activities", params))
    return queries


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def show(label: str, result: Throughput) -> None:
    print(f"  {label:<34} {result.statements:>9,} statements in {result.seconds:7.1f} s = "
          f"{result.per_second:7.0f}/s  (batch p50 {result.p50_ms:.0f} ms, p95 {result.p95_ms:.0f} ms; "
          f"load average {os.getloadavg()[0]:.1f})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--compare", type=int, default=30_000, help="statements sent to each LRS in phase 1")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--actors", type=int, default=20_000)
    parser.add_argument("--activities", type=int, default=400)
    parser.add_argument("--skip-ralph", action="store_true")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    logs = BENCH_DIR / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    procs: list[subprocess.Popen] = []
    report: dict = {"targets": TARGETS, "args": vars(args), "cpus": os.cpu_count()}
    try:
        env = environment(free_port(), start_redis(procs))
        ids = prepare(env)
        base = env["PUBLIC_BASE_URL"]
        start_ours(env, logs, procs)
        ours = {"Authorization": basic(ids["lrs_key"], ids["lrs_secret"]), "Content-Type": "application/json",
                "X-Experience-API-Version": "1.0.3"}
        factory = StatementFactory(1, args.actors, args.activities, base)
        print(f"Phase 1: {args.compare:,} statements, batches of 100, 4 clients (after {WARMUP} warm-up batches)",
              flush=True)
        warmup = list(factory.batches(WARMUP))
        compare = list(factory.batches(args.compare // 100))
        post_batches(f"{base}/xapi/statements", ours, warmup)
        mine = post_batches(f"{base}/xapi/statements", ours, compare)
        show("Allure Connect /xapi", mine)
        report["ours"] = mine.__dict__ | {"per_second": mine.per_second, "load1": os.getloadavg()[0]}
        if not args.skip_ralph:
            ralph_proc, ralph_url, ralph_headers = start_ralph(logs, procs)
            post_batches(ralph_url, ralph_headers, warmup)
            ralph = post_batches(ralph_url, ralph_headers, compare)
            show("Ralph 5.1.0 (fs, 1 uvicorn worker)", ralph)
            stop([ralph_proc])
            report["ralph"] = ralph.__dict__ | {"per_second": ralph.per_second, "load1": os.getloadavg()[0]}
            report["ratio"] = mine.per_second / ralph.per_second
            print(f"  ratio {report['ratio']:.1f}x", flush=True)
        stored = args.compare + WARMUP * 100
        lag = RollupLag(ids["tenant"], stored)
        lag.catch_up(120)
        remaining = max(0, args.total - stored)
        print(f"Phase 2: {remaining:,} more statements (store total {args.total:,}), rollup lag sampled", flush=True)
        lag.thread.start()
        chunk = 100_000
        for start in range(0, remaining, chunk):
            part = list(factory.batches(min(chunk, remaining - start) // 100))
            loaded = post_batches(f"{base}/xapi/statements", ours, part, on_progress=lambda n, s=start: lag.ack(s + n))
            show(f"load {start + stored + loaded.statements:,}", loaded)
            report.setdefault("load", []).append(loaded.__dict__ | {"per_second": loaded.per_second,
                                                                    "load1": os.getloadavg()[0]})
        lag.stop.set()
        catch_up = lag.catch_up()
        report["rollup_lag"] = {"max_s": max(lag.samples, default=0.0), "p95_s": percentile(lag.samples, 0.95),
                                "catch_up_after_load_s": catch_up, "samples": len(lag.samples),
                                "series_t_lag_load1": lag.series[::4]}
        print(f"  rollup lag during load: max {report['rollup_lag']['max_s']:.1f} s, "
              f"p95 {report['rollup_lag']['p95_s']:.1f} s; all counted {catch_up:.1f} s after the load", flush=True)
        print(f"Phase 3: {args.queries} analytics requests", flush=True)
        session = requests.Session()
        headers = {"Authorization": f"Bearer {ids['api_key']}"}
        timed_gets(session, analytics_queries(base, 20, random.Random(9)), headers)
        latencies = timed_gets(session, analytics_queries(base, args.queries, random.Random(3)), headers)
        report["analytics_ms"] = {"p50": percentile(latencies, 0.5), "p95": percentile(latencies, 0.95),
                                  "max": max(latencies), "load1": os.getloadavg()[0]}
        print(f"  analytics p50 {report['analytics_ms']['p50']:.1f} ms, p95 {report['analytics_ms']['p95']:.1f} ms, "
              f"max {report['analytics_ms']['max']:.1f} ms", flush=True)
    finally:
        stop(procs)
        if not args.keep_db:
            drop_database(DB_NAME)
    out = PROJECT_ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    path = out / f"xapi-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"Report: {path}")


if __name__ == "__main__":
    main()
