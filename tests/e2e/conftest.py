"""End-to-end fixtures: a real gunicorn + RQ worker, the public API over HTTP, and headless Chromium."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Frame, Page, sync_playwright

from tests.fixtures.platform import LiveStack, TenantKey

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@dataclass
class LiveApi:
    """The public API of a live stack, as a partner's backend calls it."""

    base_url: str
    tenant: TenantKey
    packages: dict[str, str] = field(default_factory=dict)

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return requests.request(method, self.base_url + path, headers=self.tenant.headers, timeout=30, **kwargs)

    def import_package(self, path: Path) -> str:
        """Upload a corpus ZIP through the API and wait for the worker to import it."""
        if path.name in self.packages:
            return self.packages[path.name]
        with path.open("rb") as stream:
            accepted = self.call("POST", "/api/v1/packages/upload", files={"file": (path.name, stream)},
                                 data={"tenant_id": self.tenant.tenant_id, "uploaded_by": "e2e"})  # fmt: skip
        assert accepted.status_code == 202, accepted.text
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            job = self.call("GET", f"/api/v1/jobs/{accepted.json()['job_id']}").json()
            if job["status"] in ("succeeded", "failed"):
                break
            time.sleep(0.3)
        assert job["status"] == "succeeded", job
        self.packages[path.name] = job["result"]["package_id"]
        return self.packages[path.name]

    def open_session(self, package_id: str, user_id: str = "learner-e2e", **extra: Any) -> dict[str, Any]:
        body = {"package_id": package_id, "user_id": user_id, "user_name": "Doe, Jane", **extra}
        response = self.call("POST", "/api/v1/sessions", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def session(self, session_id: str) -> dict[str, Any]:
        response = self.call("GET", f"/api/v1/sessions/{session_id}")
        assert response.status_code == 200, response.text
        return response.json()["session"]

    def wait_for(self, session_id: str, predicate: Any, timeout: float = 15) -> dict[str, Any]:
        """Poll the session until `predicate(session)` holds (beacons arrive after the page is gone)."""
        deadline = time.monotonic() + timeout
        session = self.session(session_id)
        while not predicate(session) and time.monotonic() < deadline:
            time.sleep(0.25)
            session = self.session(session_id)
        return session


@pytest.fixture
def stack(live_stack: LiveStack) -> LiveStack:
    return live_stack


@pytest.fixture
def live_api(stack: LiveStack, tenant: TenantKey) -> LiveApi:
    return LiveApi(stack.base_url, tenant)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Per module: one sync Playwright at a time per thread, and other test modules start their own.
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    # Golf content asks "resume where you left off?" with confirm(): the learner says yes.
    page.on("dialog", lambda dialog: dialog.accept())
    page.console_messages: list[str] = []  # type: ignore[attr-defined]
    page.on("console", lambda message: page.console_messages.append(f"{message.type}: {message.text}"))  # type: ignore[attr-defined]
    yield page
    context.close()


def scorm_runtime(page: Page) -> str:
    """Which SCORM API the player page offers its content ("2004", "1.2" or "")."""
    return page.evaluate("window.API_1484_11 ? '2004' : window.API ? '1.2' : ''")


def frame_with(page: Page, part: str, seconds: float = 20) -> Frame:
    """The page's frame whose URL contains `part`, waiting up to `seconds` for it to appear."""
    for _ in range(int(seconds * 10)):
        for frame in page.frames:
            if part in frame.url:
                return frame
        page.wait_for_timeout(100)
    raise AssertionError(f"no frame with {part} in its URL")
