"""Parsing untrusted XML (manifests, metadata files) with lxml, safely and tolerantly.

Safe: no entity expansion, no DTD or network loading, libxml2's default depth
and text-size limits (`huge_tree=False`); any document declaring entities is
refused before parsing, so XXE and billion-laughs inputs fail fast with
`MANIFEST_UNSAFE_XML`; the parsed tree must fit `xml_limits` (attributes per
element, elements, depth, text sizes), so later stages stay fast. Tolerant: a
BOM, whitespace before the declaration and a Windows-1252 file that claims to
be UTF-8 are accepted.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

from lxml import etree

from pipeline.errors import PipelineError
from pipeline.manifest.xml_limits import check_shape, depth_error
from pipeline.notes import note

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
_ENTITY_DECL = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)
_EXTERNAL = re.compile(r"<!\s*ENTITY[^>]*\s(SYSTEM|PUBLIC)\s", re.IGNORECASE)
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_ENCODING_ATTR = re.compile(r"encoding\s*=\s*[\"'][^\"']*[\"']")
_PROLOG_NOISE = re.compile(r"<\?.*?\?>|<!--.*?-->|\s", re.DOTALL)
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _parser() -> etree.XMLParser:
    # A fresh parser per document: lxml parsers keep state and are not thread-safe.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(
    data: bytes, name: str, warnings: list[dict[str, Any]], max_bytes: int = DEFAULT_MAX_BYTES
) -> etree._Element | None:
    """Parse an untrusted XML document.

    Args:
        data: the file's bytes.
        name: the file name, used in messages (`imsmanifest.xml`).
        warnings: list that receives tolerance warnings (encoding fallback).
        max_bytes: largest accepted document.

    Returns:
        The root element, or None when the document holds no element at all
        (empty, or only a declaration and comments).

    Raises:
        PipelineError: `MANIFEST_TOO_LARGE`, `MANIFEST_UNSAFE_XML` (entity
            declarations, XXE, billion laughs), `MANIFEST_INVALID_XML` (not
            well-formed; the message names the line), or a shape limit of
            `xml_limits.check_shape` (`MANIFEST_TOO_MANY_ATTRIBUTES`, ...).
    """
    if len(data) > max_bytes:
        raise PipelineError(
            "MANIFEST_TOO_LARGE",
            f"{name} is {len(data)} bytes; the limit is {max_bytes}.",
            {"file": name, "size": len(data), "limit": max_bytes},
        )
    text_view = _as_text(data)
    if _ENTITY_DECL.search(data) or (text_view is not None and "<!ENTITY" in text_view.upper()):
        raise _unsafe(name, _EXTERNAL.search(text_view or data.decode("latin-1")) is not None)
    if text_view is not None and not _PROLOG_NOISE.sub("", text_view):
        return None
    data = _strip_leading_whitespace(data)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as err:
        if "amplification" in str(err) or "entity reference loop" in str(err):
            raise _unsafe(name) from None
        if "Excessive depth" in str(err):
            raise depth_error(name, err.lineno) from None
        root = _retry_as_cp1252(data, err, name, warnings)
    _refuse_entities(root, name)
    check_shape(root, name)
    return root


def _as_text(data: bytes) -> str | None:
    """A best-effort text view for pre-parse checks (None when the encoding is unknown)."""
    if data.startswith(_UTF16_BOMS):
        return data.decode("utf-16", errors="replace")
    if data[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        return data.decode("utf-16-le" if data[0] == 0x3C else "utf-16-be", errors="replace")
    return data.decode("utf-8", errors="replace").lstrip("\ufeff")


def _strip_leading_whitespace(data: bytes) -> bytes:
    """Drop whitespace before `<?xml` (after any UTF-8 BOM); libxml2 refuses it."""
    body = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    stripped = body.lstrip(b" \t\r\n")
    if stripped is not body and stripped.startswith(b"<?xml"):
        return stripped
    return data


def _retry_as_cp1252(
    data: bytes, err: etree.XMLSyntaxError, name: str, warnings: list[dict[str, Any]]
) -> etree._Element:
    """Accept a Windows-1252 document mislabelled as UTF-8; re-raise anything else."""
    if "encoding" not in str(err).lower() and "utf-8" not in str(err).lower():
        raise _invalid(err, name) from None
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise _invalid(err, name) from None
    match = _DECLARATION.match(text)
    if match:
        text = text[: match.start()] + _ENCODING_ATTR.sub('encoding="UTF-8"', match.group(0)) + text[match.end() :]
    try:
        root = etree.fromstring(text.encode("utf-8"), _parser())
    except etree.XMLSyntaxError:
        raise _invalid(err, name) from None
    warnings.append(
        note("XML_ENCODING_FALLBACK", f"{name} is not valid UTF-8; it was read as Windows-1252.", file=name)
    )
    return root


def _refuse_entities(root: etree._Element, name: str) -> None:
    """Defence in depth: refuse any DTD that declares entities, and entity nodes."""
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise _unsafe(name)
    if any(isinstance(node, etree._Entity) for node in root.iter()):
        raise _unsafe(name)


def _unsafe(name: str, external: bool = False) -> PipelineError:
    kind = "external entities (XXE)" if external else "entities (entity expansion)"
    return PipelineError(
        "MANIFEST_UNSAFE_XML",
        f"{name} declares XML {kind} in its DOCTYPE; entity declarations are refused for safety.",
        {"file": name, "reason": "external_entity" if external else "entity_declaration"},
    )


def _invalid(err: etree.XMLSyntaxError, name: str) -> PipelineError:
    line, column = err.position if err.position else (err.lineno, 0)
    return PipelineError(
        "MANIFEST_INVALID_XML",
        f"{name} is not well-formed XML (line {line}, column {column}).",
        {"file": name, "line": line, "column": column, "reason": _reason(err)},
    )


def _reason(err: etree.XMLSyntaxError) -> str:
    """libxml2's description of the problem in the user's file, without our file paths."""
    return re.sub(r",? line \d+, column \d+.*$", "", err.msg or "").strip()
