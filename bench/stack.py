"""What every benchmark starts from: a fresh migrated database, storage with its bucket, an empty Redis DB."""

from __future__ import annotations

from pathlib import Path

from config.embedded import WeedPorts, port_open, start_weed
from config.settings import Settings
from models.databases import recreate_database


def prepare(settings: Settings, db_name: str, weed_dir: Path, s3_port: int, s3_keys: tuple[str, str]) -> None:
    """A fresh, migrated database; storage running with the bench bucket; an empty Redis DB."""
    recreate_database(db_name)
    if not port_open(s3_port):
        start_weed(weed_dir, WeedPorts(s3_port), *s3_keys)
    from flask_migrate import upgrade

    from web import MIGRATIONS_DIR, create_app

    app = create_app(settings)
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        app.extensions["allure"].storage.ensure_bucket()
    app.extensions["allure"].redis.flushdb()
