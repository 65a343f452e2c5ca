"""How long the manifest stage takes to refuse hostile manifests (issue 11: 200,000 attributes held a worker 12 min).

Usage: `.venv/bin/python -m bench.hostile_manifests`. Prints, for each hostile package
of `tests.fixtures.hostile_zips` that targets the manifest stage, its size, the code and
the seconds from validation to refusal; then the worst manifest within every limit (5 MB
of items whose sequencing carries 61 invalid attributes each), which imports.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.manifest.from_zip import manifest_from_zip
from pipeline.zip_validation import validate_zip
from tests.fixtures.hostile_zips import HOSTILE, with_manifest

CASES = ("200000_attributes", "deep_nesting", "150000_elements", "huge_text_node", "javascript_launch")


def worst_within_limits(size: int = 4_900_000) -> bytes:
    attributes = " ".join(f'choice{index}="maybe"' for index in range(60)) + ' choice="maybe"'
    head = ('<manifest identifier="m" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:imsss='
            '"http://www.imsglobal.org/xsd/imsss" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"><metadata>'
            "<schemaversion>2004 4th Edition</schemaversion></metadata><organizations default=\"o\">"
            '<organization identifier="o"><title>T</title>')  # fmt: skip
    tail = ('</organization></organizations><resources><resource identifier="r" type="webcontent" '
            'adlcp:scormType="sco" href="index.html"/></resources></manifest>')  # fmt: skip
    items, used, number = [], len(head) + len(tail), 0
    while used < size:
        items.append(f'<item identifier="i{number}" identifierref="r"><title>I</title><imsss:sequencing>'
                     f"<imsss:controlMode {attributes}/></imsss:sequencing></item>")  # fmt: skip
        used, number = used + len(items[-1]), number + 1
    return with_manifest(head + "".join(items) + tail)


def refuse(path: Path) -> str:
    try:
        manifest_from_zip(path, validate_zip(path), 5 * 1024 * 1024)
    except PipelineError as err:
        return err.code
    return "IMPORTED"


def main() -> None:
    print(f"{'package':<20} {'ZIP KB':>8} {'code':<32} {'seconds':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        builds = {name: HOSTILE[name][0] for name in CASES} | {"worst_within_limits": worst_within_limits}
        for name, build in builds.items():
            path = Path(tmp) / f"{name}.zip"
            path.write_bytes(build())
            started = time.perf_counter()
            code = refuse(path)
            print(f"{name:<20} {path.stat().st_size // 1024:>8} {code:<32} {time.perf_counter() - started:>8.2f}")


if __name__ == "__main__":
    main()
