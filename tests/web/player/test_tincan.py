"""TinCan packages in the player: the launch parameters, the launch credential's scope, progress from statements."""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fixtures.corpus import CORPUS
from tests.fixtures.tincan import GOLF_ID, VERBS, TinCanLaunch, launch_tincan, send
from web.player.status import ScoStatus
from web.player.tincan import derive

GOLF = CORPUS / "tincan" / "rustici_GolfExample_TCAPI.zip"
TETRIS = CORPUS / "tincan" / "rustici_JsTetris_TCAPI.zip"


@pytest.fixture
def golf(player, tenant):
    def start(user_id: str = "learner-1", **extra) -> tuple[dict, TinCanLaunch]:
        opened = player.open(tenant, player.package(tenant, GOLF), user_id, **extra)
        return opened, launch_tincan(player, opened["launch_url"])

    return start


class TestImport:
    def test_package_details_show_the_standard_and_the_activities(self, player, tenant):
        package_id = player.package(tenant, GOLF)
        body = player.client.get(f"/api/v1/packages/{package_id}", headers=tenant.headers).json
        assert body["standard"] == "tincan" and body["metadata"]["launch_path"] == "index.html"
        assert body["metadata"]["identifier"] == GOLF_ID and body["title"] == "Tin Can Golf Example"
        [activity] = body["activities"]
        assert activity["id"] == GOLF_ID and activity["launchable"] and activity["launch"] == "index.html"
        assert activity["description"] == {"en-US": "An overview of the sport of golf."}

    def test_version_is_null_in_the_packages_and_sessions_apis(self, player, tenant, golf):
        # tincan.xml carries no version of its standard; `standard` says "tincan" (SCORM Cloud: xAPI, no version).
        opened, _ = golf()
        assert opened["session"]["package"]["version"] is None
        package_id = opened["session"]["package_id"]
        body = player.client.get(f"/api/v1/packages/{package_id}", headers=tenant.headers).json
        assert (body["version"], body["edition"], body["standard"]) == (None, None, "tincan")


    @pytest.mark.parametrize(("descriptor", "code"), [
        (b"<tincan><activities><activity id='http://x.example/a'/></activities></tincan>", "TINCAN_NO_LAUNCH"),
        (b"<tincan><activities><activity id='a'><launch>index.html</launch></activity></activities></tincan>",
         "MANIFEST_INVALID"),
        (b"<tincan><activities><activity id='urn:a'><launch>https://evil.example/</launch></activity></activities>"
         b"</tincan>", "MANIFEST_LAUNCH_URL_REFUSED"),
        (b"<tincan><activities>", "MANIFEST_INVALID_XML"),
    ])  # fmt: skip
    def test_a_bad_tincan_xml_fails_the_import_and_stores_nothing(self, ingest, tenant, descriptor, code):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("tincan.xml", descriptor)
            archive.writestr("index.html", "<html></html>")
        job = ingest.import_bytes(tenant, buffer.getvalue())
        assert job["status"] == "failed" and job["error"]["code"] == code, job
        assert ingest.stored_keys(f"tenants/{tenant.tenant_id}/packages/") == []


class TestLaunch:
    def test_the_content_gets_the_tincan_launch_parameters(self, app, player, tenant, golf):
        opened, launch = golf()
        settings = app.extensions["allure"].settings
        assert launch.params["endpoint"] == launch.origin + "/xapi/"
        assert launch.params["auth"].startswith("Basic ")
        assert launch.actor["account"] == {"homePage": settings.public_base_url, "name": "learner-1"}
        assert launch.params["registration"] == opened["session"]["id"]
        assert launch.params["activity_id"] == GOLF_ID
        assert launch.content_path.endswith("/index.html")
        assert player.client.get(launch.origin + launch.content_path).status_code == 200
        session = player.session(tenant, opened["session"]["id"])
        assert (session["completion_status"], session["success_status"]) == ("incomplete", "unknown")

    def test_the_scorm_runtime_is_refused_to_a_tincan_launch(self, player, golf):
        opened, launch = golf()
        # Hostile content on the same origin cannot mark itself done through the SCORM runtime.
        response = player.client.post(f"{launch.origin}/player/s/{opened['session']['id']}/deliver",
                                      json={"item": GOLF_ID})  # fmt: skip
        assert response.status_code == 404 and response.json["error"]["code"] == "NOT_FOUND"


class TestProgress:
    def test_passed_with_score_and_duration_completes_the_session(self, player, tenant, golf):
        opened, launch = golf()
        send(player, launch, [launch.statement("attempted"), launch.statement(
            "passed", result={"score": {"scaled": 0.9, "raw": 90, "min": 0, "max": 100}, "success": True,
                              "completion": True, "duration": "PT2M30S"})])  # fmt: skip
        send(player, launch, launch.statement("terminated", result={"duration": "PT3M"}))
        session = player.session(tenant, opened["session"]["id"])
        assert (session["completion_status"], session["success_status"]) == ("completed", "passed")
        assert session["score"] == {"scaled": 0.9, "raw": 90.0, "min": 0.0, "max": 100.0}
        assert session["time_spent_seconds"] == 180

    def test_failed_then_voided(self, player, tenant, golf):
        opened, launch = golf()
        [failed] = send(player, launch, launch.statement("failed", result={"score": {"scaled": 0.4}})).json
        session = player.session(tenant, opened["session"]["id"])
        assert (session["completion_status"], session["success_status"]) == ("completed", "failed")
        send(player, launch, launch.statement("voided", object={"objectType": "StatementRef", "id": failed}))
        session = player.session(tenant, opened["session"]["id"])
        assert (session["completion_status"], session["success_status"]) == ("incomplete", "unknown")

    def test_statements_about_other_activities_do_not_complete_the_course(self, player, tenant, golf):
        opened, launch = golf()
        send(player, launch, launch.statement("completed", activity=GOLF_ID + "/Playing/Playing"))
        # Content may describe activities its tincan.xml does not list (its documents stay under the launch's).
        send(player, launch, launch.statement("completed", activity="http://id.tincanapi.com/activity/elsewhere"))
        assert player.session(tenant, opened["session"]["id"])["completion_status"] == "incomplete"
        state = {"activityId": "http://id.tincanapi.com/activity/elsewhere", "agent": json.dumps(launch.actor),
                 "registration": launch.params["registration"], "stateId": "x"}  # fmt: skip
        response = player.client.get(launch.origin + "/xapi/activities/state", query_string=state,
                                     headers=launch.headers())  # fmt: skip
        assert response.status_code == 403

    def test_a_new_attempt_gets_a_new_registration_and_the_old_launch_no_longer_counts(self, player, tenant, golf):
        opened, first = golf()
        send(player, first, first.statement("passed"))
        again, second = golf(new_attempt=True)
        assert second.params["registration"] != first.params["registration"]
        send(player, first, first.statement("failed"))  # the old launch still reports to the LRS ...
        session = player.session(tenant, opened["session"]["id"])
        assert (session["attempts"], session["completion_status"]) == (2, "incomplete")  # ... not to the session
        send(player, second, second.statement("completed"))
        assert player.session(tenant, opened["session"]["id"])["completion_status"] == "completed"

    def test_a_review_launch_leaves_the_session_alone(self, player, tenant, golf):
        opened, first = golf()
        _, review = golf(mode="review")
        assert review.params["registration"] != first.params["registration"]
        send(player, review, review.statement("passed"))
        send(player, first, first.statement("experienced"))  # what the attempt derives from ignores the review
        assert player.session(tenant, opened["session"]["id"])["success_status"] == "unknown"
        forged = review.statement("passed", context={"registration": first.params["registration"]})
        send(player, review, forged, 403)


class TestDispatch:
    def test_a_dispatched_tincan_course_plays_with_the_bridge_and_reports(self, player, tenant, create_dispatch):
        dispatch = create_dispatch(tenant, player.package(tenant, GOLF))
        origin = player.origin(tenant)
        response = player.client.get(f"{origin}/player/dispatch/{dispatch['token']}?learner_id=host-1&learner_name=Ann")
        assert response.status_code == 200, response.data
        page = response.get_data(as_text=True)
        assert 'id="allure-dispatch-config"' in page and "dispatch_bridge.js" in page
        src = html.unescape(re.search(r'<iframe id="sco-frame"[^>]* src="([^"]+)"', page).group(1))
        params = {key: values[0] for key, values in parse_qs(urlsplit(src).query).items()}
        launch = TinCanLaunch(params["registration"], origin, urlsplit(src).path, params)
        send(player, launch, launch.statement("passed", result={"score": {"scaled": 1}}))
        bridge = json.loads(re.search(r'id="allure-dispatch-config">(.*?)</script>', page, re.S).group(1))
        status = player.client.get(origin + bridge["statusUrl"]).json
        assert (status["completion_status"], status["success_status"]) == ("completed", "passed")


class TestIsolation:
    def test_a_launch_cannot_write_or_read_another_registration(self, player, tenant, golf):
        _, mine = golf("learner-1")
        _, theirs = golf("learner-2")
        [their_statement] = send(player, theirs, theirs.statement("experienced")).json
        other_registration = mine.statement("passed", context={"registration": theirs.params["registration"]})
        assert send(player, mine, other_registration, 403).json["error"]["code"] == "FORBIDDEN"
        impersonation = mine.statement("passed", actor=theirs.actor)
        assert send(player, mine, impersonation, 403).json["error"]["code"] == "FORBIDDEN"
        read = player.client.get(mine.origin + "/xapi/statements", query_string={"statementId": their_statement},
                                 headers=mine.headers())  # fmt: skip
        assert read.status_code == 404
        state = {"activityId": GOLF_ID, "agent": json.dumps(theirs.actor), "stateId": "bookmarking-data",
                 "registration": theirs.params["registration"]}  # fmt: skip
        response = player.client.get(mine.origin + "/xapi/activities/state", query_string=state, headers=mine.headers())
        assert response.status_code == 403

    def test_a_launch_credential_is_refused_on_another_tenants_origin(self, player, tenant, make_tenant, golf):
        _, launch = golf()
        other = player.origin(make_tenant())
        response = player.client.post(other + "/xapi/statements", data=json.dumps(launch.statement("passed")),
                                      content_type="application/json", headers=launch.headers())  # fmt: skip
        assert response.status_code == 401

    def test_another_tenant_cannot_use_the_registration(self, player, tenant, make_tenant, golf):
        opened, launch = golf()
        intruder_tenant = make_tenant()
        opened_there = player.open(intruder_tenant, player.package(intruder_tenant, GOLF), "learner-1")
        intruder = launch_tincan(player, opened_there["launch_url"])
        forged = intruder.statement("passed", context={"registration": launch.params["registration"]})
        send(player, intruder, forged, 403)
        assert player.session(tenant, opened["session"]["id"])["success_status"] == "unknown"


class TestDerive:
    """The rules, on statements as the LRS stores them (oldest first)."""

    @staticmethod
    def stmt(verb: str, **result) -> dict:
        return {"verb": {"id": VERBS + verb}, **({"result": result} if result else {})}

    def test_nothing_reported_is_not_attempted(self):
        assert derive([]) == (ScoStatus(), 0.0)

    def test_any_statement_is_an_attempt_and_completion_true_completes(self):
        assert derive([self.stmt("experienced")])[0].completion == "incomplete"
        assert derive([self.stmt("experienced", completion=True)])[0].completion == "completed"

    def test_the_latest_passed_or_failed_decides_and_the_latest_score_counts(self):
        status, _ = derive([self.stmt("failed", score={"scaled": 0.5}), self.stmt("passed", score={"scaled": 0.9}),
                            self.stmt("experienced", score={"scaled": 0.1})])  # fmt: skip
        assert (status.completion, status.success, status.score) == ("completed", "passed", {"scaled": 0.9})

    def test_time_is_the_summed_sessions_or_the_longest_reported_duration(self):
        sessions = [self.stmt("terminated", duration="PT1M"), self.stmt("terminated", duration="PT2M")]
        assert derive(sessions)[1] == 180
        assert derive([*sessions, self.stmt("suspended", duration="PT10M")])[1] == 600
        assert derive([self.stmt("completed", duration="not a duration")])[1] == 0
