"""Global objectives shared across one learner's SCORM 2004 courses (objectivesGlobalToSystem, ADL CTS CO-07b)."""

from __future__ import annotations

from typing import Any

from tests.fixtures.player import CORPUS, POSTTEST

# Two courses whose organizations keep the default objectivesGlobalToSystem="true".
METADATA = CORPUS / "scorm2004" / "golf_ContentPackagingMetadata_SCORM20043rdEdition.zip"
SINGLE = CORPUS / "scorm2004" / "golf_ContentPackagingSingleSCO_SCORM20042ndEdition.zip"


def save(player: Any, launched: Any, ts: int, entries: dict[str, Any]) -> None:
    state = {"sequencing": {"globalObjectiveMap": entries}}
    response = player.client.post(launched.url("state"), json={"state": state, "ts": ts, "current": None})
    assert response.status_code == 200, response.json
    assert response.json["stored"] is True


def read(player: Any, launched: Any) -> dict[str, Any]:
    response = player.client.get(launched.url("state"))
    assert response.status_code == 200, response.json
    state = response.json["state"] or {}
    return (state.get("sequencing") or {}).get("globalObjectiveMap") or {}


def test_a_course_starts_with_the_global_objectives_the_learner_left_in_another(player, tenant):
    _, first = player.start(tenant, METADATA, "learner-1")
    save(player, first, 1000, {"gObj-1": {"completionStatus": "completed", "completionStatusKnown": True},
                               "gObj-2": {"satisfiedStatus": True, "satisfiedStatusKnown": True}})  # fmt: skip
    _, second = player.start(tenant, SINGLE, "learner-1")
    assert read(player, second)["gObj-1"] == {"completionStatus": "completed", "completionStatusKnown": True}
    # The newest save wins field by field; the course's own entries are kept.
    save(player, second, 2000, {"gObj-1": {"completionStatus": "incomplete"}, "own": {"progressMeasure": 0.5}})
    globals_ = read(player, second)
    assert globals_["gObj-1"] == {"completionStatus": "incomplete", "completionStatusKnown": True}
    assert globals_["gObj-2"]["satisfiedStatus"] is True
    assert globals_["own"] == {"progressMeasure": 0.5}


def test_another_learner_does_not_see_them(player, tenant):
    _, first = player.start(tenant, METADATA, "learner-1")
    save(player, first, 1000, {"gObj-1": {"completionStatus": "completed", "completionStatusKnown": True}})
    _, other = player.start(tenant, SINGLE, "learner-2")
    assert read(player, other) == {}


def test_a_course_whose_objectives_are_not_global_to_the_system_neither_reads_nor_shares(player, tenant):
    _, first = player.start(tenant, METADATA, "learner-1")
    save(player, first, 1000, {"gObj-1": {"completionStatus": "completed", "completionStatusKnown": True}})
    _, closed = player.start(tenant, POSTTEST, "learner-1")  # objectivesGlobalToSystem="false"
    assert read(player, closed) == {}
    save(player, closed, 2000, {"gObj-1": {"completionStatus": "incomplete"}})
    _, third = player.start(tenant, SINGLE, "learner-1")
    assert read(player, third)["gObj-1"]["completionStatus"] == "completed"
