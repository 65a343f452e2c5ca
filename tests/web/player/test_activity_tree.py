"""The sequencing settings the player hands scorm-again, from a parsed SCORM 2004 manifest."""

from __future__ import annotations

from typing import Any

from pipeline.manifest.extract import extract_manifest
from web.player import activity_tree

MANIFEST = b"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="m" version="1" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="org"><organization identifier="org"><title>Course</title>
    <item identifier="cluster"><title>Cluster</title>
      <item identifier="a" identifierref="SCO"><title>A</title></item>
      <item identifier="b" identifierref="SCO"><title>B</title></item>
      <imsss:sequencing>
        <imsss:controlMode choice="false" flow="true"/>
        <imsss:objectives>
          <imsss:primaryObjective satisfiedByMeasure="true">
            <imsss:minNormalizedMeasure>0.6</imsss:minNormalizedMeasure>
          </imsss:primaryObjective>
        </imsss:objectives>
      </imsss:sequencing>
    </item>
  </organization></organizations>
  <resources><resource identifier="SCO" type="webcontent" adlcp:scormType="sco" href="sco.html">
    <file href="sco.html"/></resource></resources>
</manifest>"""


def settings() -> dict[str, Any]:
    manifest = extract_manifest(MANIFEST, {"sco.html", "imsmanifest.xml"}).to_dict()
    return activity_tree.sequencing_settings(manifest)["activityTree"]


def test_flow_defaults_to_false_as_in_imsss():
    # CTS CM-04a: a root without controlMode does not flow, so the course starts by the learner's choice.
    root = settings()
    assert root["sequencingControls"]["flow"] is False
    assert root["children"][0]["sequencingControls"]["flow"] is True


def test_a_primary_objective_without_an_id_is_kept_without_one():
    # CTS MS-05a: the cluster's satisfaction comes from its measure even though its objective has no ID;
    # no ID is made up (it would appear in cmi.objectives, CTS T-01b).
    primary = settings()["children"][0]["primaryObjective"]
    assert "objectiveID" not in primary
    assert (primary["satisfiedByMeasure"], primary["minNormalizedMeasure"]) == (True, 0.6)


ADL_MAP_MANIFEST = MANIFEST.replace(
    b'xmlns:imsss="http://www.imsglobal.org/xsd/imsss">',
    b'xmlns:imsss="http://www.imsglobal.org/xsd/imsss" xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3">',
).replace(
    b"""          <imsss:primaryObjective satisfiedByMeasure="true">
            <imsss:minNormalizedMeasure>0.6</imsss:minNormalizedMeasure>
          </imsss:primaryObjective>
        </imsss:objectives>""",
    b"""          <imsss:primaryObjective objectiveID="obj1"/>
        </imsss:objectives>
        <adlseq:objectives><adlseq:objective objectiveID="obj1">
          <adlseq:mapInfo targetObjectiveID="g1" readCompletionStatus="true" writeCompletionStatus="true"/>
        </adlseq:objective></adlseq:objectives>""",
)


def test_an_adl_map_neither_reads_nor_writes_satisfaction():
    # CTS CM-13: an adlseq:mapInfo maps scores, completion and progress only; scorm-again defaults its read flags
    # to true, so without these the global's (unknown) satisfaction would be read through it.
    manifest = extract_manifest(ADL_MAP_MANIFEST, {"sco.html", "imsmanifest.xml"}).to_dict()
    cluster = activity_tree.sequencing_settings(manifest)["activityTree"]["children"][0]
    (adl_map,) = cluster["primaryObjective"]["mapInfo"]
    assert adl_map["targetObjectiveID"] == "g1"
    assert (adl_map["readCompletionStatus"], adl_map["writeCompletionStatus"]) == (True, True)
    flags = ("readSatisfiedStatus", "readNormalizedMeasure", "writeSatisfiedStatus", "writeNormalizedMeasure")
    assert [adl_map[f] for f in flags] == [False, False, False, False]
