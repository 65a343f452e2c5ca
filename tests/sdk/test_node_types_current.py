"""The checked-in Node.js types match the service's OpenAPI: an API change without `make sdk` fails here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from config.settings import PROJECT_ROOT

GENERATOR = PROJECT_ROOT / "sdk" / "node" / "generate_types.py"
CHECKED_IN = PROJECT_ROOT / "sdk" / "node" / "src" / "schema.ts"


def test_checked_in_node_types_are_generated_from_the_current_openapi(tmp_path: Path):
    fresh = tmp_path / "schema.ts"
    subprocess.run([sys.executable, str(GENERATOR), str(fresh)], check=True, capture_output=True, timeout=120)
    assert fresh.read_text() == CHECKED_IN.read_text(), "the API changed: run `make sdk` and commit the types"
