"""TinCan (xAPI) packages of the corpus in headless Chromium against a live stack.

Each one is uploaded through the API, launched from a session's launch link, and driven like a
learner would; the content's own TinCanJS reports to the LRS with the launch's credential, and
the session shows the progress derived from those statements.
"""

from __future__ import annotations

from playwright.sync_api import FrameLocator, Page

from tests.e2e.conftest import LiveApi, frame_with
from tests.fixtures.corpus import CORPUS

TINCAN = CORPUS / "tincan"
GOLF = TINCAN / "rustici_GolfExample_TCAPI.zip"
TETRIS = TINCAN / "rustici_JsTetris_TCAPI.zip"
BASIC = TINCAN / "emp_xapi_basic_course.zip"
GOLF_PAGES = 15  # index.html's pageArray: 14 pages, then the assessment


def content(page: Page) -> FrameLocator:
    return page.frame_locator("#sco-frame")


def launch(page: Page, live_api: LiveApi, path, **extra) -> str:
    opened = live_api.open_session(live_api.import_package(path), **extra)
    refused: list[str] = []
    page.refused_xapi = refused  # type: ignore[attr-defined]
    page.on("response", lambda r: refused.append(f"{r.status} {r.request.method} {r.url}")
            if "/xapi/" in r.url and r.status >= 400 and r.status != 404 else None)  # fmt: skip
    page.goto(opened["launch_url"])
    return opened["session"]["id"]


def assert_lrs_took_everything(page: Page) -> None:
    """Every xAPI call of the content succeeded (404 is a State or profile not stored yet)."""
    assert page.refused_xapi == []  # type: ignore[attr-defined]


class TestGolfTinCan:
    def test_the_learner_reads_takes_the_test_and_exits(self, live_api: LiveApi, page: Page):
        session_id = launch(page, live_api, GOLF)
        golf = content(page)
        golf.locator("#butNext").wait_for()
        # The content read the launch parameters from its own URL and found the LRS (same origin).
        frame = frame_with(page, "/index.html?")
        assert frame.evaluate("() => tincan.recordStores.length") == 1
        assert frame.evaluate("() => tincan.registration") == session_id
        for _ in range(GOLF_PAGES - 1):
            golf.locator("#butNext").click()
        quiz = golf.frame_locator("#contentFrame")
        quiz.locator("input[value='Submit Answers']").wait_for()
        for radio in quiz.locator("input[type=radio][id$='_0'], input[type=radio][id$='_True']").all():
            radio.check()
        for field in quiz.locator("input[type=text]").all():
            field.fill("3")
        quiz.locator("input[value='Submit Answers']").click()
        done = live_api.wait_for(session_id, lambda s: s["success_status"] != "unknown")
        assert done["completion_status"] == "completed" and done["success_status"] in ("passed", "failed")
        assert done["score"]["scaled"] is not None and 0 <= done["score"]["raw"] <= 100
        assert (done["score"]["scaled"] >= 0.8) == (done["success_status"] == "passed")
        page.wait_for_timeout(1100)  # a measurable session for the duration golf reports on exit
        golf.locator("#exitButton").click()  # "Save & Exit" (its confirm() is accepted)
        exited = live_api.wait_for(session_id, lambda s: s["time_spent_seconds"] >= 1)
        assert exited["time_spent_seconds"] >= 1 and exited["completion_status"] == "completed"
        assert_lrs_took_everything(page)

    def test_the_bookmark_is_kept_in_the_registration_state(self, live_api: LiveApi, page: Page):
        session_id = launch(page, live_api, GOLF)
        golf = content(page)
        for _ in range(3):
            golf.locator("#butNext").click()
        page.wait_for_timeout(500)  # golf saves its bookmark (State resource) asynchronously
        again = live_api.open_session(live_api.import_package(GOLF))
        assert again["session"]["id"] == session_id
        page.goto(again["launch_url"])  # the resume confirm() is accepted
        frame_with(page, "Playing/OtherScoring.html")  # the fourth page: where the learner left off
        assert_lrs_took_everything(page)


class TestTetrisTinCan:
    def test_a_finished_game_completes_the_session_with_its_score(self, live_api: LiveApi, page: Page):
        session_id = launch(page, live_api, TETRIS)
        tetris = content(page)
        tetris.locator("#activateTinCan").check()  # the game reports to the LRS once asked to
        tetris.locator("#tetris-menu-start").click()
        frame = frame_with(page, "/tetris.html?")
        for _ in range(400):  # hard drops until the well is full
            if frame.evaluate("() => document.getElementById('tetris-gameover').style.display") == "block":
                break
            frame.evaluate("() => tetris.space()")
            page.wait_for_timeout(20)
        done = live_api.wait_for(session_id, lambda s: s["completion_status"] == "completed")
        assert done["completion_status"] == "completed" and done["success_status"] == "unknown"
        assert done["score"]["raw"] == frame.evaluate("() => tetris.stats.getScore()")
        assert_lrs_took_everything(page)


class TestBasicCourse:
    def test_a_course_without_xapi_calls_launches_and_stays_incomplete(self, live_api: LiveApi, page: Page):
        session_id = launch(page, live_api, BASIC)
        content(page).locator("h1").wait_for()
        assert content(page).locator("h1").inner_text() == "Basic xAPI Course"
        assert live_api.session(session_id)["completion_status"] == "incomplete"
