"""Global objectives across launches and courses in the player's runtime (issue 12, ADL CTS CO-07b, CM-11).

A course starts with the global objectives the learner left in their other courses (objectivesGlobalToSystem,
`web/player/learner_objectives.py`): the sequencer must read them into its activities before the first
pre-condition is checked (CO-07b, OB-03c, OB-09b, SX-11c). A SCO that terminates without a navigation request
has its mapped objectives written to the global store, so a relaunch reads them back (CM-11).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.web.player.test_scorm2004_conformance import NODE, RUNTIME
from web.player import learner_objectives

DRIVER = Path(__file__).with_name("scorm2004_global_objectives.cjs")

pytestmark = pytest.mark.skipif(NODE is None or not RUNTIME.exists(), reason="node and node_modules are needed")


def _skipped_when(objective: str, target: str) -> dict[str, Any]:
    """A SCO skipped when its primary objective, read from `target`, is completed (CTS CO-07b Activity 1/2)."""
    rule = {"action": "skip", "conditions": [{"condition": "completed", "referencedObjective": objective}]}
    return {
        "id": f"sco_{objective}",
        "title": objective,
        "sequencingRules": {"preConditionRules": [rule]},
        "sequencingControls": {"rollupObjectiveSatisfied": False, "rollupProgressCompletion": False},
        "primaryObjective": {"objectiveID": objective, "mapInfo": [{"targetObjectiveID": target}]},
    }


COURSE = {
    "id": "course",
    "title": "course",
    "sequencingControls": {"flow": True, "choice": False},
    "children": [_skipped_when("obj1", "gObj-1"), _skipped_when("obj2", "gObj-2"), {"id": "last", "title": "last"}],
}


def _run(payload: dict[str, Any]) -> dict[str, Any]:
    answer = subprocess.run(
        [NODE, str(DRIVER)],
        input=json.dumps({"script": str(RUNTIME), **payload}),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(answer.stdout)


def _start_with(globals_: dict[str, Any]) -> list[str]:
    # The state the server hands a starting player: the learner's globals from another course (no state of its own).
    saved = learner_objectives.with_global_map({}, globals_)
    return _run({"scenario": "restore", "tree": COURSE, "saved": saved})["delivered"]


def test_start_reads_the_globals_another_course_left_before_the_first_skip_rule() -> None:
    completed = {"completionStatus": "completed", "completionStatusKnown": True}
    assert _start_with({"gObj-1": completed, "gObj-2": completed}) == ["last"]
    assert _start_with({"gObj-1": completed}) == ["sco_obj2"]
    assert _start_with({}) == ["sco_obj1"]


def test_a_sco_that_terminates_without_navigating_writes_its_mapped_objectives() -> None:
    # CTS CM-11: obj1 writes to gObj-CM11; the learner leaves after Terminate (no navigation request) and relaunches.
    objective = {"objectiveID": "obj1", "mapInfo": [
        {"targetObjectiveID": "gObj-CM11", "writeSatisfiedStatus": True, "writeNormalizedMeasure": True}]}  # fmt: skip
    tree = {"id": "course", "title": "course", "children": [
        {"id": "sco", "title": "sco", "primaryObjective": {"mapInfo": []}, "objectives": [objective]}]}  # fmt: skip
    result = _run({"scenario": "terminate", "tree": tree, "choose": "sco",
                   "objective": {"index": 0, "success_status": "failed", "scaled": "0.49"}})  # fmt: skip
    written = result["global"]["gObj-CM11"]
    assert (written["satisfiedStatusKnown"], written["satisfiedStatus"]) == (True, False)
    assert (written["normalizedMeasureKnown"], written["normalizedMeasure"]) == (True, 0.49)
    assert result["current"] == "sco"  # the attempt itself is still open: the learner's next request ends it
    assert result["relaunch"] == {"id": "obj1", "success_status": "failed", "scaled": "0.49"}
