"""Tests of dispatch registrations: the limit under concurrency, returning learners, refusals."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models.db import make_engine, session_factory
from models.dispatches import (
    Dispatch,
    DispatchRefused,
    DispatchRegistration,
    DispatchStatus,
    register_learner,
    revoke_dispatch,
)


@pytest.fixture
def new_dispatch(app, tenant, ready_package):
    """`new_dispatch(**columns)`: a dispatch row of the tenant's package; returns its id."""

    def make(**columns: object) -> str:
        with app.extensions["allure"].sessions.begin() as session:
            dispatch = Dispatch(
                tenant_id=tenant.tenant_id,
                package_id=ready_package(tenant),
                name="D",
                allowed_domains=[],
                **columns,
            )
            session.add(dispatch)
            session.flush()
            return dispatch.id

    return make


def launch(sessions, dispatch_id: str, learner_id: str, now: datetime | None = None) -> str:
    """One launch in its own transaction; returns "new", "returning" or the refusal status."""
    with sessions() as session:
        dispatch = session.get(Dispatch, dispatch_id)
        try:
            admission = register_learner(session, dispatch, learner_id, f"Learner {learner_id}", now=now)
        except DispatchRefused as refused:
            session.rollback()
            return refused.status.value
        session.commit()
        return "new" if admission.new else "returning"


def registrations(app, dispatch_id: str) -> tuple[int, int]:
    with app.extensions["allure"].sessions() as session:
        rows = session.scalar(
            select(func.count())
            .select_from(DispatchRegistration)
            .where(DispatchRegistration.dispatch_id == dispatch_id)
        )
        return rows, session.get(Dispatch, dispatch_id).registration_count


def race(app, dispatch_id: str, learner_ids: list[str]) -> Counter[str]:
    """Run every launch at once, each on its own connection, released by one barrier."""
    engine = make_engine(app.extensions["allure"].settings.sqlalchemy_url, pool_size=len(learner_ids),
                         max_overflow=0)  # fmt: skip
    sessions = session_factory(engine)
    barrier = threading.Barrier(len(learner_ids))
    outcomes: list[str] = []

    def one(learner_id: str) -> None:
        with sessions() as warm:  # open the connection before the start line
            warm.execute(select(1))
        barrier.wait()
        outcomes.append(launch(sessions, dispatch_id, learner_id))

    threads = [threading.Thread(target=one, args=(learner_id,)) for learner_id in learner_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    engine.dispose()
    return Counter(outcomes)


class TestRegistrationLimit:
    def test_registration_50_concurrent_first_launches_limit_10_admits_exactly_10(self, app, new_dispatch):
        dispatch_id = new_dispatch(registration_limit=10)
        outcomes = race(app, dispatch_id, [f"learner-{i}" for i in range(50)])
        assert outcomes == Counter({"new": 10, "exhausted": 40})
        assert registrations(app, dispatch_id) == (10, 10)

    def test_registration_same_learner_racing_counts_once(self, app, new_dispatch):
        dispatch_id = new_dispatch(registration_limit=3)
        outcomes = race(app, dispatch_id, ["same-learner"] * 12)
        assert outcomes == Counter({"new": 1, "returning": 11})
        assert registrations(app, dispatch_id) == (1, 1)

    def test_registration_returning_learner_resumes_when_full(self, app, new_dispatch):
        dispatch_id = new_dispatch(registration_limit=2)
        sessions = app.extensions["allure"].sessions
        assert [launch(sessions, dispatch_id, name) for name in ("a", "b", "c", "a", "b")] == [
            "new",
            "new",
            "exhausted",
            "returning",
            "returning",
        ]
        assert registrations(app, dispatch_id) == (2, 2)

    @pytest.mark.parametrize("limit", [None, 0])
    def test_registration_unlimited_admits_everyone(self, app, new_dispatch, limit):
        dispatch_id = new_dispatch(registration_limit=limit)
        sessions = app.extensions["allure"].sessions
        assert {launch(sessions, dispatch_id, f"l{i}") for i in range(25)} == {"new"}
        assert registrations(app, dispatch_id) == (25, 25)

    def test_registration_relaunch_updates_name_and_count(self, app, new_dispatch):
        dispatch_id = new_dispatch()
        sessions = app.extensions["allure"].sessions
        launch(sessions, dispatch_id, "a")
        launch(sessions, dispatch_id, "a")
        with sessions() as session:
            row = session.scalar(select(DispatchRegistration))
            assert (row.learner_id, row.launch_count, row.learner_name) == ("a", 2, "Learner a")


class TestRefusals:
    def test_registration_revoked_refuses_new_and_returning(self, app, new_dispatch):
        dispatch_id = new_dispatch()
        sessions = app.extensions["allure"].sessions
        assert launch(sessions, dispatch_id, "a") == "new"
        with sessions.begin() as session:
            revoke_dispatch(session.get(Dispatch, dispatch_id))
        assert launch(sessions, dispatch_id, "a") == "revoked"
        assert launch(sessions, dispatch_id, "b") == "revoked"

    def test_registration_expired_refuses_new_and_returning(self, app, new_dispatch):
        expires = datetime.now(UTC) + timedelta(hours=1)
        dispatch_id = new_dispatch(expires_at=expires)
        sessions = app.extensions["allure"].sessions
        assert launch(sessions, dispatch_id, "a", now=expires - timedelta(seconds=1)) == "new"
        assert launch(sessions, dispatch_id, "a", now=expires) == "expired"
        assert launch(sessions, dispatch_id, "b", now=expires + timedelta(days=1)) == "expired"
        assert registrations(app, dispatch_id) == (1, 1)

    def test_dispatch_status_order_revoked_before_expired_before_exhausted(self):
        now = datetime.now(UTC)
        dispatch = Dispatch(registration_limit=1, registration_count=1, expires_at=now, revoked_at=now)
        assert dispatch.status(now) is DispatchStatus.REVOKED
        dispatch.revoked_at = None
        assert dispatch.status(now) is DispatchStatus.EXPIRED
        dispatch.expires_at = None
        assert dispatch.status(now) is DispatchStatus.EXHAUSTED
        dispatch.registration_limit = 0
        assert dispatch.status(now) is DispatchStatus.ACTIVE
