"""The migrations build exactly the schema the models declare, on Postgres and on SQLite."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import inspect

import models  # noqa: F401  (every model registered)
from models.base import Base
from web import MIGRATIONS_DIR, create_app


def migrated_engine(request, base_settings, tmp_path, dialect: str):
    if dialect == "postgresql":
        return request.getfixturevalue("app").extensions["allure"].engine
    settings = base_settings.with_overrides(database_url=f"sqlite:///{tmp_path / 'schema.db'}", data_dir=tmp_path)
    app = create_app(settings)
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
    return app.extensions["allure"].engine


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_migrations_match_the_models(request, base_settings, tmp_path, dialect):
    engine = migrated_engine(request, base_settings, tmp_path, dialect)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_pending_jobs_index_is_partial(request, base_settings, tmp_path, dialect):
    engine = migrated_engine(request, base_settings, tmp_path, dialect)
    [index] = [i for i in inspect(engine).get_indexes("jobs") if i["name"] == "ix_jobs_enqueue_pending"]
    where = index.get("dialect_options", {}).get(f"{dialect}_where")
    assert index["column_names"] == ["created_at"] and "ENQUEUE_PENDING" in str(where)
