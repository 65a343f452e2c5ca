"""The golf runtime examples (SCORM 1.2 and 2004) in headless Chromium against a live stack."""

from __future__ import annotations

from playwright.sync_api import FrameLocator, Page

from tests.e2e.conftest import LiveApi, scorm_runtime
from tests.fixtures.player import GOLF_12, GOLF_2004

SCO = "#sco-frame"


def sco(page: Page) -> FrameLocator:
    """The golf launch page inside the player's content frame."""
    return page.frame_locator(SCO)


def wait_initialized(page: Page, api_name: str) -> None:
    page.wait_for_function(f"() => window.{api_name} && window.{api_name}.isInitialized()", timeout=15_000)


def next_pages(page: Page, count: int) -> None:
    for _ in range(count):
        sco(page).locator("#butNext").click()


def take_quiz(page: Page) -> None:
    """Answer the golf assessment (the first choice of every question) and submit it."""
    quiz = sco(page).frame_locator("#contentFrame")
    quiz.locator("input[value='Submit Answers']").wait_for()
    for radio in quiz.locator("input[type=radio][id$='_0']").all():
        radio.check()
    quiz.locator("input[value='Submit Answers']").click()


def set_value(page: Page, api_name: str, element: str, value: str) -> None:
    """What content does: set a value through the API it found."""
    setter = "LMSSetValue" if api_name == "API" else "SetValue"
    assert page.evaluate(f"() => window.{api_name}.{setter}({element!r}, {value!r})") == "true"


class TestGolfScorm12:
    API = "API"

    def test_content_finds_api_commits_resumes_and_reports(self, live_api: LiveApi, page: Page):
        opened = live_api.open_session(live_api.import_package(GOLF_12))
        session_id = opened["session"]["id"]
        page.goto(opened["launch_url"])
        wait_initialized(page, self.API)
        assert page.evaluate("() => window.API.LMSGetValue('cmi.core.entry')") == "ab-initio"
        assert page.evaluate("() => window.API.LMSGetValue('cmi.core.student_name')") == "Doe, Jane"

        # The learner reads five pages; the content bookmarks each; the course keeps notes in suspend_data.
        next_pages(page, 5)
        set_value(page, self.API, "cmi.suspend_data", "notes=golf;page=5")
        assert page.evaluate("() => window.API.LMSCommit('')") == "true"
        stored = live_api.wait_for(session_id, lambda s: s["cmi_data"].get("cmi.core.lesson_location") == "5")
        assert stored["cmi_data"]["cmi.suspend_data"] == "notes=golf;page=5"
        assert stored["completion_status"] == "incomplete"

        # A reload resumes where the learner left (the content asks, the learner says yes).
        page.reload()
        wait_initialized(page, self.API)
        assert page.evaluate("() => window.API.LMSGetValue('cmi.core.entry')") == "resume"
        assert page.evaluate("() => window.API.LMSGetValue('cmi.core.lesson_location')") == "5"
        assert page.evaluate("() => window.API.LMSGetValue('cmi.suspend_data')") == "notes=golf;page=5"
        sco(page).locator("#contentFrame").wait_for()
        assert "Etiquette/Course.html" in page.evaluate(
            "() => document.getElementById('sco-frame').contentWindow.document.getElementById('contentFrame').src")

        # To the quiz; the answers are committed by the runtime's autocommit.
        next_pages(page, 9)
        take_quiz(page)
        scored = live_api.wait_for(session_id, lambda s: s["score"]["raw"] is not None, timeout=20)
        assert scored["cmi_data"]["cmi.core.lesson_status"] in ("passed", "failed")

        # Closing the page delivers the last commit.
        set_value(page, self.API, "cmi.suspend_data", "closing")
        page.close()
        # An autocommit may carry "closing" before the page's last save does: wait for the save (it adds the time).
        final = live_api.wait_for(session_id, lambda s: s["cmi_data"].get("cmi.suspend_data") == "closing"
                                  and s["time_spent_seconds"] >= 1)
        assert final["cmi_data"]["cmi.suspend_data"] == "closing"
        assert final["completion_status"] == "completed"
        assert final["success_status"] in ("passed", "failed")
        assert final["score"]["raw"] == scored["score"]["raw"] and final["score"]["max"] == 100
        assert final["time_spent_seconds"] >= 1
        assert final["session_time"].startswith("PT")


class TestGolfScorm2004:
    API = "API_1484_11"

    def test_content_finds_api_commits_resumes_and_reports(self, live_api: LiveApi, page: Page):
        opened = live_api.open_session(live_api.import_package(GOLF_2004))
        session_id = opened["session"]["id"]
        page.goto(opened["launch_url"])
        wait_initialized(page, self.API)
        assert scorm_runtime(page) == "2004"
        assert page.evaluate("() => window.API_1484_11.GetValue('cmi.entry')") == "ab-initio"
        assert page.evaluate("() => window.API_1484_11.GetValue('cmi.learner_id')") == "learner-e2e"

        next_pages(page, 3)
        set_value(page, self.API, "cmi.suspend_data", "seen=0,1,2,3")
        assert page.evaluate("() => window.API_1484_11.Commit('')") == "true"
        live_api.wait_for(session_id, lambda s: s["cmi_data"].get("cmi.location") == "3")

        page.reload()
        wait_initialized(page, self.API)
        assert page.evaluate("() => window.API_1484_11.GetValue('cmi.entry')") == "resume"
        assert page.evaluate("() => window.API_1484_11.GetValue('cmi.location')") == "3"
        assert page.evaluate("() => window.API_1484_11.GetValue('cmi.suspend_data')") == "seen=0,1,2,3"

        next_pages(page, 11)
        take_quiz(page)
        scored = live_api.wait_for(session_id, lambda s: s["score"]["scaled"] is not None, timeout=20)
        assert scored["success_status"] in ("passed", "failed")
        assert scored["completion_status"] == "completed"

        page.close()
        final = live_api.wait_for(session_id, lambda s: s["time_spent_seconds"] >= 1)
        assert final["time_spent_seconds"] >= 1
        assert final["cmi_data"]["cmi.score.scaled"] == scored["cmi_data"]["cmi.score.scaled"]
        assert final["completion_status"] == "completed"
