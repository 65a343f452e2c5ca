"""AICC courses in headless Chromium against a live stack: the content's own HACP calls, same- and cross-origin.

`emp_aicc.zip` is a real AICC course whose `Api.js` reads `AICC_SID` / `AICC_URL`
from its URL and talks HACP with synchronous XMLHttpRequest form POSTs. It loads
jQuery 1.7.1 from Google's CDN; the test machine has no internet, so that one
URL is answered with jQuery 1.12.4 from npm (the last 1.x, same API as the
course uses, `tests/fixtures/vendor`). A second course places the same AU on
another site (a second HTTP server, `http://au.localhost:{port}`, serving the
course's own files), so the AU posts HACP across origins as hosted AICC courses
do. Both sites are on loopback, as the content origin is in tests: Chromium's
private-network rules would refuse a public site's requests to it, which a
deployed content origin does not meet.
"""

from __future__ import annotations

import functools
import io
import threading
import zipfile
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Frame, Page

from tests.e2e.conftest import LiveApi, frame_with
from tests.fixtures.corpus import CORPUS

EMP = CORPUS / "aicc" / "emp_aicc.zip"
COMPLEX = CORPUS / "aicc" / "emp_aicc_complex.zip"
JQUERY = Path(__file__).resolve().parents[1] / "fixtures" / "vendor" / "jquery-1.12.4.min.js"
CDN = "https://ajax.googleapis.com/ajax/libs/jquery/**"


def serve_jquery(page: Page) -> None:
    page.route(CDN, lambda route: route.fulfill(path=str(JQUERY), content_type="text/javascript"))


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Another site serving the emp AU's own files (and a blank page): its origin."""
    root = tmp_path_factory.mktemp("elsewhere")
    (root / "course").mkdir()
    with zipfile.ZipFile(EMP) as archive:
        for name in ("default.htm", "Api.js"):
            (root / "course" / name).write_bytes(archive.read(name))
    (root / "page.html").write_text("<html><body>elsewhere</body></html>")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://au.localhost:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def external_course(elsewhere: str) -> bytes:
    """emp_aicc's course files with its AU hosted on the other site."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(EMP) as source, zipfile.ZipFile(buffer, "w") as target:
        for name in ("assessment.crs", "assessment.des", "assessment.cst"):
            target.writestr(name, source.read(name))
        au = source.read("assessment.au").replace(b'"default.htm"', f'"{elsewhere}/course/default.htm"'.encode())
        target.writestr("assessment.au", au)
    return buffer.getvalue()


def import_bytes(live_api: LiveApi, name: str, data: bytes) -> str:
    path = Path(live_api.tenant.tenant_id + "-" + name)
    tmp = Path("/tmp") / path
    tmp.write_bytes(data)
    try:
        return live_api.import_package(tmp)
    finally:
        tmp.unlink(missing_ok=True)


def au_frame(page: Page) -> Frame:
    frame = frame_with(page, "AICC_SID=")
    frame.wait_for_selector("#apiLog")
    return frame


def click(frame: Frame, label: str) -> None:
    frame.locator(f"input[value='{label}']").click()


class TestSameOrigin:
    def test_emp_course_reports_over_hacp_and_resumes(self, live_api: LiveApi, page: Page):
        opened = live_api.open_session(live_api.import_package(EMP))
        session_id = opened["session"]["id"]
        serve_jquery(page)
        page.goto(opened["launch_url"])
        frame = au_frame(page)
        query = parse_qs(urlsplit(frame.url).query)
        assert query["AICC_URL"][0].endswith("/player/hacp")
        assert urlsplit(query["AICC_URL"][0]).netloc == urlsplit(frame.url).netloc  # the tenant's content origin

        # On load the content asks GetParam, then sets itself incomplete (PutParam, with its preferences).
        started = live_api.wait_for(session_id, lambda s: "cmi.student_preference.speed" in s["cmi_data"])
        assert started["cmi_data"]["cmi.core.lesson_status"] == "incomplete"
        assert "error=0" in frame.inner_text("#apiLog")

        click(frame, "Save current time to LMS as bookmark")
        marked = live_api.wait_for(session_id, lambda s: s["cmi_data"].get("cmi.core.lesson_location"))
        bookmark = marked["cmi_data"]["cmi.core.lesson_location"]
        assert bookmark

        click(frame, "Set LMS to Passed")
        passed = live_api.wait_for(session_id, lambda s: s["success_status"] == "passed")
        assert (passed["completion_status"], passed["success_status"]) == ("completed", "passed")
        page.close()

        # A new launch of the same session: the content reads its bookmark back (GetParam).
        again = live_api.open_session(live_api.import_package(EMP))
        second = page.context.new_page()
        serve_jquery(second)
        second.goto(again["launch_url"])
        frame = au_frame(second)
        frame.wait_for_function(
            "text => document.getElementById('lblLessonLocation').textContent === text", arg=bookmark)


class TestStructure:
    def test_three_au_course_follows_its_prerequisites_with_one_hacp_session_per_au(self, live_api: LiveApi,
                                                                                   page: Page):  # fmt: skip
        # The complex course's AUs are static pages; A2 requires A1 (its .pre file).
        opened = live_api.open_session(live_api.import_package(COMPLEX))
        page.goto(opened["launch_url"])
        first = frame_with(page, "intro.html?AICC_SID=")
        assert "Intro AU" in first.inner_text("body")
        assert page.locator("#toc button", has_text="Scenario AU").is_disabled()

        # What an AU does to finish, from its own page: PutParam then ExitAU, by form POST.
        answers = first.evaluate(
            """() => {
                const query = new URLSearchParams(location.search);
                const post = (command, data) => {
                    const xhr = new XMLHttpRequest();
                    xhr.open("POST", query.get("AICC_URL"), false);
                    xhr.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
                    xhr.send(new URLSearchParams({command, version: "4.0", session_id: query.get("AICC_SID"),
                                                  aicc_data: data}).toString());
                    return xhr.responseText;
                };
                return [post("PutParam", "[Core]\\r\\nLesson_Status=completed\\r\\nTime=00:00:42"),
                        post("ExitAU", "")];
            }""")
        assert all(answer.startswith("error=0") for answer in answers)
        done = live_api.wait_for(opened["session"]["id"], lambda s: s["time_spent_seconds"] == 42)
        assert next(a for a in done["activities"] if a["item_id"] == "A1")["completion_status"] == "completed"

        page.reload()
        page.locator("#toc button", has_text="Scenario AU").click()
        second = frame_with(page, "scenario.html?AICC_SID=")
        assert "Scenario AU" in second.inner_text("body")
        sids = {parse_qs(urlsplit(frame.url).query)["AICC_SID"][0] for frame in (first, second)}
        assert len(sids) == 2


class TestCrossOrigin:
    def test_au_hosted_elsewhere_posts_hacp_across_origins(self, live_api: LiveApi, page: Page, elsewhere: str):
        package_id = import_bytes(live_api, "external_aicc.zip", external_course(elsewhere))
        detail = live_api.call("GET", f"/api/v1/packages/{package_id}").json()
        assert detail["aicc"]["aus"][0]["external"] is True
        opened = live_api.open_session(package_id)
        session_id = opened["session"]["id"]
        serve_jquery(page)
        page.goto(opened["launch_url"])
        frame = au_frame(page)
        assert frame.url.startswith(elsewhere + "/course/default.htm?AICC_SID=")

        # The content's first PutParam (lesson status "i") stores its preferences too.
        started = live_api.wait_for(session_id, lambda s: "cmi.student_preference.speed" in s["cmi_data"])
        assert started["cmi_data"]["cmi.core.lesson_status"] == "incomplete"
        click(frame, "Set LMS to Failed")
        failed = live_api.wait_for(session_id, lambda s: s["success_status"] == "failed")
        assert (failed["completion_status"], failed["success_status"]) == ("completed", "failed")

    def test_page_on_another_origin_gets_preflight_and_answer_but_no_other_route(
        self, live_api: LiveApi, page: Page, elsewhere: str
    ):
        opened = live_api.open_session(live_api.import_package(EMP))
        serve_jquery(page)
        page.goto(opened["launch_url"])
        frame = au_frame(page)
        query = parse_qs(urlsplit(frame.url).query)
        sid, hacp_url = query["AICC_SID"][0], query["AICC_URL"][0]
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(hacp_url))

        other = page.context.new_page()
        other.goto(f"{elsewhere}/page.html")
        # A custom header makes Chromium send a CORS preflight first.
        answer = other.evaluate(
            """async ([url, sid]) => {
                const response = await fetch(url, {method: "POST", headers: {
                    "Content-Type": "application/x-www-form-urlencoded", "X-Requested-With": "XMLHttpRequest"},
                    body: "command=GetParam&version=4.0&session_id=" + encodeURIComponent(sid) + "&aicc_data="});
                return {status: response.status, type: response.headers.get("content-type"),
                        text: await response.text()};
            }""",
            [hacp_url, sid],
        )
        assert answer["status"] == 200 and answer["type"].startswith("text/plain")
        assert answer["text"].startswith("error=0\r\nerror_text=Successful\r\naicc_data=[Core]")
        assert "student_id=learner-e2e" in answer["text"]

        blocked = other.evaluate(
            """async (url) => {
                try { await fetch(url, {method: "POST", headers: {"Content-Type": "application/json"}, body: "{}"});
                      return "readable"; } catch (error) { return "blocked"; }
            }""",
            f"{origin}/player/s/{opened['session']['id']}/deliver",
        )
        assert blocked == "blocked"
