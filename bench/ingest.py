"""Ingestion benchmark: import time and worker peak RSS against a floor measured in the same run.

For a synthetic package (200 MB in 5,000 files by default), the largest corpus
package that imports, and a package of a few ~48 MB files, it measures:
  - the floor: unzip the package to disk, then PUT every file to the same storage
    with as many parallel uploads as the worker uses;
  - the import: the real ingest job (download, validate, manifest, publish,
    finalize) run by an RQ worker in its own process, timed from the job row's
    `started_at` to `finished_at`; the process's peak RSS comes from `wait4`.
It prints the ratio import/floor (target <= 1.5) and the peak RSS (target < 300 MB).

Needs Postgres (127.0.0.1:5432, trust) and Redis (127.0.0.1:6379); storage is the
test run's `weed mini` on 127.0.0.1:18333 when it answers, else one started here.
Usage: `.venv/bin/python -m bench.ingest [--files 5000] [--megabytes 200] [--large-files 10] [--repeat 3]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.stack import BENCH_DIR, BenchServices, bench_services, prepare
from config.settings import PROJECT_ROOT, Settings, load_settings
from tests.fixtures.corpus import CORPUS

RATIO_TARGET = 1.5
RSS_TARGET_MB = 300


@dataclass
class Row:
    label: str
    files: int
    megabytes: float
    floor_s: float
    import_s: float
    peak_rss_mb: float

    @property
    def ratio(self) -> float:
        return self.import_s / self.floor_s if self.floor_s else float("inf")


def environment(services: BenchServices) -> dict[str, str]:
    return {**services.environment(), "SECRET_KEY": "bench-secret", "AC_LOG_LEVEL": "WARNING"}


def synthetic_package(path: Path, files: int, megabytes: int) -> Path:
    """A SCORM 1.2 package of `files` random files totalling about `megabytes` MB."""
    size = megabytes * 1024 * 1024 // files
    manifest = (
        '<?xml version="1.0"?><manifest identifier="bench" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" '
        'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"><metadata><schema>ADL SCORM</schema>'
        '<schemaversion>1.2</schemaversion></metadata><organizations default="o"><organization identifier="o">'
        '<title>Bench</title><item identifier="i" identifierref="r"><title>Bench</title></item></organization>'
        '</organizations><resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" '
        'href="index.html"/></resources></manifest>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("imsmanifest.xml", manifest)
        archive.writestr("index.html", "<html><body>bench</body></html>")
        for index in range(files - 2):
            # Half incompressible media, half text-like assets, as in real courses.
            data = os.urandom(size) if index % 2 else (b"var slide = %d; // lorem ipsum\n" % index) * (size // 32)
            archive.writestr(f"assets/{index // 100:03d}/file{index:05d}.{'bin' if index % 2 else 'js'}", data)
    return path


def largest_corpus_package() -> Path:
    """The largest corpus ZIP the service imports (cmi5/TinCan/AICC ones are refused)."""
    from pipeline.errors import PipelineError
    from pipeline.zip_validation import validate_zip

    candidates = sorted(CORPUS.glob("*/*.zip"), key=lambda p: p.stat().st_size, reverse=True)
    for path in candidates:
        try:
            validate_zip(path)
        except PipelineError:
            continue
        return path
    raise SystemExit("no importable package in the corpus")


def measure_floor(path: Path, settings: Settings) -> float:
    """Unzip to disk, then PUT every file to the same storage in parallel."""
    from pipeline.content_types import content_type_for
    from pipeline.storage import storage_from_settings

    storage = storage_from_settings(settings)
    prefix = f"bench/floor/{uuid.uuid4()}/"
    target = Path(tempfile.mkdtemp(dir=BENCH_DIR))
    started = time.monotonic()
    with zipfile.ZipFile(path) as archive:
        archive.extractall(target)
    files = [p for p in target.rglob("*") if p.is_file()]
    with ThreadPoolExecutor(max_workers=settings.publish_workers) as pool:
        list(pool.map(lambda p: storage.put_file(prefix + str(p.relative_to(target)), str(p),
                                                 content_type_for(p.name)), files))  # fmt: skip
    elapsed = time.monotonic() - started
    shutil.rmtree(target)
    storage.delete_prefix(prefix)
    return elapsed


def measure_import(path: Path, settings: Settings, tenant_id: str) -> tuple[float, float]:
    """Upload (untimed), enqueue, run one RQ worker process; returns (job seconds, peak RSS MB)."""
    from models.db import make_engine, session_factory
    from models.jobs import Job
    from models.packages import PackageUpload, upload_prefix
    from pipeline.storage import storage_from_settings
    from workers import fair_ingest
    from workers.enqueue import record_job
    from workers.ingest import KIND_INGEST
    from workers.queues import redis_connection

    storage = storage_from_settings(settings)
    upload_id = str(uuid.uuid4())
    key = f"{upload_prefix(tenant_id)}{upload_id}.zip"
    storage.put_file(key, str(path), "application/zip")
    sessions = session_factory(make_engine(settings.sqlalchemy_url))
    size = path.stat().st_size
    with sessions.begin() as session:
        session.add(PackageUpload(id=upload_id, tenant_id=tenant_id, storage_path=key, filename=path.name,
                                  file_size=size, uploaded_by="bench"))  # fmt: skip
        params = {"upload_id": upload_id, "storage_path": key, "original_filename": path.name,
                  "uploaded_by": "bench", "package_id": None, "file_size": size}  # fmt: skip
        job, _ = record_job(session, tenant_id, KIND_INGEST, params)
        job_id = job.id
    with sessions() as session:
        fair_ingest.release(session, redis_connection(settings.redis_connection_url), tenant_id, settings)
    rss_file = BENCH_DIR / f"rss-{job_id}"
    subprocess.run([sys.executable, "-m", "bench.ingest", "--worker-burst", str(rss_file)], cwd=PROJECT_ROOT,
                   check=True)  # fmt: skip
    peak_kb = int(rss_file.read_text())
    rss_file.unlink()
    with sessions() as session:
        job = session.get(Job, job_id)
        if job.status != "succeeded":
            raise SystemExit(f"import of {path.name} failed: {job.error_code} {job.error_message}")
        seconds = (job.finished_at - job.started_at).total_seconds()
    return seconds, peak_kb / 1024


def worker_burst(rss_file: Path) -> None:
    """Child process: an RQ worker serving the ingest queue until it is empty.

    It writes its own peak RSS (`VmHWM`, kB) to `rss_file`: `wait4`'s `ru_maxrss`
    would include the parent's RSS at fork time on Linux.
    """
    from rq import SimpleWorker

    from workers.context import worker_context
    from workers.queues import INGEST, get_queue

    services = worker_context()
    worker = SimpleWorker([get_queue(INGEST, services.redis)], connection=services.redis)
    worker.work(burst=True, logging_level="WARNING")
    status = Path("/proc/self/status").read_text()
    peak = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    rss_file.write_text(peak)


def create_tenant(settings: Settings) -> str:
    from models.db import make_engine, session_factory
    from models.tenants import create_tenant as create

    with session_factory(make_engine(settings.sqlalchemy_url)).begin() as session:
        return create(session, "bench", 10_000, 1024**4).id


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3, help="best of N for both floor and import")
    parser.add_argument("--large-files", type=int, default=10, help="also import N files of ~48 MB (0: skip)")
    parser.add_argument("--worker-burst", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker_burst:
        worker_burst(args.worker_burst)
        return
    with bench_services("ingest") as services:
        os.environ.update(environment(services))
        settings = load_settings()
        prepare(settings, services.database)
        run_all(args, settings)


def run_all(args: argparse.Namespace, settings: Settings) -> None:
    tenant_id = create_tenant(settings)
    work = Path(tempfile.mkdtemp(dir=BENCH_DIR))
    try:
        packages = [
            (f"synthetic {args.megabytes} MB / {args.files} files",
             synthetic_package(work / "synthetic.zip", args.files, args.megabytes)),
            (f"corpus {largest_corpus_package().relative_to(CORPUS)}", largest_corpus_package()),
        ]  # fmt: skip
        if args.large_files:
            # Peak RSS must not grow with file size either: a few files of ~50 MB each.
            large = synthetic_package(work / "large.zip", args.large_files, args.large_files * 48)
            packages.append((f"synthetic, {args.large_files} files of up to 48 MB", large))
        rows = [run_one(label, path, settings, tenant_id, args.repeat) for label, path in packages]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(rows, settings)


def run_one(label: str, path: Path, settings: Settings, tenant_id: str, repeat: int) -> Row:
    with zipfile.ZipFile(path) as archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
    floors, imports = [], []
    for _ in range(repeat):
        floors.append(measure_floor(path, settings))
        imports.append(measure_import(path, settings, tenant_id))
    best = min(imports, key=lambda item: item[0])
    return Row(label, len(infos), sum(i.file_size for i in infos) / 1024**2, min(floors), best[0],
               max(rss for _, rss in imports))  # fmt: skip


def report(rows: list[Row], settings: Settings) -> None:
    print(f"\nIngestion benchmark: storage {settings.s3_endpoint}, {settings.publish_workers} parallel uploads")
    print(f"{'package':62} {'files':>6} {'MB':>8} {'floor s':>8} {'import s':>9} {'ratio':>6} {'peak RSS MB':>12}")
    for row in rows:
        print(f"{row.label[:62]:62} {row.files:6d} {row.megabytes:8.1f} {row.floor_s:8.2f} {row.import_s:9.2f} "
              f"{row.ratio:6.2f} {row.peak_rss_mb:12.1f}")
    worst_ratio = max(row.ratio for row in rows)
    worst_rss = max(row.peak_rss_mb for row in rows)
    print(f"targets: ratio <= {RATIO_TARGET} ({'met' if worst_ratio <= RATIO_TARGET else 'MISSED'}: "
          f"worst {worst_ratio:.2f}); worker peak RSS < {RSS_TARGET_MB} MB "
          f"({'met' if worst_rss < RSS_TARGET_MB else 'MISSED'}: worst {worst_rss:.1f} MB)")


if __name__ == "__main__":
    main(sys.argv[1:])
