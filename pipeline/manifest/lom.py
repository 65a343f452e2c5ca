"""Titles and descriptions from IEEE LOM metadata, inline or in an `adlcp:location` file.

Both LOM bindings occur: SCORM 1.2's IMS MD (`<langstring>`) and SCORM 2004's
IEEE LOM (`<string language=…>`). An unreadable or missing external metadata
file is a warning, never a failure: metadata is descriptive only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from pipeline.errors import PipelineError
from pipeline.manifest import hrefs
from pipeline.manifest.nodes import collapse, kid, kids, local, text
from pipeline.manifest.xml_safety import parse_xml
from pipeline.notes import note

MAX_METADATA_BYTES = 1024 * 1024
ReadFile = Callable[[str], bytes]


def metadata_strings(
    metadata: etree._Element | None,
    file_names: set[str],
    read_file: ReadFile | None,
    warnings: list[dict[str, Any]],
) -> dict[str, str | None]:
    """Title and description from a `<metadata>` element (inline LOM first, then `adlcp:location`).

    Args:
        metadata: the `<metadata>` element of the manifest, an organization or an item.
        file_names: normalised names of the package's files.
        read_file: reads a package file by name; None skips external metadata.
        warnings: receives `METADATA_FILE_MISSING` / `METADATA_FILE_UNREADABLE`.

    Returns:
        `{"title", "description"}`, each None when not given.
    """
    found: dict[str, str | None] = {"title": None, "description": None}
    if metadata is None:
        return found
    for lom in kids(metadata, "lom"):
        _merge(found, lom_strings(lom))
    location = text(kid(metadata, "location"))
    if location and (found["title"] is None or found["description"] is None):
        external = _external_lom(location, file_names, read_file, warnings)
        if external is not None:
            _merge(found, lom_strings(external))
    return found


def _merge(found: dict[str, str | None], more: dict[str, str | None]) -> None:
    for key, value in more.items():
        if found.get(key) is None:
            found[key] = value


def lom_strings(lom: etree._Element) -> dict[str, str | None]:
    """`general/title` and `general/description` of a LOM record (first non-empty language string)."""
    general = kid(lom, "general")
    return {
        "title": _language_string(kid(general, "title")),
        "description": _language_string(kid(general, "description")),
    }


def _language_string(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    for node in element.iter():
        if local(node) in ("string", "langstring"):
            value = collapse(text(node))
            if value:
                return value
    return collapse(element.text)


def _external_lom(
    location: str, file_names: set[str], read_file: ReadFile | None, warnings: list[dict[str, Any]]
) -> etree._Element | None:
    if hrefs.is_external(location) or read_file is None:
        return None
    name = hrefs.file_path(hrefs.resolve_href("", location))
    if name not in file_names:
        warnings.append(
            note("METADATA_FILE_MISSING", f"The metadata file '{location}' named by adlcp:location is not in the "
                 "package.", file=location)
        )
        return None
    try:
        root = parse_xml(read_file(name), name, warnings, max_bytes=MAX_METADATA_BYTES)
    except PipelineError as err:
        warnings.append(
            note("METADATA_FILE_UNREADABLE", f"The metadata file '{name}' was ignored: {err.message}", file=name,
                 reason=err.code)
        )
        return None
    if root is None or local(root) != "lom":
        return None
    return root
