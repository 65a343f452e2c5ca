"""Control modes and the navigation UI (ADL SCORM 2004 4th Ed. CTS, CM family), in a real browser.

The LMS shows Continue, Previous and the table of contents as the sequencer allows (SN book: the LMS
evaluates each navigation request and disables the ones that would fail), and
`adl.nav.request_valid.*` agrees. Each test builds a small package shaped like the CTS package that
found the defect and drives the real player, runtime (scorm-again with patches/*.patch) and server.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

from tests.e2e.conftest import LiveApi
from tests.e2e.test_navigation import current_item, toc_button, wait_current
from tests.e2e.test_sequencing_conformance import build_package, call, launches, relaunch, set_values

# CTS CM-02a's shape: three SCOs in a flow-only course.
FLOW = """<item identifier="a1" identifierref="SCO"><title>A1</title></item>
<item identifier="a2" identifierref="SCO"><title>A2</title></item>
<item identifier="a3" identifierref="SCO"><title>A3</title></item>
<imsss:sequencing><imsss:controlMode choice="false" flow="true"/></imsss:sequencing>"""

# CTS CM-07a's shape: Previous from a2 would enter a cluster whose last SCO is always disabled.
DISABLED_BEFORE = """<item identifier="a0" identifierref="SCO"><title>A0</title></item>
<item identifier="unit"><title>Unit</title>
  <item identifier="a1" identifierref="SCO"><title>A1</title>
    <imsss:sequencing><imsss:sequencingRules><imsss:preConditionRule>
      <imsss:ruleConditions><imsss:ruleCondition condition="always"/></imsss:ruleConditions>
      <imsss:ruleAction action="disabled"/>
    </imsss:preConditionRule></imsss:sequencingRules></imsss:sequencing>
  </item>
  <imsss:sequencing><imsss:controlMode flow="true"/></imsss:sequencing>
</item>
<item identifier="a2" identifierref="SCO"><title>A2</title></item>
<imsss:sequencing><imsss:controlMode flow="true"/></imsss:sequencing>"""

# CTS CM-04b's shape: choosing a cluster flows into it; its first child (a cluster) is skipped once attempted.
CLUSTER_CHOICE = """<item identifier="a1" identifierref="SCO"><title>A1</title></item>
<item identifier="unit"><title>Unit</title>
  <item identifier="inner"><title>Inner</title>
    <item identifier="i1" identifierref="SCO"><title>I1</title></item>
    <imsss:sequencing>
      <imsss:controlMode flow="true"/>
      <imsss:sequencingRules><imsss:preConditionRule>
        <imsss:ruleConditions><imsss:ruleCondition condition="attempted"/></imsss:ruleConditions>
        <imsss:ruleAction action="skip"/>
      </imsss:preConditionRule></imsss:sequencingRules>
    </imsss:sequencing>
  </item>
  <item identifier="last" identifierref="SCO"><title>Last</title></item>
  <imsss:sequencing><imsss:controlMode flow="true"/></imsss:sequencing>
</item>
<imsss:sequencing><imsss:controlMode choice="true" flow="true"/></imsss:sequencing>"""

# CTS CM-06's shape: retry a2 once its progress is known.
RETRY_IF_KNOWN = """<item identifier="a1" identifierref="SCO"><title>A1</title></item>
<item identifier="a2" identifierref="SCO"><title>A2</title>
  <imsss:sequencing><imsss:sequencingRules><imsss:postConditionRule>
    <imsss:ruleConditions><imsss:ruleCondition condition="activityProgressKnown"/></imsss:ruleConditions>
    <imsss:ruleAction action="retry"/>
  </imsss:postConditionRule></imsss:sequencingRules></imsss:sequencing>
</item>
<item identifier="a3" identifierref="SCO"><title>A3</title></item>
<imsss:sequencing><imsss:controlMode choice="false" flow="true"/></imsss:sequencing>"""

# CTS CM-07b's shape: a root that does not flow (choosing it delivers nothing) above a cluster that does.
ROOT_WITHOUT_FLOW = """<item identifier="a1" identifierref="SCO"><title>A1</title></item>
<item identifier="unit"><title>Unit</title>
  <item identifier="u1" identifierref="SCO"><title>U1</title></item>
  <imsss:sequencing><imsss:controlMode flow="true"/></imsss:sequencing>
</item>"""

# CTS CM-01's presentation: the package hides the LMS's Suspend All control on every SCO.
HIDE_SUSPEND = """<adlnav:presentation><adlnav:navigationInterface>
  <adlnav:hideLMSUI>suspendAll</adlnav:hideLMSUI>
</adlnav:navigationInterface></adlnav:presentation>"""
FLOW_HIDING_SUSPEND = FLOW.replace('<title>A1</title>', '<title>A1</title>' + HIDE_SUSPEND)


def nav_state(page: Page) -> dict[str, bool]:
    """What the learner sees (usable or not) and what the runtime tells content, once both settle."""
    page.wait_for_timeout(500)
    return page.evaluate("""() => {
        const usable = (id) => { const b = document.getElementById(id); return !b.hidden && !b.disabled; };
        const valid = (r) => window.API_1484_11.GetValue('adl.nav.request_valid.' + r) === 'true';
        return {continue: usable('nav-continue'), previous: usable('nav-previous'),
                continue_valid: valid('continue'), previous_valid: valid('previous')};
    }""")


def terminate_with(page: Page, request: str) -> None:
    set_values(page, cmi__exit="normal", adl__nav__request=request)
    assert call(page, "Terminate", "") == "true"


class TestContinueAndPrevious:
    def test_previous_is_disabled_at_the_first_activity_and_continue_enabled_at_the_last(
            self, live_api: LiveApi, page: Page, tmp_path: Path):
        # CTS CM-02a: no Previous from the first SCO (SB.2.1-3); Continue from the last ends the course.
        package_id = live_api.import_package(build_package(tmp_path, "cts_cm02a_like", FLOW))
        relaunch(live_api, page, package_id, "a1")
        assert nav_state(page) == {"continue": True, "previous": False, "continue_valid": True,
                                   "previous_valid": False}
        terminate_with(page, "continue")
        wait_current(page, "a2", "API_1484_11")
        terminate_with(page, "continue")
        wait_current(page, "a3", "API_1484_11")
        assert nav_state(page) == {"continue": True, "previous": True, "continue_valid": True,
                                   "previous_valid": True}

    def test_previous_into_a_disabled_activity_is_disabled(self, live_api: LiveApi, page: Page,
                                                           tmp_path: Path):
        # CTS CM-07a Act6: Previous would flow into a SCO a "disabled" rule blocks (SB.2.2-2).
        package_id = live_api.import_package(build_package(tmp_path, "cts_cm07a_like", DISABLED_BEFORE))
        relaunch(live_api, page, package_id, "a0")
        terminate_with(page, "{target=a2}choice")
        wait_current(page, "a2", "API_1484_11")
        assert nav_state(page) == {"continue": True, "previous": False, "continue_valid": True,
                                   "previous_valid": False}


class TestChoice:
    def test_the_course_root_is_a_table_of_contents_entry(self, live_api: LiveApi, page: Page, tmp_path: Path):
        # CTS CM-07a-e ask whether "the activity that corresponds to the root" is selectable.
        package_id = live_api.import_package(build_package(tmp_path, "cts_cm07e_like", CLUSTER_CHOICE))
        relaunch(live_api, page, package_id, "a1")
        root = page.locator("#toc-list li[data-item='org']")
        assert root.count() == 1
        assert "cts_cm07e_like" in root.inner_text()

    def test_choosing_a_cluster_applies_the_skip_rules_inside_it(self, live_api: LiveApi, page: Page,
                                                                tmp_path: Path):
        # CTS CM-04b: the chosen cluster is entered by the Flow Subprocess (SB.2.9), which skips an
        # attempted cluster (SB.2.2).
        package_id = live_api.import_package(build_package(tmp_path, "cts_cm04b_like", CLUSTER_CHOICE))
        relaunch(live_api, page, package_id, "a1")
        terminate_with(page, "continue")
        wait_current(page, "i1", "API_1484_11")
        terminate_with(page, "{target=a1}choice")
        wait_current(page, "a1", "API_1484_11")
        set_values(page, cmi__exit="normal")
        assert call(page, "Terminate", "") == "true"
        toc_button(page, "unit").click()
        wait_current(page, "last", "API_1484_11")


class TestChoiceValidity:
    def test_a_root_that_does_not_flow_is_not_selectable_a_cluster_that_flows_is(self, live_api: LiveApi,
                                                                                page: Page, tmp_path: Path):
        # CTS CM-07b Act3: SB.2.9 enters a chosen cluster with the Flow Subprocess; from a root without flow it
        # finds nothing to deliver, so the root is not offered; the unit flows to u1 and is.
        package_id = live_api.import_package(build_package(tmp_path, "cts_cm07b_like", ROOT_WITHOUT_FLOW))
        page.goto(live_api.open_session(package_id)["launch_url"])
        toc_button(page, "a1").click()
        wait_current(page, "a1", "API_1484_11")
        page.wait_for_timeout(500)
        assert page.locator("#toc-list li[data-item='org']").count() == 1
        assert page.locator("#toc-list li[data-item='org'] > button:enabled").count() == 0
        assert toc_button(page, "unit").is_enabled()
        assert call(page, "GetValue", "adl.nav.request_valid.choice.{target=org}") == "false"
        toc_button(page, "unit").click()
        wait_current(page, "u1", "API_1484_11")


class TestLeavingTheCourse:
    def test_save_and_exit_resumes_and_exit_course_starts_a_new_attempt(self, live_api: LiveApi, page: Page,
                                                                         tmp_path: Path):
        # CTS CM-09ca: "Suspend All, then relaunch" resumes where the learner was; CM-09ba: "exit the course,
        # then relaunch" starts a new attempt from the first activity.
        package_id = live_api.import_package(build_package(tmp_path, "cts_cm09_like", FLOW))
        relaunch(live_api, page, package_id, "a1")
        suspend, exit_all = page.locator("#nav-exit"), page.locator("#nav-exit-all")
        assert (suspend.inner_text(), exit_all.inner_text()) == ("Save and exit", "Exit course")
        assert suspend.get_attribute("title") and exit_all.get_attribute("title")
        terminate_with(page, "continue")
        wait_current(page, "a2", "API_1484_11")
        suspend.click()
        page.wait_for_selector("#message:not([hidden])")
        assert current_item(page) is None

        relaunch(live_api, page, package_id, "a2")
        assert call(page, "GetValue", "cmi.entry") == "resume"
        page.locator("#nav-exit-all").click()
        page.wait_for_selector("#message:not([hidden])")
        assert current_item(page) is None

        relaunch(live_api, page, package_id, "a1")
        assert call(page, "GetValue", "cmi.entry") == "ab-initio"

    def test_a_package_that_hides_suspend_all_keeps_only_exit_course(self, live_api: LiveApi, page: Page,
                                                                      tmp_path: Path):
        # adlnav:hideLMSUI suspendAll (most CTS packages): no Save and exit; Exit course still ends the attempt.
        package_id = live_api.import_package(build_package(tmp_path, "cts_cm01_like", FLOW_HIDING_SUSPEND))
        relaunch(live_api, page, package_id, "a1")
        page.wait_for_timeout(500)
        assert page.locator("#nav-exit").is_hidden()
        assert page.locator("#nav-exit-all").is_visible()
        page.locator("#nav-exit-all").click()
        page.wait_for_selector("#message:not([hidden])")
        relaunch(live_api, page, package_id, "a1")
        assert call(page, "GetValue", "cmi.entry") == "ab-initio"


class TestRequestsThatEndTheAttempt:
    def test_a_sco_that_jumps_to_itself_is_launched_again(self, live_api: LiveApi, page: Page, tmp_path: Path):
        # CTS CM-03a Act7V2: adl.nav.request={target=<itself>}jump ends the attempt and delivers it anew.
        package_id = live_api.import_package(build_package(tmp_path, "cts_cm03a_like", FLOW))
        relaunch(live_api, page, package_id, "a1")
        before = launches(page)
        terminate_with(page, "{target=a1}jump")
        page.wait_for_function(f"() => performance.getEntriesByType('resource')"
                               f".filter(e => e.name.includes('/deliver')).length > {before}", timeout=10_000)
        wait_current(page, "a1", "API_1484_11")

    def test_a_sco_that_reports_unknown_completion_is_not_retried_as_if_known(self, live_api: LiveApi,
                                                                             page: Page, tmp_path: Path):
        # CTS CM-06: the SCO set cmi.completion_status=unknown itself, so its progress stays unknown
        # (no LMS auto-completion) and the "activity progress known → retry" rule does not fire.
        package_id = live_api.import_package(build_package(tmp_path, "cts_cm06_like", RETRY_IF_KNOWN))
        relaunch(live_api, page, package_id, "a1")
        terminate_with(page, "continue")
        wait_current(page, "a2", "API_1484_11")
        set_values(page, cmi__completion_status="unknown")
        terminate_with(page, "continue")
        wait_current(page, "a3", "API_1484_11")
