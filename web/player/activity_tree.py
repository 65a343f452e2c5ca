"""What the player needs from a stored manifest: the outline, each SCO's launch data, the sequencing tree.

Input is the manifest stage's stored dict (`pipeline.manifest`, format 1).
Outputs: the table of contents the player page shows, `ScoLaunch` values for
the initial CMI, the `sequencing` settings scorm-again's `Scorm2004API`
takes (its `ActivitySettings` shape: camelCase, rules as lists), and the
rollup tree the server judges the course with.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from web.player.initial_cmi import ScoLaunch
from web.player.rollup import Node
from web.player.status import LaunchRules, ScoStatus


def organization(manifest: dict[str, Any]) -> dict[str, Any]:
    """The default organization (an empty one when the manifest has none)."""
    orgs = manifest.get("organizations") or []
    wanted = manifest.get("default_organization")
    found = next((org for org in orgs if org.get("identifier") == wanted), orgs[0] if orgs else None)
    return found or {"identifier": "organization", "title": manifest.get("title") or "", "items": []}


def iter_items(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Items in document order (pre-order)."""
    for item in items:
        yield item
        yield from iter_items(item.get("children") or [])


def launchable(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Launchable leaf items of the default organization, in order (the flow order of a 1.2 package)."""
    return [
        item
        for item in iter_items(organization(manifest)["items"])
        if item.get("launchable") and item.get("launch_href") and not item.get("children")
    ]


def is_sco(item: dict[str, Any]) -> bool:
    return item.get("scorm_type") == "sco"


def root_entry(manifest: dict[str, Any]) -> dict[str, str]:
    """The activity tree's root (the organization) as a table-of-contents entry the learner may choose."""
    org = organization(manifest)
    return {"id": org["identifier"], "title": (org.get("title") or manifest.get("title") or org["identifier"]).strip()}


def outline(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The table of contents: visible items with their launchable flag and children."""

    def node(item: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": item["identifier"],
            "title": item.get("title") or item["identifier"],
            "visible": item.get("isvisible", True) is not False,
            "launchable": bool(item.get("launchable") and item.get("launch_href") and not item.get("children")),
            "children": [node(child) for child in item.get("children") or []],
        }

    return [node(item) for item in organization(manifest)["items"]]


def sco_launch(item: dict[str, Any], *, credit: str = "credit", mode: str = "normal") -> ScoLaunch:
    """What the manifest says about launching one item (values for the initial CMI)."""
    return ScoLaunch(
        launch_data=item.get("data_from_lms"),
        mastery_score=item.get("mastery_score"),
        max_time_allowed=item.get("max_time_allowed"),
        time_limit_action=item.get("time_limit_action"),
        completion_threshold=item.get("completion_threshold"),
        completed_by_measure=bool((item.get("completion_threshold_detail") or {}).get("completed_by_measure")),
        scaled_passing_score=item.get("scaled_passing_score"),
        credit=credit,
        mode=mode,
    )


def launch_rules(launch: ScoLaunch) -> LaunchRules:
    return LaunchRules(launch.mastery_score, launch.completion_threshold, launch.scaled_passing_score,
                       launch.credit, launch.mode, launch.completed_by_measure)  # fmt: skip


def rollup_tree(manifest: dict[str, Any], leaves: dict[str, tuple[ScoStatus, int, bool, str]]) -> Node:
    """The default organization as a rollup tree.

    Args:
        manifest: the stored manifest.
        leaves: item identifier → (status of its current attempt, attempt count, suspended,
            ISO time of its last status change).
    """

    def node(item: dict[str, Any]) -> Node:
        status, attempts, suspended, changed_at = leaves.get(item["identifier"], (ScoStatus(), 0, False, ""))
        children = [node(child) for child in item.get("children") or []]
        return Node(item["identifier"], item.get("sequencing") or {}, children,
                    None if children else status, attempts, suspended, changed_at,
                    item.get("completion_threshold_detail") or {})  # fmt: skip

    org = organization(manifest)
    return Node(org["identifier"], org.get("sequencing") or {}, [node(item) for item in org["items"]])


# --- scorm-again sequencing settings -------------------------------------------------------------

_CONTROL_MODE = {
    "choice": "choice", "choice_exit": "choiceExit", "flow": "flow", "forward_only": "forwardOnly",
    "use_current_attempt_objective_info": "useCurrentAttemptObjectiveInfo",
    "use_current_attempt_progress_info": "useCurrentAttemptProgressInfo",
}  # fmt: skip
_ROLLUP_CONTROLS = {
    "rollup_objective_satisfied": "rollupObjectiveSatisfied", "rollup_progress_completion": "rollupProgressCompletion",
    "objective_measure_weight": "objectiveMeasureWeight",
}  # fmt: skip
_RANDOMIZATION = {
    "randomization_timing": "randomizationTiming", "select_count": "selectCount",
    "reorder_children": "randomizeChildren", "selection_timing": "selectionTiming",
}  # fmt: skip
_CONSIDERATIONS = {
    "required_for_satisfied": "requiredForSatisfied", "required_for_not_satisfied": "requiredForNotSatisfied",
    "required_for_completed": "requiredForCompleted", "required_for_incomplete": "requiredForIncomplete",
    "measure_satisfaction_if_active": "measureSatisfactionIfActive",
}  # fmt: skip
_MAP_INFO = {
    "target_objective_id": "targetObjectiveID", "read_satisfied_status": "readSatisfiedStatus",
    "read_normalized_measure": "readNormalizedMeasure", "write_satisfied_status": "writeSatisfiedStatus",
    "write_normalized_measure": "writeNormalizedMeasure", "read_raw_score": "readRawScore",
    "read_min_score": "readMinScore", "read_max_score": "readMaxScore",
    "read_completion_status": "readCompletionStatus", "read_progress_measure": "readProgressMeasure",
    "write_raw_score": "writeRawScore", "write_min_score": "writeMinScore", "write_max_score": "writeMaxScore",
    "write_completion_status": "writeCompletionStatus", "write_progress_measure": "writeProgressMeasure",
    "update_attempt_data": "updateAttemptData",
}  # fmt: skip
# An `adlseq:mapInfo` maps only the ADL extension fields (scores, completion, progress); it has no satisfied
# status or normalized measure to read or write (SCORM 2004 4th Ed. CAM, ADL sequencing extensions). scorm-again
# defaults every read flag to true, so such a map would otherwise read the global's satisfaction too.
_ADL_MAP_DEFAULTS = {"read_satisfied_status": False, "read_normalized_measure": False,
                     "write_satisfied_status": False, "write_normalized_measure": False}  # fmt: skip
_CHOICE_CONSIDERATIONS = {"prevent_activation": "preventActivation", "constrain_choice": "constrainChoice"}
_THRESHOLD = {"completed_by_measure": "completedByMeasure", "min_progress_measure": "minProgressMeasure",
              "progress_weight": "progressWeight"}  # fmt: skip
_RULE_KINDS = {"pre_condition": "preConditionRules", "exit_condition": "exitConditionRules",
               "post_condition": "postConditionRules"}  # fmt: skip


def _rename(source: dict[str, Any] | None, names: dict[str, str]) -> dict[str, Any]:
    return {names[key]: value for key, value in (source or {}).items() if key in names and value is not None}


def shared_data_global(manifest: dict[str, Any]) -> bool:
    """`adlcp:sharedDataGlobalToSystem` of the organization (default true): false scopes adl.data to one attempt."""
    return organization(manifest).get("shared_data_global_to_system") is not False


def sequencing_settings(manifest: dict[str, Any]) -> dict[str, Any]:
    """scorm-again `sequencing` settings for a SCORM 2004 package (collections are already merged)."""
    org = organization(manifest)
    root = _activity(org["identifier"], org.get("title") or "", org.get("sequencing"), org["items"], True)
    if org.get("objectives_global_to_system") is False:
        # The global objectives last as long as one attempt on the tree: a retry of the root starts them afresh
        # (ADL CTS RU-13d; the runtime reads this from the root's settings, patch 008).
        root["objectivesGlobalToSystem"] = False
    return {"activityTree": root}


def _activity(ident: str, title: str, seq: dict[str, Any] | None, children: list[dict[str, Any]],
              visible: bool, item: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    seq = seq or {}
    activity: dict[str, Any] = {"id": ident, "title": title, "isVisible": visible}
    # IMSSS controlMode: flow defaults to false (scorm-again's own default is true). ADL CTS CM-04a: a root
    # without flow does not start by itself; the learner chooses where to begin.
    controls = {"flow": False, **_rename(seq.get("control_mode"), _CONTROL_MODE),
                **_rename(seq.get("rollup_rules"), _ROLLUP_CONTROLS),
                **_rename(seq.get("randomization_controls"), _RANDOMIZATION),
                **_rename(seq.get("constrained_choice_considerations"), _CHOICE_CONSIDERATIONS)}  # fmt: skip
    activity["sequencingControls"] = controls
    delivery = _rename(seq.get("delivery_controls"), {
        "tracked": "tracked", "completion_set_by_content": "completionSetByContent",
        "objective_set_by_content": "objectiveSetByContent"})  # fmt: skip
    if delivery:
        activity["deliveryControls"] = delivery
    rules = {_RULE_KINDS[kind]: [_sequencing_rule(rule) for rule in found]
             for kind, found in (seq.get("sequencing_rules") or {}).items() if kind in _RULE_KINDS}  # fmt: skip
    if rules:
        activity["sequencingRules"] = rules
    rollup = (seq.get("rollup_rules") or {}).get("rules")
    if rollup:
        activity["rollupRules"] = {"rules": [_rollup_rule(rule) for rule in rollup]}
    activity.update(_objectives(seq))
    activity.update(_limits_and_extras(seq, item or {}))
    if children:
        activity["children"] = [
            _activity(child["identifier"], child.get("title") or child["identifier"], child.get("sequencing"),
                      child.get("children") or [], child.get("isvisible", True) is not False, child)
            for child in children
        ]  # fmt: skip
    return activity


def _sequencing_rule(rule: dict[str, Any]) -> dict[str, Any]:
    conditions = []
    for condition in rule.get("conditions") or []:
        converted: dict[str, Any] = {"condition": condition.get("condition")}
        if condition.get("operator") == "not":
            converted["operator"] = "not"
        if condition.get("referenced_objective"):
            converted["referencedObjective"] = condition["referenced_objective"]
        if condition.get("measure_threshold") is not None:
            converted["parameters"] = {"threshold": condition["measure_threshold"]}
        conditions.append(converted)
    return {"action": rule.get("action"), "conditionCombination": rule.get("condition_combination") or "all",
            "conditions": conditions}  # fmt: skip


def _rollup_rule(rule: dict[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {
        "action": rule.get("action"),
        "consideration": rule.get("child_activity_set") or "all",
        "conditionCombination": rule.get("condition_combination") or "any",
        "conditions": [
            {"condition": c.get("condition"), **({"operator": "not"} if c.get("operator") == "not" else {}),
             **({"parameters": {"threshold": c["measure_threshold"]}} if c.get("measure_threshold") is not None
                else {})}
            for c in rule.get("conditions") or []
        ],
    }  # fmt: skip
    if rule.get("minimum_count") is not None:
        converted["minimumCount"] = rule["minimum_count"]
    if rule.get("minimum_percent") is not None:
        converted["minimumPercent"] = rule["minimum_percent"]
    return converted


def _objectives(seq: dict[str, Any]) -> dict[str, Any]:
    objectives = seq.get("objectives") or {}
    adl_maps = {obj.get("objective_id"): [{**_ADL_MAP_DEFAULTS, **m} for m in obj.get("map_info") or []]
                for obj in seq.get("adl_objectives") or []}  # fmt: skip

    def convert(objective: dict[str, Any]) -> dict[str, Any]:
        ident = objective.get("objective_id")
        maps = [*(objective.get("map_info") or []), *adl_maps.get(ident, [])]
        converted: dict[str, Any] = {"objectiveID": ident, "mapInfo": [_rename(m, _MAP_INFO) for m in maps]}
        if objective.get("satisfied_by_measure") is not None:
            converted["satisfiedByMeasure"] = objective["satisfied_by_measure"]
        if objective.get("min_normalized_measure") is not None:
            converted["minNormalizedMeasure"] = objective["min_normalized_measure"]
        return converted

    result: dict[str, Any] = {}
    primary = objectives.get("primary")
    if primary:
        # The primary objective's ID is optional (IMSSS), but it still decides the activity's satisfaction
        # (satisfiedByMeasure, minNormalizedMeasure). ADL CTS MS-05a: a cluster satisfied by its measure.
        converted = convert(primary)
        if not primary.get("objective_id"):
            del converted["objectiveID"]
        result["primaryObjective"] = converted
    secondary = [convert(obj) for obj in objectives.get("secondary") or [] if obj.get("objective_id")]
    if secondary:
        result["objectives"] = secondary
    return result


def _limits_and_extras(seq: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    limits = seq.get("limit_conditions") or {}
    if limits.get("attempt_limit"):
        extras["attemptLimit"] = limits["attempt_limit"]
    if limits.get("attempt_absolute_duration_limit"):
        extras["attemptAbsoluteDurationLimit"] = limits["attempt_absolute_duration_limit"]
    considerations = _rename(seq.get("rollup_considerations"), _CONSIDERATIONS)
    if considerations:
        extras["rollupConsiderations"] = considerations
    detail = item.get("completion_threshold_detail") or {}
    threshold = _rename(detail, _THRESHOLD)
    if threshold:
        extras["completionThreshold"] = threshold
    hide = (item.get("presentation") or {}).get("hide_lms_ui")
    if hide:
        extras["hideLmsUi"] = hide
    aux = [{"resourceId": a.get("auxiliary_resource_id"), "purpose": a.get("purpose") or ""}
           for a in seq.get("auxiliary_resources") or [] if a.get("auxiliary_resource_id")]  # fmt: skip
    if aux:
        extras["auxiliaryResources"] = aux
    # Both default to true when absent: CAM 4th Ed 3.4.1.x says so (the XSD's writeSharedData="false" default
    # notwithstanding), and ADL's own CTS (DDM, DMI adl.data.n.store) writes through maps without the attribute.
    shared = [{"targetID": m["target_id"], "readSharedData": m.get("read_shared_data", True) is not False,
               "writeSharedData": m.get("write_shared_data", True) is not False}
              for m in item.get("shared_data") or [] if m.get("target_id")]  # fmt: skip
    if shared:
        extras["sharedDataMaps"] = shared
    return extras
