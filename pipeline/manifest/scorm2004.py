"""SCORM 2004 item and organization extensions: `adlcp` (v1p3), `adlnav` and `imsss` sequencing."""

from __future__ import annotations

from typing import Any

from lxml import etree

from pipeline.manifest import sequencing
from pipeline.manifest.nodes import attr, kid, kids, parse_bool, parse_number, text, typed_attributes
from pipeline.manifest.scorm12 import time_limit_action
from pipeline.notes import note


def item_extras(
    element: etree._Element,
    warnings: list[dict[str, Any]],
    where: str,
    collection: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """The 2004 extensions of an `<item>`.

    Args:
        element: the `<item>`.
        warnings: receives warnings for invalid values.
        where: a label for messages (`item "quiz"`).
        collection: the parsed `imsss:sequencingCollection`.

    Returns:
        Any of `completion_threshold` (the value for `cmi.completion_threshold`),
        `completion_threshold_detail` (`completed_by_measure`, `min_progress_measure`,
        `progress_weight` as written), `data_from_lms`, `time_limit_action`,
        `shared_data` (`adlcp:data/map` as `target_id`, `read_shared_data`,
        `write_shared_data`), `presentation` (`{"hide_lms_ui": [...]}`),
        `sequencing` (resolved over the collection), `scaled_passing_score`
        and `max_time_allowed` (derived from sequencing).
    """
    extras: dict[str, Any] = {}
    threshold = kid(element, "completionThreshold")
    if threshold is not None:
        extras.update(_completion_threshold(threshold, warnings, where))
    launch_data = text(kid(element, "dataFromLMS"))
    if launch_data is not None:
        extras["data_from_lms"] = launch_data
    action = time_limit_action(text(kid(element, "timeLimitAction")), warnings, where, "adlcp:timeLimitAction")
    if action:
        extras["time_limit_action"] = action
    data = kid(element, "data", "adlcp")
    if data is not None:
        extras["shared_data"] = [typed_attributes(entry, warnings, where) for entry in kids(data, "map")]
    presentation = kid(element, "presentation")
    if presentation is not None:
        extras["presentation"] = parse_presentation(presentation)
    extras.update(sequencing_extras(element, warnings, where, collection))
    return extras


def organization_extras(
    element: etree._Element,
    warnings: list[dict[str, Any]],
    where: str,
    collection: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """The 2004 attributes and sequencing of an `<organization>` (the activity tree's root)."""
    extras: dict[str, Any] = {}
    for name, key in (("objectivesGlobalToSystem", "objectives_global_to_system"),
                      ("sharedDataGlobalToSystem", "shared_data_global_to_system")):  # fmt: skip
        value = parse_bool(attr(element, name))
        if value is not None:
            extras[key] = value
    seq = sequencing_extras(element, warnings, where, collection)
    if "sequencing" in seq:
        extras["sequencing"] = seq["sequencing"]
    return extras


def sequencing_extras(
    element: etree._Element, warnings: list[dict[str, Any]], where: str, collection: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Resolved `sequencing` plus the run-time values derived from it."""
    found = kid(element, "sequencing", "imsss")
    if found is None:
        found = kid(element, "sequencing")  # tolerate a wrong or missing IMS SS namespace
    if found is None:
        return {}
    resolved = sequencing.resolve(sequencing.parse_sequencing(found, warnings, where), collection, where)
    extras: dict[str, Any] = {"sequencing": resolved}
    passing = sequencing.scaled_passing_score(resolved)
    if passing is not None:
        extras["scaled_passing_score"] = passing
    duration = (resolved.get("limit_conditions") or {}).get("attempt_absolute_duration_limit")
    if duration:
        extras["max_time_allowed"] = duration
    return extras


def parse_presentation(element: etree._Element) -> dict[str, Any]:
    """`adlnav:presentation` → `{"hide_lms_ui": ["continue", "previous", ...]}`."""
    interface = kid(element, "navigationInterface")
    return {"hide_lms_ui": [value for value in (text(node) for node in kids(interface, "hideLMSUI")) if value]}


def _completion_threshold(element: etree._Element, warnings: list[dict[str, Any]], where: str) -> dict[str, Any]:
    """Both forms: 2nd/3rd edition text (`0.8`) and 4th edition attributes.

    4th edition: `cmi.completion_threshold` is `minProgressMeasure` (default 1.0)
    when `completedByMeasure` is true; otherwise the threshold only carries a
    `progressWeight` for rollup and the run-time value stays unset.
    """
    detail = typed_attributes(element, warnings, where)
    value = text(element)
    if value is not None:
        number = parse_number(value, float)
        if number is None or not 0 <= number <= 1:
            warnings.append(
                note("MANIFEST_VALUE_INVALID", f"{where}: adlcp:completionThreshold \"{value}\" is not a number "
                     "between 0 and 1; it was ignored.", element="adlcp:completionThreshold", where=where)
            )
            return {"completion_threshold_detail": detail} if detail else {}
        return {"completion_threshold": number, "completion_threshold_detail": {**detail, "value": number}}
    threshold = detail.get("min_progress_measure", 1.0) if detail.get("completed_by_measure") else None
    return {"completion_threshold": threshold, "completion_threshold_detail": detail}
