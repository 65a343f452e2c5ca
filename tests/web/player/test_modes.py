"""Review and browse launches: the course runs as usual with `no-credit`, and nothing is recorded."""

from __future__ import annotations

from sqlalchemy import func, select

from models.sessions import LearnerSession
from models.xapi import XapiStatement
from tests.fixtures.player import GOLF_12, GOLF_2004, cmi12


def statement_count(app, session_id: str) -> int:
    with app.extensions["allure"].sessions() as session:
        return session.scalar(select(func.count()).select_from(XapiStatement)
                              .where(XapiStatement.registration == session_id))  # fmt: skip


def finish_with_suspend(player, tenant, path=GOLF_12) -> tuple[str, dict]:
    """A normal launch that leaves data behind; returns the package id and the session as stored."""
    opened, launched = player.start(tenant, path)
    delivery = player.deliver(launched)
    player.commit(delivery, cmi12(1, terminate=True, exit="suspend", lesson_location="page-3",
                                  suspend_data="answers=abc", session_time="0000:01:30"))  # fmt: skip
    return opened["session"]["package_id"], player.session(tenant, opened["session"]["id"])


def test_review_shows_the_stored_attempt_and_records_nothing(player, app, tenant):
    package_id, before = finish_with_suspend(player, tenant)
    statements = statement_count(app, before["id"])
    opened = player.open(tenant, package_id, mode="review")
    assert opened["mode"] == "review" and opened["session"]["id"] == before["id"]
    launched = player.launch(opened["launch_url"])
    assert launched.config["mode"] == "review"

    delivery = player.deliver(launched)
    core = delivery["cmi"]["cmi"]["core"]
    assert (core["lesson_mode"], core["credit"], core["entry"]) == ("review", "no-credit", "resume")
    assert (core["lesson_location"], delivery["cmi"]["cmi"]["suspend_data"]) == ("page-3", "answers=abc")
    assert core["total_time"] == "0000:01:30.00"
    answer = player.commit(delivery, cmi12(1, terminate=True, lesson_status="passed", session_time="0000:05:00",
                                           score={"raw": "100", "min": "0", "max": "100"}))  # fmt: skip
    assert answer.status_code == 200 and answer.json == {"result": True, "errorCode": 0, "outcome": "not_recorded"}
    saved = player.client.post(launched.url("state"), json={"state": {"x": 1}, "ts": 10**13, "current": "x"})
    assert saved.json == {"result": True, "stored": False}

    assert player.session(tenant, before["id"]) == before
    assert statement_count(app, before["id"]) == statements


def test_review_still_checks_the_data_model(player, tenant):
    package_id, _ = finish_with_suspend(player, tenant)
    launched = player.launch(player.open(tenant, package_id, mode="review")["launch_url"])
    refused = player.commit(player.deliver(launched), cmi12(1, lesson_status="finished"))
    assert refused.status_code == 400 and refused.json["error"]["details"]["scorm_error"] == 405


def test_browse_starts_from_nothing_and_leaves_no_trace(player, app, tenant):
    package_id, _ = finish_with_suspend(player, tenant)
    opened = player.open(tenant, package_id, user_id="previewer", mode="browse")
    launched = player.launch(opened["launch_url"])
    delivery = player.deliver(launched)
    cmi = delivery["cmi"]["cmi"]
    assert (cmi["core"]["lesson_mode"], cmi["core"]["credit"], cmi["core"]["entry"]) == ("browse", "no-credit",
                                                                                          "ab-initio")
    assert "suspend_data" not in cmi and "lesson_location" not in cmi["core"]
    player.commit(delivery, cmi12(1, terminate=True, lesson_status="completed"))
    preview = player.session(tenant, opened["session"]["id"])
    assert (preview["completion_status"], preview["activities"], preview["time_spent_seconds"]) == (
        "not_attempted", [], 0)
    assert statement_count(app, opened["session"]["id"]) == 0


def test_review_of_a_2004_course_uses_its_mode_and_credit(player, tenant):
    opened, launched = player.start(tenant, GOLF_2004)
    review = player.launch(player.open(tenant, opened["session"]["package_id"], mode="review")["launch_url"])
    cmi = player.deliver(review)["cmi"]["cmi"]
    assert (cmi["mode"], cmi["credit"], cmi["entry"]) == ("review", "no-credit", "ab-initio")
    with player.ingest.app.extensions["allure"].sessions() as session:
        assert session.get(LearnerSession, opened["session"]["id"]).launched_at is None


def test_mode_is_validated_and_a_new_attempt_needs_a_normal_launch(player, tenant):
    package_id = player.package(tenant, GOLF_12)
    body = {"package_id": package_id, "user_id": "learner-1"}
    bad = player.client.post("/api/v1/sessions", json={**body, "mode": "exam"}, headers=tenant.headers)
    assert bad.status_code == 400 and "mode" in bad.json["error"]["details"]["fieldErrors"]
    mixed = player.client.post("/api/v1/sessions", json={**body, "mode": "review", "new_attempt": True},
                               headers=tenant.headers)  # fmt: skip
    assert mixed.status_code == 400 and "new_attempt" in mixed.json["error"]["details"]["fieldErrors"]
    normal = player.open(tenant, package_id)
    assert normal["mode"] == "normal"
