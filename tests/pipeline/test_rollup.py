"""Rollups equal a plain SQL aggregate, stay idempotent, and never skip a late commit."""

from __future__ import annotations

import math
import random

import psycopg2
import pytest
from sqlalchemy import select, text

from models.packages import Package
from models.xapi_rollups import XapiActivityRollup, XapiActorRollup, XapiRollupState
from pipeline.rollup import package_id_for, rebuild, roll_up
from tests.fixtures.services import PG_ADMIN_DSN
from tests.fixtures.xapi import VERBS, random_statements, statement
from web.lrs.store import store_statements

BASE_URL = "http://127.0.0.1:3000"
AUTHORITY = {"objectType": "Agent", "account": {"homePage": BASE_URL, "name": "tests"}}

ACTOR_SQL = """
SELECT actor_key, count(*) AS total_statements, count(DISTINCT activity_id) AS unique_activities,
       sum(CASE WHEN verb_id = :completed THEN 1 ELSE 0 END) AS completed_count,
       sum(CASE WHEN verb_id = :passed THEN 1 ELSE 0 END) AS passed_count,
       sum(CASE WHEN verb_id = :failed THEN 1 ELSE 0 END) AS failed_count,
       avg(score_scaled) AS avg_score_scaled, min(timestamp) AS first_activity, max(timestamp) AS last_activity
FROM xapi_statements
WHERE tenant_id = :tenant AND NOT voided AND verb_id <> :voided AND actor_key IS NOT NULL
GROUP BY actor_key
"""
ACTIVITY_SQL = """
SELECT activity_id, count(*) AS total_statements, count(DISTINCT actor_key) AS unique_learners,
       sum(CASE WHEN verb_id = :completed THEN 1 ELSE 0 END) AS completed_count,
       sum(CASE WHEN verb_id = :passed THEN 1 ELSE 0 END) AS passed_count,
       sum(CASE WHEN verb_id = :failed THEN 1 ELSE 0 END) AS failed_count,
       avg(score_scaled) AS avg_score_scaled, min(timestamp) AS first_activity, max(timestamp) AS last_activity
FROM xapi_statements
WHERE tenant_id = :tenant AND NOT voided AND verb_id <> :voided AND activity_id IS NOT NULL
GROUP BY activity_id
"""
FIELDS = ("total_statements", "completed_count", "passed_count", "failed_count", "first_activity", "last_activity")


def store(app, tenant_id: str, statements: list[dict], batch: int = 500) -> None:
    """Write statements straight into the store, in committed batches."""
    sessions = app.extensions["allure"].sessions
    for start in range(0, len(statements), batch):
        with sessions.begin() as session:
            store_statements(session, tenant_id, statements[start:start + batch], authority=AUTHORITY,
                             version="2.0.0")


def expected(app, sql: str, tenant_id: str) -> dict[str, dict]:
    """The plain SQL aggregate, keyed by actor or activity."""
    params = {"tenant": tenant_id, **{k: VERBS[k] for k in ("voided", "completed", "passed", "failed")}}
    with app.extensions["allure"].engine.connect() as conn:
        return {row[0]: dict(row._mapping) for row in conn.execute(text(sql), params)}


def rollups(app, model, key: str, tenant_id: str) -> dict[str, dict]:
    """The rollup rows, keyed like `expected`."""
    with app.extensions["allure"].sessions() as session:
        rows = session.scalars(select(model).where(model.tenant_id == tenant_id)).all()
        return {getattr(row, key): {c.key: getattr(row, c.key) for c in model.__table__.columns} for row in rows}


def assert_equal(actual: dict[str, dict], wanted: dict[str, dict], distinct: str) -> None:
    assert actual.keys() == wanted.keys()
    for key, row in wanted.items():
        got = actual[key]
        assert {f: got[f] for f in FIELDS} == {f: row[f] for f in FIELDS}, key
        assert got[distinct] == row[distinct], key
        if row["avg_score_scaled"] is None:
            assert got["avg_score_scaled"] is None
        else:
            assert math.isclose(got["avg_score_scaled"], float(row["avg_score_scaled"]), abs_tol=1e-9)


def void_some(statements: list[dict], share: float, seed: int = 3) -> list[dict]:
    """Voiding statements for a random share of `statements`."""
    rng = random.Random(seed)
    targets = rng.sample(statements, int(len(statements) * share))
    return [statement(verb="voided", object={"objectType": "StatementRef", "id": t["id"]}) for t in targets]


@pytest.mark.slow
def test_rollup_over_random_statements_equals_sql_aggregate(app, tenant):
    data = random_statements(12_000)
    store(app, tenant.tenant_id, data[:9_000])
    engine = app.extensions["allure"].engine
    first = roll_up(engine, tenant.tenant_id, BASE_URL, window_rows=2_500)
    store(app, tenant.tenant_id, data[9_000:] + void_some(data, 0.02))
    second = roll_up(engine, tenant.tenant_id, BASE_URL, window_rows=2_500)
    assert first.windows >= 4 and first.statements == 9_000 and second.statements == 3_000 + 240
    for model, key, sql, distinct in ((XapiActorRollup, "actor_key", ACTOR_SQL, "unique_activities"),
                                      (XapiActivityRollup, "activity_id", ACTIVITY_SQL, "unique_learners")):
        wanted = expected(app, sql, tenant.tenant_id)
        assert_equal(rollups(app, model, key, tenant.tenant_id), wanted, distinct)
        assert roll_up(engine, tenant.tenant_id, BASE_URL).statements == 0
        assert_equal(rollups(app, model, key, tenant.tenant_id), wanted, distinct)
    rebuilt = rebuild(engine, tenant.tenant_id, BASE_URL)
    assert rebuilt.statements == 12_240
    assert_equal(rollups(app, XapiActorRollup, "actor_key", tenant.tenant_id),
                 expected(app, ACTOR_SQL, tenant.tenant_id), "unique_activities")


def test_rollup_waits_for_a_transaction_that_commits_late(app, tenant):
    sessions, engine = app.extensions["allure"].sessions, app.extensions["allure"].engine
    late = sessions()
    # Distinct activities: two open writers of one new activity would wait for each other.
    store_statements(late, tenant.tenant_id, [statement("late@example.com", activity="http://example.com/late")],
                     authority=AUTHORITY, version="2.0.0")
    late.flush()
    store(app, tenant.tenant_id, [statement("early@example.com", activity="http://example.com/early")])
    try:
        assert roll_up(engine, tenant.tenant_id, BASE_URL).statements == 0
        late.commit()
    finally:
        late.close()
    assert roll_up(engine, tenant.tenant_id, BASE_URL).statements == 2
    actors = rollups(app, XapiActorRollup, "actor_key", tenant.tenant_id)
    assert set(actors) == {"mbox:mailto:late@example.com", "mbox:mailto:early@example.com"}
    with sessions() as session:
        assert session.get(XapiRollupState, tenant.tenant_id).statements_counted == 2


def test_rollup_is_not_held_back_by_transactions_of_other_databases(app, tenant):
    other = psycopg2.connect(PG_ADMIN_DSN)
    try:
        with other.cursor() as cur:
            cur.execute("SELECT pg_current_xact_id()")
        store(app, tenant.tenant_id, [statement("solo@example.com")])
        assert roll_up(app.extensions["allure"].engine, tenant.tenant_id, BASE_URL).statements == 1
    finally:
        other.rollback()
        other.close()


def test_rollup_links_activities_of_the_tenants_packages_and_keeps_names(app, tenant, make_tenant):
    with app.extensions["allure"].sessions.begin() as session:
        mine = Package(tenant_id=tenant.tenant_id, title="Course")
        theirs = Package(tenant_id=make_tenant().tenant_id, title="Other course")
        session.add_all([mine, theirs])
    mine_iri, theirs_iri = f"{BASE_URL}/packages/{mine.id}", f"{BASE_URL}/packages/{theirs.id}"
    store(app, tenant.tenant_id, [statement("kim@example.com", "passed", mine_iri, result={"score": {"scaled": 0.5}}),
                                  statement("kim@example.com", "passed", theirs_iri)])
    roll_up(app.extensions["allure"].engine, tenant.tenant_id, BASE_URL)
    activities = rollups(app, XapiActivityRollup, "activity_id", tenant.tenant_id)
    activity = activities[mine_iri]
    actor = rollups(app, XapiActorRollup, "actor_key", tenant.tenant_id)["mbox:mailto:kim@example.com"]
    assert activity["package_id"] == mine.id and activities[theirs_iri]["package_id"] is None
    assert activity["activity_type"] == "http://adlnet.gov/expapi/activities/course"
    assert (actor["actor_mbox"], actor["actor_name"], actor["passed_count"]) == ("kim@example.com", "Kim", 2)


@pytest.mark.parametrize(("iri", "package"), [
    (f"{BASE_URL}/packages/pkg-123", "pkg-123"),
    (f"{BASE_URL}/packages/pkg-123/sco/1", "pkg-123"),
    ("http://elsewhere.example/packages/pkg-123", None),
])
def test_package_id_for_reads_the_package_iri(iri, package):
    assert package_id_for(iri, BASE_URL) == package
