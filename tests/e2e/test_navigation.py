"""Navigation in a real browser: a multi-SCO SCORM 1.2 course and a forced-sequential SCORM 2004 course."""

from __future__ import annotations

import time

from playwright.sync_api import Page

from tests.e2e.conftest import LiveApi
from tests.fixtures.player import FORCED, MULTI_12, POSTTEST


def current_item(page: Page) -> str | None:
    return page.evaluate("() => window.AllurePlayer.state.current")


def wait_current(page: Page, item: str, api_name: str) -> None:
    """Wait until `item` is on screen and its SCO has initialized the API."""
    try:
        page.wait_for_function(
            f"() => window.AllurePlayer.state.current === {item!r} && window.AllurePlayer.state.delivery"
            f" && window.AllurePlayer.state.delivery.item === {item!r} && window.{api_name}.isInitialized()",
            timeout=15_000,
        )
    except Exception:
        state = page.evaluate("() => JSON.stringify({current: AllurePlayer.state.current, "
                              "delivery: AllurePlayer.state.delivery && AllurePlayer.state.delivery.item, "
                              "message: document.getElementById('message-text').textContent})")
        raise AssertionError(f"{item} not running: {state}; console: {page.console_messages[-30:]}") from None


def toc_button(page: Page, item: str):
    return page.locator(f"#toc-list li[data-item='{item}'] > button")


class TestMultiScoScorm12:
    def test_learner_moves_across_scos_by_flow_and_choice(self, live_api: LiveApi, page: Page):
        opened = live_api.open_session(live_api.import_package(MULTI_12))
        session_id = opened["session"]["id"]
        page.goto(opened["launch_url"])
        wait_current(page, "playing_playing_item", "API")
        assert page.locator("#toc").is_visible()
        assert page.locator("#toc-list button").count() == 9
        assert page.locator("#nav-previous").is_disabled()

        page.click("#nav-continue")
        wait_current(page, "playing_par_item", "API")
        toc_button(page, "havingfun_quiz_item").click()
        wait_current(page, "havingfun_quiz_item", "API")
        page.click("#nav-previous")
        wait_current(page, "havingfun_makefriends_item", "API")

        session = live_api.wait_for(session_id, lambda s: len(s["activities"]) >= 3)
        done = {a["item_id"]: a["completion_status"] for a in session["activities"]}
        # SCOs that ended their session without a status are completed by the LMS (SCORM 1.2 RTE 3.4.2).
        assert done["playing_playing_item"] == "completed"
        assert done["playing_par_item"] == "completed"
        assert done["havingfun_quiz_item"] in ("completed", "incomplete")
        assert session["completion_status"] == "incomplete"
        assert toc_button(page, "playing_playing_item").get_attribute("class") == "status completed"


    def test_sco_that_finishes_by_itself_moves_the_learner_on_unless_it_suspends(self, live_api: LiveApi,
                                                                                   page: Page):
        opened = live_api.open_session(live_api.import_package(MULTI_12))
        page.goto(opened["launch_url"])
        wait_current(page, "playing_playing_item", "API")
        # What content does at its end: finish the session without leaving the page.
        assert page.evaluate("() => window.API.LMSFinish('')") == "true"
        wait_current(page, "playing_par_item", "API")

        assert page.evaluate("() => window.API.LMSSetValue('cmi.core.exit', 'suspend')") == "true"
        assert page.evaluate("() => window.API.LMSFinish('')") == "true"
        time.sleep(1.5)
        assert current_item(page) == "playing_par_item"

        page.click("#nav-continue")
        wait_current(page, "playing_scoring_item", "API")
        assert page.evaluate("() => window.API.LMSSetValue('cmi.core.exit', 'logout')") == "true"
        assert page.evaluate("() => window.API.LMSFinish('')") == "true"
        page.wait_for_function("() => window.AllurePlayer.state.ended === true", timeout=10_000)
        assert "left the course" in page.locator("#message-text").inner_text()


class TestForcedSequential:
    ITEMS = ("playing_item", "etuqiette_item", "handicapping_item", "havingfun_item", "assessment_item")

    def finish_current_sco(self, page: Page, pages: int) -> None:
        for _ in range(pages):
            page.frame_locator("#sco-frame").locator("#butNext").click()

    def test_learner_cannot_skip_ahead_until_the_previous_sco_is_satisfied(self, live_api: LiveApi, page: Page):
        opened = live_api.open_session(live_api.import_package(FORCED))
        session_id = opened["session"]["id"]
        page.goto(opened["launch_url"])
        wait_current(page, "playing_item", "API_1484_11")

        # Later SCOs are disabled by pre-condition rules reading the previous SCO's global objective.
        for item in self.ITEMS[1:]:
            assert toc_button(page, item).is_disabled()
        page.evaluate("() => window.AllurePlayer.navigate('choice', 'handicapping_item')")
        # Continue would flow into a disabled SCO (SB.2.2-2): the player disables it, as the SN book asks.
        assert page.locator("#nav-continue").is_disabled()
        page.evaluate("() => window.AllurePlayer.navigate('continue')")
        time.sleep(1.0)
        assert current_item(page) == "playing_item"
        assert page.evaluate("() => window.API_1484_11.isInitialized()")

        # Satisfy "Playing" (its last page marks it completed and passed); Etiquette opens, not beyond.
        self.finish_current_sco(page, 4)
        page.wait_for_function("() => window.API_1484_11.cmi.success_status === 'passed'")
        page.click("#nav-continue")
        wait_current(page, "etuqiette_item", "API_1484_11")
        assert toc_button(page, "playing_item").is_enabled()
        assert toc_button(page, "havingfun_item").is_disabled()
        page.evaluate("() => window.AllurePlayer.navigate('choice', 'havingfun_item')")
        time.sleep(1.0)
        assert current_item(page) == "etuqiette_item"

        # A reload resumes in Etiquette with what the sequencer knew (Playing satisfied) restored.
        page.reload()
        wait_current(page, "etuqiette_item", "API_1484_11")
        assert toc_button(page, "playing_item").is_enabled()
        assert toc_button(page, "handicapping_item").is_disabled()

        # Going back is allowed; the course is not done.
        page.click("#nav-previous")
        wait_current(page, "playing_item", "API_1484_11")
        session = live_api.wait_for(session_id, lambda s: any(a["item_id"] == "playing_item"
                                                             and a["success_status"] == "passed"
                                                             for a in s["activities"]))  # fmt: skip
        assert session["completion_status"] == "incomplete"
        assert session["success_status"] == "unknown"

    def test_exit_suspends_the_course_and_a_new_launch_resumes_it(self, live_api: LiveApi, page: Page):
        package_id = live_api.import_package(FORCED)
        opened = live_api.open_session(package_id)
        page.goto(opened["launch_url"])
        wait_current(page, "playing_item", "API_1484_11")
        self.finish_current_sco(page, 4)
        page.wait_for_function("() => window.API_1484_11.cmi.success_status === 'passed'")
        page.click("#nav-continue")
        wait_current(page, "etuqiette_item", "API_1484_11")

        page.click("#nav-exit")
        page.wait_for_selector("#message:not([hidden])")
        assert "left the course" in page.locator("#message-text").text_content()
        assert current_item(page) is None

        again = live_api.open_session(package_id)  # the same session: a fresh launch link
        assert again["session"]["id"] == opened["session"]["id"]
        page.goto(again["launch_url"])
        wait_current(page, "etuqiette_item", "API_1484_11")
        assert page.evaluate("() => window.API_1484_11.GetValue('cmi.entry')") == "resume"
        assert toc_button(page, "playing_item").is_enabled()


class TestPostTestRollup:
    def test_quiz_is_hidden_from_choice_until_the_content_is_completed(self, live_api: LiveApi, page: Page):
        opened = live_api.open_session(live_api.import_package(POSTTEST))
        page.goto(opened["launch_url"])
        # This content loads jQuery from Google's CDN (unreachable here), so it never initializes:
        # the sequencer's decisions do not depend on it.
        page.wait_for_function("() => window.AllurePlayer.state.delivery && window.AllurePlayer.state.validity")
        assert current_item(page) == "playing_item"
        validity = page.evaluate("() => window.AllurePlayer.state.validity.choice")
        assert validity["assessment_item"] == "false" and validity["etuqiette_item"] == "false"
        # Hidden from choice by a pre-condition rule: not in the table of contents (ADL CTS MS-07).
        assert toc_button(page, "assessment_item").count() == 0
        page.evaluate("() => window.AllurePlayer.navigate('choice', 'assessment_item')")
        time.sleep(1.0)
        assert current_item(page) == "playing_item"
