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
from pathlib import Path

import pytest

from config.settings import PROJECT_ROOT
from tests.fixtures.platform import LiveStack, TenantKey

pytestmark = pytest.mark.xdist_group("sdk")
NODE_SDK = PROJECT_ROOT / "sdk" / "node"
LIVE_CHECK = Path(__file__).parent / "node" / "live_check.mjs"


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    assert found, "node is not installed (make run needs it)"
    assert (NODE_SDK / "dist" / "index.js").exists(), "sdk/node is not built: run `make install`"
    return found


def test_the_live_script_type_checks_against_the_generated_types(node: str):
    checked = subprocess.run(
        [node, str(NODE_SDK / "node_modules" / "typescript" / "bin" / "tsc"), "--noEmit", "--allowJs", "--checkJs",
         "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022",
         "--types", "node", "--typeRoots", str(NODE_SDK / "node_modules" / "@types"), "--skipLibCheck",
         str(LIVE_CHECK)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_node_client_lists_uploads_waits_launches_and_types_errors(
    node: str, sdk_stack: LiveStack, tenant_key: TenantKey, golf: Path
):
    env = {**os.environ, "ALLURE_BASE_URL": sdk_stack.base_url + "/api/v1", "ALLURE_API_KEY": tenant_key.key,
           "ALLURE_TENANT_ID": tenant_key.tenant_id}  # fmt: skip
    ran = subprocess.run([node, str(LIVE_CHECK), str(golf)], env=env, capture_output=True, text=True, timeout=180)
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
