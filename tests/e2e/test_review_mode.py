"""A learner reviews a finished golf course in Chromium: the content sees review mode and nothing changes."""

from __future__ import annotations

import time

from playwright.sync_api import Page

from tests.e2e.conftest import LiveApi
from tests.e2e.test_golf_runtime import next_pages, set_value, wait_initialized
from tests.fixtures.player import GOLF_12


def leave(page: Page) -> None:
    """Leave the player and give the save it sends on its way out (pagehide) time to land."""
    page.goto("about:blank")
    time.sleep(1.5)


def test_review_launch_shows_the_stored_attempt_and_changes_nothing(live_api: LiveApi, page: Page):
    package_id = live_api.import_package(GOLF_12)
    opened = live_api.open_session(package_id)
    session_id = opened["session"]["id"]
    page.goto(opened["launch_url"])
    wait_initialized(page, "API")
    next_pages(page, 4)
    set_value(page, "API", "cmi.suspend_data", "notes=before-review")
    assert page.evaluate("() => window.API.LMSCommit('')") == "true"
    live_api.wait_for(session_id, lambda s: s["cmi_data"].get("cmi.suspend_data") == "notes=before-review")
    leave(page)
    before = live_api.session(session_id)

    review = live_api.open_session(package_id, mode="review")
    assert review["mode"] == "review"
    page.goto(review["launch_url"])
    wait_initialized(page, "API")
    assert page.locator(".mode-badge").inner_text() == "Review: your progress is not recorded"
    assert page.evaluate("() => window.API.LMSGetValue('cmi.core.lesson_mode')") == "review"
    assert page.evaluate("() => window.API.LMSGetValue('cmi.core.credit')") == "no-credit"
    assert page.evaluate("() => window.API.LMSGetValue('cmi.core.lesson_location')") == "4"
    assert page.evaluate("() => window.API.LMSGetValue('cmi.suspend_data')") == "notes=before-review"

    next_pages(page, 3)
    set_value(page, "API", "cmi.suspend_data", "changed-in-review")
    assert page.evaluate("() => window.API.LMSCommit('')") == "true"
    assert page.evaluate("() => window.API.LMSFinish('')") == "true"
    leave(page)
    assert live_api.session(session_id) == before
