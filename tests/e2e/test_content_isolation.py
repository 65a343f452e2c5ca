"""A hostile course in headless Chromium: what its script can reach from the player, with an operator logged in.

Tenant A uploads a SCORM 1.2 package whose only SCO is an attack script. An operator
has opened `/admin/rq` in the same browser with HTTP Basic credentials (sent with every
request to the API origin, as a browser that cached them would). The learner launches
A's course; the script then tries to read tenant B's content, call `/api/v1` and the
dashboard's JSON, post a dashboard action (fetch and form), use its own player key on
another session and the API, and read the player page beyond `window.API`. Every probe
must fail, and the dashboard action must leave the queue as it was.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext
from redis import Redis

from tests.e2e.conftest import LiveApi, frame_with
from tests.fixtures.hostile_zips import MANIFEST, build
from tests.fixtures.platform import LiveStack, TenantKey
from tests.fixtures.player import GOLF_12

QUEUE = "hostile-probe"

ATTACK = """<!doctype html>
<html><head><meta charset="utf-8"><title>Totally normal course</title></head>
<body><p>Loading the course...</p>
<script>
(function () {
  "use strict";
  var P = __PROBES__;
  var results = {};
  window.__probe = results;
  var API = window.parent && window.parent.API;
  results.api = !!API;
  if (API) { API.LMSInitialize(""); }

  function attempt(name, url, init) {
    return fetch(url, init || {}).then(function (r) {
      return r.text().then(function (t) { results[name] = { status: r.status, type: r.type, body: t.slice(0, 400) }; });
    }, function (e) { results[name] = { blocked: String(e) }; });
  }

  // The player page itself: its DOM, its globals beyond those of a blank page, its markup.
  var doc = window.parent.document;
  results.configNode = !!doc.getElementById("player-config");
  results.dispatchNode = !!doc.getElementById("allure-dispatch-config");
  results.parentHtml = doc.documentElement.outerHTML;
  var blank = document.createElement("iframe");
  document.body.appendChild(blank);
  var standard = {};
  Object.keys(blank.contentWindow).forEach(function (k) { standard[k] = true; });
  results.parentGlobals = Object.keys(window.parent).filter(function (k) { return !standard[k]; });
  results.playerView = JSON.stringify(window.parent.AllurePlayer || null);
  var key = null;
  try { key = (/[?&]k=([^&]+)/.exec(API.settings.lmsCommitUrl) || [])[1] || null; } catch (e) { key = null; }
  results.keyFromApi = key;

  var probes = [
    attempt("otherTenantContent", P.otherContent, { credentials: "include" }),
    attempt("otherTenantContentHere", P.otherContentPath, { credentials: "include" }),
    attempt("apiJobs", P.api + "/api/v1/jobs", { credentials: "include" }),
    attempt("apiJobsHere", "/api/v1/jobs", { credentials: "include" }),
    attempt("adminData", P.api + "/admin/rq/0/data/queues.json", { credentials: "include" }),
    attempt("adminDataHere", "/admin/rq/0/data/queues.json", { credentials: "include" }),
    attempt("adminEmpty", P.api + "/admin/rq/queue/" + P.queue + "/queued/empty",
            { method: "POST", mode: "no-cors", credentials: "include" }),
    attempt("ownPage", window.parent.location.href, { credentials: "include" })
  ];
  if (key) {
    probes.push(attempt("keyOnOtherSession", "/player/s/" + P.otherSession + "/state?k=" + key));
    probes.push(attempt("keyOnApi", P.api + "/api/v1/jobs", { headers: { Authorization: "Bearer " + key } }));
    probes.push(attempt("keyOnApiHere", "/api/v1/jobs", { headers: { Authorization: "Bearer " + key } }));
  }
  // A dashboard action by form, the way a page posts across sites without CORS.
  probes.push(new Promise(function (resolve) {
    var sink = document.createElement("iframe");
    sink.name = "sink";
    document.body.appendChild(sink);
    var form = document.createElement("form");
    form.method = "POST";
    form.target = "sink";
    form.action = P.api + "/admin/rq/queue/" + P.queue + "/queued/empty";
    document.body.appendChild(form);
    sink.onload = function () {
      try { results.adminForm = { read: sink.contentDocument.body.innerText }; }
      catch (e) { results.adminForm = { blocked: String(e) }; }
      resolve();
    };
    form.submit();
  }));
  Promise.all(probes).then(function () { results.done = true; });
})();
</script></body></html>"""


def attack_package(probes: dict[str, str]) -> bytes:
    page = ATTACK.replace("__PROBES__", json.dumps(probes))
    return build({"imsmanifest.xml": MANIFEST.format(title="Hostile").encode(), "index.html": page.encode()})


def launched_content(api: LiveApi, opened: dict[str, Any]) -> dict[str, Any]:
    """Open a launch link the way a browser does, talking to the server's address with the content Host."""
    launch = urlsplit(opened["launch_url"])
    browser = requests.Session()
    browser.headers["Host"] = launch.netloc
    page_path = browser.get(api.base_url + launch.path, allow_redirects=False, timeout=30).headers["Location"]
    page = browser.get(api.base_url + page_path, timeout=30).text
    config = json.loads(re.search(r'id="player-config">(.*?)</script>', page, re.S).group(1))
    return {"origin": f"{launch.scheme}://{launch.netloc}", **config}


@pytest.fixture
def operator_context(browser: Browser, stack: LiveStack, make_tenant: Any) -> Iterator[tuple[BrowserContext, str]]:
    """A browser in which an operator is logged into the dashboard with Basic credentials."""
    operator = make_tenant(operator=True, name="Operator")
    context = browser.new_context(http_credentials={"username": "admin", "password": operator.key,
                                                    "origin": stack.base_url, "send": "always"})  # fmt: skip
    yield context, operator.key
    context.close()


def test_hostile_course_reaches_nothing_beyond_its_own_session(
    live_api: LiveApi, tenant: TenantKey, make_tenant: Any, operator_context: tuple[BrowserContext, str],
    redis_client: Redis,
):
    context, operator_key = operator_context
    other = LiveApi(live_api.base_url, make_tenant(name="Other tenant"))
    other_opened = other.open_session(other.import_package(GOLF_12))
    other_config = launched_content(other, other_opened)
    other_content_path = other_config["content"] + "shared/launchpage.html"
    redis_client.rpush(f"rq:queue:{QUEUE}", "some-job-id")
    redis_client.sadd("rq:queues", f"rq:queue:{QUEUE}")

    # The operator opens the dashboard in this browser: the credentials work there.
    dashboard = context.new_page()
    opened_dashboard = dashboard.goto(live_api.base_url + "/admin/rq/")
    assert opened_dashboard is not None and opened_dashboard.status == 200
    assert opened_dashboard.headers["x-frame-options"] == "DENY"

    probes = {"api": live_api.base_url, "otherContent": other_config["origin"] + other_content_path,
              "otherContentPath": other_content_path, "otherSession": other_opened["session"]["id"],
              "queue": QUEUE}  # fmt: skip
    accepted = live_api.call("POST", "/api/v1/packages/upload", files={"file": ("course.zip", attack_package(probes))},
                             data={"tenant_id": tenant.tenant_id, "uploaded_by": "e2e"})  # fmt: skip
    assert accepted.status_code == 202, accepted.text
    live_api.packages["hostile"] = _wait_package(live_api, accepted.json()["job_id"])
    opened = live_api.open_session(live_api.packages["hostile"])

    page = context.new_page()
    page.goto(opened["launch_url"])
    sco = frame_with(page, "/content/t/", seconds=30)
    sco.wait_for_function("() => window.__probe && window.__probe.done === true", timeout=30_000)
    got = sco.evaluate("() => window.__probe")

    assert got["api"] is True  # the course runs: it found the SCORM API
    # Other tenants' content: unreadable across origins, not found on this one.
    assert "blocked" in got["otherTenantContent"], got["otherTenantContent"]
    assert got["otherTenantContentHere"]["status"] == 404
    # The API and the dashboard: unreadable across origins, refused here, and no action taken.
    for name in ("apiJobs", "adminData"):
        assert "blocked" in got[name], (name, got[name])
    for name in ("apiJobsHere", "adminDataHere"):
        assert got[name]["status"] == 421, (name, got[name])
    assert got["adminEmpty"] == {"status": 0, "type": "opaque", "body": ""}
    assert "blocked" in got["adminForm"], got["adminForm"]
    assert redis_client.llen(f"rq:queue:{QUEUE}") == 1, "a dashboard action went through"
    # The player page: no config in the DOM, no globals beyond the SCORM API, no keys in its markup.
    assert (got["configNode"], got["dispatchNode"]) == (False, False)
    assert set(got["parentGlobals"]) <= {"API", "Scorm12API", "AllurePlayer", "0", "1"}, got["parentGlobals"]
    assert "k=" not in got["playerView"] and "cmi" not in got["playerView"], got["playerView"]
    for secret in (operator_key, tenant.key, other.tenant.key, '"runtime"', "?k="):
        assert secret not in got["parentHtml"], secret
    # Its own player key (scorm-again holds it): good for this session only.
    assert got["keyFromApi"], "scorm-again no longer exposes the commit URL; probe the key another way"
    assert got["keyOnOtherSession"]["status"] in (403, 404), got["keyOnOtherSession"]
    assert "blocked" in got["keyOnApi"], got["keyOnApi"]
    assert got["keyOnApiHere"]["status"] == 421
    assert got["ownPage"]["status"] == 200  # its own session's page, nothing more

    # The same dashboard action from the dashboard's own page goes through: the refusal was the origin's doing.
    emptied = dashboard.evaluate(f"() => fetch('/admin/rq/queue/{QUEUE}/queued/empty', {{method: 'POST'}})"
                                 ".then(r => r.status)")  # fmt: skip
    assert emptied == 200
    assert redis_client.llen(f"rq:queue:{QUEUE}") == 0


def _wait_package(api: LiveApi, job_id: str) -> str:
    deadline = time.monotonic() + 90
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        job = api.call("GET", f"/api/v1/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.3)
    assert job["status"] == "succeeded", job
    return job["result"]["package_id"]
