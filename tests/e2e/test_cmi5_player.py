"""A learner takes a cmi5 course in Chromium: the course tree, an AU in the frame, its statements in the LRS."""

from __future__ import annotations

import base64
from typing import Any

import requests
from playwright.sync_api import Page

from tests.e2e.conftest import LiveApi, frame_with
from tests.fixtures.corpus import CORPUS

COURSE = CORPUS / "cmi5" / "catapult_multi_au_framed.zip"


def registration_statements(live_api: LiveApi, registration: str) -> list[dict[str, Any]]:
    created = live_api.call("POST", "/api/v1/xapi/credentials", json={"name": "e2e"}).json()
    token = base64.b64encode(f"{created['key']}:{created['secret']}".encode()).decode()
    response = requests.get(live_api.base_url + "/xapi/statements", timeout=30,
                            params={"registration": registration, "ascending": "true", "limit": "200"},
                            headers={"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"})
    assert response.status_code == 200, response.text
    return response.json()["statements"]


def test_an_au_launched_from_the_course_tree_reports_to_the_lrs(live_api: LiveApi, page: Page):
    package_id = live_api.import_package(COURSE)
    opened = live_api.open_session(package_id, user_id="cmi5-learner")
    registration, session_id = opened["registration"], opened["session"]["id"]
    page.goto(opened["launch_url"])
    buttons = page.locator("#cmi5-tree button.au")
    assert buttons.count() == 8
    assert buttons.first.inner_text() == "Introduction to Geology"
    buttons.first.click()
    frame = frame_with(page, "pages=1")
    # The AU completes on launch (complete=launch), then shows its first page.
    frame.wait_for_selector("body")
    session = live_api.wait_for(session_id, lambda s: any(
        a["item_id"].endswith("/1") and a["completion_status"] == "completed" for a in s["activities"]))
    assert session["completion_status"] == "incomplete"  # one AU of eight
    found = registration_statements(live_api, registration)
    verbs = [s["verb"]["id"].rsplit("/", 1)[-1] for s in found]
    assert verbs[:2] == ["launched", "initialized"] and "completed" in verbs
    assert all(s["context"]["registration"] == registration for s in found)
    sessions = {s["context"]["extensions"]["https://w3id.org/xapi/cmi5/context/extensions/sessionid"]
                for s in found if s["verb"]["id"].endswith(("launched", "initialized", "completed"))}
    assert len(sessions) == 1  # the LMS's launched and the AU's statements share the session id
