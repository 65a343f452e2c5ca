"""Which SCORM version and edition a manifest follows: `schemaversion` first, namespaces second.

`schemaversion` values: "1.2" (SCORM 1.2), "CAM 1.3" (2004 2nd Edition),
"2004 3rd Edition", "2004 4th Edition". Without a usable value the namespaces
decide (ADL CP v1.3, IMS SS, ADL sequencing/navigation mean 2004) and, for 2004,
the edition is guessed from features only later editions define, with a warning.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from pipeline.manifest.nodes import attr, kid, local, text
from pipeline.notes import note

SCORM12 = "scorm12"
SCORM2004 = "scorm2004"
_NS_2004 = ("adlcp_v1p3", "imsss", "adlseq", "adlnav", "imscp_v1p1")
_NS_12 = ("adlcp_rootv1p2", "imscp_rootv1p1p2")
_FOURTH_EDITION_THRESHOLD_ATTRS = ("completedbymeasure", "minprogressmeasure", "progressweight")
_THIRD_EDITION_HIDE_UI = ("suspendall", "exitall", "abandonall")


def detect_version(root: etree._Element, warnings: list[dict[str, Any]]) -> tuple[str, str | None, str | None]:
    """Decide standard and edition.

    Args:
        root: the `<manifest>` element.
        warnings: receives `SCHEMAVERSION_MISSING`, `SCHEMAVERSION_UNKNOWN` or
            `SCHEMAVERSION_NAMESPACE_MISMATCH`.

    Returns:
        `(standard, edition, schemaversion)`: standard `scorm12` or `scorm2004`,
        edition `2nd`/`3rd`/`4th` for 2004 (None for 1.2), and the raw value.
    """
    schemaversion = text(kid(kid(root, "metadata"), "schemaversion"))
    by_namespace = _standard_from_namespaces(root)
    declared = _parse_schemaversion(schemaversion) if schemaversion else None
    if declared is not None:
        standard, edition = declared
        if by_namespace and by_namespace != standard:
            warnings.append(
                note("SCHEMAVERSION_NAMESPACE_MISMATCH", f"schemaversion \"{schemaversion}\" disagrees with the "
                     f"manifest's namespaces; it was trusted ({label(standard, edition)}).")
            )
        if standard == SCORM2004 and edition is None:
            edition = _guess_edition(root)
            warnings.append(
                note("SCHEMAVERSION_EDITION_GUESSED", f"schemaversion \"{schemaversion}\" names no edition; "
                     f"{label(standard, edition)} was assumed.", edition=edition)
            )
        return standard, edition, schemaversion
    standard = by_namespace or SCORM12
    edition = _guess_edition(root) if standard == SCORM2004 else None
    code = "SCHEMAVERSION_UNKNOWN" if schemaversion else "SCHEMAVERSION_MISSING"
    what = f"schemaversion \"{schemaversion}\" is not recognised" if schemaversion else "There is no schemaversion"
    warnings.append(
        note(code, f"{what}; {label(standard, edition)} was assumed from its namespaces.", standard=standard,
             edition=edition)
    )
    return standard, edition, schemaversion


def _parse_schemaversion(value: str) -> tuple[str, str | None] | None:
    compact = " ".join(value.lower().split())
    for marker, edition in (("4th", "4th"), ("3rd", "3rd"), ("2nd", "2nd"), ("cam 1.3", "2nd")):
        if marker in compact:
            return SCORM2004, edition
    if compact in ("1.3",) or "2004" in compact:
        return SCORM2004, None
    if re.fullmatch(r"(scorm )?1\.[12]", compact):
        return SCORM12, None
    return None


def _standard_from_namespaces(root: etree._Element) -> str | None:
    # The root's declarations plus the namespaces elements and attributes use: an element's `nsmap`
    # copies every namespace in scope, so reading it on each element is elements x declarations.
    uris = {uri.lower() for uri in root.nsmap.values()}
    for element in root.iter(etree.Element):
        uris.add((etree.QName(element).namespace or "").lower())
        uris.update(key[1 : key.index("}")].lower() for key in element.keys() if key.startswith("{"))
    if any(marker in uri for uri in uris for marker in _NS_2004):
        return SCORM2004
    if any(marker in uri for uri in uris for marker in _NS_12):
        return SCORM12
    return None


def _guess_edition(root: etree._Element) -> str:
    """The oldest 2004 edition that defines every feature the manifest uses."""
    third = False
    for element in root.iter():
        name = local(element)
        if name in ("data", "map") and "adlcp" in (etree.QName(element).namespace or ""):
            return "4th"
        if name == "objectives" and "adlseq" in (etree.QName(element).namespace or ""):
            return "4th"
        if name == "completionthreshold" and any(attr(element, a) for a in _FOURTH_EDITION_THRESHOLD_ATTRS):
            return "4th"
        if name == "hidelmsui" and (text(element) or "").lower() in _THIRD_EDITION_HIDE_UI:
            third = True
        if name == "organization" and attr(element, "objectivesGlobalToSystem") is not None:
            third = True
    return "3rd" if third else "2nd"


def label(standard: str, edition: str | None) -> str:
    """Human label: "SCORM 1.2", "SCORM 2004 4th Edition"."""
    if standard == SCORM12:
        return "SCORM 1.2"
    return f"SCORM 2004 {edition} Edition" if edition else "SCORM 2004"
