"""Status of one SCO as the LMS decides it, from the CMI the content committed.

SCORM 1.2 (RTE 3.4.2): with a mastery score and `credit`, a reported
`score.raw` decides `passed`/`failed` whatever the SCO wrote; a SCO that
finishes while still `not attempted` becomes `completed`; `passed`/`failed`
imply completion and `browsed` does not. SCORM 2004 (RTE 4.2.4.1, 4.2.22.1):
a completion threshold with a reported `progress_measure` decides
completion, a scaled passing score with a reported `score.scaled` decides
success, both overriding the SCO.

The API's vocabularies are `not_attempted` / `incomplete` / `completed` and
`unknown` / `passed` / `failed`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from web.player.timefmt import parse_session_time

NOT_ATTEMPTED, INCOMPLETE, COMPLETED = "not_attempted", "incomplete", "completed"
UNKNOWN, PASSED, FAILED = "unknown", "passed", "failed"

_STATUS_12 = {
    "passed": (COMPLETED, PASSED),
    "failed": (COMPLETED, FAILED),
    "completed": (COMPLETED, UNKNOWN),
    "incomplete": (INCOMPLETE, UNKNOWN),
    "browsed": (INCOMPLETE, UNKNOWN),
    "not attempted": (NOT_ATTEMPTED, UNKNOWN),
}


@dataclass(frozen=True)
class LaunchRules:
    """What the manifest and the launch say about judging a SCO.

    Attributes:
        mastery_score: 1.2 `adlcp:masteryscore` (0-100).
        completion_threshold: 2004 `adlcp:completionThreshold` (0-1).
        completed_by_measure: 4th Ed. `completedByMeasure`: the progress measure alone decides completion.
        scaled_passing_score: 2004 primary objective's minimum normalized measure.
        credit: `credit` or `no-credit`.
        mode: `normal`, `browse` or `review`.
    """

    mastery_score: float | None = None
    completion_threshold: float | None = None
    scaled_passing_score: float | None = None
    credit: str = "credit"
    mode: str = "normal"
    completed_by_measure: bool = False


@dataclass(frozen=True)
class ScoStatus:
    """The LMS's view of one SCO attempt."""

    completion: str = NOT_ATTEMPTED
    success: str = UNKNOWN
    score: dict[str, float] = field(default_factory=dict)
    progress: float | None = None

    @property
    def attempted(self) -> bool:
        return self.completion != NOT_ATTEMPTED

    def as_dict(self) -> dict[str, Any]:
        return {"completion": self.completion, "success": self.success, "score": self.score, "progress": self.progress}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ScoStatus:
        data = data or {}
        return cls(data.get("completion", NOT_ATTEMPTED), data.get("success", UNKNOWN), data.get("score") or {},
                   data.get("progress"))  # fmt: skip


def _number(value: str | None) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except ValueError:
        return None


def derive(edition: str, cmi: dict[str, str], rules: LaunchRules, *, launched: bool, finished: bool) -> ScoStatus:
    """The status of one SCO attempt.

    Args:
        edition: `"1.2"` or `"2004"`.
        cmi: the flat CMI the content committed (`cmi.core.lesson_status`, ...).
        rules: mastery score, thresholds, credit and mode for this launch.
        launched: True once the SCO has been delivered in this attempt.
        finished: True once a learner session of this attempt ended (LMSFinish/Terminate).
    """
    if edition == "1.2":
        return _derive_12(cmi, rules, launched=launched, finished=finished)
    return _derive_2004(cmi, rules, launched=launched)


def _derive_12(cmi: dict[str, str], rules: LaunchRules, *, launched: bool, finished: bool) -> ScoStatus:
    lesson_status = cmi.get("cmi.core.lesson_status") or "not attempted"
    if lesson_status == "not attempted" and finished:
        lesson_status = "completed"  # RTE 3.4.2.2.3: the LMS completes a SCO that finished without a status
    raw = _number(cmi.get("cmi.core.score.raw"))
    judged = rules.credit == "credit" and rules.mode == "normal"
    if judged and rules.mastery_score is not None and raw is not None:
        lesson_status = "passed" if raw >= rules.mastery_score else "failed"
    completion, success = _STATUS_12.get(lesson_status, (INCOMPLETE, UNKNOWN))
    if completion == NOT_ATTEMPTED and launched:
        completion = INCOMPLETE
    return ScoStatus(completion, success, _score_12(cmi, raw))


def _score_12(cmi: dict[str, str], raw: float | None) -> dict[str, float]:
    if raw is None:
        return {}
    low, high = _number(cmi.get("cmi.core.score.min")), _number(cmi.get("cmi.core.score.max"))
    score = {"raw": raw}
    if low is not None:
        score["min"] = low
    if high is not None:
        score["max"] = high
    # 1.2 scores are normalised to 0..100 unless the SCO states its own range.
    span_low, span_high = (low or 0.0), (high if high is not None else 100.0)
    if span_high > span_low:
        score["scaled"] = round(max(-1.0, min(1.0, (raw - span_low) / (span_high - span_low))), 7)
    return score


def _derive_2004(cmi: dict[str, str], rules: LaunchRules, *, launched: bool) -> ScoStatus:
    completion = cmi.get("cmi.completion_status") or "unknown"
    success = cmi.get("cmi.success_status") or "unknown"
    progress = _number(cmi.get("cmi.progress_measure"))
    scaled = _number(cmi.get("cmi.score.scaled"))
    judged = rules.credit == "credit" and rules.mode == "normal"
    if judged and rules.completion_threshold is not None and progress is not None:
        completion = "completed" if progress >= rules.completion_threshold else "incomplete"
    elif judged and rules.completed_by_measure:
        completion = "unknown"  # SN RB.1.3.a, as the runtime's sequencer: no measure, no completion (CTS CO-04c)
    if judged and rules.scaled_passing_score is not None and scaled is not None:
        success = "passed" if scaled >= rules.scaled_passing_score else "failed"
    if completion not in (COMPLETED, INCOMPLETE):
        # `unknown` and `not attempted` after a delivery mean the learner has started.
        completion = INCOMPLETE if launched else NOT_ATTEMPTED
    if success not in (PASSED, FAILED):
        success = UNKNOWN
    score = {
        key: value
        for key in ("scaled", "raw", "min", "max")
        if (value := _number(cmi.get(f"cmi.score.{key}"))) is not None
    }
    return ScoStatus(completion, success, score, progress)


def session_seconds(edition: str, cmi: dict[str, str]) -> float:
    """The `session_time` a SCO reported for its current learner session (0 when none or malformed)."""
    element = "cmi.core.session_time" if edition == "1.2" else "cmi.session_time"
    return parse_session_time(edition, cmi.get(element)) or 0.0


def exit_value(edition: str, cmi: dict[str, str]) -> str:
    """`cmi.core.exit` / `cmi.exit` as the SCO left it."""
    return cmi.get("cmi.core.exit" if edition == "1.2" else "cmi.exit") or ""
