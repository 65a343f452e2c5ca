"""The CMI handed to the runtime when a SCO is delivered (SCORM 1.2 RTE 3.4, SCORM 2004 RTE 4.2).

Input: the learner, what the manifest says about the SCO, how its previous
learner session ended, and the CMI stored for its current attempt. Output:
the nested JSON scorm-again's `loadFromJSON` takes before `Initialize`
(`{"cmi": {...}}`, every value a non-empty string: scorm-again drops falsy
values, so zero is sent as `"0"`).

Entry (RTE 3.4.2.1.4 / 4.2.8): first launch of an attempt `ab-initio`; after
an exit of `suspend`, `resume` with the stored `suspend_data` and location;
after any other exit, 1.2 gives `""` and keeps the data, while 2004 starts a
new attempt (decided by `starts_new_attempt`) with fresh data and `ab-initio`.
A learner session that ended without `LMSFinish`/`Terminate` (a closed tab)
keeps its attempt and data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from web.player.timefmt import format_session_time

AB_INITIO, RESUME = "ab-initio", "resume"
# Per-learner-session values that never come back at the next launch.
_NOT_RESTORED = frozenset(
    {"cmi.core.exit", "cmi.core.session_time", "cmi.exit", "cmi.session_time", "adl.nav.request"}
)


@dataclass(frozen=True)
class ScoLaunch:
    """What the manifest and the launch say about one SCO.

    Attributes:
        launch_data: 1.2 `adlcp:datafromlms` / 2004 `adlcp:dataFromLMS`.
        mastery_score: 1.2 `adlcp:masteryscore`.
        max_time_allowed: 1.2 `adlcp:maxtimeallowed` (timespan) / 2004 attempt duration limit (ISO 8601).
        time_limit_action: `exit,message`, `exit,no message`, `continue,message`, `continue,no message`.
        completion_threshold: 2004 `adlcp:completionThreshold`.
        completed_by_measure: 4th Ed. `completedByMeasure` of that threshold (status, not the CMI, uses it).
        scaled_passing_score: 2004 primary objective's `minNormalizedMeasure` when satisfied by measure.
        credit: `credit` or `no-credit`.
        mode: `normal`, `browse` or `review`.
    """

    launch_data: str | None = None
    mastery_score: float | None = None
    max_time_allowed: str | None = None
    time_limit_action: str | None = None
    completion_threshold: float | None = None
    scaled_passing_score: float | None = None
    credit: str = "credit"
    mode: str = "normal"
    completed_by_measure: bool = False


@dataclass(frozen=True)
class PreviousSession:
    """How the SCO's last learner session in this attempt ended (None fields: never launched)."""

    launched: bool = False
    exit: str = ""
    terminated: bool = False


def starts_new_attempt(edition: str, previous: PreviousSession) -> bool:
    """True when SCORM 2004 ends the SCO's attempt: its last session terminated with an exit other than suspend."""
    return edition == "2004" and previous.launched and previous.terminated and previous.exit != "suspend"


def entry_for(edition: str, previous: PreviousSession) -> str:
    """`cmi.entry` / `cmi.core.entry` for the next launch of the SCO's current attempt."""
    if not previous.launched or starts_new_attempt(edition, previous):
        return AB_INITIO
    return RESUME if previous.exit == "suspend" else ""


def _text(value: float | str | None) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        return f"{value:g}" if abs(value) >= 1e-4 or value == 0 else f"{value:.7f}".rstrip("0")
    return str(value)


def build(
    edition: str,
    *,
    learner_id: str,
    learner_name: str,
    sco: ScoLaunch,
    previous: PreviousSession,
    stored: dict[str, str],
    total_seconds: float,
    entry: str | None = None,
) -> dict[str, Any]:
    """The initial CMI of one delivery, ready for `loadFromJSON`.

    Args:
        edition: `"1.2"` or `"2004"`.
        learner_id: the partner's user id.
        learner_name: the learner's name (1.2 convention: "Last, First").
        sco: the SCO's manifest data and the launch's credit and mode.
        previous: how the SCO's last learner session in this attempt ended.
        stored: the flat CMI stored for the SCO's current attempt (empty for a new attempt).
        total_seconds: time already accumulated by the current attempt.
        entry: the entry to hand over when the caller decides it (a review); else from `previous`.
    """
    entry = entry_for(edition, previous) if entry is None else entry
    # adl.data is shared between SCOs: the sequencer's saved state carries it, not a SCO's CMI.
    flat: dict[str, str | None] = {
        key: value for key, value in stored.items() if key not in _NOT_RESTORED and not key.startswith("adl.")
    }
    if edition == "1.2":
        flat.update(_server_owned_12(learner_id, learner_name, sco, entry, total_seconds))
        flat.setdefault("cmi.core.lesson_status", "not attempted")
    else:
        flat.update(_server_owned_2004(learner_id, learner_name, sco, entry, total_seconds))
        # RTE 4.2.4.2: "unknown" until the SCO (or the completion threshold) says otherwise (ADL CTS DMB).
        flat.setdefault("cmi.completion_status", "unknown")
        flat.setdefault("cmi.success_status", "unknown")
    return nest({key: value for key, value in flat.items() if value or (value == "" and _keeps_empty(key))})


def _keeps_empty(element: str) -> bool:
    # An empty correct response pattern is a record of its own (ADL CTS DMI); the patched runtime loads it.
    return element.startswith("cmi.interactions.") and element.endswith(".pattern")


def _server_owned_12(learner_id: str, name: str, sco: ScoLaunch, entry: str, total: float) -> dict[str, str | None]:
    return {
        "cmi.core.student_id": learner_id,
        "cmi.core.student_name": name,
        "cmi.core.credit": sco.credit,
        "cmi.core.lesson_mode": sco.mode,
        "cmi.core.entry": entry,
        "cmi.core.total_time": format_session_time("1.2", total),
        "cmi.launch_data": sco.launch_data,
        "cmi.student_data.mastery_score": _text(sco.mastery_score),
        "cmi.student_data.max_time_allowed": sco.max_time_allowed,
        "cmi.student_data.time_limit_action": sco.time_limit_action,
    }


def _server_owned_2004(learner_id: str, name: str, sco: ScoLaunch, entry: str, total: float) -> dict[str, str | None]:
    return {
        "cmi.learner_id": learner_id,
        "cmi.learner_name": name,
        "cmi.credit": sco.credit,
        "cmi.mode": sco.mode,
        "cmi.entry": entry,
        "cmi.total_time": format_session_time("2004", total),
        "cmi.launch_data": sco.launch_data,
        "cmi.max_time_allowed": sco.max_time_allowed,
        "cmi.time_limit_action": sco.time_limit_action,
        "cmi.completion_threshold": _text(sco.completion_threshold),
        "cmi.scaled_passing_score": _text(sco.scaled_passing_score),
    }


def nest(flat: dict[str, str]) -> dict[str, Any]:
    """Dotted elements → nested objects, identifiers then types first in each collection entry.

    The runtime refuses an interaction's or objective's other fields until its
    `id` is set, and checks responses against the interaction's `type` (2004
    error 408); `loadFromJSON` sets fields in key order.
    """
    tree: dict[str, Any] = {}
    ordered = sorted(flat.items(), key=lambda item: (_phase(item[0]), _index_key(item[0])))
    for element, value in ordered:
        node = tree
        parts = element.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return tree


def _phase(element: str) -> int:
    return 0 if element.endswith(".id") else 1 if element.endswith(".type") else 2


def _index_key(element: str) -> tuple[tuple[int, int | str], ...]:
    # Collection entries in numeric order ("10" after "9").
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in element.split("."))
