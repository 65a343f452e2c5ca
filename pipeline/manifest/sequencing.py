"""SCORM 2004 `imsss:sequencing` (and its `adlseq` extensions) as plain JSON-able dicts.

Only what the manifest states is kept (absent attributes take the SN book's
defaults, which the player applies); attribute names become snake_case and
values are typed. A `sequencing` element with `IDRef` is merged over the
`imsss:sequencingCollection` entry it names: each top-level element defined
locally replaces the collection's (SCORM 2004 CAM, sequencing collection).
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import unquote

from lxml import etree

from pipeline.errors import PipelineError
from pipeline.manifest.nodes import attr, kid, kids, local, parse_number, text, typed_attributes
from pipeline.manifest.xml_limits import MAX_ELEMENTS

_RULE_KINDS = (("preconditionrule", "pre_condition"), ("exitconditionrule", "exit_condition"),
               ("postconditionrule", "post_condition"))  # fmt: skip
# Attributes of type anyURI naming objectives: compared after decoding and whitespace collapsing.
_OBJECTIVE_IDS = ("objective_id", "target_objective_id", "referenced_objective")
_PLAIN = (
    ("controlmode", "control_mode"),
    ("limitconditions", "limit_conditions"),
    ("randomizationcontrols", "randomization_controls"),
    ("deliverycontrols", "delivery_controls"),
)


def parse_sequencing(element: etree._Element, warnings: list[dict[str, Any]], where: str) -> dict[str, Any]:
    """Convert one `imsss:sequencing` element (without resolving `IDRef`).

    Args:
        element: the `sequencing` element.
        warnings: receives `MANIFEST_VALUE_INVALID` warnings for bad values.
        where: a label for messages (`item "quiz"`).

    Returns:
        A dict with any of `control_mode`, `sequencing_rules` (`pre_condition`,
        `exit_condition`, `post_condition` lists), `limit_conditions`,
        `auxiliary_resources`, `rollup_rules`, `objectives` (`primary`,
        `secondary`), `randomization_controls`, `delivery_controls`,
        `constrained_choice_considerations`, `rollup_considerations`,
        `adl_objectives`, plus `id` / `id_ref` when set.
    """
    result: dict[str, Any] = {}
    for key in ("ID", "IDRef"):
        value = attr(element, key)
        if value:
            result["id" if key == "ID" else "id_ref"] = value
    imsss = [child for child in kids(element) if "adlseq" not in _ns(child)]
    adlseq = [child for child in kids(element) if "adlseq" in _ns(child)]
    for child in imsss:
        _parse_imsss_child(child, result, warnings, where)
    for child in adlseq:
        _parse_adlseq_child(child, result, warnings, where)
    return result


def _ns(element: etree._Element) -> str:
    return (etree.QName(element).namespace or "").lower()


def _parse_imsss_child(child: etree._Element, result: dict[str, Any], warnings: list, where: str) -> None:
    name = local(child)
    plain = dict(_PLAIN)
    if name in plain:
        result[plain[name]] = typed_attributes(child, warnings, where)
    elif name == "sequencingrules":
        result["sequencing_rules"] = _sequencing_rules(child, warnings, where)
    elif name == "rolluprules":
        result["rollup_rules"] = _rollup_rules(child, warnings, where)
    elif name == "objectives":
        result["objectives"] = _objectives(child, warnings, where)
    elif name == "auxiliaryresources":
        result["auxiliary_resources"] = [typed_attributes(aux, warnings, where) for aux in kids(child)]


def _parse_adlseq_child(child: etree._Element, result: dict[str, Any], warnings: list, where: str) -> None:
    name = local(child)
    if name == "constrainedchoiceconsiderations":
        result["constrained_choice_considerations"] = typed_attributes(child, warnings, where)
    elif name == "rollupconsiderations":
        result["rollup_considerations"] = typed_attributes(child, warnings, where)
    elif name == "objectives":
        result["adl_objectives"] = [
            {
                **_ids(typed_attributes(objective, warnings, where)),
                "map_info": [_ids(typed_attributes(info, warnings, where)) for info in kids(objective, "mapInfo")],
            }
            for objective in kids(child, "objective")
        ]


def _sequencing_rules(element: etree._Element, warnings: list, where: str) -> dict[str, list[dict[str, Any]]]:
    rules: dict[str, list[dict[str, Any]]] = {}
    for tag, key in _RULE_KINDS:
        found = [_rule(rule, warnings, where) for rule in kids(element, tag)]
        if found:
            rules[key] = found
    return rules


def _rule(element: etree._Element, warnings: list, where: str) -> dict[str, Any]:
    conditions = kid(element, "ruleConditions")
    action = kid(element, "ruleAction")
    return {
        "condition_combination": attr(conditions, "conditionCombination") or "all",
        "conditions": [_ids(typed_attributes(cond, warnings, where)) for cond in kids(conditions, "ruleCondition")],
        "action": attr(action, "action"),
    }


def _rollup_rules(element: etree._Element, warnings: list, where: str) -> dict[str, Any]:
    rollup = typed_attributes(element, warnings, where)
    rules = []
    for rule in kids(element, "rollupRule"):
        conditions = kid(rule, "rollupConditions")
        rules.append(
            {
                **typed_attributes(rule, warnings, where),
                # The rollup default differs from sequencing rules: "any" (SN book, rollupConditions).
                "condition_combination": attr(conditions, "conditionCombination") or "any",
                "conditions": [typed_attributes(c, warnings, where) for c in kids(conditions, "rollupCondition")],
                "action": attr(kid(rule, "rollupAction"), "action"),
            }
        )
    if rules:
        rollup["rules"] = rules
    return rollup


def _objectives(element: etree._Element, warnings: list, where: str) -> dict[str, Any]:
    primary = kid(element, "primaryObjective")
    return {
        "primary": _objective(primary, warnings, where) if primary is not None else None,
        "secondary": [_objective(obj, warnings, where) for obj in kids(element, "objective")],
    }


def _objective(element: etree._Element, warnings: list, where: str) -> dict[str, Any]:
    objective = _ids(typed_attributes(element, warnings, where))
    measure = kid(element, "minNormalizedMeasure")
    if measure is not None:
        value = parse_number(text(measure), float)
        if value is not None:
            objective["min_normalized_measure"] = value
    objective["map_info"] = [_ids(typed_attributes(info, warnings, where)) for info in kids(element, "mapInfo")]
    return objective


def objective_id(raw: str) -> str:
    """An objective ID as the learner's data model and global objective maps know it.

    objectiveID, targetObjectiveID and referencedObjective are anyURI values: a
    percent-encoded space is a space, and whitespace is trimmed and collapsed
    (ADL CTS OB-02a/b, OB-11a, OB-12a: "  gObj%20-%20OB%2002%20b " and
    "gObj%20%20-%20%20OB%2002%20b" name the same global objective, "gObj - OB 02 b").
    """
    return " ".join(unquote(raw).split())


def _ids(values: dict[str, Any]) -> dict[str, Any]:
    for key in _OBJECTIVE_IDS:
        if isinstance(values.get(key), str):
            values[key] = objective_id(values[key])
    return values


class Collection(dict):
    """Sequencing collection entries by `ID`, and how many more elements merging may copy.

    Each item that names an entry gets its own copy, so a large entry named by
    many items would multiply the stored manifest; the copies together may hold
    as many elements as a whole manifest may (`MAX_ELEMENTS`).
    """

    def __init__(self) -> None:
        super().__init__()
        self.sizes: dict[str, int] = {}
        self.copies_left = MAX_ELEMENTS

    def charge(self, ref: str, where: str) -> None:
        self.copies_left -= self.sizes.get(ref, 0)
        if self.copies_left < 0:
            raise PipelineError(
                "MANIFEST_TOO_COMPLEX",
                f"{where}: merging <imsss:sequencingCollection> entries into items would copy more than "
                f"{MAX_ELEMENTS} elements.",
                {"element": "imsss:sequencing", "id_ref": ref, "limit": "copied_elements", "max": MAX_ELEMENTS},
            )


def parse_collection(root: etree._Element, warnings: list[dict[str, Any]]) -> Collection:
    """The manifest's `imsss:sequencingCollection`, keyed by each sequencing's `ID`."""
    collection = Collection()
    for holder in kids(root, "sequencingCollection"):
        for element in kids(holder, "sequencing"):
            parsed = parse_sequencing(element, warnings, "sequencingCollection")
            if "id" in parsed:
                collection[parsed["id"]] = parsed
                collection.sizes[parsed["id"]] = sum(1 for _ in element.iter())
    return collection


def resolve(local_part: dict[str, Any], collection: dict[str, dict[str, Any]], where: str) -> dict[str, Any]:
    """Merge a sequencing element over the collection entry its `id_ref` names.

    Raises:
        PipelineError: `MANIFEST_INVALID` when `IDRef` names no collection entry.
    """
    ref = local_part.get("id_ref")
    if not ref:
        return local_part
    if ref not in collection:
        raise PipelineError(
            "MANIFEST_INVALID",
            f"{where}: <imsss:sequencing IDRef=\"{ref}\"> names no sequencing in <imsss:sequencingCollection>.",
            {"element": "imsss:sequencing", "id_ref": ref, "where": where},
        )
    if isinstance(collection, Collection):
        collection.charge(ref, where)
    merged = copy.deepcopy(collection[ref])
    merged.pop("id", None)
    merged.update(copy.deepcopy(local_part))
    return merged


def scaled_passing_score(sequencing: dict[str, Any] | None) -> float | None:
    """`cmi.scaled_passing_score`: the primary objective's measure when it is satisfied by measure."""
    primary = ((sequencing or {}).get("objectives") or {}).get("primary") or {}
    if not primary.get("satisfied_by_measure"):
        return None
    return primary.get("min_normalized_measure", 1.0)
