"""Course status from its SCOs: SCORM 2004 rollup (SN book RB.1) and the SCORM 1.2 convention.

SCORM 2004: each cluster of the activity tree rolls up its tracked children
bottom-up: the measure (weighted average of children's normalized measures,
`objectiveMeasureWeight`), satisfaction (rollup rules, else the primary
objective's measure, else the default "all satisfied / all known"), and
completion (rollup rules, else "all completed / all progress known"). Rule
conditions are three-valued (unknown neither passes nor fails a rule), and
children take part only as `rollupObjectiveSatisfied`,
`rollupProgressCompletion` and `adlseq:rollupConsiderations` allow.

SCORM 1.2 has no rollup model; LMSs agree on: completed when every SCO is
completed, passed when every SCO is done and none failed (at least one
passed), failed as soon as one SCO failed, score the average of the SCOs'.

Completion by measure (4th Ed., `adlcp:completionThreshold completedByMeasure`):
a cluster's progress measure is the `progressWeight`-weighted average of its
tracked children's (RB.1.1.b), and an activity completed by measure is
completed when its progress measure reaches `minProgressMeasure`, unknown
without one (RB.1.3.a); a completion status it reads does not count.

Global objective maps of primary objectives are followed (SN 4.2.1.5): the
SCOs write their satisfaction, measure, completion and progress measure to the globals in the order their
status last changed (so a global holds its most recent writer's value), each
cluster writes its own after its rollup, and an activity whose primary
objective reads a known global takes that value over its own (a post test
whose score is "the most recently completed test", say). Secondary objectives
only steer navigation, which is the browser sequencer's business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from web.player.status import COMPLETED, FAILED, INCOMPLETE, NOT_ATTEMPTED, PASSED, UNKNOWN, ScoStatus

Tri = bool | None  # three-valued: True, False or unknown


@dataclass
class Node:
    """One activity: a cluster (children) or a leaf (status of its current attempt)."""

    id: str
    sequencing: dict[str, Any] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)
    status: ScoStatus | None = None
    attempts: int = 0
    suspended: bool = False
    changed_at: str = ""  # ISO time of the leaf's last status change: orders its global writes
    threshold: dict[str, Any] = field(default_factory=dict)  # `completion_threshold_detail` of the item


@dataclass
class Global:
    """A global objective shared through objective maps."""

    satisfied: Tri = None
    measure: float | None = None
    completed: Tri = None
    progress: float | None = None


@dataclass
class Tracking:
    """What rollup knows about an activity."""

    completed: Tri = None
    satisfied: Tri = None
    measure: float | None = None
    attempts: int = 0
    suspended: bool = False
    progress: float | None = None


def rollup_2004(root: Node) -> ScoStatus:
    """The course status of a SCORM 2004 activity tree."""
    leaves = list(_leaves(root))
    if len(leaves) == 1 and leaves[0].status is not None:
        return leaves[0].status  # a single SCO is the course, score and all
    globals_: dict[str, Global] = {}
    for leaf in sorted(leaves, key=lambda node: node.changed_at):  # stable: manifest order among equals
        _write_maps(leaf, _leaf_tracking(leaf), globals_)
    tracking = _track(root, globals_)
    attempted = tracking.attempts > 0
    if tracking.completed is True:
        completion = COMPLETED
    else:
        completion = INCOMPLETE if attempted else NOT_ATTEMPTED
    success = {True: PASSED, False: FAILED}.get(tracking.satisfied, UNKNOWN)  # type: ignore[arg-type]
    score = {"scaled": round(tracking.measure, 7)} if tracking.measure is not None else {}
    return ScoStatus(completion, success, score)


def rollup_12(statuses: list[ScoStatus]) -> ScoStatus:
    """The course status of a SCORM 1.2 package from its SCOs' statuses (in manifest order)."""
    if not statuses:
        return ScoStatus()
    if len(statuses) == 1:
        return statuses[0]
    if all(s.completion == COMPLETED for s in statuses):
        completion = COMPLETED
    elif any(s.attempted for s in statuses):
        completion = INCOMPLETE
    else:
        completion = NOT_ATTEMPTED
    success = UNKNOWN
    if any(s.success == FAILED for s in statuses):
        success = FAILED
    elif completion == COMPLETED and any(s.success == PASSED for s in statuses):
        success = PASSED
    return ScoStatus(completion, success, _average_score(statuses))


def _average_score(statuses: list[ScoStatus]) -> dict[str, float]:
    scored = [s.score for s in statuses if "scaled" in s.score or "raw" in s.score]
    if not scored:
        return {}
    result: dict[str, float] = {}
    for key in ("scaled", "raw"):
        values = [score[key] for score in scored if key in score]
        if values:
            result[key] = round(sum(values) / len(values), 7)
    return result


def _leaves(node: Node) -> list[Node]:
    if not node.children:
        return [node]
    return [leaf for child in node.children for leaf in _leaves(child)]


def _track(node: Node, globals_: dict[str, Global]) -> Tracking:
    if not node.children:
        tracking = _leaf_tracking(node)
        if _completed_by_measure(node):
            tracking.completed = _by_measure(node, tracking)  # its status says incomplete for unknown
        _read_maps(node, tracking, globals_, "satisfied", "measure", "progress", "completed")
        return tracking
    children = [(child, _track(child, globals_)) for child in node.children if _tracked(child)]
    tracking = Tracking(
        attempts=max((t.attempts for _, t in children), default=0),
        suspended=any(t.suspended for _, t in children),
    )
    tracking.measure = _measure(children)
    _read_maps(node, tracking, globals_, "measure")
    tracking.satisfied = _objective(node, children, tracking.measure)
    _read_maps(node, tracking, globals_, "satisfied")
    tracking.progress = _completion_measure(children)
    _read_maps(node, tracking, globals_, "progress")
    tracking.completed = _by_measure(node, tracking) if _completed_by_measure(node) else _progress(node, children)
    _read_maps(node, tracking, globals_, "completed")
    _write_maps(node, tracking, globals_)
    return tracking


def _primary_maps(node: Node) -> list[dict[str, Any]]:
    return (_seq(node, "objectives").get("primary") or {}).get("map_info") or []


def _read_maps(node: Node, tracking: Tracking, globals_: dict[str, Global], *fields: str) -> None:
    """Take known global values the primary objective reads (read maps win over local status)."""
    for entry in _primary_maps(node):
        known = globals_.get(entry.get("target_objective_id", ""))
        if known is None:
            continue
        if "satisfied" in fields and entry.get("read_satisfied_status", True) and known.satisfied is not None:
            tracking.satisfied = known.satisfied
        if "measure" in fields and entry.get("read_normalized_measure", True) and known.measure is not None:
            tracking.measure = known.measure
        if "progress" in fields and entry.get("read_progress_measure", True) and known.progress is not None:
            tracking.progress = known.progress
            if _completed_by_measure(node):  # CTS CO-02a: a progress measure read decides completion
                tracking.completed = _by_measure(node, tracking)
        if ("completed" in fields and entry.get("read_completion_status", True) and known.completed is not None
                and not _completed_by_measure(node)):  # CTS CO-04b: not by measure, so a read status counts
            tracking.completed = known.completed


def _write_maps(node: Node, tracking: Tracking, globals_: dict[str, Global]) -> None:
    """Write the primary objective's known values to the globals it maps to."""
    for entry in _primary_maps(node):
        target = globals_.setdefault(entry.get("target_objective_id", ""), Global())
        if entry.get("write_satisfied_status") and tracking.satisfied is not None:
            target.satisfied = tracking.satisfied
        if entry.get("write_normalized_measure") and tracking.measure is not None:
            target.measure = tracking.measure
        if entry.get("write_completion_status") and tracking.completed is not None:
            target.completed = tracking.completed
        if entry.get("write_progress_measure") and tracking.progress is not None:
            target.progress = tracking.progress


def _leaf_tracking(node: Node) -> Tracking:
    status = node.status or ScoStatus()
    completed = {COMPLETED: True, INCOMPLETE: False}.get(status.completion)
    satisfied = {PASSED: True, FAILED: False}.get(status.success)
    attempts = node.attempts or (1 if status.attempted else 0)
    return Tracking(completed, satisfied, status.score.get("scaled"), attempts, node.suspended, status.progress)


def _seq(node: Node, key: str) -> dict[str, Any]:
    return node.sequencing.get(key) or {}


def _tracked(node: Node) -> bool:
    return _seq(node, "delivery_controls").get("tracked", True) is not False


def _measure(children: list[tuple[Node, Tracking]]) -> float | None:
    # RB.1.1: weighted by objectiveMeasureWeight over tracked children.
    weighted = [(float(_seq(child, "rollup_rules").get("objective_measure_weight", 1.0)), tracking.measure)
                for child, tracking in children]  # fmt: skip
    return _weighted_average(weighted)


def _completion_measure(children: list[tuple[Node, Tracking]]) -> float | None:
    # RB.1.1.b: weighted by progressWeight over tracked children.
    weighted = [(float(child.threshold.get("progress_weight", 1.0)), tracking.progress) for child, tracking in children]
    return _weighted_average(weighted)


def _weighted_average(weighted: list[tuple[float, float | None]]) -> float | None:
    """Unknown values count their weight as zero; no known value (or no weight) gives no measure."""
    counted = sum(weight for weight, _ in weighted)
    known = [(weight, value) for weight, value in weighted if value is not None]
    if not known or counted <= 0:
        return None
    return sum(weight * value for weight, value in known) / counted


def _completed_by_measure(node: Node) -> bool:
    return bool(node.threshold.get("completed_by_measure"))


def _by_measure(node: Node, tracking: Tracking) -> Tri:
    # RB.1.3.a: no progress measure, no completion; a read completion status does not count.
    if tracking.progress is None:
        return None
    return tracking.progress >= float(node.threshold.get("min_progress_measure", 1.0))


def _objective(node: Node, children: list[tuple[Node, Tracking]], measure: float | None) -> Tri:
    rules = _seq(node, "rollup_rules").get("rules") or []
    contributors = [(c, t) for c, t in children if _contributes(c, t, "objective")]
    satisfied_rules = [r for r in rules if r.get("action") == "satisfied"]
    not_satisfied_rules = [r for r in rules if r.get("action") == "notSatisfied"]
    if satisfied_rules or not_satisfied_rules:
        if any(_rule_applies(r, contributors) for r in satisfied_rules):
            return True
        if any(_rule_applies(r, contributors) for r in not_satisfied_rules):
            return False
        return None
    primary = (_seq(node, "objectives").get("primary")) or {}
    if primary.get("satisfied_by_measure") and measure is not None:
        return measure >= primary.get("min_normalized_measure", 1.0)
    if not contributors:
        return None  # the default rules need a contributing child (the runtime's default rollup too)
    # Default rules (SN 4.6.7): satisfied when all are satisfied, not satisfied when all are known.
    if _rule_applies({"child_activity_set": "all", "conditions": [{"condition": "satisfied"}]}, contributors):
        return True
    if _rule_applies({"child_activity_set": "all", "conditions": [{"condition": "objectiveStatusKnown"}]},
                     contributors):  # fmt: skip
        return False
    return None


def _progress(node: Node, children: list[tuple[Node, Tracking]]) -> Tri:
    rules = _seq(node, "rollup_rules").get("rules") or []
    contributors = [(c, t) for c, t in children if _contributes(c, t, "progress")]
    completed_rules = [r for r in rules if r.get("action") == "completed"]
    incomplete_rules = [r for r in rules if r.get("action") == "incomplete"]
    if completed_rules or incomplete_rules:
        if any(_rule_applies(r, contributors) for r in completed_rules):
            return True
        if any(_rule_applies(r, contributors) for r in incomplete_rules):
            return False
        return None
    if not contributors:
        return None
    if _rule_applies({"child_activity_set": "all", "conditions": [{"condition": "completed"}]}, contributors):
        return True
    if _rule_applies({"child_activity_set": "all", "conditions": [{"condition": "activityProgressKnown"}]},
                     contributors):  # fmt: skip
        return False
    return None


def _contributes(child: Node, tracking: Tracking, kind: str) -> bool:
    rollup = _seq(child, "rollup_rules")
    flag = "rollup_objective_satisfied" if kind == "objective" else "rollup_progress_completion"
    if rollup.get(flag, True) is False:
        return False
    considerations = _seq(child, "rollup_considerations")
    keys = ("required_for_satisfied", "required_for_not_satisfied") if kind == "objective" else (
        "required_for_completed", "required_for_incomplete")  # fmt: skip
    for key in keys:
        requirement = considerations.get(key, "always")
        if requirement == "ifAttempted" and tracking.attempts == 0:
            return False
        if requirement == "ifNotSuspended" and tracking.suspended:
            return False
        if requirement == "ifNotSkipped" and _skipped(child, tracking):
            return False
    return True


def _skipped(child: Node, tracking: Tracking) -> bool:
    # RB.1.4.2 asks the child's Skip pre-condition rules as they stand now, as the browser sequencer does
    # (CTS T-01b: a post test satisfied by its own measure stops counting toward its module's completion).
    rules = _seq(child, "sequencing_rules").get("pre_condition") or []
    return any(rule.get("action") == "skip" and _conditions(rule, child, tracking) is True for rule in rules)


def _rule_applies(rule: dict[str, Any], children: list[tuple[Node, Tracking]]) -> bool:
    # RB.1.4: a rule fires when its child set holds; unknown children count as neither.
    return child_set_holds(rule, [_conditions(rule, child, tracking) for child, tracking in children])


def child_set_holds(rule: dict[str, Any], results: list[Tri]) -> bool:
    """RB.1.4's childActivitySet test on the children's condition results (minimumPercent is a fraction).

    "all" holds when no contributing child's result is false or unknown, so also when no child contributes
    (CTS RU-11, RU-15b: untracked children, rollupProgressCompletion="false", skipped under ifNotSkipped).
    """
    kind = rule.get("child_activity_set", "all")
    if kind == "all":
        return all(r is True for r in results)
    if not results:
        return False
    trues = sum(1 for r in results if r is True)
    falses = sum(1 for r in results if r is False)
    if kind == "any":
        return trues > 0
    if kind == "none":
        return falses == len(results)
    if kind == "atLeastCount":
        return trues >= int(rule.get("minimum_count", 0))
    if kind == "atLeastPercent":
        return trues / len(results) >= float(rule.get("minimum_percent", 0.0))
    return False


def _conditions(rule: dict[str, Any], child: Node, tracking: Tracking) -> Tri:
    values = [_condition(c, child, tracking) for c in rule.get("conditions") or []]
    if not values:
        return None
    if rule.get("condition_combination", "any") == "all":
        return False if False in values else (None if None in values else True)
    return True if True in values else (None if None in values else False)


def _condition(condition: dict[str, Any], child: Node, tracking: Tracking) -> Tri:
    value = _evaluate(condition.get("condition", ""), condition, child, tracking)
    if condition.get("operator") == "not":
        return None if value is None else not value
    return value


def _evaluate(name: str, condition: dict[str, Any], child: Node, t: Tracking) -> Tri:
    threshold = float(condition.get("measure_threshold", 0.0))
    limit = _seq(child, "limit_conditions").get("attempt_limit") or 0
    table: dict[str, Tri] = {
        "satisfied": t.satisfied,
        "objectiveStatusKnown": t.satisfied is not None,
        "objectiveMeasureKnown": t.measure is not None,
        "objectiveMeasureGreaterThan": None if t.measure is None else t.measure > threshold,
        "objectiveMeasureLessThan": None if t.measure is None else t.measure < threshold,
        "completed": t.completed,
        "activityProgressKnown": t.completed is not None,
        "attempted": t.attempts > 0,
        "attemptLimitExceeded": bool(limit) and t.attempts >= limit,
        "timeLimitExceeded": False,
        "outsideAvailableTimeRange": False,
        "always": True,
        "never": False,
    }
    return table.get(name)
