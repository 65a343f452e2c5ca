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
from typing import Any

import pytest

from pipeline.manifest.extract import extract_manifest
from tests.web.player.test_scorm2004_conformance import NODE, RUNTIME
from web.player import activity_tree, rollup
from web.player.status import COMPLETED, FAILED, PASSED, ScoStatus

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


# --- the sequencer's rollup on whole courses (manifest → player settings → scorm-again in Node) ------------

SEQUENCE_DRIVER = Path(__file__).with_name("scorm2004_sequencing.cjs")
SCO = '<item identifier="{0}" identifierref="SCO"><title>{0}</title>{1}</item>'
CONTINUE = [["adl.nav.request", "continue"], ["cmi.exit", "normal"]]


def course(items: str, root_sequencing: str = "", org_attributes: str = "") -> dict[str, Any]:
    """The player's sequencing settings for a one-organization manifest."""
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="m" version="1" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
  xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="org"><organization identifier="org" {org_attributes}><title>Course</title>
    {items}
    <imsss:sequencing><imsss:controlMode choice="false" flow="true"/>{root_sequencing}</imsss:sequencing>
  </organization></organizations>
  <resources><resource identifier="SCO" type="webcontent" adlcp:scormType="sco" href="sco.html">
    <file href="sco.html"/></resource></resources>
</manifest>""".encode()
    manifest = extract_manifest(xml, {"sco.html", "imsmanifest.xml"}).to_dict()
    return activity_tree.sequencing_settings(manifest)


def run_course(settings: dict[str, Any], visits: list[list[list[str]]]) -> dict[str, Any]:
    """Start the course, then one SCO visit per entry (its SetValue calls; Terminate ends it)."""
    answer = subprocess.run([NODE, str(SEQUENCE_DRIVER)], capture_output=True, text=True, timeout=60, check=True,
                            input=json.dumps({"script": str(RUNTIME), "sequencing": settings,
                                              "visits": [{"set": calls} for calls in visits]}))  # fmt: skip
    return json.loads(answer.stdout)


def cluster(rules: str, children: str = SCO.format("a", "") + SCO.format("b", "")) -> str:
    return (f'<item identifier="m"><title>m</title>{children}<imsss:sequencing>'
            f'<imsss:controlMode choice="false" flow="true"/><imsss:rollupRules>{rules}</imsss:rollupRules>'
            "</imsss:sequencing></item>")  # fmt: skip


def rollup_rule(action: str, conditions: str, child_set: str = "all", combination: str = "any") -> str:
    return (f'<imsss:rollupRule childActivitySet="{child_set}"><imsss:rollupConditions '
            f'conditionCombination="{combination}">{conditions}</imsss:rollupConditions>'
            f'<imsss:rollupAction action="{action}"/></imsss:rollupRule>')  # fmt: skip


def test_activity_progress_known_is_a_rollup_condition() -> None:
    # CTS RU-08a: IMSSS names the rollup condition "activityProgressKnown"; the runtime only knew "progressKnown"
    # and evaluated it as false. Two failed, completed SCOs make "satisfied if all have known progress" hold.
    rules = rollup_rule("satisfied", '<imsss:rollupCondition condition="activityProgressKnown"/>')
    failed = [["cmi.success_status", "failed"], *CONTINUE]
    result = run_course(course(cluster(rules)), [failed, failed])
    assert result["status"]["m"]["success"] == "passed"
    tree = rollup.Node("m", {"rollup_rules": {"rules": [{"action": "satisfied", "child_activity_set": "all",
                                                          "conditions": [{"condition": "activityProgressKnown"}]}]}},
                       [rollup.Node(i, status=ScoStatus(COMPLETED, FAILED), attempts=1) for i in "ab"])  # fmt: skip
    assert rollup.rollup_2004(rollup.Node("org", children=[tree])).success == PASSED


def test_default_objective_rollup_only_without_satisfaction_rules() -> None:
    # CTS RU-12a, RU-05b: RB.1.2.b applies the default rules only when the cluster has no satisfied/notSatisfied
    # rule. "Not satisfied if all not satisfied" does not hold for two passed SCOs, and the default
    # "satisfied if all satisfied" must not make the cluster satisfied instead.
    rules = rollup_rule("notSatisfied", '<imsss:rollupCondition operator="not" condition="satisfied"/>')
    passed = [["cmi.success_status", "passed"], *CONTINUE]
    result = run_course(course(cluster(rules)), [passed, passed])
    assert result["status"]["m"]["success"] == "unknown"


def test_all_holds_when_no_child_contributes() -> None:
    # CTS RU-11, RU-15b: RB.1.4 "all" holds when the contributing children bag holds no false and no unknown, so
    # also when it is empty: a cluster whose children are all untracked completes by "completed if all satisfied".
    untracked = '<imsss:sequencing><imsss:deliveryControls tracked="false"/></imsss:sequencing>'
    rules = rollup_rule("completed", '<imsss:rollupCondition condition="satisfied"/>')
    settings = course(cluster(rules, SCO.format("a", untracked) + SCO.format("b", untracked)))
    result = run_course(settings, [CONTINUE, CONTINUE])
    assert result["status"]["m"]["completion"] == "completed"
    assert rollup.child_set_holds({"child_activity_set": "all"}, []) is True
    assert rollup.child_set_holds({"child_activity_set": "any"}, []) is False


@pytest.mark.parametrize(("global_to_system", "third"), [("false", "a"), ("true", "b")])
def test_a_retry_of_the_root_starts_tree_scoped_globals_afresh(global_to_system: str, third: str) -> None:
    # CTS RU-13d: with objectivesGlobalToSystem="false" the global objectives last one attempt on the tree. b
    # satisfies g1 and exits to the root, whose rule retries it; a (skipped while g1 is satisfied) comes again
    # only when the retry has made g1 unknown. With the default (true) g1 stays satisfied and a is skipped.
    a = SCO.format("a", '<imsss:sequencing><imsss:sequencingRules><imsss:preConditionRule><imsss:ruleConditions>'
                        '<imsss:ruleCondition referencedObjective="obj1" condition="satisfied"/></imsss:ruleConditions>'
                        '<imsss:ruleAction action="skip"/></imsss:preConditionRule></imsss:sequencingRules>'
                        '<imsss:objectives><imsss:primaryObjective/><imsss:objective objectiveID="obj1">'
                        '<imsss:mapInfo targetObjectiveID="g1"/></imsss:objective></imsss:objectives>'
                        "</imsss:sequencing>")  # fmt: skip
    b = SCO.format("b", '<imsss:sequencing><imsss:sequencingRules><imsss:postConditionRule><imsss:ruleConditions>'
                        '<imsss:ruleCondition condition="always"/></imsss:ruleConditions>'
                        '<imsss:ruleAction action="exitParent"/></imsss:postConditionRule></imsss:sequencingRules>'
                        '<imsss:objectives><imsss:primaryObjective/><imsss:objective objectiveID="obj1">'
                        '<imsss:mapInfo targetObjectiveID="g1" readSatisfiedStatus="false" '
                        'writeSatisfiedStatus="true"/>'
                        "</imsss:objective></imsss:objectives></imsss:sequencing>")  # fmt: skip
    retry = ('<imsss:sequencingRules><imsss:postConditionRule><imsss:ruleConditions><imsss:ruleCondition '
             'condition="always"/></imsss:ruleConditions><imsss:ruleAction action="retry"/></imsss:postConditionRule>'
             "</imsss:sequencingRules>")  # fmt: skip
    settings = course(a + b, retry, f'adlseq:objectivesGlobalToSystem="{global_to_system}"')
    satisfy = [["cmi.objectives.&obj1&.success_status", "passed"], *CONTINUE]
    result = run_course(settings, [CONTINUE, satisfy])
    assert result["delivered"] == ["a", "b", third]
