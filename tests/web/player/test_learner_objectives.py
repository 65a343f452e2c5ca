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


def test_every_copy_of_the_global_map_carries_them(player, tenant):
    # scorm-again keeps three copies of its global objective map in a saved state and restores the suspension
    # state's copy over the sequencer's: an entry merged into one copy only was lost (ADL CTS CO-07b, OB-03c).
    _, first = player.start(tenant, METADATA, "learner-1")
    save(player, first, 1000, {"gObj-1": {"completionStatus": "completed", "completionStatusKnown": True}})
    _, second = player.start(tenant, SINGLE, "learner-1")
    own = {
        "sequencing": {"globalObjectiveMap": {"own": {"progressMeasure": 0.5}}},
        "suspensionState": {"globalObjectives": {"own": {"progressMeasure": 0.5}}, "activityTree": {"id": "root"}},
        "globalObjectiveMap": {"cmi-only": {"completionStatus": "incomplete", "completionStatusKnown": True}},
    }
    response = player.client.post(second.url("state"), json={"state": own, "ts": 2000, "current": None})
    assert response.json["stored"] is True
    state = player.client.get(second.url("state")).json["state"]
    shared = {"completionStatus": "completed", "completionStatusKnown": True}
    assert state["sequencing"]["globalObjectiveMap"] == {"gObj-1": shared, "own": {"progressMeasure": 0.5}}
    suspension = state["suspensionState"]
    assert suspension["globalObjectives"] == {"gObj-1": shared, "own": {"progressMeasure": 0.5}}
    assert suspension["activityTree"] == {"id": "root"}  # the rest of the suspension state is the course's own
    assert state["globalObjectiveMap"]["gObj-1"] == shared
    assert state["globalObjectiveMap"]["cmi-only"]["completionStatus"] == "incomplete"
