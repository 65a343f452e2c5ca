"""SCORM 2004 data-model rules of the player's runtime, one test per defect class ADL's CTS found (issue 12).

The runtime is scorm-again's `dist/scorm2004.js` as the player serves it (patched at install from
`patches/scorm-again+3.4.3+001+data-model.patch`), run in Node with the calls a SCO makes; each case
checks what `SetValue`/`GetValue` answer and the error code `GetLastError` gives after it. The server
side (`web/player/cmi_types.py`) is checked against the same values so a commit the runtime accepts
is one the server stores.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from web.player import activity_tree, cmi_rules, cmi_types, initial_cmi
from web.player.views import VENDOR_DIR, VENDOR_FILES, VENDOR_SCRIPT

DRIVER = Path(__file__).with_name("scorm2004_calls.cjs")
RUNTIME = VENDOR_DIR / VENDOR_SCRIPT["2004"]
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None or not RUNTIME.exists(), reason="node and node_modules are needed")

Step = list[Any]


def run(*steps: Step, initialize: bool = True) -> list[tuple[str, str]]:
    """(result, error code) of each step, after Initialize when asked."""
    calls = ([["Initialize", ""]] if initialize else []) + [list(step) for step in steps]
    answer = subprocess.run(
        [NODE, str(DRIVER)],
        input=json.dumps({"script": str(RUNTIME), "steps": calls}),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    results = [(entry["result"], entry["error"]) for entry in json.loads(answer.stdout)]
    return results[1:] if initialize else results


def test_the_player_serves_the_patched_non_minified_build():
    assert VENDOR_SCRIPT["2004"] == "scorm2004.js" and "scorm2004.min.js" not in VENDOR_FILES
    assert "ADL CTS DMI" in RUNTIME.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "container",
    [
        "cmi",
        "cmi.objectives",
        "cmi.interactions",
        "cmi.comments_from_learner",
        "cmi.comments_from_lms",
        "cmi.learner_preference",
        "cmi.score",
        "adl.data",
        "adl.nav",
    ],
)
def test_containers_are_not_values(container):
    # SetValue on a container replaced the data model; GetValue answered "[object Object]" (CTS DMI).
    results = run(
        ["SetValue", container, "illegal"],
        ["GetValue", container],
        ["SetValue", "cmi.location", "x"],
        ["GetValue", "cmi.location"],
        ["Terminate", ""],
    )
    assert results == [("false", "401"), ("", "401"), ("true", "0"), ("x", "0"), ("true", "0")]


def test_collection_indexes_are_canonical_and_unset_ones_give_301():
    results = run(
        ["SetValue", "cmi.interactions.01.id", "i"],
        ["GetValue", "cmi.interactions.0.id"],
        ["SetValue", "cmi.interactions.0.id", "i"],
        ["GetValue", "cmi.interactions.01.id"],
        ["GetValue", "cmi.objectives.0.id"],
        ["GetValue", "cmi.comments_from_lms.0.comment"],
        ["GetValue", "cmi.interactions.0.description"],
        ["SetValue", "cmi.interactions.2.id", "x"],
    )
    assert results == [
        ("false", "351"),
        ("", "301"),
        ("true", "0"),
        ("", "301"),
        ("", "301"),
        ("", "301"),
        ("", "403"),
        ("false", "351"),
    ]


def test_record_elements_depend_on_the_record_id():
    results = run(
        ["SetValue", "cmi.interactions.0.objectives.0.id", "o"],
        ["SetValue", "cmi.interactions.0.result", "incorrect"],
        ["SetValue", "cmi.objectives.0.score.raw", "5"],
        ["GetValue", "cmi.interactions._count"],
        ["GetValue", "cmi.objectives._count"],
        ["SetValue", "cmi.interactions.0.id", "i0"],
        ["SetValue", "cmi.interactions.1.description", "d"],
        ["GetValue", "cmi.interactions._count"],
        ["SetValue", "cmi.interactions.0.result", "incorrect"],
    )
    assert results == [
        ("false", "408"),
        ("false", "408"),
        ("false", "408"),
        ("0", "0"),
        ("0", "0"),
        ("true", "0"),
        ("false", "408"),
        ("1", "0"),
        ("true", "0"),
    ]


def test_an_interaction_id_may_change_an_objective_id_may_not_repeat():
    results = run(
        ["SetValue", "cmi.interactions.0.id", "INT1"],
        ["SetValue", "cmi.interactions.0.id", "MYID01"],
        ["GetValue", "cmi.interactions.0.id"],
        ["SetValue", "cmi.objectives.0.id", "A"],
        ["SetValue", "cmi.objectives.1.id", "A"],
    )
    assert results == [("true", "0"), ("true", "0"), ("MYID01", "0"), ("true", "0"), ("false", "351")]


@pytest.mark.parametrize(
    ("element", "value", "answer"),
    [
        ("cmi.comments_from_learner.0.timestamp", "2039", ("false", "406")),
        ("cmi.comments_from_learner.0.timestamp", "2004-04-01T09:45:58.025", ("false", "406")),
        ("cmi.comments_from_learner.0.timestamp", "2038-01-19T03:14:07.5Z", ("true", "0")),
        ("cmi.session_time", "P1Y6M14D4H15M6.34S", ("false", "406")),
        ("cmi.session_time", "P1Y6M14DT", ("false", "406")),
        ("cmi.session_time", "P1Y6M14DT4H15M6.34S", ("true", "0")),
        ("cmi.objectives.0.id", "urn:", ("false", "406")),
        ("cmi.objectives.0.id", "urn:adl:lms Test/OBJ01", ("false", "406")),
        ("cmi.objectives.0.id", "urn:adl:lmsTest/OBJ01", ("true", "0")),
        ("cmi.location", "", ("true", "0")),
        ("cmi.comments_from_learner.0.location", "", ("true", "0")),
        ("cmi.learner_preference.language", "", ("true", "0")),
        ("cmi.learner_preference.delivery_speed", "0.0", ("true", "0")),
    ],
)
def test_value_rules(element, value, answer):
    first = (
        ["SetValue", "cmi.comments_from_learner.0.comment", "c"] if "comments" in element else ["GetValue", "cmi.mode"]
    )
    assert run(first, ["SetValue", element, value])[1] == answer


@pytest.mark.parametrize(
    ("element", "value"),
    [
        ("cmi.comments_from_learner.0.timestamp", "2039"),
        ("cmi.comments_from_learner.0.timestamp", "2004-04-01T09:45:58.025"),
        ("cmi.session_time", "P1Y6M14D4H15M6.34S"),
        ("cmi.session_time", "P1Y6M14DT"),
        ("cmi.objectives.0.id", "urn:"),
        ("cmi.objectives.0.id", "urn:adl:lms Test/OBJ01"),
    ],
)
def test_the_server_refuses_what_the_runtime_refuses(element, value):
    assert not cmi_rules.check_flat("2004", {element: value}).ok


def test_the_server_accepts_the_edge_values_the_runtime_accepts():
    values = {
        "cmi.comments_from_learner.0.timestamp": "2038-01-19T03:14:07.5Z",
        "cmi.objectives.0.id": "urn:adl:x/1",
        "cmi.learner_preference.delivery_speed": "0.0",
        "cmi.interactions.0.id": "an id with spaces",
    }
    assert cmi_rules.check_flat("2004", values).ok
    assert cmi_types.long_identifier("urn:adl:lmsTest/OBJ01") == cmi_types.OK


def test_comments_do_not_outlive_their_sco():
    # Act2's 250 comments appeared in Act3's data: the player resets the runtime between SCOs.
    results = run(
        ["SetValue", "cmi.comments_from_learner.0.comment", "c0"],
        ["Terminate", ""],
        ["reset"],
        ["load", {"cmi": {"completion_status": "unknown"}}],
        ["Initialize", ""],
        ["GetValue", "cmi.comments_from_learner._count"],
        ["GetValue", "cmi.interactions._count"],
    )
    assert results[-2:] == [("0", "0"), ("0", "0")]


def test_shared_data_maps_are_writable_unless_the_manifest_says_otherwise():
    # CTS DDM: maps without writeSharedData take SetValue("adl.data.n.store", ...); writeSharedData="false" gives 404.
    item = {
        "shared_data": [{"target_id": "a"}, {"target_id": "b", "write_shared_data": False, "read_shared_data": False}]
    }
    maps = activity_tree._limits_and_extras({}, item)["sharedDataMaps"]
    assert [(m["targetID"], m["readSharedData"], m["writeSharedData"]) for m in maps] == [
        ("a", True, True),
        ("b", False, False),
    ]


def interaction(kind: str) -> list[Step]:
    return [["SetValue", "cmi.interactions.0.id", "i"], ["SetValue", "cmi.interactions.0.type", kind]]


@pytest.mark.parametrize(
    ("kind", "element", "value", "answer"),
    [
        ("choice", "correct_responses.0.pattern", "{}{[]}{}{[]}{}", ("false", "406")),
        ("choice", "learner_response", "{}{[]}{}{[]}{}", ("false", "406")),
        ("choice", "correct_responses.0.pattern", "", ("true", "0")),
        ("fill-in", "learner_response", "{}{[]}{}{[]}{}", ("true", "0")),
        ("fill-in", "correct_responses.0.pattern", "[,]", ("true", "0")),
        ("fill-in", "correct_responses.0.pattern", "{order_matters=invalid}z", ("false", "406")),
        ("fill-in", "correct_responses.0.pattern", "{lang=en-US}{case_matters=false}z[,]y", ("true", "0")),
        ("fill-in", "correct_responses.0.pattern", "a[,]b[,]a", ("true", "0")),
        ("fill-in", "correct_responses.0.pattern", "{lang=eng}{case_matters=invalid}a", ("true", "0")),
        ("fill-in", "correct_responses.0.pattern", "a[,]{case_matters=true}{case_matters=invalid}b", ("true", "0")),
        ("long-fill-in", "correct_responses.0.pattern", " ", ("true", "0")),
        ("long-fill-in", "correct_responses.0.pattern", "{case_matters=true}z", ("true", "0")),
        ("numeric", "correct_responses.0.pattern", "300[:]1.5", ("false", "406")),
        ("numeric", "correct_responses.0.pattern", "1.5[:]300", ("true", "0")),
        ("other", "correct_responses.0.pattern", "uri.uri.uri[.]abcd[,]testuri", ("true", "0")),
        ("sequencing", "correct_responses.0.pattern", "a[,]b[,]a", ("true", "0")),
        ("matching", "correct_responses.0.pattern", "a[.]b[,]a[.]c", ("true", "0")),
        ("performance", "correct_responses.0.pattern", "{order_matters=invalid}a[.]b", ("false", "406")),
    ],
)
def test_interaction_response_rules(kind, element, value, answer):
    # CTS DMI Act3: the response and pattern rules of each interaction type.
    assert run(*interaction(kind), ["SetValue", f"cmi.interactions.0.{element}", value])[-1] == answer


@pytest.mark.parametrize(
    ("kind", "element", "value"),
    [
        ("long-fill-in", "correct_responses.0.pattern", "{lang=en-US}{case_matters=false}Asdf"),
        ("long-fill-in", "correct_responses.0.pattern", "{case_matters=false}{lang=en-US}z"),
        ("long-fill-in", "correct_responses.0.pattern", "{case_matters=false}z"),
        ("fill-in", "correct_responses.0.pattern", "{lang=en-US}{case_matters=false}{order_matters=false}z"),
        ("fill-in", "correct_responses.0.pattern", "{order_matters=true}{case_matters=false}a[,]B"),
        ("performance", "correct_responses.0.pattern", "{order_matters=true}a[.]b[,]c[.]d"),
        ("long-fill-in", "learner_response", "{lang=en}Asdf"),
    ],
)
def test_patterns_come_back_exactly_as_set(kind, element, value):
    # CTS DMI Act3: a pattern is a characterstring the LMS stores and returns as set; default delimiters
    # ({case_matters=false}, {order_matters=true}, {lang=en}) are neither dropped nor reordered. The CTS
    # (SCORM_2004_DMElement.equals) treats a default delimiter and its absence alike, in any order.
    path = f"cmi.interactions.0.{element}"
    assert run(*interaction(kind), ["SetValue", path, value], ["GetValue", path])[-1] == (value, "0")


def test_adl_data_has_only_the_manifest_maps():
    assert run(["SetValue", "adl.data.0.store", "x"], ["GetValue", "adl.data._count"]) == [("false", "351"), ("0", "0")]


def test_the_server_stores_a_performance_response_of_the_spm_size():
    # CTS DMI Act3 commits a 126,497-character performance response; refusing it lost all 250 interactions.
    response = "[,]".join(f"{'s' * 250}[.]{'a' * 250}" for _ in range(250))
    assert cmi_rules.check_flat("2004", {"cmi.interactions.0.learner_response": response}).ok


@pytest.mark.parametrize(
    ("pattern", "answer"),
    [("{lang=frl}z", "406"), ("a[,]{lang=sp}b", "406"), ("{lang=en-US}z", "0"), ("{lang=eng}a[,]{lang=de}b", "0")],
)
def test_pattern_languages_are_known_codes(pattern, answer):
    # CTS DMI Act3: {lang=...} in a fill-in pattern names an ISO 639 language.
    assert (
        run(*interaction("fill-in"), ["SetValue", "cmi.interactions.0.correct_responses.0.pattern", pattern])[-1][1]
        == answer
    )


def test_thresholds_do_not_outlive_their_sco():
    # CTS DMB Act7/Act8: Act6's scaled_passing_score 0.6 was still set for the next SCOs.
    first = {"cmi": {"scaled_passing_score": "0.6", "completion_threshold": "0.8"}}
    results = run(["load", first], ["Initialize", ""], ["GetValue", "cmi.scaled_passing_score"], ["Terminate", ""],
                  ["reset"], ["load", {"cmi": {"completion_status": "unknown"}}], ["Initialize", ""],
                  ["GetValue", "cmi.scaled_passing_score"], ["GetValue", "cmi.completion_threshold"],
                  ["GetValue", "cmi.completion_status"], initialize=False)  # fmt: skip
    assert [results[2], *results[-3:-1]] == [("0.6", "0"), ("", "403"), ("", "403")]
    assert results[-1][0] == "unknown"


def test_shared_data_is_global_to_the_system_unless_the_organization_says_not():
    # CTS DDM: DDMb's organization (sharedDataGlobalToSystem="false") starts each attempt with no adl.data.
    def manifest(flag: bool | None) -> dict[str, Any]:
        org = {"identifier": "o", "items": [], "shared_data_global_to_system": flag}
        return {"default_organization": "o", "organizations": [org]}

    assert [activity_tree.shared_data_global(manifest(flag)) for flag in (None, True, False)] == [True, True, False]


def test_an_empty_correct_response_survives_a_relaunch():
    # CTS DMI Act3V2: correct_responses.n.pattern "" set in Act3V1 must still exist (not 301) when relaunched.
    element = "cmi.interactions.0.correct_responses.1.pattern"
    assert cmi_rules.check_flat("2004", {element: ""}).values == {element: ""}
    stored = {"cmi.interactions.0.id": "i", "cmi.interactions.0.type": "choice",
              "cmi.interactions.0.correct_responses.0.pattern": "a",
              "cmi.interactions.0.correct_responses.1.pattern": ""}  # fmt: skip
    cmi = build_cmi(stored)
    results = run(["load", cmi], ["Initialize", ""], ["GetValue", "cmi.interactions.0.correct_responses._count"],
                  ["GetValue", element], initialize=False)  # fmt: skip
    assert results[-2:] == [("2", "0"), ("", "0")]


def build_cmi(stored: dict[str, str]) -> dict[str, Any]:
    previous = initial_cmi.PreviousSession(launched=True, exit="suspend", terminated=True)
    return initial_cmi.build("2004", learner_id="u", learner_name="n", sco=initial_cmi.ScoLaunch(),
                             previous=previous, stored=stored, total_seconds=0)  # fmt: skip
