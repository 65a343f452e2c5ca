"""Dispatches end to end: the limit under real concurrency, and the dispatch ZIP played inside our own LMS.

The second test is the whole story in headless Chromium. Tenant A dispatches the
golf SCORM 1.2 course and downloads the dispatch ZIP; tenant B imports that ZIP as
an ordinary SCORM 1.2 package (we are an LMS too) and launches it for its learner.
B's player runs the stub, the stub frames A's dispatch player, the learner takes
the course there, and completion and score reach A's dispatch session and B's
session of the stub.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from playwright.sync_api import FrameLocator, Page

from tests.e2e.conftest import LiveApi, frame_with
from tests.e2e.test_aicc_runtime import EMP as AICC_EMP
from tests.e2e.test_aicc_runtime import serve_jquery
from tests.fixtures.player import GOLF_12


def create_dispatch(api: LiveApi, package_id: str, **fields: Any) -> dict[str, Any]:
    body = {"package_id": package_id, "dispatch_name": "Golf for partners", **fields}
    response = api.call("POST", "/api/v1/dispatches", json=body)
    assert response.status_code == 201, response.text
    return response.json()["dispatch"]


def wait_job(api: LiveApi, job_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    job = api.call("GET", f"/api/v1/jobs/{job_id}").json()
    while job["status"] not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.3)
        job = api.call("GET", f"/api/v1/jobs/{job_id}").json()
    return job


def dispatch_zip(api: LiveApi, dispatch_id: str, target: Path) -> Path:
    """Generate the dispatch ZIP through the API and the worker, and download it."""
    assert api.call("GET", f"/api/v1/dispatches/{dispatch_id}/zip").status_code == 409
    queued = api.call("POST", f"/api/v1/dispatches/{dispatch_id}/generate")
    assert queued.status_code == 202, queued.text
    job = wait_job(api, queued.json()["job_id"])
    assert job["status"] == "succeeded", job
    download = api.call("GET", f"/api/v1/dispatches/{dispatch_id}/zip")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/zip"
    target.write_bytes(download.content)
    return target


def dispatch_sessions(api: LiveApi, package_id: str) -> list[dict[str, Any]]:
    listed = api.call("GET", f"/api/v1/sessions?package_id={package_id}").json()["sessions"]
    return [s for s in listed if s["dispatch_id"]]


def wait_until(read: Any, predicate: Any, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    value = read()
    while not predicate(value) and time.monotonic() < deadline:
        time.sleep(0.3)
        value = read()
    return value


class TestRegistrationLimitLive:
    def test_dispatch_50_concurrent_first_launches_limit_10_admits_exactly_10(self, live_api: LiveApi):
        package_id = live_api.import_package(GOLF_12)
        dispatch = create_dispatch(live_api, package_id, registration_limit=10, allowed_domains=["*.partner.com"])
        # The dispatch player is on the tenant's content origin, which `requests` may not resolve (*.localhost):
        # the server's address with that Host, as a browser resolving it to loopback would send.
        launch = urlsplit(dispatch["launch_url"])
        url = f"{live_api.base_url}{launch.path}"
        headers = {"Referer": "https://lms.partner.com/course/view.php", "Accept": "application/json",
                   "Host": launch.netloc}  # fmt: skip

        def first_launch(index: int) -> int:
            params = {"learner_id": f"partner-learner-{index}", "learner_name": f"Learner {index}"}
            return requests.get(url, params=params, headers=headers, timeout=60).status_code

        with ThreadPoolExecutor(max_workers=50) as pool:
            statuses = Counter(pool.map(first_launch, range(50)))

        assert statuses == Counter({200: 10, 403: 40})
        got = live_api.call("GET", f"/api/v1/dispatches/{dispatch['id']}").json()["dispatch"]
        assert got["registration_count"] == 10
        assert got["status"] == "exhausted"
        assert len(dispatch_sessions(live_api, package_id)) == 10
        # A learner who got in comes back; a new one is still refused.
        admitted = [s["user_id"] for s in dispatch_sessions(live_api, package_id)]
        again = requests.get(url, params={"learner_id": admitted[0]}, headers=headers, timeout=30)
        assert again.status_code == 200
        refused = requests.get(url, params={"learner_id": "late-learner"}, headers=headers, timeout=30)
        assert refused.json()["error"]["code"] == "REGISTRATION_LIMIT_REACHED"


def stub_frame(page: Page) -> FrameLocator:
    """B's player → the dispatch stub (B's content) → A's dispatch player."""
    return page.frame_locator("#sco-frame").frame_locator("#allure-dispatch-frame")


def golf(page: Page) -> FrameLocator:
    return stub_frame(page).frame_locator("#sco-frame")


class TestDispatchInsideAnotherLms:
    def test_dispatch_zip_imported_by_second_tenant_plays_and_reports_to_both(
        self, live_api: LiveApi, make_tenant: Any, page: Page, tmp_path: Path
    ):
        provider = live_api
        partner = LiveApi(provider.base_url, make_tenant(name="Partner LMS"))
        course_id = provider.import_package(GOLF_12)
        # B's content (the stub) runs on B's content origin: the dispatch allows that host alone.
        partner_host = f"t-{partner.tenant.tenant_id}.localhost"
        dispatch = create_dispatch(provider, course_id, registration_limit=5, allowed_domains=[partner_host])
        stub_zip = dispatch_zip(provider, dispatch["id"], tmp_path / "golf-dispatch.zip")

        # Tenant B imports the stub as an ordinary SCORM 1.2 package.
        stub_id = partner.import_package(stub_zip)
        stub_package = partner.call("GET", f"/api/v1/packages/{stub_id}").json()
        assert stub_package["version"] == "1.2"
        assert stub_package["metadata"]["sco_count"] == 1

        opened = partner.open_session(stub_id, user_id="partner-learner-7", user_name="Roe, Rick")
        partner_session = opened["session"]["id"]
        page.goto(opened["launch_url"])

        # The stub found B's API and framed A's dispatch player for B's learner.
        player = frame_with(page, "/player/dispatch/")
        assert "learner_id=partner-learner-7" in player.url
        player.wait_for_function("() => window.API && window.API.isInitialized()", timeout=20_000)
        assert player.evaluate("() => window.API.LMSGetValue('cmi.core.student_id')") == "partner-learner-7"
        assert player.evaluate("() => window.API.LMSGetValue('cmi.core.student_name')") == "Roe, Rick"
        peer = urlsplit(opened["launch_url"])
        assert player.evaluate("() => window.AllureDispatchBridge.state().peerOrigin") == f"http://{peer.netloc}"
        assert player.url.startswith(f"http://t-{provider.tenant.tenant_id}.localhost:")  # A's content origin
        sessions = wait_until(lambda: dispatch_sessions(provider, course_id), lambda s: len(s) == 1)
        provider_session = sessions[0]["id"]
        assert sessions[0]["dispatch_id"] == dispatch["id"]
        assert partner.session(partner_session)["completion_status"] == "incomplete"

        # The learner takes the course, which plays from tenant A.
        golf(page).locator("#butNext").wait_for()
        for _ in range(14):
            golf(page).locator("#butNext").click()
        quiz = golf(page).frame_locator("#contentFrame")
        quiz.locator("input[value='Submit Answers']").wait_for()
        for radio in quiz.locator("input[type=radio][id$='_0']").all():
            radio.check()
        quiz.locator("input[value='Submit Answers']").click()

        scored = provider.wait_for(provider_session, lambda s: s["score"]["raw"] is not None, timeout=30)
        raw = scored["score"]["raw"]
        # The bridge relays it into B's runtime, which commits it to B's session of the stub.
        relayed = partner.wait_for(partner_session, lambda s: s["score"]["raw"] is not None, timeout=30)
        assert relayed["score"]["raw"] == raw
        assert relayed["cmi_data"]["cmi.core.lesson_status"] == scored["cmi_data"]["cmi.core.lesson_status"]

        # The learner exits from A's player: the stub finishes B's session.
        stub_frame(page).locator("#nav-exit").click()
        done_a = provider.wait_for(provider_session, lambda s: s["completion_status"] == "completed")
        done_b = partner.wait_for(partner_session, lambda s: s["time_spent_seconds"] >= 1, timeout=30)
        assert done_a["success_status"] in ("passed", "failed")
        assert done_b["completion_status"] == "completed"
        assert done_b["success_status"] == done_a["success_status"]
        assert done_b["score"]["raw"] == done_a["score"]["raw"]
        assert done_b["session_time"]
        got = provider.call("GET", f"/api/v1/dispatches/{dispatch['id']}").json()["dispatch"]
        assert got["registration_count"] == 1


class TestAiccDispatch:
    def test_dispatch_zip_of_an_aicc_course_launches_and_reports_over_hacp(
        self, live_api: LiveApi, make_tenant: Any, page: Page, tmp_path: Path
    ):
        # The dispatched course is AICC: A's dispatch player hands its AU an HACP session (AICC_SID/AICC_URL)
        # instead of window.API, and the bridge relays what the AU reports over HACP to B's stub.
        provider = live_api
        partner = LiveApi(provider.base_url, make_tenant(name="Partner LMS (AICC)"))
        course_id = provider.import_package(AICC_EMP)
        partner_host = f"t-{partner.tenant.tenant_id}.localhost"
        dispatch = create_dispatch(provider, course_id, dispatch_name="AICC for partners",
                                   allowed_domains=[partner_host])  # fmt: skip
        stub_id = partner.import_package(dispatch_zip(provider, dispatch["id"], tmp_path / "aicc-dispatch.zip"))
        opened = partner.open_session(stub_id, user_id="partner-learner-8")
        partner_session = opened["session"]["id"]
        serve_jquery(page)
        page.goto(opened["launch_url"])

        au = frame_with(page, "AICC_SID=")
        au.wait_for_selector("#apiLog")
        query = parse_qs(urlsplit(au.url).query)
        assert urlsplit(query["AICC_URL"][0]).netloc == urlsplit(dispatch["launch_url"]).netloc  # A's origin
        sessions = wait_until(lambda: dispatch_sessions(provider, course_id), lambda s: len(s) == 1)
        provider_session = sessions[0]["id"]
        started = provider.wait_for(provider_session, lambda s: "cmi.student_preference.speed" in s["cmi_data"])
        assert started["cmi_data"]["cmi.core.lesson_status"] == "incomplete"
        assert started["user_id"] == "partner-learner-8"

        au.locator("input[value='Set LMS to Passed']").click()
        passed = provider.wait_for(provider_session, lambda s: s["success_status"] == "passed", timeout=30)
        assert passed["completion_status"] == "completed"
        relayed = partner.wait_for(partner_session, lambda s: s["success_status"] == "passed", timeout=30)
        assert relayed["completion_status"] == "completed"
