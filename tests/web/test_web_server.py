"""What gunicorn itself lets through with the production config (config/gunicorn.py)."""

from __future__ import annotations

import json

import pytest
import requests

from tests.fixtures.platform import start_stack


@pytest.fixture
def web_only(app, settings):
    stack = start_stack(settings, web_workers=1, with_worker=False)
    yield stack
    stack.stop()


@pytest.mark.xdist_group("live")
def test_long_xapi_query_reaches_the_api_and_gets_its_envelope(web_only, tenant):
    agent = json.dumps({"objectType": "Agent", "name": "n" * 5000, "mbox": "mailto:long@example.com"})
    response = requests.get(f"{web_only.base_url}/api/v1/xapi/statements", params={"verb": "not an iri",
                            "activity": "http://example.com/" + "a" * 400, "agent": agent},
                            headers=tenant.headers, timeout=30)  # fmt: skip
    assert len(response.request.url) > 5000
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
