"""Stage 2 of ingestion: turn `imsmanifest.xml` bytes into a `ManifestResult`."""

from __future__ import annotations

from typing import Any

from lxml import etree

from pipeline.manifest import common, hrefs, lom, sequencing
from pipeline.manifest.nodes import attr, collapse, kid, kids, local
from pipeline.manifest.result import ManifestResult, empty_result
from pipeline.manifest.version import SCORM2004, detect_version
from pipeline.manifest.xml_safety import DEFAULT_MAX_BYTES, parse_xml
from pipeline.notes import CappedNotes, note

MANIFEST_NAME = "imsmanifest.xml"
UNTITLED = "Untitled package"


def extract_manifest(
    xml_bytes: bytes,
    file_names: set[str],
    read_file: lom.ReadFile | None = None,
    *,
    name: str = MANIFEST_NAME,
    fallback_title: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ManifestResult:
    """Parse and check a SCORM 1.2 or 2004 manifest.

    Args:
        xml_bytes: the manifest's bytes, as stored in the ZIP.
        file_names: normalised names of the package's files (launch files are
            looked up here; a missing one is a warning).
        read_file: reads a package file by name, for `adlcp:location` metadata.
        name: the manifest's name, for messages.
        fallback_title: title when the manifest gives none (the upload's file name).
        max_bytes: largest accepted manifest.

    Returns:
        The parsed manifest. A document with no element at all (only an XML
        declaration, as in Moodle's `validscorm` fixture) imports as an empty
        SCORM 1.2 package with a `MANIFEST_EMPTY` warning and no launch path.

    Raises:
        PipelineError: `MANIFEST_TOO_LARGE`, `MANIFEST_UNSAFE_XML`,
            `MANIFEST_INVALID_XML` (with the line), `MANIFEST_INVALID` (naming the element).
    """
    warnings = CappedNotes()
    root = parse_xml(xml_bytes, name, warnings, max_bytes=max_bytes)
    if root is None:
        warnings.append(
            note("MANIFEST_EMPTY", f"{name} holds no XML element: the package imports without any launchable item.")
        )
        warnings.close()
        return empty_result(fallback_title or UNTITLED, warnings)
    if local(root) != "manifest":
        raise common.invalid(f"The root element of {name} is <{local(root)}>, not <manifest>.", local(root))
    standard, edition, schemaversion = detect_version(root, warnings)
    if kid(root, "manifest") is not None:
        warnings.append(note("SUBMANIFEST_IGNORED", "Nested <manifest> elements (sub-manifests) are ignored."))
    ctx = common.Context(standard=standard, file_names=file_names, warnings=warnings)
    if standard == SCORM2004:
        ctx.collection = sequencing.parse_collection(root, warnings)
    resources = common.parse_resources(root, hrefs.join_base(attr(root, "base")), ctx)
    organizations, default = common.parse_organizations(root, ctx)
    result = ManifestResult(
        standard=standard,
        edition=edition,
        schemaversion=schemaversion,
        identifier=attr(root, "identifier"),
        version=attr(root, "version"),
        title="",
        description=None,
        default_organization=default,
        organizations=organizations,
        resources=resources,
        sequencing_collection=ctx.collection,
        launch_item=None,
        launch_path=None,
        sco_count=_sco_count(organizations, ctx),
        warnings=warnings,
    )
    _set_launch(result)
    _set_texts(result, root, file_names, read_file, fallback_title)
    warnings.close()
    return result


def _sco_count(organizations: list[dict[str, Any]], ctx: common.Context) -> int:
    """Distinct SCO resources that some item, in any organization, references."""
    referenced: set[str] = set()
    stack = [item for org in organizations for item in org["items"]]
    while stack:
        item = stack.pop()
        stack.extend(item["children"])
        if item["scorm_type"] == "sco" and item["resource_identifier"]:
            referenced.add(item["resource_identifier"])
    return len(referenced)


def _set_launch(result: ManifestResult) -> None:
    """The package launches the default organization's first launchable item (document order)."""
    first = next((item for item in result.iter_items(result.default_org()) if item["launchable"]), None)
    if first is None:
        result.warnings.append(
            note("NO_LAUNCHABLE_ITEM", "The default organization has no item that references a launchable resource.")
        )
        return
    result.launch_item = first["identifier"]
    result.launch_path = first["launch_href"]


def _set_texts(
    result: ManifestResult,
    root: etree._Element,
    file_names: set[str],
    read_file: lom.ReadFile | None,
    fallback_title: str | None,
) -> None:
    """Title: the default organization's; description: package metadata, then organization metadata."""
    package = lom.metadata_strings(kid(root, "metadata"), file_names, read_file, result.warnings)
    default_org = result.default_org()
    description = package["description"]
    if description is None and default_org is not None:
        element = next(
            el for el in kids(kid(root, "organizations"), "organization")
            if attr(el, "identifier") == default_org["identifier"]
        )  # fmt: skip
        description = lom.metadata_strings(kid(element, "metadata"), file_names, read_file, result.warnings)[
            "description"
        ]
    title = (default_org or {}).get("title") or package["title"] or result.identifier or fallback_title
    result.title = collapse(title) or UNTITLED
    result.description = description
