"""HACP `aicc_data` ↔ the flat SCORM 1.2 CMI the player stores for every SCO (AICC CMI001 appendix, HACP).

An AU's data is kept as SCORM 1.2 elements (`cmi.core.lesson_status`, ...), so
the status rules, rollup, reports and the sessions API treat AICC and 1.2
alike. Mapping:

    [Core] Lesson_Location     cmi.core.lesson_location
    [Core] Lesson_Status       cmi.core.lesson_status (+ flag → cmi.core.exit:
                               s/suspend, l/logout, t/time-out; full words or first letters)
    [Core] Score  raw[,max[,min]]  cmi.core.score.raw / .max / .min
    [Core] Time   (PutParam)   cmi.core.session_time (this session's time)
    [Core_Lesson]              cmi.suspend_data
    [Comments] / PutComments   cmi.comments (PutComments appends)
    [Objectives_Status] J_ID.n, J_Score.n, J_Status.n, PutObjectives rows
                               cmi.objectives.i.id / .score.raw / .status
    [Student_Preferences]      cmi.student_preference.audio / language / speed / text
    PutInteractions rows       cmi.interactions.i.*

GetParam serves the server-owned values (student id and name, credit, lesson
mode, total time, `[Core_Vendor]` from the `.au` file, the AU's mastery score
and time limit) with the stored ones. Values the AU cannot set (student id,
credit, ...) are ignored in a PutParam. Unknown groups and keys are ignored.

Keywords are case-insensitive in CMI001, but clients in the wild compare them
as written: GetParam writes them in lower case (`lesson_location=`), which the
emp course's Api.js (it matches `case "lesson_location"`) and every
case-insensitive client read; group names keep CMI001's spelling (`[Core]`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pipeline.manifest.aicc_csv import parse_csv
from pipeline.manifest.aicc_ini import parse_ini, write_ini
from web.player.timefmt import format_timespan_12, parse_timespan_12

_STATUSES = {"p": "passed", "f": "failed", "c": "completed", "i": "incomplete", "b": "browsed", "n": "not attempted"}
_EXITS = {"s": "suspend", "l": "logout", "t": "time-out"}
_PREFERENCES = ("audio", "language", "speed", "text")
_OBJECTIVE = re.compile(r"^j_(id|score|status)\.(\d{1,4})$")
# PutInteractions columns (CMI001) → cmi.interactions.n elements.
_INTERACTION_FIELDS = {"interaction_id": "id", "type_interaction": "type", "student_response": "student_response",
                       "result": "result", "weighting": "weighting", "latency": "latency", "time": "time"}  # fmt: skip


def status_and_exit(value: str) -> tuple[str | None, str | None]:
    """`incomplete,suspend`, `i,s`, ` Passed ` → (lesson status or None if unknown, exit or None when no flag)."""
    word, _, flag = value.partition(",")
    word = word.strip().casefold()
    status = _STATUSES.get(word[:1]) if word else None
    if status is not None and len(word) > 1 and word != status:
        status = None  # "pending" is not "passed": only a full word or its first letter counts
    flag = flag.strip().casefold()
    return status, (_EXITS.get(flag[:1], "") if flag else None)


def put_param(aicc_data: str) -> dict[str, str]:
    """The CMI elements a PutParam sets (only those it carries)."""
    doc = parse_ini(aicc_data)
    # Elements before any group (a client that forgot `[Core]`) count as core ones.
    core = {**doc.groups.get("", {}), **doc.groups.get("core", {})}
    out: dict[str, str] = {}
    if "lesson_location" in core:
        out["cmi.core.lesson_location"] = core["lesson_location"]
    if "lesson_status" in core:
        status, exit_ = status_and_exit(core["lesson_status"])
        if status is not None:
            out["cmi.core.lesson_status"] = status
        out["cmi.core.exit"] = exit_ or ""
    if "score" in core:
        out.update(_score(core["score"]))
    if parse_timespan_12(core.get("time")) is not None:
        out["cmi.core.session_time"] = core["time"].strip()
    if doc.has("core_lesson"):
        out["cmi.suspend_data"] = doc.text("core_lesson")
    if doc.has("comments") and doc.text("comments"):
        out["cmi.comments"] = doc.text("comments")
    out.update(_objectives_status(doc.groups.get("objectives_status", {})))
    preferences = doc.groups.get("student_preferences", {})
    out.update({f"cmi.student_preference.{key}": preferences[key] for key in _PREFERENCES if preferences.get(key)})
    return out


def _score(value: str) -> dict[str, str]:
    parts = [part.strip() for part in value.split(",")]
    out: dict[str, str] = {}
    for name, part in zip(("raw", "max", "min"), parts, strict=False):
        if _is_number(part):
            out[f"cmi.core.score.{name}"] = part
    return out


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _objectives_status(group: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in group.items():
        match = _OBJECTIVE.match(key)
        if not match or not value:
            continue
        name, index = match.group(1), int(match.group(2)) - 1
        if index < 0:
            continue
        if name == "status":
            value = _STATUSES.get(value.strip().casefold()[:1], value)
        element = {"id": "id", "score": "score.raw", "status": "status"}[name]
        out[f"cmi.objectives.{index}.{element}"] = value
    return out


def _next_index(cmi: dict[str, str], collection: str) -> int:
    pattern = re.compile(rf"^cmi\.{collection}\.(\d+)\.")
    return max((int(m.group(1)) + 1 for key in cmi if (m := pattern.match(key))), default=0)


def _find_objective(cmi: dict[str, str], objective_id: str) -> int | None:
    for key, value in cmi.items():
        match = re.match(r"^cmi\.objectives\.(\d+)\.id$", key)
        if match and value == objective_id:
            return int(match.group(1))
    return None


def put_objectives(cmi: dict[str, str], aicc_data: str) -> dict[str, str]:
    """PutObjectives rows (objective_id / j_id, score, status) as `cmi.objectives` updates."""
    out: dict[str, str] = {}
    merged = dict(cmi)
    for record in parse_csv(aicc_data).records():
        objective_id = record.get("objective_id") or record.get("j_id") or ""
        if not objective_id:
            continue
        index = _find_objective(merged, objective_id)
        index = _next_index(merged, "objectives") if index is None else index
        updates = {f"cmi.objectives.{index}.id": objective_id}
        if _is_number(record.get("score", "")):
            updates[f"cmi.objectives.{index}.score.raw"] = record["score"]
        status = _STATUSES.get(record.get("status", "").strip().casefold()[:1])
        if status:
            updates[f"cmi.objectives.{index}.status"] = status
        merged.update(updates)
        out.update(updates)
    return out


def put_interactions(cmi: dict[str, str], aicc_data: str) -> dict[str, str]:
    """PutInteractions rows appended as `cmi.interactions` entries."""
    out: dict[str, str] = {}
    index = _next_index(cmi, "interactions")
    for record in parse_csv(aicc_data).records():
        if not record.get("interaction_id"):
            continue
        for column, element in _INTERACTION_FIELDS.items():
            if record.get(column):
                out[f"cmi.interactions.{index}.{element}"] = record[column]
        if record.get("objective_id"):
            out[f"cmi.interactions.{index}.objectives.0.id"] = record["objective_id"]
        if record.get("correct_response"):
            out[f"cmi.interactions.{index}.correct_responses.0.pattern"] = record["correct_response"]
        index += 1
    return out


def put_comments(cmi: dict[str, str], aicc_data: str) -> dict[str, str]:
    """PutComments text appended to `cmi.comments`."""
    text = aicc_data.strip("\r\n")
    if not text:
        return {}
    before = cmi.get("cmi.comments") or ""
    return {"cmi.comments": f"{before}\r\n{text}" if before else text}


@dataclass(frozen=True)
class Learner:
    """The server-owned values a GetParam serves."""

    student_id: str
    student_name: str
    credit: str = "credit"
    lesson_mode: str = "normal"
    entry: str = ""
    total_seconds: float = 0.0
    course_id: str | None = None
    core_vendor: str | None = None
    mastery_score: float | None = None
    max_time_allowed: str | None = None
    time_limit_action: str | None = None


def get_param(cmi: dict[str, str], learner: Learner) -> str:
    """The `aicc_data` of a GetParam answer."""
    status = cmi.get("cmi.core.lesson_status") or "not attempted"
    if learner.entry == "resume":
        status += ",resume"
    elif learner.entry == "ab-initio":
        status += ",ab-initio"
    score = [cmi.get(f"cmi.core.score.{name}") or "" for name in ("raw", "max", "min")]
    core = {
        "student_id": learner.student_id,
        "student_name": learner.student_name,
        "lesson_location": cmi.get("cmi.core.lesson_location") or "",
        "credit": learner.credit,
        "lesson_status": status,
        "score": ",".join(score).rstrip(",") if score[0] else "",
        "time": format_timespan_12(learner.total_seconds),
        "lesson_mode": learner.lesson_mode,
    }
    groups: list[tuple[str, dict[str, str] | str]] = [
        ("Core", core),
        ("Core_Lesson", cmi.get("cmi.suspend_data") or ""),
        ("Core_Vendor", learner.core_vendor or ""),
    ]
    if learner.course_id:
        groups.append(("Evaluation", {"course_id": learner.course_id}))
    groups.append(("Student_Data", _student_data(learner)))
    preferences = {key: cmi[f"cmi.student_preference.{key}"] for key in _PREFERENCES
                   if cmi.get(f"cmi.student_preference.{key}")}  # fmt: skip
    if preferences:
        groups.append(("Student_Preferences", preferences))
    objectives = _objectives_group(cmi)
    if objectives:
        groups.append(("Objectives_Status", objectives))
    return write_ini(groups)


def _student_data(learner: Learner) -> dict[str, str]:
    data: dict[str, str] = {}
    if learner.mastery_score is not None:
        data["mastery_score"] = f"{learner.mastery_score:g}"
    if learner.max_time_allowed:
        data["max_time_allowed"] = learner.max_time_allowed
    if learner.time_limit_action:
        data["time_limit_action"] = learner.time_limit_action
    return data


def _objectives_group(cmi: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for index in range(_next_index(cmi, "objectives")):
        objective_id = cmi.get(f"cmi.objectives.{index}.id")
        if not objective_id:
            continue
        n = index + 1
        out[f"j_id.{n}"] = objective_id
        out[f"j_score.{n}"] = cmi.get(f"cmi.objectives.{index}.score.raw") or ""
        out[f"j_status.{n}"] = cmi.get(f"cmi.objectives.{index}.status") or ""
    return out


def merged(cmi: dict[str, Any], updates: dict[str, str]) -> dict[str, str]:
    """The stored CMI after a Put: every element kept, the Put's ones replaced."""
    return {**{key: str(value) for key, value in cmi.items()}, **updates}
