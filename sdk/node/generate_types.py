"""Regenerate `sdk/node/src/schema.ts` from the service's own OpenAPI document (`make sdk`).

The document is the one the Python models are generated from (`sdk/python/generate_models.py`);
openapi-typescript, pinned in sdk/node's devDependencies, writes the TypeScript types.
`python sdk/node/generate_types.py [OUTPUT]` writes OUTPUT (default: the checked-in module).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCHEMA = HERE / "src" / "schema.ts"
GENERATOR = HERE / "node_modules" / ".bin" / "openapi-typescript"
sys.path.insert(0, str(HERE.parent / "python"))

from generate_models import openapi_document  # noqa: E402 - the sibling script, found through the line above


def generate(output: Path) -> None:
    if not GENERATOR.exists():
        raise SystemExit(f"{GENERATOR} is missing: run `make install` (npm ci in sdk/node)")
    with tempfile.TemporaryDirectory() as work:
        spec = Path(work) / "openapi.json"
        spec.write_text(json.dumps(openapi_document(), indent=1, sort_keys=True))
        subprocess.run(
            # Fields with a default stay optional: request bodies may leave them out.
            [str(GENERATOR), str(spec), "--output", str(output), "--root-types", "--root-types-no-schema-prefix",
             "--default-non-nullable", "false", "--alphabetize"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else SCHEMA)
