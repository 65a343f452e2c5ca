"""Launch credentials on `/xapi`: one learner, one registration, expiring, on the tenant's content origin."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest

from tests.fixtures.player import content_origin
from tests.fixtures.xapi import VERBS, LrsAccount
from web.lrs import launch_credentials
from web.lrs.launch_credentials import IssuedCredential, account_actor

HOME = "http://127.0.0.1:3000"
COURSE = "http://example.com/tincan/course"


@dataclass
class Launch:
    """A launch credential and what it was issued for."""

    lrs: LrsAccount
    issued: IssuedCredential
    actor: dict
    registration: str

    def headers(self, version: str = "1.0.3") -> dict[str, str]:
        return {"Authorization": self.issued.authorization, "X-Experience-API-Version": version}


@pytest.fixture
def issue(app):
    def issue(lrs: LrsAccount, user: str = "learner-1", registration: str | None = None,
              ttl: timedelta = timedelta(hours=1), prefix: str | None = COURSE) -> Launch:  # fmt: skip
        actor = account_actor(HOME, user)
        registration = registration or str(uuid.uuid4())
        with app.extensions["allure"].sessions.begin() as session:
            issued = launch_credentials.issue(session, lrs.tenant_id, actor=actor, registration=registration,
                                              ttl=ttl, activity_prefix=prefix, purpose="tests")  # fmt: skip
        return Launch(lrs, issued, actor, registration)

    return issue


def about(launch: Launch, verb: str = "completed", activity: str = COURSE, **extra) -> dict:
    body = {"actor": launch.actor, "verb": {"id": VERBS[verb]}, "object": {"id": activity},
            "context": {"registration": launch.registration}}  # fmt: skip
    body.update(extra)
    return body


def post(client, headers, body, **kwargs):
    return client.post("/xapi/statements", data=json.dumps(body), content_type="application/json",
                       headers=headers, **kwargs)  # fmt: skip


def assert_forbidden(response):
    body = response.get_json()
    assert response.status_code == 403 and body["error"]["code"] == "FORBIDDEN", body
    assert body["request_id"]


class TestStatements:
    def test_the_learner_writes_and_reads_back_its_statements(self, client, lrs, issue):
        launch = issue(lrs)
        response = post(client, launch.headers(), about(launch))
        assert response.status_code == 200
        [statement_id] = response.get_json()
        stored = client.get("/xapi/statements", query_string={"statementId": statement_id},
                            headers=launch.headers()).get_json()  # fmt: skip
        assert stored["authority"]["account"]["name"] == launch.issued.key
        # The tenant's own LRS credentials see it too: statements stay in the tenant's LRS.
        assert client.get("/xapi/statements", query_string={"statementId": statement_id},
                          headers=lrs.headers()).status_code == 200  # fmt: skip

    @pytest.mark.parametrize("change", ["actor", "registration", "no_context", "activity"])
    def test_a_statement_outside_the_scope_is_refused_and_nothing_is_stored(self, client, lrs, issue, change):
        launch = issue(lrs)
        body = about(launch, id=str(uuid.uuid4()))
        if change == "actor":
            body["actor"] = account_actor(HOME, "someone-else")
        elif change == "registration":
            body["context"]["registration"] = str(uuid.uuid4())
        elif change == "no_context":
            del body["context"]
        else:
            body["object"]["id"] = "http://example.com/other-course"
        good = about(launch, id=str(uuid.uuid4()))
        assert_forbidden(post(client, launch.headers(), [good, body]))
        assert client.get("/xapi/statements", query_string={"statementId": good["id"]},
                          headers=lrs.headers()).status_code == 404  # fmt: skip

    def test_an_invalid_statement_answers_the_validation_error(self, client, lrs, issue):
        launch = issue(lrs)
        response = post(client, launch.headers(), about(launch, verb="completed") | {"verb": {"id": "nope"}})
        assert response.status_code == 400 and response.get_json()["error"]["code"] == "VALIDATION_ERROR"

    def test_reads_return_only_this_learner_in_this_registration(self, client, lrs, issue):
        mine, other_learner = issue(lrs), issue(lrs, user="learner-2")
        same_learner_other_registration = issue(lrs)
        ids = {}
        for name, launch in (("mine", mine), ("other", other_learner), ("rereg", same_learner_other_registration)):
            [ids[name]] = post(client, launch.headers(), about(launch)).get_json()
        listed = client.get("/xapi/statements", headers=mine.headers()).get_json()
        assert [s["id"] for s in listed["statements"]] == [ids["mine"]]
        # Asking for another agent or registration finds nothing rather than widening the scope.
        query = {"agent": json.dumps(other_learner.actor)}
        assert client.get("/xapi/statements", query_string=query, headers=mine.headers()).get_json()["statements"] == []
        for name in ("other", "rereg"):
            response = client.get("/xapi/statements", query_string={"statementId": ids[name]},
                                  headers=mine.headers())  # fmt: skip
            assert response.status_code == 404

    def test_voiding_a_statement_of_another_learner_is_refused(self, client, lrs, issue):
        mine, other = issue(lrs), issue(lrs, user="learner-2")
        [theirs] = post(client, other.headers(), about(other)).get_json()
        voiding = about(mine, verb="voided") | {"object": {"objectType": "StatementRef", "id": theirs}}
        assert_forbidden(post(client, mine.headers(), voiding))
        [own] = post(client, mine.headers(), about(mine)).get_json()
        voiding["object"]["id"] = own
        assert post(client, mine.headers(), voiding).status_code == 200


class TestDocuments:
    def state(self, launch: Launch, **override) -> dict:
        query = {"activityId": COURSE, "agent": json.dumps(launch.actor), "registration": launch.registration,
                 "stateId": "resume"}  # fmt: skip
        return query | override

    def test_state_of_its_own_registration(self, client, lrs, issue):
        launch = issue(lrs)
        put = client.put("/xapi/activities/state", query_string=self.state(launch), data=b"slide-3",
                         content_type="text/plain", headers=launch.headers())  # fmt: skip
        assert put.status_code == 204
        got = client.get("/xapi/activities/state", query_string=self.state(launch), headers=launch.headers())
        assert got.status_code == 200 and got.data == b"slide-3"

    @pytest.mark.parametrize("override", [
        {"registration": str(uuid.uuid4())}, {"registration": None},
        {"agent": json.dumps(account_actor(HOME, "learner-2"))}, {"activityId": "http://example.com/elsewhere"},
    ])  # fmt: skip
    def test_state_outside_the_scope_is_refused(self, client, lrs, issue, override):
        launch = issue(lrs)
        query = {k: v for k, v in self.state(launch, **override).items() if v is not None}
        for method in ("get", "put", "delete"):
            response = getattr(client, method)("/xapi/activities/state", query_string=query, data=b"x",
                                               content_type="text/plain", headers=launch.headers())  # fmt: skip
            assert_forbidden(response)

    def test_agent_profile_and_agents_only_for_its_learner(self, client, lrs, issue):
        launch = issue(lrs)
        own = {"agent": json.dumps(launch.actor), "profileId": "prefs"}
        assert client.post("/xapi/agents/profile", query_string=own, data=b"{}", content_type="application/json",
                           headers=launch.headers()).status_code == 204  # fmt: skip
        other = {"agent": json.dumps(account_actor(HOME, "learner-2")), "profileId": "prefs"}
        assert_forbidden(client.get("/xapi/agents/profile", query_string=other, headers=launch.headers()))
        assert_forbidden(client.get("/xapi/agents", query_string={"agent": other["agent"]}, headers=launch.headers()))
        assert client.get("/xapi/agents", query_string={"agent": own["agent"]},
                          headers=launch.headers()).status_code == 200  # fmt: skip

    def test_activity_profile_writes_need_the_prefix(self, client, lrs, issue):
        inside = {"activityId": COURSE + "/q1", "profileId": "p"}
        assert client.post("/xapi/activities/profile", query_string=inside, data=b"{}",
                           content_type="application/json", headers=issue(lrs).headers()).status_code == 204
        assert_forbidden(client.post("/xapi/activities/profile", query_string=inside, data=b"{}",
                                     content_type="application/json", headers=issue(lrs, prefix=None).headers()))
        outside = {"activityId": "http://example.com/x", "profileId": "p"}
        assert client.get("/xapi/activities/profile", query_string=outside,
                          headers=issue(lrs).headers()).status_code == 404  # reads are allowed (none stored)


class TestCredential:
    def test_expired_and_revoked_credentials_are_refused(self, app, client, lrs, issue):
        expired = issue(lrs, ttl=timedelta(seconds=-1))
        assert client.get("/xapi/statements", headers=expired.headers()).status_code == 401
        launch = issue(lrs)
        assert client.get("/xapi/statements", headers=launch.headers()).status_code == 200
        with app.extensions["allure"].sessions.begin() as session:
            assert launch_credentials.revoke(session, lrs.tenant_id, credential_id=launch.issued.id) == 1
        response = client.get("/xapi/statements", headers=launch.headers())
        assert response.status_code == 401 and response.get_json()["error"]["code"] == "UNAUTHORIZED"

    def test_a_wrong_secret_is_refused(self, client, lrs, issue):
        launch = issue(lrs)
        forged = IssuedCredential(launch.issued.id, launch.issued.key, "guess", launch.issued.expires_at)
        headers = launch.headers() | {"Authorization": forged.authorization}
        assert client.get("/xapi/statements", headers=headers).status_code == 401

    def test_revoking_a_session_revokes_its_credentials_only_in_its_tenant(self, app, make_lrs):
        first, second = make_lrs(), make_lrs()
        session_id = str(uuid.uuid4())
        with app.extensions["allure"].sessions.begin() as session:
            for lrs in (first, second):
                launch_credentials.issue(session, lrs.tenant_id, actor=account_actor(HOME, "u"),
                                         registration=session_id, session_id=session_id)  # fmt: skip
        with app.extensions["allure"].sessions.begin() as session:
            assert launch_credentials.revoke(session, first.tenant_id, session_id=session_id) == 1

    def test_an_actor_without_identifier_cannot_get_a_credential(self, app, lrs):
        with app.extensions["allure"].sessions.begin() as session, pytest.raises(ValueError):
            launch_credentials.issue(session, lrs.tenant_id, actor={"name": "x"}, registration=str(uuid.uuid4()))


class TestOrigins:
    def test_content_origin_takes_its_tenants_launch_credentials_only(self, app, client, make_lrs, issue):
        first, second = make_lrs(), make_lrs()
        launch = issue(first)
        own_origin, other_origin = content_origin(app, first.tenant_id), content_origin(app, second.tenant_id)
        assert post(client, launch.headers(), about(launch), base_url=own_origin).status_code == 200
        # Another tenant's content origin, and the tenant's full LRS credentials, get nothing there.
        assert post(client, launch.headers(), about(launch), base_url=other_origin).status_code == 401
        assert client.get("/xapi/statements", headers=first.headers(), base_url=own_origin).status_code == 401
        assert client.get("/xapi/about", base_url=own_origin).status_code == 200
        assert client.get("/api/v1/packages", base_url=own_origin).status_code == 421

    def test_another_tenants_statements_are_invisible(self, client, make_lrs, issue):
        first, second = make_lrs(), make_lrs()
        launch = issue(first)
        intruder = issue(second, registration=launch.registration)  # same learner id and registration
        [statement_id] = post(client, launch.headers(), about(launch)).get_json()
        response = client.get("/xapi/statements", query_string={"statementId": statement_id},
                              headers=intruder.headers())  # fmt: skip
        assert response.status_code == 404
        assert client.get("/xapi/statements", headers=intruder.headers()).get_json()["statements"] == []
