"""The AICC HACP endpoint through the Flask app: launch, GetParam/PutParam/ExitAU, tenants, expiry, CORS."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fixtures.platform import TenantKey
from tests.fixtures.player import CORPUS, Launched, PlayerKit

AICC = CORPUS / "aicc" / "emp_aicc.zip"
COMPLEX = CORPUS / "aicc" / "emp_aicc_complex.zip"


def hacp_answer(response: Any) -> dict[str, str]:
    """`error`, `error_text` and `aicc_data` of a HACP answer (aicc_data runs to the end)."""
    text = response.get_data(as_text=True)
    head, _, data = text.partition("aicc_data=")
    fields = dict(line.split("=", 1) for line in head.split("\r\n") if "=" in line)
    if data:
        fields["aicc_data"] = data
    return fields


class Au:
    """An AU launched in the test client: its HACP session id and URL."""

    def __init__(self, player: PlayerKit, launched: Launched, delivery: dict[str, Any]) -> None:
        self.player, self.launched, self.delivery = player, launched, delivery
        query = parse_qs(urlsplit(delivery["href"]).query)
        self.sid, self.url = query["AICC_SID"][0], query["AICC_URL"][0]

    def post(self, command: str, aicc_data: str = "", *, sid: str | None = None, url: str | None = None,
             **extra: Any) -> Any:  # fmt: skip
        form = {"command": command, "version": "3.5", "session_id": sid or self.sid, "aicc_data": aicc_data}
        return self.player.client.post(url or self.url, data=form, **extra)

    def command(self, command: str, aicc_data: str = "") -> dict[str, str]:
        response = self.post(command, aicc_data)
        assert response.status_code == 200
        assert response.mimetype == "text/plain"
        return hacp_answer(response)


def launch_au(player: PlayerKit, tenant: TenantKey, path: Any = AICC, item: str | None = None) -> tuple[str, Au]:
    opened, launched = player.start(tenant, path)
    return opened["session"]["id"], Au(player, launched, player.deliver(launched, item))


class TestLaunch:
    def test_au_url_carries_aicc_sid_and_hacp_url_on_the_content_origin(self, player, tenant):
        _, au = launch_au(player, tenant)
        assert au.delivery["href"].startswith("default.htm?AICC_SID=")
        assert au.url == player.origin(tenant) + "/player/hacp"
        assert len(au.sid) >= 40

    def test_package_details_show_the_aicc_course(self, player, client, tenant):
        package_id = player.package(tenant, COMPLEX)
        body = client.get(f"/api/v1/packages/{package_id}", headers=tenant.headers).json
        assert body["standard"] == "aicc"
        aus = {au["system_id"]: au for au in body["aicc"]["aus"]}
        assert aus["A1"]["title"] == "Intro AU" and aus["A1"]["mastery_score"] == 80
        assert aus["A3"]["file_name"] == "assessment.html" and aus["A3"]["core_vendor"] == "Example Corp"
        assert body["aicc"]["course"]["title"] == "Complex AICC Course"
        assert [item["identifier"] for item in body["organizations"][0]["items"]] == ["A1", "A2", "A3"]


    def test_version_in_the_packages_and_sessions_apis_is_the_crs_version(self, player, client, tenant):
        # emp_aicc.crs says Version=3.0; the AICC runtime still runs on the SCORM 1.2 data model.
        session_id, _ = launch_au(player, tenant)
        session = client.get(f"/api/v1/sessions/{session_id}", headers=tenant.headers).json["session"]
        assert session["package"]["version"] == "3.0"
        package_id = session["package_id"]
        body = client.get(f"/api/v1/packages/{package_id}", headers=tenant.headers).json
        assert (body["version"], body["edition"], body["metadata"]["schemaversion"]) == ("3.0", "3.0", "3.0")
        listed = client.get("/api/v1/packages", headers=tenant.headers).json["packages"]
        assert next(p for p in listed if p["id"] == package_id)["version"] == "3.0"


class TestCommands:
    def test_get_put_exit_round_trip_updates_the_session(self, player, tenant):
        session_id, au = launch_au(player, tenant)
        first = au.command("GetParam")
        assert (first["error"], first["error_text"]) == ("0", "Successful")
        assert "student_id=learner-1" in first["aicc_data"]
        assert "lesson_status=not attempted,ab-initio" in first["aicc_data"]
        assert "lesson_mode=normal" in first["aicc_data"] and "credit=credit" in first["aicc_data"]

        put = "[Core]\r\nLesson_Location=page 3\r\nLesson_Status=i,s\r\nScore=\r\nTime=00:01:30\r\n"
        put += "[Core_Lesson]\r\nabc=1"
        assert au.command("putparam", put)["error"] == "0"  # command names in any case
        session = player.session(tenant, session_id)
        assert session["completion_status"] == "incomplete"
        assert session["cmi_data"]["cmi.core.lesson_location"] == "page 3"
        assert session["cmi_data"]["cmi.suspend_data"] == "abc=1"

        au.command("PUTPARAM", "[CORE]\nlesson_status = passed\nscore = 85,100,0\ntime=00:02:00\n")
        assert au.command("ExitAU")["error"] == "0"
        session = player.session(tenant, session_id)
        assert (session["completion_status"], session["success_status"]) == ("completed", "passed")
        assert session["score"]["raw"] == 85
        assert session["time_spent_seconds"] == 120
        # After ExitAU the AU's session is over.
        assert au.command("PutParam", "[Core]\nLesson_Status=failed")["error"] == "3"

    def test_next_launch_resumes_with_the_stored_data(self, player, tenant):
        _, au = launch_au(player, tenant)
        au.command("PutParam", "[Core]\nLesson_Location=7\nLesson_Status=incomplete,suspend\nTime=00:00:10")
        au.command("ExitAU")
        again = Au(player, au.launched, player.deliver(au.launched))
        assert again.sid != au.sid
        data = again.command("GetParam")["aicc_data"]
        assert "lesson_location=7" in data and "lesson_status=incomplete,resume" in data
        assert "time=0000:00:10" in data

    def test_objectives_interactions_and_comments_are_kept(self, player, tenant):
        session_id, au = launch_au(player, tenant)
        au.command("PutObjectives", '"course_id","student_id","lesson_id","date","time","objective_id","score",'
                   '"status"\r\n"1","learner-1","A1","2024/01/01","10:00:00","OBJ-1","90","p"')  # fmt: skip
        au.command("PutInteractions", '"course_id","student_id","lesson_id","date","time","interaction_id",'
                   '"objective_id","type_interaction","correct_response","student_response","result","weighting",'
                   '"latency"\r\n"1","learner-1","A1","2024/01/01","10:00:00","Q1","OBJ-1","C","a","a","C","1",'
                   '"00:00:05"')  # fmt: skip
        au.command("PutComments", "<1>Nice course")
        cmi = player.session(tenant, session_id)["cmi_data"]
        assert (cmi["cmi.objectives.0.id"], cmi["cmi.objectives.0.status"]) == ("OBJ-1", "passed")
        assert (cmi["cmi.interactions.0.id"], cmi["cmi.interactions.0.result"]) == ("Q1", "C")
        assert cmi["cmi.comments"] == "<1>Nice course"

    def test_mastery_score_of_the_au_decides_passed_or_failed(self, player, tenant):
        session_id, au = launch_au(player, tenant, COMPLEX, "A1")
        assert "mastery_score=80" in au.command("GetParam")["aicc_data"]
        au.command("PutParam", "[Core]\nLesson_Status=completed\nScore=70")
        activity = next(a for a in player.session(tenant, session_id)["activities"] if a["item_id"] == "A1")
        assert (activity["success_status"], activity["score"]["raw"]) == ("failed", 70)

    def test_review_mode_serves_the_data_and_stores_nothing(self, player, tenant):
        session_id, au = launch_au(player, tenant)
        au.command("PutParam", "[Core]\nLesson_Location=5\nLesson_Status=incomplete")
        package_id = player.package(tenant, AICC)
        review = player.launch(player.open(tenant, package_id, mode="review")["launch_url"])
        reviewing = Au(player, review, player.deliver(review))
        data = reviewing.command("GetParam")["aicc_data"]
        assert "lesson_location=5" in data and "lesson_mode=review" in data and "credit=no-credit" in data
        assert reviewing.command("PutParam", "[Core]\nLesson_Status=passed")["error"] == "0"
        assert player.session(tenant, session_id)["success_status"] == "unknown"

    def test_unknown_command_and_unknown_sid_answer_hacp_errors(self, player, tenant):
        _, au = launch_au(player, tenant)
        assert au.command("Launch")["error"] == "1"
        unknown = hacp_answer(au.post("GetParam", sid="x" * 43))
        assert (unknown["error"], unknown["error_text"]) == ("3", "Invalid Session ID")

    def test_text_plain_body_and_query_string_fields_are_read(self, player, tenant):
        _, au = launch_au(player, tenant)
        body = f"command=getparam&session_id={au.sid}&version=2.2&aicc_data="
        response = player.client.post(au.url, data=body, content_type="text/plain")
        assert hacp_answer(response)["error"] == "0"


class TestIsolation:
    def test_another_tenants_origin_refuses_the_sid(self, player, tenant, make_tenant):
        session_id, au = launch_au(player, tenant)
        other = make_tenant()
        elsewhere = player.origin(other) + "/player/hacp"
        refused = hacp_answer(au.post("PutParam", "[Core]\nLesson_Status=passed", url=elsewhere))
        assert refused["error"] == "3"
        assert hacp_answer(au.post("GetParam", url=elsewhere))["error"] == "3"
        assert player.session(tenant, session_id)["completion_status"] != "completed"

    def test_api_origin_does_not_serve_hacp(self, player, tenant):
        _, au = launch_au(player, tenant)
        response = au.post("GetParam", url="/player/hacp")
        assert response.status_code == 421

    def test_sid_of_an_earlier_attempt_is_refused(self, player, client, tenant):
        _, au = launch_au(player, tenant)
        package_id = player.package(tenant, AICC)
        player.open(tenant, package_id, new_attempt=True)
        assert au.command("PutParam", "[Core]\nLesson_Status=passed")["error"] == "3"

    def test_sid_of_an_earlier_launch_of_the_au_is_refused(self, player, tenant):
        session_id, au = launch_au(player, tenant)
        newer = Au(player, au.launched, player.deliver(au.launched))
        assert au.command("PutParam", "[Core]\nLesson_Status=passed")["error"] == "3"
        assert newer.command("PutParam", "[Core]\nLesson_Status=failed")["error"] == "0"
        assert player.session(tenant, session_id)["success_status"] == "failed"

    def test_sid_expires(self, player, tenant, app):
        app.extensions["allure"].settings = _with_ttl(app.extensions["allure"].settings, 1)
        _, au = launch_au(player, tenant)
        assert au.command("GetParam")["error"] == "0"
        time.sleep(2.1)
        assert au.command("GetParam")["error"] == "3"


def _with_ttl(settings: Any, seconds: int) -> Any:
    from dataclasses import replace

    return replace(settings, aicc_session_ttl_seconds=seconds)


class TestCors:
    def test_answers_allow_any_origin_without_credentials(self, player, tenant):
        _, au = launch_au(player, tenant)
        response = au.post("GetParam", headers={"Origin": "https://courses.example.org"})
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in response.headers

    def test_preflight_is_answered(self, player, tenant):
        _, au = launch_au(player, tenant)
        response = player.client.options(au.url, headers={
            "Origin": "https://courses.example.org", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-requested-with"})  # fmt: skip
        assert response.status_code == 204
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "POST" in response.headers["Access-Control-Allow-Methods"]
        assert response.headers["Access-Control-Allow-Headers"] == "content-type,x-requested-with"

    @pytest.mark.parametrize("path", ["/player/s/x/deliver", "/player/ping"])
    def test_other_player_routes_stay_closed_to_other_origins(self, player, tenant, path):
        response = player.client.options(player.origin(tenant) + path, headers={
            "Origin": "https://courses.example.org", "Access-Control-Request-Method": "POST"})  # fmt: skip
        assert "Access-Control-Allow-Origin" not in response.headers
