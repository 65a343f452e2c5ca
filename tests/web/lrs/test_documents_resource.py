"""State, Activity Profile, Agent Profile, Activities, Agents and About resources of `/xapi`."""

from __future__ import annotations

import json
import uuid

from tests.fixtures.xapi import statement

AGENT = json.dumps({"objectType": "Agent", "account": {"homePage": "http://www.example.com/agentId/1", "name": "R"}})


def state_query(**extra: str) -> dict[str, str]:
    return {"activityId": "http://www.example.com/activityId/hashset", "agent": AGENT,
            "stateId": str(uuid.uuid4()), **extra}


class TestState:
    """State documents: merge, listing, concurrency."""

    def test_post_twice_merges_json_documents(self, client, lrs):
        query = state_query()
        for document in ({"car": "Honda", "keep": 1}, {"car": "Civic"}):
            assert client.post("/xapi/activities/state", query_string=query, json=document,
                               headers=lrs.headers()).status_code == 204
        got = client.get("/xapi/activities/state", query_string=query, headers=lrs.headers())
        assert got.get_json() == {"car": "Civic", "keep": 1}
        assert got.headers["ETag"].startswith('"') and got.headers["Last-Modified"]

    def test_get_without_state_id_lists_ids_since(self, client, lrs):
        query = state_query(registration=str(uuid.uuid4()))
        client.put("/xapi/activities/state", query_string=query, json={"a": 1}, headers=lrs.headers())
        listing = {k: v for k, v in query.items() if k != "stateId"} | {"since": "2020-01-01T00:00:00Z"}
        got = client.get("/xapi/activities/state", query_string=listing, headers=lrs.headers())
        assert got.get_json() == [query["stateId"]]

    def test_put_over_existing_state_depends_on_version(self, client, lrs):
        query = state_query()
        client.put("/xapi/activities/state", query_string=query, json={"a": 1}, headers=lrs.headers())
        assert client.put("/xapi/activities/state", query_string=query, json={"a": 2},
                          headers=lrs.headers("1.0.3")).status_code == 204
        assert client.put("/xapi/activities/state", query_string=query, json={"a": 3},
                          headers=lrs.headers("2.0.0")).status_code == 409

    def test_post_non_json_over_json_document_returns_400_and_keeps_it(self, client, lrs):
        query = state_query()
        client.post("/xapi/activities/state", query_string=query, json={"a": 1}, headers=lrs.headers())
        response = client.post("/xapi/activities/state", query_string=query, data=b"abc",
                               content_type="text/plain", headers=lrs.headers())
        assert response.status_code == 400
        assert client.get("/xapi/activities/state", query_string=query, headers=lrs.headers()).get_json() == {"a": 1}

    def test_bad_agent_parameter_returns_400(self, client, lrs):
        assert client.get("/xapi/activities/state", query_string=state_query(agent="true"),
                          headers=lrs.headers()).status_code == 400


class TestProfiles:
    """Activity and Agent Profile concurrency."""

    def test_if_match_and_if_none_match_on_agent_profile(self, client, lrs):
        query = {"agent": AGENT, "profileId": str(uuid.uuid4())}
        url = "/xapi/agents/profile"
        assert client.put(url, query_string=query, json={"v": 1}, headers=lrs.headers() | {"If-None-Match": "*"}
                          ).status_code == 204
        etag = client.get(url, query_string=query, headers=lrs.headers()).headers["ETag"]
        assert client.put(url, query_string=query, json={"v": 2}, headers=lrs.headers() | {"If-Match": '"1234"'}
                          ).status_code == 412
        assert client.put(url, query_string=query, json={"v": 2}, headers=lrs.headers()).status_code == 409
        assert client.put(url, query_string=query, json={"v": 2}, headers=lrs.headers() | {"If-Match": etag}
                          ).status_code == 204
        assert client.delete(url, query_string=query, headers=lrs.headers()).status_code == 204
        assert client.get(url, query_string=query, headers=lrs.headers()).status_code == 404

    def test_unconditional_put_of_new_profile_under_1_0_3_returns_400(self, client, lrs):
        query = {"activityId": "http://example.com/a", "profileId": str(uuid.uuid4())}
        assert client.put("/xapi/activities/profile", query_string=query, json={},
                          headers=lrs.headers("1.0.3")).status_code == 400


class TestActivitiesAgentsAbout:
    """Canonical activities, Person objects, versions."""

    def test_activity_definition_merges_languages_across_statements(self, client, lrs):
        activity = "http://example.com/merged/" + uuid.uuid4().hex
        first = statement(activity=activity)
        second = statement(activity=activity)
        second["object"]["definition"] = {"name": {"fr-FR": "réunion"}}
        client.post("/xapi/statements", json=[first, second], headers=lrs.headers())
        got = client.get("/xapi/activities", query_string={"activityId": activity}, headers=lrs.headers()).get_json()
        assert got["definition"]["name"] == {"en-US": "Activity", "fr-FR": "réunion"}

    def test_unknown_activity_is_an_id_only_activity(self, client, lrs):
        got = client.get("/xapi/activities", query_string={"activityId": "http://example.com/never"},
                         headers=lrs.headers())
        assert got.get_json() == {"objectType": "Activity", "id": "http://example.com/never"}

    def test_agents_returns_person(self, client, lrs):
        client.post("/xapi/statements", json=statement("pat@example.com"), headers=lrs.headers())
        got = client.get("/xapi/agents", query_string={"agent": json.dumps({"mbox": "mailto:pat@example.com"})},
                         headers=lrs.headers()).get_json()
        assert got == {"objectType": "Person", "name": ["Pat"], "mbox": ["mailto:pat@example.com"]}

    def test_about_needs_no_credentials(self, client):
        got = client.get("/xapi/about")
        assert got.status_code == 200 and "2.0.0" in got.get_json()["version"]
