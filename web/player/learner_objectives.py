"""Global objectives shared across a learner's courses (SCORM 2004 `objectivesGlobalToSystem`).

CAM 4th Ed. 3.4.1: an organization's global objectives are global to the LMS (the default) unless it says
`objectivesGlobalToSystem="false"`. The browser sequencer keeps its global objective map in the sequencing state
saved on each learner session; this module gives a starting player the map's entries that the same learner (same
tenant, same user id) left in their other sessions whose organizations share their objectives (ADL CTS CO-07b
starts with what CO-07a wrote to `gObj-CO07-obj1/2`).

Saved states are diffs from the sequencer's initial state, so an entry may hold only the fields that changed; the
entries are merged field by field, oldest save first, so each field holds its newest writer's value.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.sessions import LearnerSession
from web.player.activity_tree import organization

SHARED_FLAG = "objectives_global"  # stored beside the state: may other courses read this session's globals?


def objectives_global(manifest: dict[str, Any]) -> bool:
    """`objectivesGlobalToSystem` of the default organization (default true)."""
    return organization(manifest).get("objectives_global_to_system") is not False


def with_learner_globals(db: Session, learner: LearnerSession, saved: dict[str, Any]) -> dict[str, Any] | None:
    """The session's saved state with the learner's shared global objectives merged in (None: nothing saved)."""
    own_state = saved.get("state") if isinstance(saved.get("state"), dict) else None
    others = [(row.sequencing_state or {}) for row in _other_sessions(db, learner)]
    shared = [(s.get("ts") or 0, _global_map(s.get("state"))) for s in others if s.get(SHARED_FLAG) is True]
    if not any(entries for _, entries in shared):
        return own_state
    shared.append((saved.get("ts") or 0, _global_map(own_state)))
    merged: dict[str, Any] = {}
    for _, entries in sorted(shared, key=lambda pair: pair[0]):
        for objective_id, entry in entries.items():
            if isinstance(entry, dict):
                merged[objective_id] = {**merged.get(objective_id, {}), **entry}
    return with_global_map(dict(own_state or {}), merged)


def with_global_map(state: dict[str, Any], merged: dict[str, Any]) -> dict[str, Any]:
    """The state with the merged entries in each of the three copies scorm-again keeps of its global objective map.

    scorm-again restores the sequencer's map (`sequencing.globalObjectiveMap`), then the suspension state's copy
    (`suspensionState.globalObjectives`) over it, and reads the CMI copy (`globalObjectiveMap`) last: an entry
    merged into one copy only is replaced by the starting course's own unknowns (ADL CTS CO-07b, OB-03c).
    """
    state["sequencing"] = {**(state.get("sequencing") or {}), "globalObjectiveMap": merged}
    suspension = state.get("suspensionState") if isinstance(state.get("suspensionState"), dict) else {}
    state["suspensionState"] = {
        **suspension,
        "globalObjectives": _merged_into(suspension.get("globalObjectives"), merged),
    }
    state["globalObjectiveMap"] = _merged_into(state.get("globalObjectiveMap"), merged)
    return state


def _merged_into(copy: Any, merged: dict[str, Any]) -> dict[str, Any]:
    """A copy of the map with the merged entries laid over its own, field by field (it may hold other entries)."""
    entries = dict(copy) if isinstance(copy, dict) else {}
    for objective_id, entry in merged.items():
        own = entries.get(objective_id)
        entries[objective_id] = {**(own if isinstance(own, dict) else {}), **entry}
    return entries


def _other_sessions(db: Session, learner: LearnerSession) -> list[LearnerSession]:
    query = select(LearnerSession).where(
        LearnerSession.tenant_id == learner.tenant_id,
        LearnerSession.user_id == learner.user_id,
        LearnerSession.id != learner.id,
        LearnerSession.sequencing_state.is_not(None),
    )
    return list(db.scalars(query))


def _global_map(state: Any) -> dict[str, Any]:
    sequencing = state.get("sequencing") if isinstance(state, dict) else None
    entries = sequencing.get("globalObjectiveMap") if isinstance(sequencing, dict) else None
    return entries if isinstance(entries, dict) else {}
