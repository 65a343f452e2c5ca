"""Numbers and timestamps beyond what the database or a datetime holds: 400 naming the field, never a 500."""

from __future__ import annotations

import pytest

from tests.fixtures.player import GOLF_12, cmi12

HOSTILE = [2**31, 2**63, 2**64, 10**30, -1, "9" * 5000]


def _field_error(response, field: str) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.json["error"]["code"] == "VALIDATION_ERROR"
    assert field in response.json["error"]["details"]["fieldErrors"]


@pytest.mark.parametrize("value", HOSTILE, ids=str)
@pytest.mark.parametrize(("path", "field"), [
    ("/api/v1/xapi/analytics/actors", "min_activities"),
    ("/api/v1/xapi/analytics/activities", "min_learners"),
    ("/api/v1/xapi/statements", "page"), ("/api/v1/packages", "limit"), ("/api/v1/jobs", "page"),
])
def test_integer_query_parameters_should_be_bounded(client, tenant, path, field, value):
    _field_error(client.get(f"{path}?{field}={value}", headers=tenant.headers), field)


def test_largest_allowed_filter_should_answer_an_empty_page(client, tenant):
    r = client.get(f"/api/v1/xapi/analytics/actors?min_activities={2**31 - 1}", headers=tenant.headers)
    assert r.status_code == 200
    assert r.json["actors"] == []


@pytest.mark.parametrize("value", [2**63, 10**30, -1, 0])
def test_upload_url_file_size_should_be_bounded(client, tenant, value):
    body = {"tenant_id": tenant.tenant_id, "uploaded_by": "t", "filename": "a.zip", "file_size": value}
    _field_error(client.post("/api/v1/packages/upload-url", json=body, headers=tenant.headers), "file_size")


@pytest.mark.parametrize(("field", "value"), [("registration_limit", 2**63), ("registration_limit", -1),
                                              ("expires_in_hours", 10**30), ("expires_in_hours", 0)])
def test_dispatch_integers_should_be_bounded(client, tenant, field, value):
    body = {"package_id": "p", "dispatch_name": "d", field: value}
    _field_error(client.post("/api/v1/dispatches", json=body, headers=tenant.headers), field)


@pytest.mark.parametrize("value", ["²", "1" * 5000, "-1", "1e3", "99999999999999999999"])
def test_lrs_limit_should_be_an_ascii_integer_of_sane_length(client, lrs, value):
    r = client.get(f"/xapi/statements?limit={value}", headers=lrs.headers())
    assert r.status_code == 400, r.get_data(as_text=True)[:300]


def test_lrs_limit_beyond_the_maximum_should_be_capped(client, lrs):
    assert client.get(f"/xapi/statements?limit={10**17}", headers=lrs.headers()).status_code == 200


@pytest.mark.parametrize("value", [2**31, 2**63, 10**30])
def test_commit_sequence_beyond_the_column_should_be_refused(player, tenant, value):
    _, launched = player.start(tenant, GOLF_12)
    delivery = player.deliver(launched)
    _field_error(player.commit(delivery, cmi12(value, lesson_location="2")), "commitSequence")
    assert player.commit(delivery, cmi12(1, lesson_location="2")).status_code == 200


# Valid ISO 8601 forms whose UTC instant falls outside what a datetime holds (found by schemathesis).
UNREPRESENTABLE = ["0001-01-01T01:08:00.0+16:36", "9999-12-31T23:00:00-05:00"]


@pytest.mark.parametrize("value", UNREPRESENTABLE)
def test_timestamp_beyond_the_calendar_in_a_query_should_be_refused(client, tenant, lrs, value):
    _field_error(client.get("/api/v1/xapi/statements", query_string={"since": value}, headers=tenant.headers), "since")
    assert client.get("/xapi/statements", query_string={"until": value}, headers=lrs.headers()).status_code == 400


@pytest.mark.parametrize("value", UNREPRESENTABLE)
def test_statement_with_a_timestamp_beyond_the_calendar_should_be_refused(client, lrs, value):
    from tests.fixtures.xapi import statement

    r = client.post("/xapi/statements", json=statement(timestamp=value), headers=lrs.headers())
    assert r.status_code == 400, r.get_data(as_text=True)[:300]


@pytest.mark.parametrize("header", ["bytes=" + "1" * 5000 + "-", "bytes=-" + "9" * 5000, "bytes=١٢-٣٤"])
def test_content_range_with_absurd_numbers_should_not_fail(player, client, tenant, header):
    _, launched = player.start(tenant, GOLF_12)
    image = player.origin(tenant) + launched.config["content"] + "Playing/playing.jpg"
    r = client.get(image, headers={"Range": header})
    assert r.status_code in (200, 206, 416), r.get_data(as_text=True)[:300]
