"""Migration 0013: AICC packages imported before it get their .crs `Version` as the edition (the API's `version`)."""

from __future__ import annotations

import json

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from web import MIGRATIONS_DIR, create_app

NOW = "2026-01-01 00:00:00"


def _version(conn, row_id: str, package_id: str, standard: str, manifest: dict) -> None:
    conn.execute(text(
        "INSERT INTO package_versions (id, package_id, tenant_id, version, status, storage_prefix, standard, "
        "manifest, warnings, files, sco_count, file_count, file_size_bytes, upload_size_bytes, created_at, "
        "updated_at) VALUES (:id, :package, 't', 1, 'ready', 'p/', :standard, :manifest, '[]', '[]', 1, 1, 1, 1, "
        ":now, :now)"), {"id": row_id, "package": package_id, "standard": standard,
                         "manifest": json.dumps(manifest), "now": NOW})  # fmt: skip
    conn.execute(text(
        "INSERT INTO packages (id, tenant_id, status, title, standard, current_version, sco_count, file_size_bytes, "
        "created_at, updated_at) VALUES (:package, 't', 'ready', 'x', :standard, 1, 1, 1, :now, :now)"),
        {"package": package_id, "standard": standard, "now": NOW})  # fmt: skip


def _editions(engine) -> dict[str, tuple[str | None, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT p.id, p.edition, v.edition FROM packages p "
                                 "JOIN package_versions v ON v.package_id = p.id")).all()  # fmt: skip
    return {row[0]: (row[1], row[2]) for row in rows}


def test_upgrade_backfills_aicc_editions_and_downgrade_clears_them(base_settings, tmp_path):
    settings = base_settings.with_overrides(database_url=f"sqlite:///{tmp_path / 'm.db'}", data_dir=tmp_path)
    app = create_app(settings)
    engine = app.extensions["allure"].engine
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="0012")
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # no tenant row is needed for what 0013 reads
            _version(conn, "v1", "aicc-35", "aicc", {"schemaversion": "3.5"})
            _version(conn, "v2", "aicc-text", "aicc", {"schemaversion": "AICC CMI001 v4"})
            _version(conn, "v3", "aicc-none", "aicc", {})
            _version(conn, "v4", "golf", "scorm12", {"schemaversion": "1.2"})
            conn.commit()
        upgrade(directory=MIGRATIONS_DIR, revision="0013")
        assert _editions(engine) == {"aicc-35": ("3.5", "3.5"), "aicc-text": (None, None),
                                     "aicc-none": (None, None), "golf": (None, None)}  # fmt: skip
        downgrade(directory=MIGRATIONS_DIR, revision="0012")
        assert _editions(engine)["aicc-35"] == (None, None)
