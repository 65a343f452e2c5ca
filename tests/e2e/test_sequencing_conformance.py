"""SCORM 2004 sequencing and navigation cases of ADL's 4th Edition CTS, in a real browser.

Each test builds a small SCORM 2004 package shaped like the CTS package that found the defect
(DMB, T-01a, T-01b) and drives the player as that package's SCO does: its calls go to the real
scorm-again runtime (patched by patches/scorm-again+3.4.3+002+sequencing.patch) and the
real server.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import LiveApi
from tests.e2e.test_navigation import current_item, toc_button, wait_current

# A SCO that only opens its session: the test makes the SCO's other calls.
SCO_HTML = """<!doctype html><html><head><title>SCO</title><script>
var api = window.parent.API_1484_11; api.Initialize("");
</script></head><body>SCO</body></html>"""

MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="{id}" version="1" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
  xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3" xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="org"><organization identifier="org"><title>{id}</title>
{items}
  </organization></organizations>
  <resources><resource identifier="SCO" type="webcontent" adlcp:scormType="sco" href="sco.html">
    <file href="sco.html"/></resource></resources>
</manifest>"""

# One SCO alone in its course (CTS DMB).
ONE_SCO = """<item identifier="activity_1" identifierref="SCO"><title>Activity 1</title></item>"""

# CTS T-01a's shape: a flow-only, forward-only cluster tried once (attempt limit 1), then a second SCO.
PRETEST = """<item identifier="pretest"><title>Pretest</title>
  <item identifier="q1" identifierref="SCO"><title>Question 1</title></item>
  <item identifier="q2" identifierref="SCO"><title>Question 2</title></item>
  <imsss:sequencing>
    <imsss:controlMode choice="false" flow="true" forwardOnly="true"/>
    <imsss:limitConditions attemptLimit="1"/>
  </imsss:sequencing>
</item>
<imsss:sequencing><imsss:controlMode choice="false" flow="true"/></imsss:sequencing>"""


def build_package(tmp_path: Path, name: str, items: str) -> Path:
    path = tmp_path / f"{name}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("imsmanifest.xml", MANIFEST.format(id=name, items=items))
        archive.writestr("sco.html", SCO_HTML)
    return path


def call(page: Page, method: str, *args: str) -> str:
    quoted = ", ".join(repr(arg) for arg in args)
    return page.evaluate(f"() => window.API_1484_11.{method}({quoted})")


def set_values(page: Page, **values: str) -> None:
    for element, value in values.items():
        assert call(page, "SetValue", element.replace("__", "."), value) == "true", element


def launches(page: Page) -> int:
    """How many times the player has delivered a SCO on this page (each delivery POSTs /deliver)."""
    return page.evaluate("() => performance.getEntriesByType('resource')"
                         ".filter(e => e.name.includes('/deliver')).length")


def relaunch(live_api: LiveApi, page: Page, package_id: str, item: str) -> None:
    page.goto(live_api.open_session(package_id)["launch_url"])
    wait_current(page, item, "API_1484_11")


@pytest.fixture
def one_sco(live_api: LiveApi, tmp_path: Path) -> str:
    return live_api.import_package(build_package(tmp_path, "cts_dmb_like", ONE_SCO))


class TestSuspendAndResume:
    def test_a_sco_that_suspends_and_chooses_itself_is_launched_again_resumed(self, live_api: LiveApi,
                                                                                page: Page, one_sco: str):
        # CTS DMB Act1V1: cmi.exit=suspend, adl.nav.request={target=activity_1}choice, Terminate.
        relaunch(live_api, page, one_sco, "activity_1")
        assert call(page, "GetValue", "cmi.entry") == "ab-initio"
        before = launches(page)
        set_values(page, cmi__suspend_data="visit=2", cmi__session_time="PT1M", cmi__exit="suspend")
        set_values(page, adl__nav__request="{target=activity_1}choice")
        assert call(page, "Terminate", "") == "true"
        page.wait_for_function(f"() => performance.getEntriesByType('resource')"
                               f".filter(e => e.name.includes('/deliver')).length > {before}", timeout=10_000)
        wait_current(page, "activity_1", "API_1484_11")
        assert call(page, "GetValue", "cmi.entry") == "resume"
        assert call(page, "GetValue", "cmi.suspend_data") == "visit=2"
        assert call(page, "GetValue", "cmi.total_time") == "PT1M"

    def test_suspend_all_then_a_new_launch_resumes_the_sco_with_its_data(self, live_api: LiveApi, page: Page,
                                                                         one_sco: str):
        # CTS DMB Act1V6/V7: suspendAll without cmi.exit=suspend still suspends the SCO's attempt.
        relaunch(live_api, page, one_sco, "activity_1")
        set_values(page, cmi__completion_status="incomplete", cmi__session_time="P0Y029DT0H",
                   cmi__suspend_data="visit=7")  # fmt: skip
        set_values(page, adl__nav__request="suspendAll")
        assert call(page, "Terminate", "") == "true"
        page.wait_for_function("() => window.AllurePlayer.state.ended === true", timeout=10_000)

        relaunch(live_api, page, one_sco, "activity_1")
        assert call(page, "GetValue", "cmi.entry") == "resume"
        assert call(page, "GetValue", "cmi.total_time") == "PT696H"  # 29 days
        assert call(page, "GetValue", "cmi.suspend_data") == "visit=7"
        assert call(page, "GetValue", "cmi.completion_status") == "incomplete"

    def test_exit_time_out_ends_the_attempt(self, live_api: LiveApi, page: Page, one_sco: str):
        # CTS DMB Act1V5/V6: after cmi.exit=time-out the next launch starts a new attempt.
        relaunch(live_api, page, one_sco, "activity_1")
        set_values(page, cmi__completion_status="incomplete", cmi__session_time="PT1M",
                   cmi__suspend_data="visit=6", cmi__exit="time-out")  # fmt: skip
        assert call(page, "Terminate", "") == "true"
        page.wait_for_timeout(1500)

        relaunch(live_api, page, one_sco, "activity_1")
        assert call(page, "GetValue", "cmi.entry") == "ab-initio"
        assert call(page, "GetValue", "cmi.total_time") in ("PT0S", "PT0H0M0S")
        assert call(page, "GetValue", "cmi.suspend_data") == ""


class TestLimitConditions:
    def test_continue_within_a_cluster_tried_once_is_not_refused(self, live_api: LiveApi, page: Page,
                                                                 tmp_path: Path):
        # CTS T-01a: UP.1 does not check the limits of an activity whose attempt is still active.
        package_id = live_api.import_package(build_package(tmp_path, "cts_t01a_like", PRETEST))
        relaunch(live_api, page, package_id, "q1")
        set_values(page, cmi__exit="normal", adl__nav__request="continue")
        assert call(page, "Terminate", "") == "true"
        wait_current(page, "q2", "API_1484_11")
        assert current_item(page) == "q2"
        assert toc_button(page, "q1").count() == 1


# CTS MS-05a's shape: a cluster satisfied by its weighted measure, left by its exit rule, then "previous".
MEASURED_UNIT = """<item identifier="intro" identifierref="SCO"><title>Intro</title></item>
<item identifier="unit"><title>Unit</title>
  <item identifier="u1" identifierref="SCO"><title>U1</title></item>
  <item identifier="u2" identifierref="SCO"><title>U2</title></item>
  <item identifier="u3" identifierref="SCO"><title>U3</title>
    <imsss:sequencing><imsss:rollupRules objectiveMeasureWeight="0.25"/></imsss:sequencing></item>
  <imsss:sequencing>
    <imsss:controlMode choice="false" flow="true"/>
    <imsss:sequencingRules>
      <imsss:exitConditionRule><imsss:ruleConditions><imsss:ruleCondition condition="satisfied"/>
        </imsss:ruleConditions><imsss:ruleAction action="exit"/></imsss:exitConditionRule>
      <imsss:postConditionRule><imsss:ruleConditions><imsss:ruleCondition condition="satisfied"/>
        </imsss:ruleConditions><imsss:ruleAction action="previous"/></imsss:postConditionRule>
    </imsss:sequencingRules>
    <imsss:objectives><imsss:primaryObjective satisfiedByMeasure="true">
      <imsss:minNormalizedMeasure>0.6</imsss:minNormalizedMeasure></imsss:primaryObjective></imsss:objectives>
  </imsss:sequencing>
</item>
<imsss:sequencing><imsss:controlMode choice="false" flow="true"/></imsss:sequencing>"""

# CTS CM-04a's shape: the root does not flow (no controlMode), so the learner chooses where to begin.
NO_FLOW = """<item identifier="first" identifierref="SCO"><title>First</title></item>
<item identifier="second" identifierref="SCO"><title>Second</title></item>"""


# CTS T-01b's shape: a module left by its exit rule once complete. Its pretest (a cluster completed by rollup)
# counts once attempted ("ifAttempted"); its post test is skipped when satisfied and counts only while not
# skipped ("ifNotSkipped").
SKIPPED_POSTTEST = """<item identifier="module"><title>Module</title>
  <item identifier="pretest"><title>Pretest</title>
    <item identifier="q1" identifierref="SCO"><title>Q1</title></item>
    <imsss:sequencing>
      <imsss:controlMode choice="false" flow="true" forwardOnly="true"/>
      <imsss:rollupRules><imsss:rollupRule childActivitySet="all"><imsss:rollupConditions>
        <imsss:rollupCondition condition="attempted"/></imsss:rollupConditions>
        <imsss:rollupAction action="completed"/></imsss:rollupRule></imsss:rollupRules>
      <adlseq:rollupConsiderations requiredForCompleted="ifAttempted"/>
    </imsss:sequencing>
  </item>
  <item identifier="posttest"><title>Posttest</title>
    <item identifier="p1" identifierref="SCO"><title>P1</title></item>
    <item identifier="p2" identifierref="SCO"><title>P2</title></item>
    <item identifier="p3" identifierref="SCO"><title>P3</title></item>
    <imsss:sequencing>
      <imsss:controlMode choice="false" flow="true" forwardOnly="true"/>
      <imsss:sequencingRules><imsss:preConditionRule><imsss:ruleConditions>
        <imsss:ruleCondition condition="satisfied"/></imsss:ruleConditions>
        <imsss:ruleAction action="skip"/></imsss:preConditionRule></imsss:sequencingRules>
      <imsss:rollupRules><imsss:rollupRule childActivitySet="all"><imsss:rollupConditions>
        <imsss:rollupCondition condition="attempted"/></imsss:rollupConditions>
        <imsss:rollupAction action="completed"/></imsss:rollupRule></imsss:rollupRules>
      <imsss:objectives><imsss:primaryObjective objectiveID="PRIMARYOBJ" satisfiedByMeasure="true">
        <imsss:minNormalizedMeasure>0.6</imsss:minNormalizedMeasure></imsss:primaryObjective></imsss:objectives>
      <adlseq:rollupConsiderations requiredForCompleted="ifNotSkipped"/>
    </imsss:sequencing>
  </item>
  <imsss:sequencing>
    <imsss:controlMode choice="false" flow="true"/>
    <imsss:sequencingRules><imsss:exitConditionRule><imsss:ruleConditions>
      <imsss:ruleCondition condition="completed"/></imsss:ruleConditions>
      <imsss:ruleAction action="exit"/></imsss:exitConditionRule></imsss:sequencingRules>
  </imsss:sequencing>
</item>
<item identifier="after" identifierref="SCO"><title>After</title></item>
<imsss:sequencing><imsss:controlMode choice="false" flow="true"/></imsss:sequencing>"""


class TestRollupConsiderations:
    def continue_to(self, page: Page, next_item: str, **values: str) -> None:
        set_values(page, cmi__exit="normal", **values)
        set_values(page, adl__nav__request="continue")
        assert call(page, "Terminate", "") == "true"
        wait_current(page, next_item, "API_1484_11")

    def test_a_satisfied_post_test_no_longer_holds_its_module_open(self, live_api: LiveApi, page: Page,
                                                                    tmp_path: Path):
        # SN RB.1.4.2: "ifNotSkipped" asks the post test's Skip rule during rollup, and "ifAttempted" counts the
        # pretest its rollup completed (RB.1.3 makes its progress known). After P2 the post test's measure is
        # 2/3 >= 0.6, so it is skipped, the module is complete, its exit rule ends it and P3 is never delivered.
        package_id = live_api.import_package(build_package(tmp_path, "cts_t01b_like", SKIPPED_POSTTEST))
        relaunch(live_api, page, package_id, "q1")
        self.continue_to(page, "p1", cmi__score__scaled="0.0")
        self.continue_to(page, "p2", cmi__score__scaled="1.0")  # 1/3: not yet satisfied
        self.continue_to(page, "after", cmi__score__scaled="1.0")


class TestRulesAndMeasures:
    def finish_then_continue(self, page: Page, next_item: str, **values: str) -> None:
        # The SCO ends without a navigation request; the learner's Continue ends its attempt (TB.2.3).
        set_values(page, cmi__exit="normal", **values)
        assert call(page, "Terminate", "") == "true"
        page.wait_for_function("() => !document.getElementById('nav-continue').disabled", timeout=10_000)
        page.click("#nav-continue")
        wait_current(page, next_item, "API_1484_11")

    def test_a_cluster_satisfied_by_its_weighted_measure_exits_and_goes_back(self, live_api: LiveApi, page: Page,
                                                                            tmp_path: Path):
        package_id = live_api.import_package(build_package(tmp_path, "cts_ms05a_like", MEASURED_UNIT))
        relaunch(live_api, page, package_id, "intro")
        self.finish_then_continue(page, "u1")
        # 1.0 / (1 + 1 + 0.25) = 0.44: not yet satisfied, the flow goes on (SN RB.1.1 counts U3's weight).
        self.finish_then_continue(page, "u2", cmi__score__scaled="1.0")
        # 2.0 / 2.25 = 0.89: satisfied, so the exit rule leaves the unit and its post-condition goes back.
        self.finish_then_continue(page, "intro", cmi__score__scaled="1.0")

    def test_a_course_whose_root_does_not_flow_starts_by_choice(self, live_api: LiveApi, page: Page,
                                                                tmp_path: Path):
        package_id = live_api.import_package(build_package(tmp_path, "cts_cm04a_like", NO_FLOW))
        page.goto(live_api.open_session(package_id)["launch_url"])
        page.wait_for_selector("#message:not([hidden])")
        assert "Choose where to begin" in page.locator("#message-text").inner_text()
        assert current_item(page) is None
        toc_button(page, "second").click()
        wait_current(page, "second", "API_1484_11")


# CTS SX-09/SX-04b's shape: two SCOs under a root that allows choice and flow.
TWO_BY_CHOICE = """<item identifier="a1" identifierref="SCO"><title>A1</title></item>
<item identifier="a2" identifierref="SCO"><title>A2</title></item>
<imsss:sequencing><imsss:controlMode choice="true" flow="true"/></imsss:sequencing>"""


class TestSessionAfterContentLeaves:
    def leave(self, page: Page, request: str) -> None:
        set_values(page, adl__nav__request=request)
        assert call(page, "Terminate", "") == "true"
        page.wait_for_selector("#message:not([hidden])")
        assert "Choose where to go next" in page.locator("#message-text").inner_text()
        assert current_item(page) is None
        assert page.evaluate("() => window.AllurePlayer.state.ended") is False

    def test_a_sco_that_exits_is_taken_away_and_the_learner_chooses_next(self, live_api: LiveApi, page: Page,
                                                                          tmp_path: Path):
        # CTS SX-09: "exit" below the root ends the SCO's attempt, not the sequencing session (SN SB.2.11).
        package_id = live_api.import_package(build_package(tmp_path, "cts_sx09_like", TWO_BY_CHOICE))
        relaunch(live_api, page, package_id, "a1")
        self.leave(page, "exit")
        toc_button(page, "a2").click()
        wait_current(page, "a2", "API_1484_11")

    def test_after_abandon_the_learner_may_choose_the_root(self, live_api: LiveApi, page: Page, tmp_path: Path):
        # CTS SX-04b: abandon removes the content; choosing the course's root flows into its first activity.
        package_id = live_api.import_package(build_package(tmp_path, "cts_sx04b_like", TWO_BY_CHOICE))
        relaunch(live_api, page, package_id, "a1")
        self.leave(page, "abandon")
        toc_button(page, "org").click()
        wait_current(page, "a1", "API_1484_11")


def _primary(target: str, writes: str = "", rules: str = "", extra: str = "") -> str:
    """An item's sequencing: optional pre-condition rules, a primary objective mapped to a global objective."""
    return f"""<imsss:sequencing>{rules}
    <imsss:objectives><imsss:primaryObjective objectiveID="PRIMARYOBJ"/></imsss:objectives>
    <adlseq:objectives><adlseq:objective objectiveID="PRIMARYOBJ">
      <adlseq:mapInfo targetObjectiveID="{target}" {writes}/></adlseq:objective></adlseq:objectives>{extra}
  </imsss:sequencing>"""


def _skip_if(condition: str, operator: str = "", referenced: str = "") -> str:
    attributes = f'condition="{condition}"' + (f' operator="{operator}"' if operator else "") + (
        f' referencedObjective="{referenced}"' if referenced else "")  # fmt: skip
    return f"""<imsss:sequencingRules><imsss:preConditionRule><imsss:ruleConditions>
      <imsss:ruleCondition {attributes}/></imsss:ruleConditions><imsss:ruleAction action="skip"/>
    </imsss:preConditionRule></imsss:sequencingRules>"""


FLOW = """<imsss:sequencing><imsss:controlMode choice="false" flow="true"/></imsss:sequencing>"""
WRITES = 'writeCompletionStatus="true" writeProgressMeasure="true"'

# CTS CO-04a's shape: activity 1 is completed by measure (minimum 1.0) and writes 0.85; activity 2 (by measure,
# minimum 0.4) reads it and is completed; activity 3 (not by measure) reads activity 1's "incomplete".
BY_MEASURE = f"""<item identifier="a1" identifierref="SCO"><title>A1</title>{_primary("g-co04a", WRITES)}
  <adlcp:completionThreshold completedByMeasure="true"/></item>
<item identifier="a2" identifierref="SCO"><title>A2</title>{_primary("g-co04a", rules=_skip_if("completed"))}
  <adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.40"/></item>
<item identifier="a3" identifierref="SCO"><title>A3</title>{_primary("g-co04a", rules=_skip_if("completed", "not"))}
  <adlcp:completionThreshold minProgressMeasure="0.1"/></item>
<item identifier="a4" identifierref="SCO"><title>A4</title></item>
{FLOW}"""

# CTS CO-04c's shape: completed by measure with no progress measure is unknown, and nothing is written.
NO_MEASURE = f"""<item identifier="a1" identifierref="SCO"><title>A1</title>{_primary("g-co04c", WRITES)}
  <adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.0"/></item>
<item identifier="a2" identifierref="SCO"><title>A2</title>
  {_primary("g-co04c", rules=_skip_if("activityProgressKnown", "not"))}</item>
<item identifier="a3" identifierref="SCO"><title>A3</title></item>
{FLOW}"""

# CTS CO-05a's shape: a cluster that is not tracked has no progress to know, so "progress known → skip" fails.
UNTRACKED = f"""<item identifier="a1" identifierref="SCO"><title>A1</title>{_primary("g-co05a", WRITES)}</item>
<item identifier="unit"><title>Unit</title>
  <item identifier="u1" identifierref="SCO"><title>U1</title></item>
  <item identifier="u2" identifierref="SCO"><title>U2</title></item>
  {_primary("g-co05a", rules=_skip_if("activityProgressKnown"),
            extra='<imsss:deliveryControls tracked="false"/>').replace(
      "<imsss:sequencing>", '<imsss:sequencing><imsss:controlMode choice="false" flow="true"/>', 1)}
</item>
<item identifier="a3" identifierref="SCO"><title>A3</title></item>
{FLOW}"""

# CTS CO-13a's shape: the SCO sets cmi.completion_status "unknown" itself and its primary objective's record
# "completed": the SCO's own completion status wins, is not auto-completed, and nothing known is written.
SAID_UNKNOWN = f"""<item identifier="a1" identifierref="SCO"><title>A1</title>
  {_primary("g-co13a", 'writeCompletionStatus="true"')}</item>
<item identifier="a2" identifierref="SCO"><title>A2</title>
  {_primary("g-co13a", rules=_skip_if("activityProgressKnown", "not", "PRIMARYOBJ"))}</item>
<item identifier="a3" identifierref="SCO"><title>A3</title></item>
{FLOW}"""

# CTS CO-10's shape: each activity is completed by its own measure and writes that status and its measure;
# the next SCO sees the global's values as written (a read is neither re-judged nor written back).
OWN_MEASURES = f"""<item identifier="a1" identifierref="SCO"><title>A1</title>{_primary("g-co10", WRITES)}
  <adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.40"/></item>
<item identifier="a2" identifierref="SCO"><title>A2</title>{_primary("g-co10", WRITES)}
  <adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.15"/></item>
<item identifier="a3" identifierref="SCO"><title>A3</title>{_primary("g-co10", WRITES)}
  <adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.40"/></item>
{FLOW}"""

# CTS CO-12d's shape: a unit completed by measure reads only the progress measure activity 2 writes; the global's
# unknown satisfaction must not erase the unit's own rollup (its children are auto-satisfied), so its exit rule
# fires, and "not completed → retry" starts it again until activity 2's measure completes it.
_UNIT_RULES = """<imsss:controlMode choice="false" flow="true"/>
    <imsss:sequencingRules>
      <imsss:exitConditionRule><imsss:ruleConditions conditionCombination="any">
        <imsss:ruleCondition condition="completed"/><imsss:ruleCondition condition="satisfied"/>
        </imsss:ruleConditions><imsss:ruleAction action="exit"/></imsss:exitConditionRule>
      <imsss:postConditionRule><imsss:ruleConditions><imsss:ruleCondition condition="completed" operator="not"/>
        </imsss:ruleConditions><imsss:ruleAction action="retry"/></imsss:postConditionRule>
      <imsss:postConditionRule><imsss:ruleConditions><imsss:ruleCondition condition="completed"/>
        </imsss:ruleConditions><imsss:ruleAction action="continue"/></imsss:postConditionRule>
    </imsss:sequencingRules>"""
RETRIED_UNIT = f"""<item identifier="unit"><title>Unit</title>
  <item identifier="a1" identifierref="SCO"><title>A1</title>
    {_primary("g-co12d", 'readCompletionStatus="false" readProgressMeasure="false" writeProgressMeasure="true"')}
    <adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.50"/></item>
  <item identifier="a2" identifierref="SCO"><title>A2</title></item>
  {_primary("g-co12d", rules=_UNIT_RULES)}
  <adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.70"/>
</item>
<item identifier="a3" identifierref="SCO"><title>A3</title></item>
{FLOW}"""


class TestCompletionByMeasure:
    def continue_to(self, page: Page, next_item: str, **values: str) -> None:
        set_values(page, **values)
        set_values(page, adl__nav__request="continue", cmi__exit="normal")
        assert call(page, "Terminate", "") == "true"
        wait_current(page, next_item, "API_1484_11")

    def start(self, live_api: LiveApi, page: Page, tmp_path: Path, name: str, items: str) -> None:
        package_id = live_api.import_package(build_package(tmp_path, name, items))
        relaunch(live_api, page, package_id, "a1")

    def test_a_progress_measure_decides_completion_also_when_read_through_a_global(self, live_api: LiveApi,
                                                                                   page: Page, tmp_path: Path):
        self.start(live_api, page, tmp_path, "cts_co04a_like", BY_MEASURE)
        # 0.85 < 1.0: activity 1 is incomplete whatever it says; 0.85 >= 0.4 completes activity 2 (skipped),
        # activity 3 reads "incomplete" (skipped), so the flow lands on activity 4.
        self.continue_to(page, "a4", cmi__progress_measure="0.85", cmi__completion_status="completed")

    def test_completed_by_measure_without_a_measure_stays_unknown(self, live_api: LiveApi, page: Page,
                                                                  tmp_path: Path):
        self.start(live_api, page, tmp_path, "cts_co04c_like", NO_MEASURE)
        self.continue_to(page, "a3", cmi__completion_status="completed")

    def test_an_untracked_cluster_has_no_known_progress(self, live_api: LiveApi, page: Page, tmp_path: Path):
        self.start(live_api, page, tmp_path, "cts_co05a_like", UNTRACKED)
        assert call(page, "GetValue", "cmi.objectives.0.id") == "PRIMARYOBJ"
        self.continue_to(page, "u1", cmi__objectives__0__completion_status="completed",
                         cmi__objectives__0__progress_measure="0.5")

    def test_a_completion_status_the_sco_set_to_unknown_is_not_auto_completed(self, live_api: LiveApi, page: Page,
                                                                              tmp_path: Path):
        self.start(live_api, page, tmp_path, "cts_co13a_like", SAID_UNKNOWN)
        set_values(page, cmi__completion_status="unknown")
        assert call(page, "GetValue", "cmi.objectives.0.id") == "PRIMARYOBJ"
        self.continue_to(page, "a3", cmi__objectives__0__completion_status="completed")

    def test_each_activity_writes_its_own_measure_and_the_next_sees_it_as_written(self, live_api: LiveApi,
                                                                                 page: Page, tmp_path: Path):
        self.start(live_api, page, tmp_path, "cts_co10_like", OWN_MEASURES)
        assert call(page, "GetValue", "cmi.objectives.0.id") == "PRIMARYOBJ"
        self.continue_to(page, "a2", cmi__objectives__0__progress_measure="0.2")  # 0.2 < 0.4: incomplete
        # Activity 2 (minimum 0.15) would call 0.2 completed, but its SCO sees what activity 1 wrote.
        assert call(page, "GetValue", "cmi.objectives.0.progress_measure") == "0.2"
        assert call(page, "GetValue", "cmi.objectives.0.completion_status") == "incomplete"
        # cmi.progress_measure is the primary objective's, over the record seeded from the read map.
        self.continue_to(page, "a3", cmi__progress_measure="0.39")
        assert call(page, "GetValue", "cmi.objectives.0.progress_measure") == "0.39"
        assert call(page, "GetValue", "cmi.objectives.0.completion_status") == "completed"

    def test_an_unknown_global_does_not_erase_a_rolled_up_status(self, live_api: LiveApi, page: Page,
                                                                 tmp_path: Path):
        self.start(live_api, page, tmp_path, "cts_co12d_like", RETRIED_UNIT)
        self.continue_to(page, "a2", cmi__progress_measure="0.05")
        self.continue_to(page, "a1")  # satisfied, so it exits; 0.05 < 0.7, so it is retried
        self.continue_to(page, "a3", cmi__progress_measure="0.95")  # completed by the measure read: continue
