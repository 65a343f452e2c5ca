"""A first look at the platform through the test client."""


def test_health_with_all_services_up_should_be_healthy(client):
    r = client.get("/api/health")
    assert r.status_code == 200
    assert r.json["checks"] == {"database": True, "redis": True, "storage": True}


def test_jobs_list_with_key_should_be_empty(client, tenant):
    r = client.get("/api/v1/jobs", headers=tenant.headers)
    assert r.status_code == 200
    assert r.json["jobs"] == []
