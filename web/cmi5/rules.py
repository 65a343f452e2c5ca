"""The cmi5 rules for statements an AU sends in its session (cmi5 9.1-9.7, 10.2.2); the LRS refuses violations with 403.

`check(statement, ctx)` returns None for an acceptable statement, else the violated
requirement and why. It is pure: the caller gives the session's facts in `SessionFacts`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from web.cmi5 import vocab as v

_UTC = re.compile(r"(Z|[+-]00:?00)$")


@dataclass(frozen=True)
class SessionFacts:
    """What the rules need about the AU session and its registration."""

    actor_key: str
    registration: str
    session_id: str
    activity_id: str
    launch_mode: str
    mastery_score: float | None
    initialized: bool
    preferences_read: bool = True
    session_verbs: tuple[str, ...] = ()
    completed: bool = False  # in the registration (any session)
    passed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Violation:
    requirement: str
    message: str


def _categories(statement: dict[str, Any]) -> set[str]:
    context = statement.get("context") if isinstance(statement.get("context"), dict) else {}
    activities = context.get("contextActivities") if isinstance(context.get("contextActivities"), dict) else {}
    found = activities.get("category") or []
    found = found if isinstance(found, list) else [found]
    return {item.get("id") for item in found if isinstance(item, dict)}


def is_defined(statement: dict[str, Any]) -> bool:
    """A cmi5 defined statement: a cmi5 verb with the cmi5 category (others are cmi5 allowed statements)."""
    verb = statement.get("verb") if isinstance(statement.get("verb"), dict) else {}
    return verb.get("id") in v.AU_VERBS and v.CATEGORY_CMI5 in _categories(statement)


def check(statement: Any, facts: SessionFacts, agent_key_of: Any) -> Violation | None:
    """The first cmi5 rule the statement breaks, or None."""
    if not isinstance(statement, dict):
        return Violation("9.0", "A statement must be an object.")
    return (_envelope(statement, facts, agent_key_of) or _order(statement, facts) or _defined(statement, facts))


def _envelope(statement: dict[str, Any], facts: SessionFacts, agent_key_of: Any) -> Violation | None:
    if not statement.get("id"):
        return Violation("9.1.0.0-1", "An AU's statements carry their id.")
    timestamp = statement.get("timestamp")
    if not isinstance(timestamp, str):
        return Violation("9.7.0.0-1", "An AU's statements carry a timestamp.")
    if not _UTC.search(timestamp):
        return Violation("9.7.0.0-2", "Timestamps are in UTC.")
    actor = statement.get("actor")
    if not isinstance(actor, dict) or actor.get("objectType", "Agent") != "Agent":
        return Violation("9.2.0.0-2", "The actor is an Agent.")
    if "account" not in actor:
        return Violation("9.2.0.0-3", "The actor is identified by an account.")
    if agent_key_of(actor) != facts.actor_key:
        return Violation("9.2.0.0-1", "The actor is the one the LMS launched the AU for.")
    verb = (statement.get("verb") or {}).get("id") if isinstance(statement.get("verb"), dict) else None
    if verb == v.VOIDED:
        return Violation("6.3.0.0-1", "An AU does not void statements.")
    if verb in v.LMS_VERBS:
        return Violation("9.3", f"Only the LMS sends '{verb}'.")
    context = statement.get("context")
    if not isinstance(context, dict):
        return Violation("9.6.0.0-1", "An AU's statements carry a context.")
    if str(context.get("registration") or "").lower() != facts.registration.lower():
        return Violation("9.6.1.0-1", "The context registration is the launch's.")
    extensions = context.get("extensions") if isinstance(context.get("extensions"), dict) else {}
    if extensions.get(v.EXT_SESSION) != facts.session_id:
        return Violation("9.6.3.1-4", "The context carries the session id of the launch.")
    return None


def _order(statement: dict[str, Any], facts: SessionFacts) -> Violation | None:
    verb = statement["verb"]["id"] if isinstance(statement.get("verb"), dict) else None
    if verb == v.INITIALIZED and is_defined(statement):
        if facts.initialized:
            return Violation("9.3.2.0-3", "initialized is sent once per session.")
        if not facts.preferences_read:
            return Violation("11.0.0.0-3", "The AU reads cmi5LearnerPreferences before initialized.")
        return None
    if not facts.initialized:
        return Violation("9.3.0.0-4", "The first statement of a session is initialized.")
    if v.CATEGORY_MOVEON in _categories(statement) and verb not in v.MOVE_ON_VERBS:
        return Violation("9.6.2.2-2", "Only completed, passed and failed carry the moveOn category.")
    return None


def _defined(statement: dict[str, Any], facts: SessionFacts) -> Violation | None:
    verb = statement["verb"]["id"]
    if not is_defined(statement):
        return None
    if (statement.get("object") or {}).get("id") != facts.activity_id:
        return Violation("8.1.5.0-6", "cmi5 defined statements are about the launched activityId.")
    result = statement.get("result") if isinstance(statement.get("result"), dict) else None
    duration = (result or {}).get("duration")
    if verb == v.TERMINATED:
        return None if duration else Violation("9.5.4.1-1", "terminated carries result.duration.")
    if verb == v.INITIALIZED:
        return None
    if facts.launch_mode != "Normal":
        return Violation("10.2.2.0-2", f"No {verb.rsplit('/', 1)[-1]} in {facts.launch_mode} mode.")
    if v.CATEGORY_MOVEON not in _categories(statement):
        return Violation("9.6.2.2-1", "completed, passed and failed carry the moveOn category.")
    result = result or {}
    checks = {v.COMPLETED: _completed, v.PASSED: _passed, v.FAILED: _failed}
    return checks[verb](result, facts, statement)


def _completed(result: dict[str, Any], facts: SessionFacts, _statement: dict[str, Any]) -> Violation | None:
    if v.COMPLETED in facts.session_verbs or facts.completed:
        return Violation("9.3.0.0-2", "completed is sent once per registration.")
    if result.get("completion") is not True:
        return Violation("9.5.3.0-1", "completed carries result.completion true.")
    if "success" in result:
        return Violation("9.5.2.0-3", "completed carries no result.success.")
    if "score" in result:
        return Violation("9.5.1.0-2", "completed carries no score.")
    if not result.get("duration"):
        return Violation("9.5.4.1-2", "completed carries result.duration.")
    return None


def _judged(result: dict[str, Any], facts: SessionFacts, statement: dict[str, Any], verb: str) -> Violation | None:
    if v.PASSED in facts.session_verbs or v.FAILED in facts.session_verbs:
        return Violation("9.3.0.0-3", "passed or failed is sent once per session.")
    if "completion" in result:
        return Violation("9.5.3.0-2", f"{verb} carries no result.completion.")
    if not result.get("duration"):
        return Violation("9.5.4.1-3", f"{verb} carries result.duration.")
    score = result.get("score")
    if isinstance(score, dict) and "raw" in score and ("min" not in score or "max" not in score):
        return Violation("9.5.1.0-3", "A raw score comes with min and max.")
    if facts.mastery_score is not None:
        extensions = (statement.get("context") or {}).get("extensions") or {}
        if extensions.get(v.EXT_MASTERY) != facts.mastery_score:
            return Violation("9.6.3.2-2", "The masteryScore extension is the launch's masteryScore.")
    return None


def _scaled(result: dict[str, Any]) -> float | None:
    score = result.get("score")
    scaled = score.get("scaled") if isinstance(score, dict) else None
    return scaled if isinstance(scaled, int | float) else None


def _passed(result: dict[str, Any], facts: SessionFacts, statement: dict[str, Any]) -> Violation | None:
    if facts.passed:
        return Violation("9.3.0.0-2", "passed is sent once per registration.")
    if result.get("success") is not True:
        return Violation("9.5.2.0-1", "passed carries result.success true.")
    problem = _judged(result, facts, statement, "passed")
    scaled = _scaled(result)
    if problem is None and facts.mastery_score is not None and scaled is not None and scaled < facts.mastery_score:
        return Violation("9.3.4.0-2", "A passed score is at least the masteryScore.")
    return problem


def _failed(result: dict[str, Any], facts: SessionFacts, statement: dict[str, Any]) -> Violation | None:
    if facts.passed:
        return Violation("9.3.0.0-8", "No failed after passed in a registration.")
    if result.get("success") is not False:
        return Violation("9.5.2.0-2", "failed carries result.success false.")
    problem = _judged(result, facts, statement, "failed")
    scaled = _scaled(result)
    if problem is None and facts.mastery_score is not None and scaled is not None and scaled >= facts.mastery_score:
        return Violation("9.3.5.0-2", "A failed score is below the masteryScore.")
    return problem
