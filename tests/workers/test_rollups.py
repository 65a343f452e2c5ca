"""The rollups queue: a burst of writes leaves at most one pending job per tenant."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from models.jobs import Job
from models.xapi_rollups import XapiActorRollup
from tests.fixtures.xapi import random_statements
from workers.queues import ROLLUPS, get_queue
from workers.rollups import KIND, pending_key, schedule_rollup


def post_burst(app, account, statements: list[dict], threads: int = 8) -> None:
    """POST statements one by one from several threads at once."""

    def send(body: dict) -> int:
        return app.test_client().post("/xapi/statements", json=body, headers=account.headers()).status_code

    with ThreadPoolExecutor(threads) as pool:
        assert set(pool.map(send, statements)) == {200}


def rollup_jobs(app, tenant_id: str) -> int:
    with app.extensions["allure"].sessions() as session:
        return session.scalar(select(func.count()).where(Job.tenant_id == tenant_id, Job.kind == KIND))


def counted(app, tenant_id: str) -> int:
    with app.extensions["allure"].sessions() as session:
        return session.scalar(select(func.sum(XapiActorRollup.total_statements))
                              .where(XapiActorRollup.tenant_id == tenant_id)) or 0


def identified(statements: list[dict]) -> list[dict]:
    """Give anonymous-group actors an mbox, so every statement counts towards an actor."""
    for item in statements:
        item["actor"] = {"mbox": item["actor"].get("mbox", "mailto:group@example.com")}
    return statements


def test_burst_of_writes_queues_one_rollup_per_tenant(app, make_lrs, run_jobs, redis_client):
    first, second = make_lrs(), make_lrs()
    data = identified(random_statements(120, actors=20))
    post_burst(app, first, data[:80])
    post_burst(app, second, data[80:])
    queue = get_queue(ROLLUPS, app.extensions["allure"].redis)
    assert queue.count == 2
    assert rollup_jobs(app, first.tenant_id) == 1 and rollup_jobs(app, second.tenant_id) == 1
    run_jobs()
    assert counted(app, first.tenant_id) == 80 and counted(app, second.tenant_id) == 40
    assert not redis_client.exists(pending_key(first.tenant_id))
    post_burst(app, first, identified(random_statements(30, seed=11, actors=5)))
    assert queue.count == 1 and rollup_jobs(app, first.tenant_id) == 2
    run_jobs()
    assert counted(app, first.tenant_id) == 110


def test_rebuild_cli_recomputes_rollups(app, lrs, run_jobs):
    post_burst(app, lrs, random_statements(20, seed=5), threads=2)
    run_jobs()
    before = counted(app, lrs.tenant_id)
    result = app.test_cli_runner().invoke(args=["xapi-rollups", "rebuild", "--tenant", lrs.tenant_id, "--json"])
    assert result.exit_code == 0, result.output
    assert '"statements": 20' in result.output and counted(app, lrs.tenant_id) == before


def test_flag_of_a_job_that_ended_is_taken_over(app, lrs, redis_client):
    key = pending_key(lrs.tenant_id)
    redis_client.set(key, "0d0c8a8e-1c1a-4cde-9d0e-3b1d2f0c1a11")
    with app.extensions["allure"].sessions() as session:
        redis = app.extensions["allure"].redis
        first = schedule_rollup(session, redis, lrs.tenant_id)
        assert first is not None and redis_client.get(key) == first.encode()
        assert schedule_rollup(session, redis, lrs.tenant_id) is None


def test_flag_of_a_writer_that_died_while_scheduling_expires(app, lrs, redis_client):
    key = pending_key(lrs.tenant_id)
    redis_client.set(key, b"scheduling:%.3f:abc" % (time.time() - 3600))
    with app.extensions["allure"].sessions() as session:
        assert schedule_rollup(session, app.extensions["allure"].redis, lrs.tenant_id) is not None
    redis_client.set(key, b"scheduling:%.3f:abc" % time.time())
    with app.extensions["allure"].sessions() as session:
        assert schedule_rollup(session, app.extensions["allure"].redis, lrs.tenant_id) is None
