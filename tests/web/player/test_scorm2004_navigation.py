"""Navigation validity of the player's runtime (issue 12, CTS CM family): what the table of contents and the
Continue/Previous buttons offer, and where a backward flow goes.

- A chosen cluster (the root included) is entered with the Flow Subprocess (SN SB.2.9 steps 13-14): one whose flow
  delivers nothing is not a valid choice (CTS CM-07b, CM-07c).
- The Delivery Request Process (DB.1.1) checks the attempt limits from the root to the target (CTS CM-07c).
- Continue is offered when the Navigation Request Process accepts it and the flow stops only at a cluster that does
  not flow, as ADL's sample RTE offers it (CTS CM-07d); a next activity its rules disable still disables it.
- Previous into a forward-only cluster whose children are all skipped turns back out of it (SB.2.1 step 2, CTS CM-03b).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.web.player.test_scorm2004_conformance import NODE, RUNTIME

DRIVER = Path(__file__).with_name("scorm2004_navigation.cjs")

pytestmark = pytest.mark.skipif(NODE is None or not RUNTIME.exists(), reason="node and node_modules are needed")


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    checked = subprocess.run([NODE, str(DRIVER), str(RUNTIME)], capture_output=True, text=True, timeout=60,
                             check=True)  # fmt: skip
    return json.loads(checked.stdout)


def test_a_cluster_is_a_valid_choice_only_when_its_flow_delivers(results: dict[str, Any]) -> None:
    assert results["root_without_flow"] == "false"
    assert results["cluster_all_skipped"] == "false"
    assert results["cluster_that_flows"] == "true"
    # adl.nav.request_valid.choice agrees with the table of contents.
    assert (results["request_valid_root"], results["request_valid_unit2"]) == ("false", "true")


def test_a_used_up_attempt_limit_on_the_path_makes_the_choice_invalid(results: dict[str, Any]) -> None:
    assert results["limit_current"] == "c1"
    assert results["limit_used_up_leaf"] == "false"
    assert results["limit_used_up_ancestor"] == "false"
    assert results["limit_root_flows_into_it"] == "false"
    assert results["limit_free_leaf"] == "true"


def test_continue_is_offered_before_a_cluster_that_does_not_flow(results: dict[str, Any]) -> None:
    assert results["continue_current"] == "a2"
    assert results["continue_into_non_flowing_cluster"] is True
    assert results["continue_request_valid"] == "true"
    # A next SCO that a "disabled" rule blocks still disables Continue (the player's Forced Sequential golf course).
    assert results["continue_into_disabled"] is False


def test_previous_turns_back_out_of_a_skipped_forward_only_cluster(results: dict[str, Any]) -> None:
    assert all(results["previous_done"])
    assert results["previous_out_of_forward_only"] == "a2"
