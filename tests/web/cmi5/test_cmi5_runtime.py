"""cmi5 through the API, the fetch URL and `/xapi`, on the corpus's CATAPULT multi-AU course.

Import, package details, a session's registration, AU launches (LaunchData, preferences,
`launched`), the one-time fetch URL, the cmi5 statement rules, the LMS's satisfied,
abandoned and waived statements, and the session fields derived from the statements.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from models.webhooks import WebhookEvent
from tests.fixtures.corpus import CORPUS
from tests.fixtures.player import content_client
from web.lrs.credentials import create_credential

COURSE = CORPUS / "cmi5" / "catapult_multi_au_framed.zip"
ADL = "http://adlnet.gov/expapi/verbs/"
CMI5 = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
MOVEON = "https://w3id.org/xapi/cmi5/context/categories/moveon"
SESSION = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"


class Au:
    """One launched AU, as the content sees it: its launch parameters and, once fetched, its token."""

    def __init__(self, client: Any, launched: dict[str, Any]) -> None:
        self.client = client
        self.launched = launched
        query = parse_qs(urlsplit(launched["url"]).query)
        self.params = {key: values[0] for key, values in query.items()}
        self.actor = json.loads(self.params["actor"])
        self.token = ""
        self.extensions: dict[str, Any] = {SESSION: launched["cmi5_session_id"]}

    def fetch(self, method: str = "POST") -> Any:
        return self.client.open(urlsplit(self.params["fetch"]).path, method=method)

    def start(self) -> None:
        """Fetch the token and read LMS.LaunchData, whose context template statements then use."""
        self.token = self.fetch().json["auth-token"]
        self.extensions = self.launch_data()["contextTemplate"]["extensions"]

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Basic {self.token}", "X-Experience-API-Version": "1.0.3"}

    def xapi(self, method: str, path: str, **kwargs: Any) -> Any:
        origin = self.client.origin
        return self.client.open(origin + "/xapi" + path, method=method, headers=self.headers(), **kwargs)

    def launch_data(self) -> dict[str, Any]:
        response = self.xapi("GET", "/activities/state", query_string={
            "stateId": "LMS.LaunchData", "activityId": self.params["activityId"], "agent": self.params["actor"],
            "registration": self.params["registration"]})  # fmt: skip
        assert response.status_code == 200, response.json
        return json.loads(response.data)

    def read_preferences(self) -> Any:
        return self.xapi("GET", "/agents/profile",
                         query_string={"profileId": "cmi5LearnerPreferences", "agent": self.params["actor"]})

    def statement(self, verb: str, *, moveon: bool = False, result: dict | None = None, **changes: Any) -> dict:
        categories = [{"id": CMI5}] + ([{"id": MOVEON}] if moveon else [])
        body = {
            "id": str(uuid.uuid4()), "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "actor": self.actor, "verb": {"id": ADL + verb}, "object": {"id": self.params["activityId"]},
            "context": {"registration": self.params["registration"],
                        "contextActivities": {"category": categories},
                        "extensions": dict(self.extensions)},
        }  # fmt: skip
        if result is not None:
            body["result"] = result
        body.update(changes)
        return body

    def send(self, statement: dict[str, Any]) -> Any:
        return self.xapi("PUT", "/statements", query_string={"statementId": statement["id"]},
                         data=json.dumps(statement), content_type="application/json")  # fmt: skip


@pytest.fixture
def cmi5_course(app, client, ingest, tenant) -> dict[str, Any]:
    job = ingest.import_file(tenant, COURSE)
    assert job["status"] == "succeeded", job
    with app.extensions["allure"].sessions.begin() as session:
        credential, secret = create_credential(session, tenant.tenant_id, "reports")
    lrs = "Basic " + base64.b64encode(f"{credential.key}:{secret}".encode()).decode()
    return {"package_id": job["result"]["package_id"], "lrs": {"Authorization": lrs,
                                                               "X-Experience-API-Version": "1.0.3"}}


@pytest.fixture
def learner(client, tenant, cmi5_course) -> dict[str, Any]:
    response = client.post("/api/v1/sessions", headers=tenant.headers,
                           json={"package_id": cmi5_course["package_id"], "user_id": "learner-1"})
    assert response.status_code == 201, response.json
    return response.json


@pytest.fixture
def launch(app, client, tenant, learner):
    content = content_client(app, tenant.tenant_id)

    def launch(index: int = 0, **extra: Any) -> Au:
        response = client.post(f"/api/v1/sessions/{learner['session']['id']}/au-launch", headers=tenant.headers,
                               json={"au_index": index, **extra})  # fmt: skip
        assert response.status_code == 200, response.json
        return Au(content, response.json)

    return launch


def statements(client, cmi5_course, registration: str) -> list[dict[str, Any]]:
    response = client.get("/xapi/statements", headers=cmi5_course["lrs"],
                          query_string={"registration": registration, "ascending": "true", "limit": "500"})  # fmt: skip
    assert response.status_code == 200, response.json
    return response.json["statements"]


def webhook_events(app, tenant_id: str) -> list[dict[str, Any]]:
    with app.extensions["allure"].sessions() as session:
        rows = session.scalars(select(WebhookEvent.body).where(WebhookEvent.tenant_id == tenant_id))
        return [json.loads(body) for body in rows]


def verbs(found: list[dict[str, Any]]) -> list[str]:
    return [s["verb"]["id"].rsplit("/", 1)[-1] for s in found]


def session_of(client, tenant, learner) -> dict[str, Any]:
    return client.get(f"/api/v1/sessions/{learner['session']['id']}", headers=tenant.headers).json["session"]


def initialize(au: Au) -> None:
    au.start()
    assert au.read_preferences().status_code == 200
    assert au.send(au.statement("initialized")).status_code == 204


def test_package_details_show_the_course_and_its_aus(client, tenant, cmi5_course):
    details = client.get(f"/api/v1/packages/{cmi5_course['package_id']}", headers=tenant.headers).json
    assert details["standard"] == "cmi5"
    aus = details["cmi5"]["aus"]
    assert len(aus) == 8 and aus[0]["move_on"] == "CompletedOrPassed" and aus[0]["launch_method"] == "AnyWindow"
    assert details["cmi5"]["course"]["id"].endswith("geology-intro-multi-au-framed")


def test_a_bare_course_structure_imports_and_an_invalid_one_is_refused(ingest, tenant):
    good = ingest.import_bytes(tenant, (CORPUS / "cmi5" / "xml" / "101-one-thousand-aus.xml").read_bytes(), "cmi5.xml")
    assert good["status"] == "succeeded" and good["result"]["sco_count"] == 1001
    bad = ingest.import_bytes(tenant, (CORPUS / "cmi5" / "xml" / "201-1-iris-course-id.xml").read_bytes(), "cmi5.xml")
    assert bad["status"] == "failed" and bad["error"]["code"] == "CMI5_ID_NOT_IRI"


def test_invalid_cmi5_zips_fail_their_import_with_a_code(ingest, tenant):
    job = ingest.import_file(tenant, CORPUS / "cmi5" / "invalid_catapult_lts_203-1-relative-url-no-reference.zip")
    assert job["status"] == "failed" and job["error"]["code"] == "CMI5_AU_FILE_MISSING"


def test_launch_writes_launch_data_preferences_and_launched(client, cmi5_course, learner, launch):
    au = launch(0, return_url="https://partner.example.com/back")
    assert au.params["registration"] == learner["registration"] == au.launched["registration"]
    assert au.params["activityId"] != "https://w3id.org/xapi/cmi5/catapult/lts/course/geology-intro-multi-au-framed/1"
    au.start()
    data = au.launch_data()
    assert data["launchMode"] == "Normal" and data["moveOn"] == "CompletedOrPassed"
    assert data["returnURL"] == "https://partner.example.com/back"
    assert data["contextTemplate"]["extensions"][SESSION] == au.launched["cmi5_session_id"]
    assert json.loads(au.read_preferences().data) == {"languagePreference": "en-US", "audioPreference": "on"}
    found = statements(client, cmi5_course, learner["registration"])
    assert verbs(found) == ["launched"]
    assert found[0]["context"]["extensions"][SESSION] == au.launched["cmi5_session_id"]


def test_the_fetch_url_answers_once_and_only_to_post(launch):
    au = launch(0)
    assert au.fetch("GET").status_code == 405
    first = au.fetch()
    assert first.status_code == 200 and first.mimetype == "application/json" and "auth-token" in first.json
    again = au.fetch()
    assert again.status_code == 200 and again.json["error-code"] == "1" and "auth-token" not in again.json


def test_the_token_speaks_for_this_actor_and_registration_only(launch):
    au = launch(0)
    initialize(au)
    other = au.statement("experienced", context={**au.statement("x")["context"], "registration": str(uuid.uuid4())})
    assert au.send(other).status_code == 403
    stranger = au.statement("experienced", actor={"account": {"homePage": "https://x.example", "name": "eve"}})
    assert au.send(stranger).status_code == 403
    assert au.xapi("PUT", "/activities/state", query_string={
        "stateId": "LMS.LaunchData", "activityId": au.params["activityId"], "agent": au.params["actor"],
        "registration": au.params["registration"]}, data="{}", content_type="application/json").status_code == 403


def test_statement_rules_are_enforced(launch):
    au = launch(0)
    au.start()
    assert au.send(au.statement("initialized")).status_code == 403  # preferences not read yet (11.0.0.0-3)
    assert au.read_preferences().status_code == 200
    assert au.send(au.statement("completed", moveon=True, result={"completion": True, "duration": "PT1S"})
                   ).status_code == 403  # before initialized
    assert au.send(au.statement("initialized")).status_code == 204
    assert au.send(au.statement("initialized")).status_code == 403  # twice
    assert au.send(au.statement("completed", result={"completion": True, "duration": "PT1S"})).status_code == 403
    assert au.send(au.statement("completed", moveon=True, result={"completion": True})).status_code == 403
    no_timestamp = au.statement("experienced")
    del no_timestamp["timestamp"]
    assert au.send(no_timestamp).status_code == 403
    assert au.send(au.statement("passed", moveon=True, result={"success": False, "duration": "PT1S"})
                   ).status_code == 403
    assert au.send(au.statement("completed", moveon=True, result={"completion": True, "duration": "PT1S"})
                   ).status_code == 204
    assert au.send(au.statement("completed", moveon=True, result={"completion": True, "duration": "PT1S"})
                   ).status_code == 403  # once per registration
    assert au.send(au.statement("terminated", result={"duration": "PT30S"})).status_code == 204
    assert au.send(au.statement("experienced")).status_code == 401  # the session is over


def test_statements_reach_the_lrs_and_the_session_fields_follow(client, tenant, cmi5_course, learner, launch):
    au = launch(0)
    initialize(au)
    assert au.send(au.statement("experienced")).status_code == 204
    passed = au.statement("passed", moveon=True, result={"success": True, "duration": "PT20S",
                                                         "score": {"scaled": 0.9, "raw": 9, "min": 0, "max": 10}})
    assert au.send(passed).status_code == 204
    assert au.send(au.statement("terminated", result={"duration": "PT1M"})).status_code == 204
    found = statements(client, cmi5_course, learner["registration"])
    assert verbs(found) == ["launched", "initialized", "experienced", "passed", "terminated"]
    session = session_of(client, tenant, learner)
    assert session["completion_status"] == "incomplete"  # seven AUs are not done yet
    assert session["score"]["scaled"] == 0.9 and session["time_spent_seconds"] == 60
    activity = next(a for a in session["activities"] if a["item_id"].endswith("/1"))
    assert (activity["success_status"], activity["time_spent_seconds"]) == ("passed", 60)


def test_satisfied_is_written_when_every_au_is_done(app, client, tenant, cmi5_course, learner, launch):
    hook = {"url": "https://hooks.example.com/allure", "events": ["session.completed", "session.passed",
                                                                  "session.terminated"]}  # fmt: skip
    assert client.post("/api/v1/webhooks", json=hook, headers=tenant.headers).status_code == 201
    for index in range(8):
        au = launch(index)
        initialize(au)
        done = au.statement("completed", moveon=True, result={"completion": True, "duration": "PT1S"})
        assert au.send(done).status_code == 204
        if index == 7:  # the quiz's moveOn is CompletedAndPassed
            passed = au.statement("passed", moveon=True, result={"success": True, "duration": "PT1S"})
            assert au.send(passed).status_code == 204
        assert au.send(au.statement("terminated", result={"duration": "PT2S"})).status_code == 204
    found = statements(client, cmi5_course, learner["registration"])
    assert verbs(found)[-2:] == ["satisfied", "terminated"], verbs(found)
    satisfied = found[-2]
    assert satisfied["object"]["definition"]["type"] == "https://w3id.org/xapi/cmi5/activitytype/course"
    assert satisfied["context"]["contextActivities"]["grouping"][0]["id"].endswith("geology-intro-multi-au-framed")
    session = session_of(client, tenant, learner)
    assert session["completion_status"] == "completed" and session["success_status"] == "passed"
    assert session["time_spent_seconds"] == 16
    sent = sorted(event["type"] for event in webhook_events(app, tenant.tenant_id))
    assert sent == ["session.completed", "session.passed"] + ["session.terminated"] * 8


def test_a_new_launch_abandons_the_open_session(client, cmi5_course, learner, launch):
    first = launch(0)
    initialize(first)
    second = launch(1)
    found = statements(client, cmi5_course, learner["registration"])
    assert verbs(found) == ["launched", "initialized", "abandoned", "launched"]
    abandoned = found[2]
    assert abandoned["context"]["extensions"][SESSION] == first.launched["cmi5_session_id"]
    assert "duration" in abandoned["result"]
    assert first.send(first.statement("experienced")).status_code == 401
    assert second.fetch().status_code == 200


def test_abandon_and_waive_through_the_api(client, tenant, cmi5_course, learner, launch):
    session_id = learner["session"]["id"]
    au = launch(0)
    initialize(au)
    abandoned = client.post(f"/api/v1/sessions/{session_id}/abandon", headers=tenant.headers,
                            json={"cmi5_session_id": au.launched["cmi5_session_id"]})  # fmt: skip
    assert abandoned.status_code == 200 and abandoned.json["abandoned"] == [au.launched["cmi5_session_id"]]
    waived = client.post(f"/api/v1/sessions/{session_id}/waive", headers=tenant.headers,
                         json={"au_index": 0, "reason": "Tested Out"})  # fmt: skip
    assert waived.status_code == 200
    again = client.post(f"/api/v1/sessions/{session_id}/waive", headers=tenant.headers,
                        json={"au_index": 0, "reason": "Tested Out"})  # fmt: skip
    assert again.status_code == 409 and again.json["error"]["code"] == "AU_ALREADY_SATISFIED"
    found = statements(client, cmi5_course, learner["registration"])
    assert verbs(found) == ["launched", "initialized", "abandoned", "waived"]
    assert found[-1]["result"]["extensions"]["https://w3id.org/xapi/cmi5/result/extensions/reason"] == "Tested Out"
    activity = next(a for a in session_of(client, tenant, learner)["activities"] if a["item_id"].endswith("/1"))
    assert (activity["completion_status"], activity["success_status"]) == ("completed", "passed")


def test_browse_mode_refuses_judging_statements(launch):
    au = launch(0, mode="browse")
    initialize(au)
    assert au.launch_data()["launchMode"] == "Browse"
    assert au.send(au.statement("completed", moveon=True, result={"completion": True, "duration": "PT1S"})
                   ).status_code == 403


def test_another_tenant_cannot_touch_the_session(client, make_tenant, learner):
    other = make_tenant()
    session_id = learner["session"]["id"]
    for path, body in (("au-launch", {"au_index": 0}), ("waive", {"au_index": 0, "reason": "x"}), ("abandon", {})):
        response = client.post(f"/api/v1/sessions/{session_id}/{path}", headers=other.headers, json=body)
        assert response.status_code == 404 and response.json["error"]["code"] == "SESSION_NOT_FOUND"


def test_a_silent_session_is_abandoned_by_the_idle_sweep(app, client, cmi5_course, learner, launch):
    from datetime import timedelta

    from web.cmi5.lms import abandon_idle

    au = launch(0)
    initialize(au)
    services = app.extensions["allure"]
    with services.sessions.begin() as session:
        assert abandon_idle(session, services.settings.public_base_url, timedelta(hours=1)) == 0
    with services.sessions.begin() as session:
        assert abandon_idle(session, services.settings.public_base_url, timedelta(seconds=0)) == 1
    assert verbs(statements(client, cmi5_course, learner["registration"]))[-1] == "abandoned"
    assert au.send(au.statement("experienced")).status_code == 401


def test_a_fetch_url_works_on_its_own_tenants_origin_only(app, make_tenant, launch):
    au = launch(0)
    other = content_client(app, make_tenant().tenant_id)
    refused = other.open(urlsplit(au.params["fetch"]).path, method="POST")
    assert refused.status_code == 200 and refused.json["error-code"] == "2"
    assert au.fetch().json["auth-token"]


def test_the_content_origin_lrs_answers_cross_origin_aus(launch):
    au = launch(0)
    au.start()
    preflight = au.client.open(au.client.origin + "/xapi/statements", method="OPTIONS", headers={
        "Origin": "https://cdn.example.com", "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "authorization,content-type,x-experience-api-version"})  # fmt: skip
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    read = au.read_preferences()
    assert read.headers["Access-Control-Allow-Origin"] == "*" and read.headers["Cache-Control"] == "no-store"


def test_a_new_attempt_has_a_new_registration_and_ends_the_old_sessions(client, tenant, cmi5_course, learner, launch):
    au = launch(0)
    initialize(au)
    again = client.post("/api/v1/sessions", headers=tenant.headers, json={
        "package_id": cmi5_course["package_id"], "user_id": "learner-1", "new_attempt": True})  # fmt: skip
    assert again.status_code == 201 and again.json["registration"] != learner["registration"]
    assert verbs(statements(client, cmi5_course, learner["registration"]))[-1] == "abandoned"
    assert au.send(au.statement("experienced")).status_code == 401
    assert again.json["session"]["completion_status"] == "not_attempted"


def test_a_dispatched_cmi5_course_shows_its_tree_with_the_bridge_and_reports(app, tenant, cmi5_course,
                                                                            create_dispatch):  # fmt: skip
    dispatch = create_dispatch(tenant, cmi5_course["package_id"])
    content = content_client(app, tenant.tenant_id)
    response = content.get(f"/player/dispatch/{dispatch['token']}?learner_id=host-1&learner_name=Ann")
    assert response.status_code == 200, response.data
    page = response.get_data(as_text=True)
    config = json.loads(re.search(r'id="cmi5-config">(.*?)</script>', page, re.S).group(1))
    bridge = json.loads(re.search(r'id="allure-dispatch-config">(.*?)</script>', page, re.S).group(1))
    assert len(config["tree"]["children"]) and "dispatch_bridge.js" in page
    launched = content.post(f"{config['launch']}0?k={config['key']}").json
    au = Au(content, {"url": launched["url"], "cmi5_session_id": launched["session_id"]})
    initialize(au)
    done = au.statement("completed", moveon=True, result={"completion": True, "duration": "PT1S"})
    assert au.send(done).status_code == 204
    status = content.get(bridge["statusUrl"]).json
    assert status["completion_status"] == "incomplete", status  # one AU of eight
    assert au.params["actor"] and json.loads(au.params["actor"])["account"]["name"].endswith("host-1")
