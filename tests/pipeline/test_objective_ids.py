"""Objective IDs in SCORM 2004 sequencing are anyURI values: decoded, trimmed and collapsed (ADL CTS OB-02b, OB-12a)."""

from __future__ import annotations

from lxml import etree

from pipeline.manifest.sequencing import objective_id, parse_sequencing

_SEQUENCING = """
<imsss:sequencing xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <imsss:sequencingRules>
    <imsss:preConditionRule>
      <imsss:ruleConditions>
        <imsss:ruleCondition condition="objectiveStatusKnown" referencedObjective="    ob%20%20%20j%20%201  "/>
      </imsss:ruleConditions>
      <imsss:ruleAction action="previous"/>
    </imsss:preConditionRule>
  </imsss:sequencingRules>
  <imsss:objectives>
    <imsss:primaryObjective/>
    <imsss:objective objectiveID=" ob%20j%201     ">
      <imsss:mapInfo targetObjectiveID="  gObj%20-%20OB%2002%20b " writeNormalizedMeasure="true"/>
    </imsss:objective>
  </imsss:objectives>
</imsss:sequencing>
"""


def test_encoded_and_spaced_ids_name_one_objective() -> None:
    assert objective_id("  gObj%20-%20OB%2002%20b ") == objective_id("       gObj%20%20-%20%20OB%2002%20b")
    assert objective_id("  %20obj%20%201%20  ") == "obj 1"


def test_parsed_sequencing_carries_normalized_ids() -> None:
    parsed = parse_sequencing(etree.fromstring(_SEQUENCING), [], "item")
    condition = parsed["sequencing_rules"]["pre_condition"][0]["conditions"][0]
    objective = parsed["objectives"]["secondary"][0]
    assert condition["referenced_objective"] == "ob j 1"
    assert objective["objective_id"] == "ob j 1"
    assert objective["map_info"][0]["target_objective_id"] == "gObj - OB 02 b"
