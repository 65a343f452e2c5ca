"""Return to the partner's site: with `redirect_on_exit_url`, leaving the course saves, then moves the top window.

The partner's page is a tiny HTTP server on 127.0.0.1 that records the paths it was asked for.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import LiveApi
from tests.e2e.test_golf_runtime import next_pages, set_value, wait_initialized
from tests.e2e.test_navigation import wait_current
from tests.fixtures.player import GOLF_12, GOLF_2004, MULTI_12


@dataclass
class PartnerSite:
    """Where learners return to: its base URL and the paths browsers fetched from it."""

    base_url: str
    visits: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path


@pytest.fixture
def partner() -> Iterator[PartnerSite]:
    site = PartnerSite("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.visits.append(self.path)
            body = b"<!doctype html><title>Partner</title><h1 id='back'>Welcome back</h1>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site
    server.shutdown()
    server.server_close()


def wait_back_at_partner(page: Page, partner: PartnerSite, path: str) -> None:
    page.wait_for_url(partner.url(path), timeout=20_000)
    page.locator("#back").wait_for()
    assert [visit for visit in partner.visits if visit != "/favicon.ico"] == [path]


class TestScorm12:
    def test_exit_button_saves_the_last_data_then_returns_to_the_partner(self, live_api: LiveApi, page: Page,
                                                                         partner: PartnerSite):
        opened = live_api.open_session(live_api.import_package(GOLF_12),
                                       redirect_on_exit_url=partner.url("/done?course=golf"))
        session_id = opened["session"]["id"]
        page.goto(opened["launch_url"])
        wait_initialized(page, "API")
        next_pages(page, 3)
        # Set, never committed: only the final commit carries it.
        set_value(page, "API", "cmi.suspend_data", "last-words-12")
        page.click("#nav-exit")
        wait_back_at_partner(page, partner, "/done?course=golf")
        # Read at once, no polling: the player waited for the server before leaving.
        saved = live_api.session(session_id)
        assert saved["cmi_data"]["cmi.suspend_data"] == "last-words-12"
        assert saved["cmi_data"]["cmi.core.lesson_location"] == "3"
        assert saved["time_spent_seconds"] >= 1 or saved["session_time"]

    def test_content_that_logs_out_returns_to_the_partner(self, live_api: LiveApi, page: Page,
                                                          partner: PartnerSite):
        opened = live_api.open_session(live_api.import_package(MULTI_12), redirect_on_exit_url=partner.url("/out"))
        session_id = opened["session"]["id"]
        page.goto(opened["launch_url"])
        wait_current(page, "playing_playing_item", "API")
        set_value(page, "API", "cmi.core.lesson_status", "completed")
        set_value(page, "API", "cmi.core.exit", "logout")
        assert page.evaluate("() => window.API.LMSFinish('')") == "true"
        wait_back_at_partner(page, partner, "/out")
        done = {a["item_id"]: a["completion_status"] for a in live_api.session(session_id)["activities"]}
        assert done["playing_playing_item"] == "completed"

    def test_a_normal_finish_of_the_last_sco_leaves_the_course(self, live_api: LiveApi, page: Page,
                                                               partner: PartnerSite):
        opened = live_api.open_session(live_api.import_package(GOLF_12), redirect_on_exit_url=partner.url("/end"))
        session_id = opened["session"]["id"]
        page.goto(opened["launch_url"])
        wait_initialized(page, "API")
        set_value(page, "API", "cmi.core.score.raw", "77")
        assert page.evaluate("() => window.API.LMSFinish('')") == "true"
        wait_back_at_partner(page, partner, "/end")
        assert live_api.session(session_id)["score"]["raw"] == 77

    def test_a_suspending_finish_stays_in_the_course(self, live_api: LiveApi, page: Page, partner: PartnerSite):
        opened = live_api.open_session(live_api.import_package(GOLF_12), redirect_on_exit_url=partner.url("/x"))
        page.goto(opened["launch_url"])
        wait_initialized(page, "API")
        set_value(page, "API", "cmi.core.exit", "suspend")
        assert page.evaluate("() => window.API.LMSFinish('')") == "true"
        time.sleep(1.5)
        assert "/player/s/" in page.url and not partner.visits

    def test_without_a_redirect_url_the_closing_page_stays(self, live_api: LiveApi, page: Page):
        opened = live_api.open_session(live_api.import_package(GOLF_12))
        session_id = opened["session"]["id"]
        page.goto(opened["launch_url"])
        wait_initialized(page, "API")
        set_value(page, "API", "cmi.suspend_data", "stays")
        player_url = page.url
        page.click("#nav-exit")
        page.wait_for_function("() => window.AllurePlayer.state.ended === true", timeout=10_000)
        assert "left the course" in page.locator("#message-text").inner_text()
        time.sleep(1.0)
        assert page.url == player_url
        assert live_api.wait_for(session_id, lambda s: s["cmi_data"].get("cmi.suspend_data") == "stays")


class TestScorm2004:
    API = "API_1484_11"

    def test_exit_button_suspends_saves_and_returns_to_the_partner(self, live_api: LiveApi, page: Page,
                                                                   partner: PartnerSite):
        package_id = live_api.import_package(GOLF_2004)
        opened = live_api.open_session(package_id, redirect_on_exit_url=partner.url("/back/2004"))
        session_id = opened["session"]["id"]
        page.goto(opened["launch_url"])
        wait_initialized(page, self.API)
        next_pages(page, 2)
        set_value(page, self.API, "cmi.suspend_data", "last-words-2004")
        page.click("#nav-exit")
        wait_back_at_partner(page, partner, "/back/2004")
        saved = live_api.session(session_id)
        assert saved["cmi_data"]["cmi.suspend_data"] == "last-words-2004"
        assert saved["cmi_data"]["cmi.location"] == "2"

        # Suspended, then resumed by the next launch with what was saved.
        page.goto(live_api.open_session(package_id)["launch_url"])
        wait_initialized(page, self.API)
        assert page.evaluate("() => window.API_1484_11.GetValue('cmi.entry')") == "resume"
        assert page.evaluate("() => window.API_1484_11.GetValue('cmi.suspend_data')") == "last-words-2004"

    @pytest.mark.parametrize("request_", ["exitAll", "suspendAll", "exit"])
    def test_content_that_ends_the_course_returns_to_the_partner(self, live_api: LiveApi, page: Page,
                                                                 partner: PartnerSite, request_: str):
        opened = live_api.open_session(live_api.import_package(GOLF_2004), f"learner-{request_}",
                                       redirect_on_exit_url=partner.url(f"/{request_}"))  # fmt: skip
        session_id = opened["session"]["id"]
        page.goto(opened["launch_url"])
        wait_initialized(page, self.API)
        set_value(page, self.API, "cmi.completion_status", "completed")
        set_value(page, self.API, "cmi.score.scaled", "0.8")
        set_value(page, self.API, "adl.nav.request", request_)
        assert page.evaluate("() => window.API_1484_11.Terminate('')") == "true"
        wait_back_at_partner(page, partner, f"/{request_}")
        saved = live_api.session(session_id)
        assert saved["completion_status"] == "completed"
        assert saved["cmi_data"]["cmi.score.scaled"] == "0.8"

    def test_without_a_redirect_url_the_closing_page_stays(self, live_api: LiveApi, page: Page):
        opened = live_api.open_session(live_api.import_package(GOLF_2004))
        page.goto(opened["launch_url"])
        wait_initialized(page, self.API)
        player_url = page.url
        page.click("#nav-exit")
        page.wait_for_selector("#message:not([hidden])")
        assert "left the course" in page.locator("#message-text").inner_text()
        time.sleep(1.0)
        assert page.url == player_url
