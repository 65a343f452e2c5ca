"""The rollups on SQLite (embedded mode) equal the same plain SQL aggregate as on Postgres."""

from __future__ import annotations

import random

from flask_migrate import upgrade
from sqlalchemy import text

from models.tenants import create_tenant
from pipeline.rollup import roll_up
from tests.fixtures.xapi import VERBS, random_statements, statement
from tests.pipeline.test_rollup import ACTIVITY_SQL, ACTOR_SQL, AUTHORITY, BASE_URL, FIELDS
from web import MIGRATIONS_DIR, create_app
from web.lrs.store import store_statements


def test_rollup_on_sqlite_equals_sql_aggregate(base_settings, tmp_path):
    settings = base_settings.with_overrides(database_url=f"sqlite:///{tmp_path / 'embedded.db'}", data_dir=tmp_path)
    app = create_app(settings)
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
    sessions, engine = app.extensions["allure"].sessions, app.extensions["allure"].engine
    with sessions.begin() as session:
        tenant_id = create_tenant(session, "embedded", 10, 10).id
    data = random_statements(3000, seed=21)
    voids = [statement(verb="voided", object={"objectType": "StatementRef", "id": item["id"]})
             for item in random.Random(1).sample(data[:2000], 40)]
    for batch in (data[:2000], data[2000:] + voids):
        with sessions.begin() as session:
            store_statements(session, tenant_id, batch, authority=AUTHORITY, version="2.0.0")
        roll_up(engine, tenant_id, BASE_URL, window_rows=700)
    params = {"tenant": tenant_id, **{k: VERBS[k] for k in ("voided", "completed", "passed", "failed")}}
    with engine.connect() as conn:
        for sql, table, key, distinct in ((ACTOR_SQL, "xapi_actor_rollups", "actor_key", "unique_activities"),
                                          (ACTIVITY_SQL, "xapi_activity_rollups", "activity_id", "unique_learners")):
            wanted = {row[0]: dict(row._mapping) for row in conn.execute(text(sql), params)}
            got = {row[0]: dict(row._mapping) for row in conn.execute(
                text(f"SELECT {key}, * FROM {table} WHERE tenant_id = :tenant"), {"tenant": tenant_id})}
            assert got.keys() == wanted.keys()
            for name, row in wanted.items():
                assert got[name][distinct] == row[distinct], name
                assert [str(got[name][f]) for f in FIELDS[:4]] == [str(row[f]) for f in FIELDS[:4]], name
    engine.dispose()
