"""The Node.js client (sdk/node) against the live service, and its types against the generated schema.

`live_check.mjs` is plain ESM on the compiled client (`make install` builds sdk/node/dist); it is
type-checked first with sdk/node's pinned TypeScript, so a route, parameter or body the OpenAPI
does not have fails here before anything runs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from config.settings import PROJECT_ROOT
from tests.fixtures.platform import LiveStack, TenantKey

pytestmark = pytest.mark.xdist_group("sdk")
NODE_SDK = PROJECT_ROOT / "sdk" / "node"
LIVE_CHECK = Path(__file__).parent / "node" / "live_check.mjs"
RETRY_CHECK = Path(__file__).parent / "node" / "retry_check.mjs"
PAGES_CHECK = Path(__file__).parent / "node" / "pages_check.mjs"
TRANSIENT_CHECK = Path(__file__).parent / "node" / "transient_check.mjs"


def node_env(stack: LiveStack, tenant: TenantKey) -> dict[str, str]:
    # The API base as the launcher prints it (`…/api/v1`): the client takes that too.
    return {**os.environ, "ALLURE_BASE_URL": stack.base_url + "/api/v1", "ALLURE_API_KEY": tenant.key,
            "ALLURE_TENANT_ID": tenant.tenant_id}  # fmt: skip


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    assert found, "node is not installed (make run needs it)"
    assert (NODE_SDK / "dist" / "index.js").exists(), "sdk/node is not built: run `make install`"
    return found


def test_the_live_scripts_type_check_against_the_generated_types(node: str):
    checked = subprocess.run(
        [node, str(NODE_SDK / "node_modules" / "typescript" / "bin" / "tsc"), "--noEmit", "--allowJs", "--checkJs",
         "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022",
         "--types", "node", "--typeRoots", str(NODE_SDK / "node_modules" / "@types"), "--skipLibCheck",
         str(LIVE_CHECK), str(RETRY_CHECK), str(PAGES_CHECK), str(TRANSIENT_CHECK)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_node_client_lists_uploads_waits_launches_and_types_errors(
    node: str, sdk_stack: LiveStack, tenant_key: TenantKey, golf: Path
):
    ran = subprocess.run([node, str(LIVE_CHECK), str(golf)], env=node_env(sdk_stack, tenant_key), capture_output=True,
                         text=True, timeout=180)  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    seen = json.loads(ran.stdout)

    size = golf.stat().st_size
    assert seen["countBefore"] == 0
    assert seen["progress"][0] == 0 and seen["progress"][-1] == size and seen["progress"] == sorted(seen["progress"])
    assert seen["stages"][-1] == "succeeded"
    assert seen["package"]["id"] and seen["package"]["title"] and seen["package"]["standard"] == "scorm12"
    assert seen["listed"] == [seen["package"]["id"]]
    assert seen["session"]["user_id"] == "node-learner" and seen["session"]["fetched"] == seen["session"]["id"]
    assert "/player/launch/" in seen["launchUrl"]

    assert seen["notFound"]["status"] == 404 and seen["notFound"]["code"] == "PACKAGE_NOT_FOUND"
    assert seen["notFound"]["requestId"]
    assert seen["invalid"]["status"] == 400 and seen["invalid"]["code"] == "VALIDATION_ERROR"
    assert "user_id" in seen["invalid"]["details"]["fieldErrors"]


# Its own group, as the Python SDK's 429 test: it waits out a rate-limit window.
@pytest.mark.slow
@pytest.mark.xdist_group("sdk-retries")
def test_node_client_types_a_429_and_retries_it_after_retry_after(
    node: str, tight_stack: LiveStack, make_tenant: Callable[..., TenantKey]
):
    ran = subprocess.run([node, str(RETRY_CHECK)], env=node_env(tight_stack, make_tenant()), capture_output=True,
                         text=True, timeout=180)  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    seen = json.loads(ran.stdout)
    refused = seen["refused"]
    assert refused["status"] == 429 and refused["code"] == "RATE_LIMIT_EXCEEDED" and refused["requestId"]
    advised = float(refused["retryAfter"])
    statuses = [answer["status"] for answer in seen["seen"]]
    assert statuses[0] == 429 and statuses[-1] == 200 and set(statuses[1:-1]) <= {429}, statuses
    waited = (seen["seen"][1]["at"] - seen["seen"][0]["at"]) / 1000
    assert waited >= advised - 2  # the advice, less the time since the first refusal
    assert seen["count"] == 0


def test_node_client_iterates_every_page_of_a_list(node: str, sdk_stack: LiveStack, make_tenant, golf: Path):
    ran = subprocess.run([node, str(PAGES_CHECK), str(golf)], env=node_env(sdk_stack, make_tenant()),
                         capture_output=True, text=True, timeout=180)  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    seen = json.loads(ran.stdout)
    assert sorted(seen["sessions"]) == sorted(seen["created"]) and len(seen["sessions"]) == 5
    assert seen["packages"] == [seen["packageId"]]


class Scripted(BaseHTTPRequestHandler):
    """502 for the first GET and for every POST; then the GET gets an empty package list."""

    protocol_version = "HTTP/1.1"
    seen: list[str]

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.seen.append("GET")
        if self.seen.count("GET") == 1:
            self._answer(502, {"error": {"code": "BAD_GATEWAY", "message": "upstream", "details": {}}})
        else:
            self._answer(200, {"count": 0, "packages": []})

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append("POST")
        self._answer(502, {"error": {"code": "BAD_GATEWAY", "message": "upstream", "details": {}}})

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def scripted_server() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []
    handler = type("Handler", (Scripted,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_node_client_retries_a_502_get_but_not_a_502_post(node: str, scripted_server):
    base_url, seen = scripted_server
    env = {**os.environ, "ALLURE_BASE_URL": base_url, "ALLURE_API_KEY": "ak_any"}
    ran = subprocess.run([node, str(TRANSIENT_CHECK)], env=env, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    answer = json.loads(ran.stdout)
    assert answer == {"count": 0, "refused": {"status": 502, "code": "BAD_GATEWAY"}}
    assert seen == ["GET", "GET", "POST"]
