"""SCORM 1.2 item extensions (`adlcp_rootv1p2`): prerequisites, mastery score, time limits, launch data."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from pipeline.manifest.nodes import attr, kid, parse_number, text
from pipeline.notes import note

TIME_LIMIT_ACTIONS = ("exit,message", "exit,no message", "continue,message", "continue,no message")
_TIMESPAN = re.compile(r"^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$")


def item_extras(element: etree._Element, warnings: list[dict[str, Any]], where: str) -> dict[str, Any]:
    """The `adlcp:*` children of a SCORM 1.2 `<item>`.

    Args:
        element: the `<item>`.
        warnings: receives `MANIFEST_VALUE_INVALID` for values outside the 1.2 vocabulary.
        where: a label for messages (`item "quiz"`).

    Returns:
        `prerequisites` (`{"type", "expression"}`), `mastery_score` (0-100),
        `max_time_allowed` (`HHHH:MM:SS`), `time_limit_action`, `data_from_lms`;
        absent ones are left out.
    """
    extras: dict[str, Any] = {}
    prerequisites = kid(element, "prerequisites")
    if text(prerequisites):
        extras["prerequisites"] = {
            "type": attr(prerequisites, "type") or "aicc_script",
            "expression": text(prerequisites),
        }
    mastery = text(kid(element, "masteryscore"))
    if mastery is not None:
        score = parse_number(mastery, float)
        if score is None or not 0 <= score <= 100:
            warnings.append(_invalid(where, "adlcp:masteryscore", mastery))
        else:
            extras["mastery_score"] = score
    max_time = text(kid(element, "maxtimeallowed"))
    if max_time is not None:
        if _TIMESPAN.match(max_time):
            extras["max_time_allowed"] = max_time
        else:
            warnings.append(_invalid(where, "adlcp:maxtimeallowed", max_time))
    action = time_limit_action(text(kid(element, "timelimitaction")), warnings, where, "adlcp:timelimitaction")
    if action:
        extras["time_limit_action"] = action
    launch_data = text(kid(element, "datafromlms"))
    if launch_data is not None:
        extras["data_from_lms"] = launch_data
    return extras


def time_limit_action(value: str | None, warnings: list[dict[str, Any]], where: str, element: str) -> str | None:
    """Normalise `timelimitaction`/`timeLimitAction` ("Exit, Message" → "exit,message"); None if invalid."""
    if value is None:
        return None
    normalised = ",".join(" ".join(part.split()) for part in value.lower().split(","))
    if normalised in TIME_LIMIT_ACTIONS:
        return normalised
    warnings.append(_invalid(where, element, value))
    return None


def _invalid(where: str, element: str, value: str) -> dict[str, Any]:
    return note(
        "MANIFEST_VALUE_INVALID",
        f"{where}: {element} \"{value[:80]}\" is not valid; it was ignored.",
        element=element,
        where=where,
    )
