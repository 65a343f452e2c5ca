"""What every benchmark starts from: its own storage, Redis DB and fresh database, removed at the end.

Storage runs on free ports, the Redis database is claimed like a test worker's and names carry the
benchmark's pid, so a benchmark runs beside `make run`, `make test` and other benchmarks untouched.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from config.embedded import start_weed
from config.settings import Settings
from models.databases import drop_database, recreate_database
from tests.fixtures.redis_claims import claim_redis_db, release_redis_db

BENCH_DIR = Path(os.environ.get("BENCH_DIR", "/tmp/allure-bench"))
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
S3_KEYS = ("allure-bench", "allure-bench-secret")


@dataclass(frozen=True)
class BenchServices:
    """Where this benchmark run's services are; `environment()` points the app at them."""

    name: str
    folder: Path
    s3_endpoint: str
    redis_url: str

    @property
    def database(self) -> str:
        return f"allure_bench_{self.name}"

    def environment(self) -> dict[str, str]:
        return {
            "AC_DATA_DIR": str(self.folder / "app"),
            "DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{self.database}",
            "REDIS_URL": self.redis_url,
            "S3_ENDPOINT": self.s3_endpoint,
            "S3_ACCESS_KEY": S3_KEYS[0],
            "S3_SECRET_KEY": S3_KEYS[1],
            "S3_BUCKET": f"allure-bench-{self.name}".replace("_", "-"),
        }


@contextmanager
def bench_services(kind: str) -> Iterator[BenchServices]:
    """Start storage, claim a Redis DB and name a database for one run of benchmark `kind`."""
    name = f"{kind}_{os.getpid()}"
    folder = BENCH_DIR / name
    folder.mkdir(parents=True, exist_ok=True)
    weed = start_weed(folder / "weed", *S3_KEYS)
    owner = f"bench:{name}:{os.getpid()}"
    redis_db = claim_redis_db(REDIS, owner)
    services = BenchServices(name, folder, weed.endpoint, f"{REDIS}/{redis_db}")
    try:
        yield services
    finally:
        weed.stop()
        release_redis_db(REDIS, redis_db, owner)
        drop_database(services.database)
        shutil.rmtree(folder, ignore_errors=True)


def prepare(settings: Settings, db_name: str) -> None:
    """A fresh, migrated database; the bench bucket; an empty Redis DB."""
    recreate_database(db_name)
    from flask_migrate import upgrade

    from web import MIGRATIONS_DIR, create_app

    app = create_app(settings)
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        app.extensions["allure"].storage.ensure_bucket()
    app.extensions["allure"].redis.flushdb()
