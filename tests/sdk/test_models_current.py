"""The checked-in SDK models match the service's OpenAPI: an API change without `make sdk` fails here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from config.settings import PROJECT_ROOT

GENERATOR = PROJECT_ROOT / "sdk" / "python" / "generate_models.py"
CHECKED_IN = PROJECT_ROOT / "sdk" / "python" / "allure_connect" / "models.py"


def test_checked_in_models_are_generated_from_the_current_openapi(tmp_path: Path):
    fresh = tmp_path / "models.py"
    subprocess.run([sys.executable, str(GENERATOR), str(fresh)], check=True, capture_output=True, timeout=120)
    assert fresh.read_text() == CHECKED_IN.read_text(), "the API changed: run `make sdk` and commit the models"
