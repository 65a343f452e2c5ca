"""Server-side check of a runtime commit against the SCORM 1.2 and 2004 data models.

The browser runtime (scorm-again) already validates every `SetValue`, but a
commit is a request from a browser and nothing more, so the server checks it
again before storing anything: each element must exist in the edition's data
model, and each value must have the element's type, vocabulary and length.
The answer is a SCORM error code the runtime understands (1.2: 401, 405;
2004: 401, 406, 407), so the player can hand it to the content.

Input is the nested JSON scorm-again sends with `dataCommitFormat: "json"`
(`{"cmi": {...}, "adl": {...}}`, collections as objects keyed "0", "1", ...);
output is the flat map of the elements the content may write
(`{"cmi.core.lesson_status": "passed", ...}`). Read-only elements in the
commit are ignored: the server owns them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from web.player import cmi_types as t

SCORM12 = "1.2"
SCORM2004 = "2004"
MAX_ELEMENTS = 20_000  # a commit with more leaves than this is abuse, not learning data

_INDEX = re.compile(r"\.\d+(?=\.|$)")
# Elements whose empty value is data: a correct response pattern "" (e.g. "no correct choice").
_EMPTY_KEPT = re.compile(r"^cmi\.interactions\.\d+\.correct_responses\.\d+\.pattern$")


@dataclass(frozen=True)
class Element:
    """One data-model element: who may write it and what its values look like."""

    writable: bool
    check: t.Check


@dataclass
class CommitCheck:
    """The verdict on one commit.

    Attributes:
        ok: True when every element and value is valid.
        error_code: the SCORM error code for the first problem ("0" when ok).
        element: the dotted element that failed, when one did.
        message: a sentence for logs and the error envelope.
        values: the writable elements, flattened, when ok.
    """

    ok: bool
    error_code: str = "0"
    element: str | None = None
    message: str = ""
    values: dict[str, str] = field(default_factory=dict)


def _ro(check: t.Check = t.anything) -> Element:
    return Element(False, check)


def _rw(check: t.Check) -> Element:
    return Element(True, check)


_MODEL_12: dict[str, Element] = {
    "cmi.core.student_id": _ro(), "cmi.core.student_name": _ro(), "cmi.core.credit": _ro(),
    "cmi.core.entry": _ro(), "cmi.core.total_time": _ro(), "cmi.core.lesson_mode": _ro(),
    "cmi.launch_data": _ro(), "cmi.comments_from_lms": _ro(),
    "cmi.student_data.mastery_score": _ro(), "cmi.student_data.max_time_allowed": _ro(),
    "cmi.student_data.time_limit_action": _ro(),
    "cmi.core.lesson_location": _rw(t.string(255)),
    "cmi.core.lesson_status": _rw(t.vocab(t.LESSON_STATUS_12)),
    "cmi.core.score.raw": _rw(t.decimal(0, 100)), "cmi.core.score.min": _rw(t.decimal(0, 100)),
    "cmi.core.score.max": _rw(t.decimal(0, 100)),
    "cmi.core.exit": _rw(t.vocab({"time-out", "suspend", "logout", ""})),
    "cmi.core.session_time": _rw(t.timespan_12),
    "cmi.suspend_data": _rw(t.string(64_000)),
    "cmi.comments": _rw(t.string(4096)),
    "cmi.objectives.n.id": _rw(t.identifier_12), "cmi.objectives.n.status": _rw(t.vocab(t.LESSON_STATUS_12)),
    "cmi.objectives.n.score.raw": _rw(t.decimal(0, 100)), "cmi.objectives.n.score.min": _rw(t.decimal(0, 100)),
    "cmi.objectives.n.score.max": _rw(t.decimal(0, 100)),
    "cmi.student_preference.audio": _rw(t.integer(-1, 100)),
    "cmi.student_preference.language": _rw(t.string(255)),
    "cmi.student_preference.speed": _rw(t.integer(-100, 100)),
    "cmi.student_preference.text": _rw(t.integer(-1, 1)),
    "cmi.interactions.n.id": _rw(t.identifier_12), "cmi.interactions.n.objectives.n.id": _rw(t.identifier_12),
    "cmi.interactions.n.time": _rw(t.time_12), "cmi.interactions.n.type": _rw(t.vocab(t.INTERACTION_TYPES_12)),
    "cmi.interactions.n.correct_responses.n.pattern": _rw(t.string(4096)),
    "cmi.interactions.n.weighting": _rw(t.decimal(-100, 100)),
    "cmi.interactions.n.student_response": _rw(t.string(4096)),
    "cmi.interactions.n.result": _rw(t.result_12), "cmi.interactions.n.latency": _rw(t.timespan_12),
}  # fmt: skip

_SCORE_2004 = {
    "score.scaled": _rw(t.decimal(-1, 1)), "score.raw": _rw(t.decimal()), "score.min": _rw(t.decimal()),
    "score.max": _rw(t.decimal()),
}  # fmt: skip

_MODEL_2004: dict[str, Element] = {
    "cmi.learner_id": _ro(), "cmi.learner_name": _ro(), "cmi.credit": _ro(), "cmi.entry": _ro(),
    "cmi.mode": _ro(), "cmi.launch_data": _ro(), "cmi.total_time": _ro(), "cmi.max_time_allowed": _ro(),
    "cmi.time_limit_action": _ro(), "cmi.completion_threshold": _ro(), "cmi.scaled_passing_score": _ro(),
    "cmi.comments_from_lms.n.comment": _ro(), "cmi.comments_from_lms.n.location": _ro(),
    "cmi.comments_from_lms.n.timestamp": _ro(),
    "cmi.comments_from_learner.n.comment": _rw(t.lang_string(4000)),
    "cmi.comments_from_learner.n.location": _rw(t.string(250)),
    "cmi.comments_from_learner.n.timestamp": _rw(t.timestamp_2004),
    "cmi.completion_status": _rw(t.vocab(t.COMPLETION_2004)),
    "cmi.success_status": _rw(t.vocab(t.SUCCESS_2004)),
    "cmi.exit": _rw(t.vocab({"time-out", "suspend", "logout", "normal", ""})),
    "cmi.location": _rw(t.string(1000)),
    "cmi.progress_measure": _rw(t.decimal(0, 1)),
    "cmi.session_time": _rw(t.duration_2004),
    "cmi.suspend_data": _rw(t.string(64_000)),
    **{f"cmi.{key}": value for key, value in _SCORE_2004.items()},
    "cmi.learner_preference.audio_level": _rw(t.decimal(0, None)),
    "cmi.learner_preference.language": _rw(t.string(250)),
    "cmi.learner_preference.delivery_speed": _rw(t.decimal(0, None)),
    "cmi.learner_preference.audio_captioning": _rw(t.vocab({"-1", "0", "1"})),
    "cmi.objectives.n.id": _rw(t.long_identifier),
    **{f"cmi.objectives.n.{key}": value for key, value in _SCORE_2004.items()},
    "cmi.objectives.n.success_status": _rw(t.vocab(t.SUCCESS_2004)),
    "cmi.objectives.n.completion_status": _rw(t.vocab(t.COMPLETION_2004)),
    "cmi.objectives.n.progress_measure": _rw(t.decimal(0, 1)),
    "cmi.objectives.n.description": _rw(t.lang_string(250)),
    "cmi.interactions.n.id": _rw(t.long_identifier),
    "cmi.interactions.n.type": _rw(t.vocab(t.INTERACTION_TYPES_2004)),
    "cmi.interactions.n.objectives.n.id": _rw(t.long_identifier),
    "cmi.interactions.n.timestamp": _rw(t.timestamp_2004),
    "cmi.interactions.n.correct_responses.n.pattern": _rw(t.string(t.RESPONSE_MAX)),
    "cmi.interactions.n.weighting": _rw(t.decimal()),
    "cmi.interactions.n.learner_response": _rw(t.string(t.RESPONSE_MAX)),
    "cmi.interactions.n.result": _rw(t.result_2004),
    "cmi.interactions.n.latency": _rw(t.duration_2004),
    "cmi.interactions.n.description": _rw(t.lang_string(250)),
    "adl.data.n.id": _ro(), "adl.data.n.store": _rw(t.string(64_000)),
    "adl.nav.request": _ro(),
}  # fmt: skip

# Codes each edition uses for "no such element", "wrong type/vocabulary" and "out of range".
_CODES = {SCORM12: ("401", "405", "405"), SCORM2004: ("401", "406", "407")}
_GENERAL = {SCORM12: "101", SCORM2004: "351"}


def model_for(edition: str) -> dict[str, Element]:
    """The element table of an edition (`"1.2"` or `"2004"`)."""
    return _MODEL_12 if edition == SCORM12 else _MODEL_2004


def pattern_of(element: str) -> str:
    """`cmi.interactions.3.objectives.0.id` → `cmi.interactions.n.objectives.n.id`."""
    return _INDEX.sub(".n", element)


def flatten(payload: dict[str, Any] | list[Any], prefix: str = "") -> dict[str, Any]:
    """Nested commit JSON → dotted paths; collections (objects keyed by index or lists) become `.N`."""
    flat: dict[str, Any] = {}
    pending: list[tuple[str, Any]] = [(prefix, payload)]
    while pending:
        path, node = pending.pop()
        items = node.items() if type(node) is dict else enumerate(node)
        for key, value in items:
            child = f"{path}.{key}" if path else str(key)
            kind = type(value)
            if kind is dict or kind is list:
                pending.append((child, value))
            else:
                flat[child] = value
    return flat


def check_commit(edition: str, payload: Any) -> CommitCheck:
    """Validate one commit body and return its writable values.

    Args:
        edition: `"1.2"` or `"2004"`.
        payload: the decoded JSON body; its `cmi` (and, in 2004, `adl`) members
            are checked, other members (`commitSequence`, ...) are the caller's.

    Returns:
        A `CommitCheck`; when not ok, nothing of the commit should be stored.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("cmi"), dict):
        return CommitCheck(False, _GENERAL[edition], None, "The commit body has no `cmi` object.")
    tree = {"cmi": payload["cmi"]}
    if edition == SCORM2004 and isinstance(payload.get("adl"), dict):
        tree["adl"] = {"data": payload["adl"].get("data") or {}}
    return check_flat(edition, flatten(tree))


def check_flat(edition: str, flat: dict[str, Any]) -> CommitCheck:
    """Validate already flat elements (`{"cmi.core.lesson_status": "passed"}`) and keep the writable ones."""
    if len(flat) > MAX_ELEMENTS:
        return CommitCheck(False, _GENERAL[edition], None, f"The commit has more than {MAX_ELEMENTS} elements.")
    values: dict[str, str] = {}
    for element, raw in flat.items():
        spec = spec_of(edition, element)
        if raw == "" and spec is not None and spec.writable and _EMPTY_KEPT.search(element):
            values[element] = ""  # an empty correct response is a record of its own (ADL CTS DMI)
            continue
        if spec is None or not spec.writable or raw is None or raw == "":
            # Unknown names fail; read-only and empty ("not set": the runtime renders every element) pass.
            if spec is None and not _is_keyword(element):
                return _undefined(edition, element)
            continue
        problem = _check_value(edition, element, spec, raw)
        if problem is not None:
            return problem
        values[element] = raw if type(raw) is str else t.as_text(raw)
    return CommitCheck(True, values=values)


@lru_cache(maxsize=8192)
def spec_of(edition: str, element: str) -> Element | None:
    """The data-model entry of a concrete element (cached: commits repeat the same names)."""
    return model_for(edition).get(pattern_of(element))


def _undefined(edition: str, element: str) -> CommitCheck:
    return CommitCheck(False, _CODES[edition][0], element,
                       f"{element} is not an element of the SCORM {edition} data model.")  # fmt: skip


def _check_value(edition: str, element: str, spec: Element, raw: Any) -> CommitCheck | None:
    _undefined_code, mismatch, out_of_range = _CODES[edition]
    kind = type(raw)
    if kind is not str and kind is not int and kind is not float:
        return CommitCheck(False, mismatch, element, f"{element} must be a string.")
    verdict = spec.check(raw if kind is str else t.as_text(raw))
    if verdict == t.OK:
        return None
    code = out_of_range if verdict == t.RANGE else mismatch
    return CommitCheck(False, code, element, f"{element} has an invalid value ({t.describe(verdict)}).")


def _is_keyword(element: str) -> bool:
    # `_count`, `_children`, `_version` are computed by the runtime; a client that sends them changes nothing.
    return element.rsplit(".", 1)[-1].startswith("_")
