"""The dispatch ZIP's launcher and the player's bridge, together in headless Chromium.

A host LMS (its own origin, a recording SCORM 1.2 `API`) frames the stub built by
`pipeline.dispatch_zip`; the stub frames a page on the service's origin that loads
`web/dispatches/static/dispatch_bridge.js`. The tests drive the bridge and read what
reached the host's API, including from frames that must not be listened to.
"""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from pipeline.dispatch_zip import build_dispatch_zip

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.e2e

BRIDGE = Path(__file__).resolve().parents[3] / "web" / "dispatches" / "static" / "dispatch_bridge.js"
CHROMIUM = "/usr/bin/chromium"
TOKEN = "header.payload.signature"

HOST_API = """
<script>
window.calls = [];
window.cmi = {"cmi.core.student_id": "learner-7", "cmi.core.student_name": "Doe, Jane",
              "cmi.core.lesson_status": "not attempted"};
function record(name, args, result) { window.calls.push([name].concat(args)); return result; }
window.API = {
  LMSInitialize: function (a) { return record("LMSInitialize", [a], "true"); },
  LMSFinish: function (a) { return record("LMSFinish", [a], "true"); },
  LMSGetValue: function (k) { return record("LMSGetValue", [k], window.cmi[k] || ""); },
  LMSSetValue: function (k, v) { window.cmi[k] = v; return record("LMSSetValue", [k, v], "true"); },
  LMSCommit: function (a) { return record("LMSCommit", [a], "true"); },
  LMSGetLastError: function () { return "0"; },
  LMSGetErrorString: function () { return ""; },
  LMSGetDiagnostic: function () { return ""; }
};
</script>
"""


@dataclass
class Site:
    """A tiny HTTP origin serving fixed pages and recording what it was asked."""

    pages: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def origin(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def add(self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8") -> None:
        self.pages[path] = (content_type, body.encode("utf-8") if isinstance(body, str) else body)

    def start(self) -> None:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                site.requests.append((self.path, dict(self.headers.items())))
                found = site.pages.get(path) or site.pages.get(path.rsplit("/", 1)[0] + "/*")
                if not found:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", found[0])
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(found[1])

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


@dataclass
class World:
    lms: Site
    service: Site
    evil: Site

    def player_page(self, parent_origin: str | None, **extra: object) -> None:
        config = json.dumps({"parentOrigin": parent_origin, **extra})
        self.service.add(
            "/player/dispatch/*",
            f'<!DOCTYPE html><html><head><script type="application/json" id="allure-dispatch-config">'
            f'{config}</script><script src="/static/dispatch_bridge.js"></script></head>'
            f"<body>player</body></html>",
        )

    def player_requests(self) -> list[tuple[str, dict[str, str]]]:
        return [r for r in self.service.requests if r[0].startswith("/player/dispatch/")]


@pytest.fixture
def world() -> Iterator[World]:
    sites = World(Site(), Site(), Site())
    for site in (sites.lms, sites.service, sites.evil):
        site.start()
    out = io.BytesIO()
    build_dispatch_zip(out, title="Partner course", launch_base_url=sites.service.origin, token=TOKEN)
    with zipfile.ZipFile(out) as archive:
        for name in archive.namelist():
            kind = "application/javascript" if name.endswith(".js") else "text/html; charset=utf-8"
            sites.lms.add(f"/sco/{name}", archive.read(name), kind)
    sites.lms.add("/lms.html", f'{HOST_API}<iframe id="sco" src="/sco/index.html"></iframe>')
    sites.service.add("/static/dispatch_bridge.js", BRIDGE.read_bytes(), "application/javascript")
    sites.player_page(sites.lms.origin)
    yield sites
    for site in (sites.lms, sites.service, sites.evil):
        site.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    with playwright_sync.sync_playwright() as play:
        browser = play.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def player_frame(page: object) -> object:
    page.wait_for_function(
        "() => { const f = document.getElementById('sco'); const d = f && f.contentDocument;"
        " return d && d.getElementById('allure-dispatch-frame'); }"
    )
    for _ in range(100):
        for frame in page.frames:
            if "/player/dispatch/" in frame.url:
                frame.wait_for_function("() => window.AllureDispatchBridge !== undefined")
                return frame
        page.wait_for_timeout(50)
    raise AssertionError("the player frame never loaded")


def host_cmi(page: object) -> dict[str, str]:
    return page.evaluate("() => window.cmi")


def host_calls(page: object) -> list[list[str]]:
    return page.evaluate("() => window.calls")


STATUS = {
    "completion_status": "completed",
    "success_status": "passed",
    "score": {"raw": 85, "min": 0, "max": 100, "scaled": 0.85},
    "session_time_seconds": 125.5,
}


# The launcher script may not have run yet when a wait starts: test for it before calling it.
LAUNCHER = "window.AllureDispatchLauncher"


class TestLaunch:
    def test_stub_launch_opens_player_with_learner_and_origin_only_referer(self, world, page):
        page.goto(f"{world.lms.origin}/lms.html")
        player_frame(page)
        path, headers = world.player_requests()[0]
        query = parse_qs(urlsplit(path).query)
        assert urlsplit(path).path == f"/player/dispatch/{TOKEN}"
        assert query == {"learner_id": ["learner-7"], "learner_name": ["Doe, Jane"]}
        assert headers.get("Referer") == f"{world.lms.origin}/"
        calls = host_calls(page)
        assert calls[0] == ["LMSInitialize", ""]
        assert ["LMSSetValue", "cmi.core.lesson_status", "incomplete"] in calls

    def test_stub_without_host_api_explains_and_opens_nothing(self, world, page):
        page.goto(f"{world.lms.origin}/sco/index.html")
        page.wait_for_function(f"() => {LAUNCHER} && {LAUNCHER}.state().error !== null")
        assert "no SCORM 1.2 API was found" in page.inner_text("#allure-dispatch-message")
        assert world.player_requests() == []

    def test_stub_in_popup_finds_api_through_opener(self, world, page):
        world.lms.add("/popup-lms.html", f"{HOST_API}<p>lms</p>")
        page.goto(f"{world.lms.origin}/popup-lms.html")
        with page.expect_popup() as popup_info:
            page.evaluate("() => window.open('/sco/index.html', 'sco')")
        popup = popup_info.value
        popup.wait_for_function(f"() => {LAUNCHER} && {LAUNCHER}.state().initialized")
        assert host_calls(page)[0] == ["LMSInitialize", ""]


class TestRelay:
    def test_bridge_status_reaches_host_api(self, world, page):
        page.goto(f"{world.lms.origin}/lms.html")
        frame = player_frame(page)
        frame.evaluate("s => window.dispatchEvent(new CustomEvent('allure:session-status', {detail: s}))", STATUS)
        page.wait_for_function("() => window.cmi['cmi.core.lesson_status'] === 'passed'")
        cmi = host_cmi(page)
        assert cmi["cmi.core.score.raw"] == "85"
        assert cmi["cmi.core.score.min"] == "0"
        assert cmi["cmi.core.score.max"] == "100"
        assert cmi["cmi.core.session_time"] == "00:02:05.50"
        assert host_calls(page)[-1] == ["LMSCommit", ""]

    def test_bridge_scaled_only_score_becomes_percent(self, world, page):
        page.goto(f"{world.lms.origin}/lms.html")
        frame = player_frame(page)
        status = {"completion_status": "completed", "success_status": "failed", "score": {"scaled": 0.425}}
        frame.evaluate("s => window.AllureDispatchBridge.report(s)", status)
        page.wait_for_function("() => window.cmi['cmi.core.lesson_status'] === 'failed'")
        assert host_cmi(page)["cmi.core.score.raw"] == "42.5"

    def test_bridge_passed_is_not_downgraded_by_later_incomplete(self, world, page):
        page.goto(f"{world.lms.origin}/lms.html")
        frame = player_frame(page)
        frame.evaluate("s => window.AllureDispatchBridge.report(s)", STATUS)
        page.wait_for_function("() => window.cmi['cmi.core.lesson_status'] === 'passed'")
        frame.evaluate("() => window.AllureDispatchBridge.report({completion_status: 'incomplete'})")
        frame.evaluate("() => window.AllureDispatchBridge.report({completion_status: 'completed'})")
        page.wait_for_timeout(300)
        assert host_cmi(page)["cmi.core.lesson_status"] == "passed"

    def test_bridge_exit_finishes_host_session(self, world, page):
        page.goto(f"{world.lms.origin}/lms.html")
        frame = player_frame(page)
        frame.evaluate("s => window.dispatchEvent(new CustomEvent('allure:session-exit', {detail: s}))", STATUS)
        page.wait_for_function("() => window.calls.some(c => c[0] === 'LMSFinish')")
        cmi = host_cmi(page)
        assert cmi["cmi.core.lesson_status"] == "passed"
        assert cmi["cmi.core.exit"] == ""
        names = [c[0] for c in host_calls(page)]
        assert names.count("LMSFinish") == 1
        assert names[-2:] == ["LMSCommit", "LMSFinish"]

    def test_stub_unloaded_while_incomplete_suspends_and_finishes(self, world, page):
        page.goto(f"{world.lms.origin}/lms.html")
        player_frame(page)
        page.evaluate("() => document.getElementById('sco').remove()")
        page.wait_for_function("() => window.calls.some(c => c[0] === 'LMSFinish')")
        cmi = host_cmi(page)
        assert cmi["cmi.core.exit"] == "suspend"
        assert cmi["cmi.core.lesson_status"] == "incomplete"
        assert [c[0] for c in host_calls(page)].count("LMSFinish") == 1


class TestOrigins:
    @pytest.mark.parametrize("rogue_site", ["evil", "service"])
    def test_stub_ignores_status_from_frames_other_than_its_player(self, world, page, rogue_site):
        rogue = getattr(world, rogue_site)
        forged = {"source": "allure-dispatch", "version": 1, "type": "status", "status": STATUS}
        rogue.add(
            "/rogue.html",
            f"<script>window.fire = () => parent.frames[0].postMessage({json.dumps(forged)}, '*');</script>",
        )
        world.lms.add(
            "/lms.html",
            f'{HOST_API}<iframe id="sco" src="/sco/index.html"></iframe>'
            f'<iframe id="rogue" src="{rogue.origin}/rogue.html"></iframe>',
        )
        page.goto(f"{world.lms.origin}/lms.html")
        player_frame(page)
        rogue_frame = next(f for f in page.frames if f.url.endswith("/rogue.html"))
        rogue_frame.evaluate("() => window.fire()")
        page.wait_for_timeout(400)
        assert host_cmi(page)["cmi.core.lesson_status"] == "incomplete"
        assert "cmi.core.score.raw" not in host_cmi(page)

    def test_bridge_under_unexpected_parent_origin_says_nothing(self, world, page):
        world.player_page(world.evil.origin)
        page.goto(f"{world.lms.origin}/lms.html")
        frame = player_frame(page)
        frame.wait_for_function("() => window.AllureDispatchBridge.state().refusedOrigins.length > 0")
        frame.evaluate("s => window.AllureDispatchBridge.report(s)", STATUS)
        page.wait_for_timeout(400)
        assert frame.evaluate("() => window.AllureDispatchBridge.state().refusedOrigins") == [world.lms.origin]
        assert host_cmi(page)["cmi.core.lesson_status"] == "incomplete"

    def test_bridge_unrestricted_learns_parent_origin_from_hello(self, world, page):
        world.player_page(None)
        page.goto(f"{world.lms.origin}/lms.html")
        frame = player_frame(page)
        frame.wait_for_function("() => window.AllureDispatchBridge.state().greeted")
        assert frame.evaluate("() => window.AllureDispatchBridge.state().peerOrigin") == world.lms.origin
        frame.evaluate("s => window.AllureDispatchBridge.report(s)", STATUS)
        page.wait_for_function("() => window.cmi['cmi.core.lesson_status'] === 'passed'")


class TestStatusUrl:
    def test_bridge_fetches_status_and_reports_launch_time_since_baseline(self, world, page):
        served = {"completion_status": "completed", "success_status": "unknown",
                  "score": {"raw": 70, "min": 0, "max": 100, "scaled": 0.7}, "time_spent_seconds": 190.0}  # fmt: skip
        world.service.add("/status", json.dumps(served), "application/json")
        world.player_page(world.lms.origin, statusUrl="/status", pollSeconds=60, timeBaseline=100)
        page.goto(f"{world.lms.origin}/lms.html")
        player_frame(page)
        page.wait_for_function("() => window.cmi['cmi.core.lesson_status'] === 'completed'")
        cmi = host_cmi(page)
        assert cmi["cmi.core.session_time"] == "00:01:30"
        assert cmi["cmi.core.score.raw"] == "70"
