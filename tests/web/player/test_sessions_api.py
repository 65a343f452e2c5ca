"""`/api/v1/sessions`: open with a launch link, list with filters and pages, read with CMI, update."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from tests.fixtures.player import GOLF_12, GOLF_2004, cmi12


def test_post_session_answers_201_with_session_and_signed_launch_url(player, tenant):
    package_id = player.package(tenant, GOLF_12)
    body = player.open(tenant, package_id, "user-abc")
    session = body["session"]
    assert set(session) >= {"id", "package_id", "tenant_id", "user_id", "completion_status", "success_status",
                            "score", "attempts", "time_spent_seconds", "session_time", "created_at", "updated_at",
                            "package"}  # fmt: skip
    assert (session["package_id"], session["tenant_id"], session["user_id"]) == (package_id, tenant.tenant_id,
                                                                                 "user-abc")  # fmt: skip
    assert (session["completion_status"], session["success_status"], session["attempts"]) == (
        "not_attempted", "unknown", 1)
    assert session["score"] == {"scaled": None, "raw": None, "min": None, "max": None}
    assert session["package"]["version"] == "1.2"
    url = urlsplit(body["launch_url"])
    # On the tenant's own content origin (the embedded default), never the API's.
    assert url.path.startswith("/player/launch/") and url.netloc == f"t-{tenant.tenant_id}.localhost:3000"


def test_post_session_says_when_the_launch_link_expires_and_takes_its_lifetime(player, client, tenant):
    package_id = player.package(tenant, GOLF_12)
    before = datetime.now(UTC)
    default = player.open(tenant, package_id)
    expires = datetime.fromisoformat(default["launch_url_expires_at"].replace("Z", "+00:00"))
    assert timedelta(seconds=298) <= expires - before <= timedelta(seconds=302)
    short = player.open(tenant, package_id, launch_ttl_seconds=10)
    expires = datetime.fromisoformat(short["launch_url_expires_at"].replace("Z", "+00:00"))
    assert timedelta(seconds=8) <= expires - before <= timedelta(seconds=12)
    time.sleep(12)
    refused = client.get(short["launch_url"], headers={"Accept": "application/json"})
    assert refused.status_code == 410 and refused.json["error"]["code"] == "LAUNCH_TOKEN_EXPIRED"
    assert client.get(player.open(tenant, package_id)["launch_url"]).status_code == 303


@pytest.mark.parametrize("ttl", [0, 9, 3601, "a lot"])
def test_post_session_refuses_a_launch_lifetime_out_of_range(player, client, tenant, ttl):
    package_id = player.package(tenant, GOLF_12)
    body = {"package_id": package_id, "user_id": "learner-1", "launch_ttl_seconds": ttl}
    r = client.post("/api/v1/sessions", json=body, headers=tenant.headers)
    assert r.status_code == 400 and "launch_ttl_seconds" in r.json["error"]["details"]["fieldErrors"]


def test_post_session_twice_returns_the_same_session_and_new_attempt_increments(player, tenant):
    package_id = player.package(tenant, GOLF_12)
    first = player.open(tenant, package_id)["session"]
    again = player.open(tenant, package_id)["session"]
    assert again["id"] == first["id"] and again["attempts"] == 1
    retry = player.open(tenant, package_id, new_attempt=True)["session"]
    assert (retry["id"], retry["attempts"], retry["completion_status"]) == (first["id"], 2, "not_attempted")


def test_post_session_for_unknown_or_other_tenants_package_is_404(player, client, tenant, make_tenant):
    package_id = player.package(tenant, GOLF_12)
    other = make_tenant()
    for headers, pid in ((tenant.headers, "no-such-package"), (other.headers, package_id)):
        response = client.post("/api/v1/sessions", json={"package_id": pid, "user_id": "u"}, headers=headers)
        assert response.status_code == 404
        assert response.json["error"]["code"] == "PACKAGE_NOT_FOUND"


def test_post_session_with_bad_fields_is_a_validation_error(client, tenant):
    response = client.post("/api/v1/sessions", json={"user_id": "", "new_attempt": "maybe"}, headers=tenant.headers)
    assert response.status_code == 400
    errors = response.json["error"]["details"]["fieldErrors"]
    assert {"package_id", "user_id", "new_attempt"} <= set(errors)


def test_list_sessions_filters_and_pages(player, client, tenant, make_tenant):
    golf = player.package(tenant, GOLF_12)
    other_package = player.package(tenant, GOLF_2004)
    for user in ("u1", "u2", "u3"):
        player.open(tenant, golf, user)
    player.open(tenant, other_package, "u1")
    done = player.open(tenant, golf, "u4")
    launched = player.launch(done["launch_url"])
    delivery = player.deliver(launched)
    player.commit(delivery, cmi12(1, terminate=True, lesson_status="completed"), beacon=True)
    other = make_tenant()
    player.open(other, player.package(other, GOLF_12), "u1")  # another tenant's: never listed

    page = client.get(f"/api/v1/sessions?package_id={golf}&limit=2&page=2", headers=tenant.headers).json
    assert page["pagination"] == {"page": 2, "limit": 2, "total": 4, "total_pages": 2}
    assert len(page["sessions"]) == 2
    by_user = client.get("/api/v1/sessions?user_id=u1", headers=tenant.headers).json
    assert {s["package_id"] for s in by_user["sessions"]} == {golf, other_package}
    completed = client.get("/api/v1/sessions?completion_status=completed", headers=tenant.headers).json
    assert [s["user_id"] for s in completed["sessions"]] == ["u4"]
    assert "cmi_data" not in completed["sessions"][0]
    bad = client.get("/api/v1/sessions?completion_status=done&limit=500", headers=tenant.headers)
    assert bad.status_code == 400 and {"completion_status", "limit"} <= set(bad.json["error"]["details"]["fieldErrors"])


def test_get_session_shows_cmi_data_and_activities(player, tenant):
    opened, launched = player.start(tenant, GOLF_12)
    delivery = player.deliver(launched)
    player.commit(delivery, cmi12(1, lesson_location="7", suspend_data="abc", score={"raw": "95"}))
    session = player.session(tenant, opened["session"]["id"])
    assert session["cmi_data"]["cmi.core.lesson_location"] == "7"
    assert session["cmi_data"]["cmi.suspend_data"] == "abc"
    assert session["cmi_data"]["cmi.core.score.raw"] == "95"
    assert [a["item_id"] for a in session["activities"]] == ["item_1"]
    assert session["score"]["raw"] == 95


def test_other_tenants_or_unknown_session_is_404_for_get_and_put(player, client, tenant, make_tenant):
    opened = player.open(tenant, player.package(tenant, GOLF_12))
    other = make_tenant()
    for headers, sid in ((other.headers, opened["session"]["id"]), (tenant.headers, "nope")):
        assert client.get(f"/api/v1/sessions/{sid}", headers=headers).json["error"]["code"] == "SESSION_NOT_FOUND"
        put = client.put(f"/api/v1/sessions/{sid}", json={"completion_status": "completed"}, headers=headers)
        assert (put.status_code, put.json["error"]["code"]) == (404, "SESSION_NOT_FOUND")


def test_put_session_updates_cmi_statuses_score_and_time(player, client, tenant):
    opened, launched = player.start(tenant, GOLF_12)
    player.deliver(launched)
    sid = opened["session"]["id"]
    body = {"cmi_data": {"cmi.core.lesson_status": "completed", "cmi.core.score.raw": "95"},
            "completion_status": "completed", "success_status": "passed",
            "score": {"scaled": 0.95, "raw": 95, "min": 0, "max": 100}, "session_time": "PT1H",
            "suspend_data": "x"}  # fmt: skip
    response = client.put(f"/api/v1/sessions/{sid}", json=body, headers=tenant.headers)
    assert response.status_code == 200, response.json
    assert response.json["success"] is True and response.json["session_id"] == sid
    assert response.json["updated_at"].endswith("Z")
    session = player.session(tenant, sid)
    assert (session["completion_status"], session["success_status"], session["time_spent_seconds"]) == (
        "completed", "passed", 3600)
    assert session["score"] == {"scaled": 0.95, "raw": 95, "min": 0, "max": 100}
    assert session["session_time"] == "PT1H"
    assert session["cmi_data"]["cmi.core.score.raw"] == "95" and session["cmi_data"]["cmi.suspend_data"] == "x"


def test_put_session_with_invalid_values_is_rejected_and_stores_nothing(player, client, tenant):
    opened, launched = player.start(tenant, GOLF_12)
    player.deliver(launched)
    sid = opened["session"]["id"]
    bad_cmi = client.put(f"/api/v1/sessions/{sid}", json={"cmi_data": {"cmi.core.lesson_status": "great"}},
                         headers=tenant.headers)  # fmt: skip
    assert bad_cmi.status_code == 400
    assert bad_cmi.json["error"]["details"]["fieldErrors"] == {
        "cmi_data.cmi.core.lesson_status": ["cmi.core.lesson_status has an invalid value "
                                            "(wrong type, vocabulary or length)."]}  # fmt: skip
    for body in ({"completion_status": "done"}, {"session_time": "an hour"}, {"score": {"scaled": 2}}):
        response = client.put(f"/api/v1/sessions/{sid}", json=body, headers=tenant.headers)
        assert response.status_code == 400 and response.json["error"]["code"] == "VALIDATION_ERROR"
    session = player.session(tenant, sid)
    assert session["completion_status"] == "incomplete" and "cmi.core.lesson_status" not in session["cmi_data"]
