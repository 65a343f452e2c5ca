"""Rollup rules of the player's runtime against the server's rollup (issue 12, CTS RU family).

`imsss:minimumPercent` is a fraction 0.0-1.0 (IMS SS); the runtime compared a 0-100 percentage with
it, so "at least 50%" held with one child of three (CTS RU-04aa..RU-04bd); and a child whose status is unknown
made "none" hold (CTS RU-05a). The server side
(`web/player/rollup.py`) must decide the same way.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.web.player.test_scorm2004_conformance import NODE, RUNTIME
from web.player import rollup

DRIVER = Path(__file__).with_name("scorm2004_rollup.cjs")
TREE_DRIVER = Path(__file__).with_name("scorm2004_rollup_tree.cjs")

pytestmark = pytest.mark.skipif(NODE is None or not RUNTIME.exists(), reason="node and node_modules are needed")


def runtime_applies(minimum_percent: float, satisfied: list[bool]) -> bool:
    rule = {
        "action": "satisfied",
        "consideration": "atLeastPercent",
        "minimumPercent": minimum_percent,
        "conditions": [{"condition": "satisfied"}],
    }
    children = [{"objectiveSatisfiedStatus": s, "objectiveSatisfiedStatusKnown": True} for s in satisfied]
    answer = subprocess.run(
        [NODE, str(DRIVER)],
        input=json.dumps({"script": str(RUNTIME), "rule": rule, "children": children}),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return bool(json.loads(answer.stdout))


@pytest.mark.parametrize(
    ("minimum_percent", "satisfied", "expected"),
    [
        (0.5, [True, False, False], False),
        (0.5, [True, True, False], True),
        (0.5, [True, False], True),
        (1.0, [True, True, False], False),
        (0.0, [False, False], True),
    ],
)
def test_minimum_percent_is_a_fraction(minimum_percent: float, satisfied: list[bool], expected: bool) -> None:
    assert runtime_applies(minimum_percent, satisfied) is expected
    rule = {
        "child_activity_set": "atLeastPercent",
        "minimum_percent": minimum_percent,
        "conditions": [{"condition": "satisfied"}],
    }
    assert rollup.child_set_holds(rule, satisfied) is expected



def test_none_does_not_hold_while_a_child_is_unknown() -> None:
    # CTS RU-05a, RB.1.4.1: a condition on a child whose status is unknown is unknown, not false, so "none"
    # (one child failed, two not attempted) does not hold in the sequencer's rollup process, nor on the server.
    checked = subprocess.run([NODE, str(TREE_DRIVER), str(RUNTIME)], capture_output=True, text=True, timeout=60,
                             check=True)  # fmt: skip
    results = json.loads(checked.stdout)
    assert results["none_with_unknown_children"] is False
    assert (results["percent_one_of_three"], results["percent_two_of_three"]) == (False, True)
    rule = {"child_activity_set": "none", "conditions": [{"condition": "satisfied"}]}
    assert rollup.child_set_holds(rule, [False, None, None]) is False
    assert rollup.child_set_holds(rule, [False, False, False]) is True
