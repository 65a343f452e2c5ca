"""`/api/v1/xapi/analytics/actors|activities`: the overview's shapes, filters and sorting."""

from __future__ import annotations

from models.packages import Package
from tests.fixtures.xapi import statement

ACTORS = "/api/v1/xapi/analytics/actors"
ACTIVITIES = "/api/v1/xapi/analytics/activities"


def seed(client, lrs, run_jobs, package_iri: str) -> None:
    """Two learners over two activities, then let the rollup job run."""
    batch = [
        statement("john@example.com", "completed", package_iri, result={"score": {"scaled": 0.9}},
                  timestamp="2025-01-01T00:00:00Z"),
        statement("john@example.com", "passed", package_iri, result={"score": {"scaled": 0.8}},
                  timestamp="2025-01-15T14:30:00Z"),
        statement("john@example.com", "experienced", "http://example.com/other", timestamp="2025-01-10T00:00:00Z"),
        statement("mia@example.com", "failed", package_iri, result={"score": {"scaled": 0.2}},
                  timestamp="2025-01-05T00:00:00Z"),
    ]
    assert client.post("/api/v1/xapi/statements", json=batch, headers=lrs.tenant.headers).status_code == 200
    run_jobs()


def test_actors_analytics_has_overview_shape(app, client, lrs, run_jobs):
    seed(client, lrs, run_jobs, "http://example.com/course")
    body = client.get(ACTORS, headers=lrs.tenant.headers).get_json()
    assert body["pagination"] == {"page": 1, "limit": 20, "total": 2, "total_pages": 1}
    assert body["actors"][0] == {
        "actor_mbox": "john@example.com", "actor_name": "John", "user_id": None, "total_statements": 3,
        "unique_activities": 2,
        "completed_count": 1, "passed_count": 1, "failed_count": 0, "avg_score_scaled": 0.85,
        "first_activity": "2025-01-01T00:00:00.000Z", "last_activity": "2025-01-15T14:30:00.000Z",
    }


def test_actors_analytics_filters_and_sorts(client, lrs, run_jobs):
    seed(client, lrs, run_jobs, "http://example.com/course")
    by_mbox = client.get(ACTORS, query_string={"actor_mbox": "mia@example.com"}, headers=lrs.tenant.headers)
    assert [a["actor_mbox"] for a in by_mbox.get_json()["actors"]] == ["mia@example.com"]
    sorted_asc = client.get(ACTORS, query_string={"sort": "avg_score_scaled", "order": "asc"},
                            headers=lrs.tenant.headers).get_json()
    assert [a["actor_mbox"] for a in sorted_asc["actors"]] == ["mia@example.com", "john@example.com"]
    several = client.get(ACTORS, query_string={"min_activities": 2}, headers=lrs.tenant.headers).get_json()
    assert [a["actor_mbox"] for a in several["actors"]] == ["john@example.com"]
    bad = client.get(ACTORS, query_string={"sort": "nope"}, headers=lrs.tenant.headers)
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "VALIDATION_ERROR"


def test_activities_analytics_links_packages(app, client, lrs, run_jobs, settings):
    with app.extensions["allure"].sessions.begin() as session:
        package = Package(tenant_id=lrs.tenant_id, title="Course")
        session.add(package)
    iri = f"{settings.public_base_url}/packages/{package.id}"
    seed(client, lrs, run_jobs, iri)
    body = client.get(ACTIVITIES, query_string={"package_id": package.id}, headers=lrs.tenant.headers).get_json()
    assert body["activities"] == [{
        "activity_id": iri, "activity_type": "http://adlnet.gov/expapi/activities/course",
        "package_id": package.id, "total_statements": 3, "unique_learners": 2, "completed_count": 1,
        "passed_count": 1, "failed_count": 1, "avg_score_scaled": 0.6333,
        "first_activity": "2025-01-01T00:00:00.000Z", "last_activity": "2025-01-15T14:30:00.000Z",
    }]
    two_learners = client.get(ACTIVITIES, query_string={"min_learners": 2}, headers=lrs.tenant.headers).get_json()
    assert [a["activity_id"] for a in two_learners["activities"]] == [iri]


def test_analytics_are_tenant_scoped(client, make_lrs, run_jobs):
    owner, other = make_lrs(), make_lrs()
    seed(client, owner, run_jobs, "http://example.com/course")
    assert client.get(ACTORS, headers=other.tenant.headers).get_json()["actors"] == []
    assert client.get(ACTIVITIES, headers=other.tenant.headers).get_json()["activities"] == []


def test_learners_with_the_same_name_are_two_actors_found_by_user_id(client, lrs, run_jobs, settings):
    def learner(user_id: str, verb: str) -> dict:
        body = statement("unused@example.com", verb, "http://example.com/course", timestamp="2025-02-01T00:00:00Z")
        body["actor"] = {"objectType": "Agent", "name": "Doe, Jane",
                         "account": {"homePage": settings.public_base_url, "name": user_id}}
        return body

    batch = [learner("learner-1", "completed"), learner("learner-2", "failed"), learner("learner-2", "failed")]
    assert client.post("/api/v1/xapi/statements", json=batch, headers=lrs.tenant.headers).status_code == 200
    run_jobs()
    actors = client.get(ACTORS, headers=lrs.tenant.headers).get_json()["actors"]
    assert sorted((a["user_id"], a["actor_name"], a["total_statements"]) for a in actors) == [
        ("learner-1", "Doe, Jane", 1), ("learner-2", "Doe, Jane", 2)]
    one = client.get(ACTORS, query_string={"user_id": "learner-2"}, headers=lrs.tenant.headers).get_json()
    assert [(a["user_id"], a["failed_count"]) for a in one["actors"]] == [("learner-2", 2)]
    assert one["pagination"]["total"] == 1
    none = client.get(ACTORS, query_string={"user_id": "nobody"}, headers=lrs.tenant.headers).get_json()
    assert none["actors"] == [] and none["pagination"]["total"] == 0
