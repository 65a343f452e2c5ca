"""What a learner sees in Chromium when a launch link is used up, expired or forged: a page, never JSON."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.e2e.conftest import LiveApi
from tests.e2e.test_golf_runtime import wait_initialized
from tests.fixtures.player import GOLF_12


def test_used_and_forged_launch_links_show_a_page_that_says_what_to_do(live_api: LiveApi, page: Page):
    package_id = live_api.import_package(GOLF_12)
    opened = live_api.open_session(package_id, launch_ttl_seconds=60)
    page.goto(opened["launch_url"])
    wait_initialized(page, "API")

    used = page.goto(opened["launch_url"])
    assert used.status == 403
    text = page.inner_text("body")
    assert "This course cannot be opened" in text and "opens the course once" in text
    assert "site that sent you" in text and "LAUNCH_TOKEN_USED" in text and "{" not in text

    origin = opened["launch_url"].split("/player/launch/")[0]
    forged = page.goto(f"{origin}/player/launch/not-a-real-link")
    assert forged.status == 403 and "This course cannot be opened" in page.inner_text("body")
    assert page.evaluate("() => document.contentType") == "text/html"
