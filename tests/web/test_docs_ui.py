"""`/api/docs` in Chromium: the product's guide and name, Bearer first, none of Scalar's vendor buttons."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from tests.e2e.conftest import CHROMIUM_ARGS

VENDOR_TEXTS = ("Ask AI", "Generate SDK", "Generate MCP", "Deploy", "Developer Tools", "Configure", "Share")


def test_openapi_info_should_carry_the_guide_and_this_instance_as_server(client, settings):
    spec = client.get("/api/docs/openapi").json
    guide = spec["info"]["description"]
    for heading in ("## Quick Start", "## Authentication", "## Rate limits", "## Errors", "## Pagination", "## Jobs"):
        assert heading in guide
    assert "X-RateLimit-Remaining" in guide and "request_id" in guide
    assert spec["servers"] == [{"url": settings.public_base_url, "description": "This instance"}]


def test_every_operation_should_have_a_summary_and_a_description_with_an_example(client):
    spec = client.get("/api/docs/openapi").json
    lacking = [
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if method in ("get", "post", "put", "patch", "delete")
        and not (operation.get("summary") and "```bash" in operation.get("description", ""))
    ]
    assert lacking == []


def test_docs_page_should_name_the_product_and_serve_its_favicon(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assert "<title>Allure Connect API</title>" in page and "/api/docs/static/favicon.svg" in page
    icon = client.get("/api/docs/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"


@pytest.mark.e2e
def test_docs_in_chromium_should_show_the_guide_and_bearer_auth_without_vendor_buttons(app, tmp_path):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"http://127.0.0.1:{server.server_port}/api/docs")
            page.get_by_text("Quick Start", exact=True).first.wait_for(timeout=30_000)
            page.screenshot(path=str(tmp_path / "docs.png"))
            text = page.inner_text("body")
            browser.close()
    finally:
        server.shutdown()
    assert "Allure Connect API" in text and "Mint an upload URL" in text
    assert "bearerAuth" in text and "Bearer Token" in text
    assert [vendor for vendor in VENDOR_TEXTS if vendor in text] == []
    assert (tmp_path / "docs.png").stat().st_size > 10_000
