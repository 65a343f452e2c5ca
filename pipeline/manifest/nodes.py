"""Namespace-tolerant helpers for reading manifest elements and typed attribute values.

Real manifests spell namespaces and attribute case in many ways
(`adlcp:scormtype` and `adlcp:scormType`, ADL namespaces of the wrong edition),
so elements and attributes are matched by local name, case-insensitively;
a namespace hint (`"adlseq"`) is used only where two vocabularies share a name.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from lxml import etree

from pipeline.notes import note

_XSI_OR_XML = ("http://www.w3.org/2001/XMLSchema-instance", "http://www.w3.org/XML/1998/namespace")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

BOOLEAN_ATTRIBUTES = frozenset(
    {
        "choice", "choice_exit", "flow", "forward_only", "use_current_attempt_objective_info",
        "use_current_attempt_progress_info", "satisfied_by_measure", "read_satisfied_status",
        "read_normalized_measure", "write_satisfied_status", "write_normalized_measure",
        "rollup_objective_satisfied", "rollup_progress_completion", "reorder_children", "tracked",
        "completion_set_by_content", "objective_set_by_content", "prevent_activation", "constrain_choice",
        "measure_satisfaction_if_active", "read_shared_data", "write_shared_data", "completed_by_measure",
        "objectives_global_to_system", "shared_data_global_to_system", "isvisible",
        "read_raw_score", "read_min_score", "read_max_score", "read_completion_status", "read_progress_measure",
        "write_raw_score", "write_min_score", "write_max_score", "write_completion_status",
        "write_progress_measure",
    }
)  # fmt: skip
INTEGER_ATTRIBUTES = frozenset({"attempt_limit", "select_count", "minimum_count"})
FLOAT_ATTRIBUTES = frozenset(
    {
        "measure_threshold", "min_normalized_measure", "objective_measure_weight", "minimum_percent",
        "min_progress_measure", "progress_weight",
    }
)  # fmt: skip


def local(element: Any) -> str:
    """Lower-case local name of an element ('' for comments and other nodes)."""
    if not isinstance(element.tag, str):
        return ""
    return etree.QName(element).localname.lower()


def namespace(element: etree._Element) -> str:
    """Namespace URI of an element ('' when none)."""
    return etree.QName(element).namespace or ""


def kids(element: etree._Element | None, name: str | None = None, ns_hint: str | None = None) -> list:
    """Child elements, optionally only those with a local name and a namespace containing `ns_hint`."""
    if element is None:
        return []
    wanted = name.lower() if name else None
    return [
        child
        for child in element
        if isinstance(child.tag, str)
        and (wanted is None or local(child) == wanted)
        and (ns_hint is None or ns_hint in namespace(child).lower())
    ]


def kid(element: etree._Element | None, name: str, ns_hint: str | None = None) -> etree._Element | None:
    """The first matching child element, or None."""
    found = kids(element, name, ns_hint)
    return found[0] if found else None


def attr(element: etree._Element | None, name: str) -> str | None:
    """An attribute by local name, case-insensitively and in any namespace; stripped."""
    if element is None:
        return None
    wanted = name.lower()
    # Names first, then one value: lxml looks each value up by name, so items() is quadratic.
    for key in element.keys():
        if etree.QName(key).localname.lower() == wanted:
            return (element.get(key) or "").strip()
    return None


def text(element: etree._Element | None) -> str | None:
    """An element's text content stripped, or None when absent or blank."""
    if element is None:
        return None
    value = "".join(element.itertext()).strip()
    return value or None


def collapse(value: str | None) -> str | None:
    """Collapse runs of whitespace (titles span lines in hand-written manifests)."""
    if not value:
        return None
    return " ".join(value.split()) or None


@functools.lru_cache(maxsize=1024)  # a manifest repeats a few dozen attribute names thousands of times
def snake(name: str) -> str:
    """`objectiveID` → `objective_id`, `IDRef` → `id_ref`, `dataFromLMS` → `data_from_lms`."""
    return _CAMEL.sub("_", name).lower()


def parse_bool(value: str | None) -> bool | None:
    """xs:boolean, tolerant of case and whitespace; None when absent or invalid."""
    if value is None:
        return None
    return {"true": True, "1": True, "false": False, "0": False}.get(value.strip().lower())


def parse_number(value: str | None, kind: type[int] | type[float]) -> int | float | None:
    """An int or float, or None when absent or invalid."""
    if value is None:
        return None
    try:
        number = kind(value.strip())
    except ValueError:
        return None
    return number if number == number else None  # NaN is not a valid score or measure


def typed_attributes(element: etree._Element, warnings: list[dict[str, Any]], where: str) -> dict[str, Any]:
    """All attributes (except xsi/xml ones) with snake_case keys and typed values.

    Invalid values are dropped with a `MANIFEST_VALUE_INVALID` warning, so the
    player falls back to the specification's default.
    """
    values: dict[str, Any] = {}
    for key, raw in element.attrib.items():
        qname = etree.QName(key)
        if qname.namespace in _XSI_OR_XML:
            continue
        name = snake(qname.localname)
        value = _typed(name, raw.strip())
        if value is None:
            warnings.append(
                note("MANIFEST_VALUE_INVALID", f"{where}: attribute {qname.localname}=\"{raw}\" is not valid; "
                     "the default applies.", element=where, attribute=qname.localname)
            )
            continue
        values[name] = value
    return values


def _typed(name: str, raw: str) -> Any:
    if name in BOOLEAN_ATTRIBUTES:
        return parse_bool(raw)
    if name in INTEGER_ATTRIBUTES:
        return parse_number(raw, int)
    if name in FLOAT_ATTRIBUTES:
        return parse_number(raw, float)
    return raw
