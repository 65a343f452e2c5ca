"""Regenerate `allure_connect/models.py` from the service's own OpenAPI document (`make sdk`).

The document is taken from the app of this repository (no server, no database: the docs route
only reads the registered schemas), then datamodel-code-generator writes pydantic v2 models.
`python sdk/python/generate_models.py [OUTPUT]` writes OUTPUT (default: the checked-in module).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
MODELS = HERE / "allure_connect" / "models.py"
HEADER = '"""Models of the Allure Connect API, generated from its OpenAPI by `make sdk`; do not edit."""'


def openapi_document() -> dict[str, object]:
    sys.path.insert(0, str(REPO))
    from config.settings import Settings
    from web import create_app

    with tempfile.TemporaryDirectory() as data_dir:
        # Unreachable services on purpose: rendering the document must not need them.
        settings = Settings(
            data_dir=Path(data_dir), database_url="postgresql://openapi@127.0.0.1:9/none",
            redis_url="redis://127.0.0.1:9/0", s3_endpoint="127.0.0.1:9", secret_key="openapi-" * 4,
        )  # fmt: skip
        response = create_app(settings).test_client().get("/api/docs/openapi")
        if response.status_code != 200:
            raise RuntimeError(f"GET /api/docs/openapi answered {response.status_code}")
        return response.get_json()


def generate(output: Path) -> None:
    with tempfile.TemporaryDirectory() as work:
        spec = Path(work) / "openapi.json"
        spec.write_text(json.dumps(openapi_document(), indent=1, sort_keys=True))
        subprocess.run(
            [
                sys.executable, "-m", "datamodel_code_generator", "--input", str(spec), "--input-file-type", "openapi",
                "--output", str(output), "--output-model-type", "pydantic_v2.BaseModel",
                "--target-python-version", "3.11", "--use-standard-collections", "--use-union-operator",
                "--field-constraints", "--strict-nullable", "--disable-timestamp", "--extra-fields", "allow",
                "--use-schema-description", "--formatters", "black", "isort",
                "--custom-file-header", HEADER,
            ],
            check=True,
        )  # fmt: skip


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else MODELS)
