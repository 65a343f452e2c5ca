"""Bounds on the shape of a parsed manifest, checked in one linear pass before any stage reads it.

The stages after parsing touch every element and attribute, and lxml's
attribute access is quadratic in the number of attributes on an element (each
value is looked up by name), so a hostile manifest could hold a worker for
minutes within the byte limit. These limits are far above any real package:
the test corpus peaks at 5 attributes per element, 213 elements, depth 10, a
4,000-character text and a 480-character attribute value; a package at the ZIP
entry limit (20,000 files, each listed in a `<file>` element) stays well under
the element limit. They are constants, not settings: no honest package comes
near them, so there is nothing for an operator to tune.
"""

from __future__ import annotations

from lxml import etree

from pipeline.errors import PipelineError

# SCORM's schemas define at most about a dozen attributes on any element.
MAX_ATTRIBUTES_PER_ELEMENT = 64
# Every <item>, <resource>, <file> and sequencing element counts; 20,000 files plus their items fit.
MAX_ELEMENTS = 100_000
# Item trees a few levels deep plus LOM metadata; libxml2 itself stops at 256.
MAX_DEPTH = 64
# A launch-data or description text; a whole course in one text node is not metadata.
MAX_TEXT_CHARS = 256 * 1024
# hrefs, parameters and identifiers.
MAX_ATTRIBUTE_VALUE_CHARS = 64 * 1024


def check_shape(root: etree._Element, name: str) -> None:
    """Refuse a document beyond the limits; stops at the first element that breaks one.

    Raises:
        PipelineError: `MANIFEST_TOO_MANY_ATTRIBUTES`, `MANIFEST_TOO_MANY_ELEMENTS`,
            `MANIFEST_TOO_DEEP` or `MANIFEST_TEXT_TOO_LARGE`, naming the element and its line.
    """
    elements, depth = 0, 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        if event == "end":
            depth -= 1
            continue
        depth += 1
        elements += 1
        if elements > MAX_ELEMENTS:
            raise _too_much("MANIFEST_TOO_MANY_ELEMENTS", name, element, "elements", elements, MAX_ELEMENTS)
        if depth > MAX_DEPTH:
            raise _too_much("MANIFEST_TOO_DEEP", name, element, "depth", depth, MAX_DEPTH)
        _check_element(element, name)


def _check_element(element: etree._Element, name: str) -> None:
    # len() walks the attribute list once; reading values is what costs, so count first.
    count = len(element.attrib)
    if count > MAX_ATTRIBUTES_PER_ELEMENT:
        raise _too_much("MANIFEST_TOO_MANY_ATTRIBUTES", name, element, "attributes_per_element", count,
                        MAX_ATTRIBUTES_PER_ELEMENT)  # fmt: skip
    for text in (element.text, element.tail):
        if text is not None and len(text) > MAX_TEXT_CHARS:
            raise _too_much("MANIFEST_TEXT_TOO_LARGE", name, element, "text_chars", len(text), MAX_TEXT_CHARS)
    longest = max((len(value) for value in element.attrib.values()), default=0)
    if longest > MAX_ATTRIBUTE_VALUE_CHARS:
        raise _too_much("MANIFEST_TEXT_TOO_LARGE", name, element, "attribute_value_chars", longest,
                        MAX_ATTRIBUTE_VALUE_CHARS)  # fmt: skip


def depth_error(name: str, line: int | None) -> PipelineError:
    """The error for a document libxml2 itself found too deep (it stops parsing at 256 levels)."""
    return PipelineError(
        "MANIFEST_TOO_DEEP",
        f"{name} nests elements deeper than {MAX_DEPTH} levels.",
        {"file": name, "limit": "depth", "max": MAX_DEPTH, "line": line},
    )


def _too_much(code: str, name: str, element: etree._Element, limit: str, value: int, maximum: int) -> PipelineError:
    tag = etree.QName(element).localname if isinstance(element.tag, str) else "?"
    return PipelineError(
        code,
        f"{name}: <{tag}> at line {element.sourceline} exceeds the limit on {limit.replace('_', ' ')} "
        f"({value} > {maximum}).",
        {"file": name, "element": tag, "line": element.sourceline, "limit": limit, "value": value, "max": maximum},
    )
