"""cmi5 course structure extraction: `extract_cmi5(xml_bytes, file_names, bare=...) -> Cmi5Result`.

The course structure (`cmi5.xml`, cmi5 spec section 13) is validated against the
spec's XSD (`schemas/cmi5_CourseStructure.xsd`, see `schemas/README.md`), then
against the rules the XSD cannot say; each refusal has its own code:

- `CMI5_SCHEMA_INVALID` (13.2.0.0-1): the document breaks the XSD (names the line).
- `CMI5_ID_NOT_IRI` (3.0.0.0-1): a course, block, AU or objective id is not an absolute IRI.
- `CMI5_DUPLICATE_ID` (13.1.2.0-1, 13.1.3.0-1, 13.1.4.0-1): two blocks, objectives or AUs share an id.
- `CMI5_AU_URL_INVALID` (13.1.4.0-2): an AU url is not a URL (spaces, bad scheme).
- `CMI5_RELATIVE_URL_WITHOUT_PACKAGE` (14.2.0.0-1): a bare `cmi5.xml` with a relative AU url.
- `CMI5_AU_FILE_MISSING` (14.1.0.0-4): a relative AU url names no file of the ZIP.
- `CMI5_AU_URL_RESERVED_PARAMETER` (8.1.0.0-6): an AU url's query already holds a launch
  parameter the LMS adds (`endpoint`, `fetch`, `actor`, `registration`, `activityId`).
- `CMI5_OBJECTIVE_UNKNOWN`: an objective reference names no declared objective.

`Cmi5Result.to_dict()` is the stored manifest of a cmi5 package version (format_version 1):

    standard "cmi5", edition None, label "cmi5", title, description, launch_path (first
    relative AU url or None), sco_count (AUs), warnings,
    cmi5 = {course: {id, title, description, objectives: [{id, title, description}]},
            blocks: [{id, title, description, objectives: [ids], parent (block id|None)}],
            aus: [au], structure: [node]}
    au = {index, id, title, description, url (as written, trimmed), external (absolute url),
          launch_path (package-relative url or None), move_on, mastery_score (float|None),
          launch_method "AnyWindow"|"OwnWindow", launch_parameters, entitlement_key,
          activity_type, objectives: [ids], parents: [block ids, outermost first]}
    node = {"type": "block", "id", "title", "children": [node]} | {"type": "au", "index"}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from lxml import etree

from pipeline.errors import PipelineError
from pipeline.manifest.nodes import collapse, local
from pipeline.manifest.xml_safety import DEFAULT_MAX_BYTES, parse_xml

NAMESPACE = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
SCHEMA_PATH = Path(__file__).with_name("schemas") / "cmi5_CourseStructure.xsd"
DESCRIPTOR = "cmi5.xml"
RESERVED_PARAMETERS = ("endpoint", "fetch", "actor", "registration", "activityId")
_NS = {"c": NAMESPACE}
_URL_FORBIDDEN = set(" \t\r\n<>\"{}|\\^`")


@dataclass
class Cmi5Result:
    """A parsed cmi5 course structure (see the module docstring for `to_dict`)."""

    title: str
    description: str | None
    course: dict[str, Any]
    blocks: list[dict[str, Any]]
    aus: list[dict[str, Any]]
    structure: list[dict[str, Any]]
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def launch_path(self) -> str | None:
        return next((au["launch_path"] for au in self.aus if au["launch_path"]), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": 1,
            "standard": "cmi5",
            "edition": None,
            "label": "cmi5",
            "title": self.title,
            "description": self.description,
            "launch_path": self.launch_path,
            "sco_count": len(self.aus),
            "cmi5": {"course": self.course, "blocks": self.blocks, "aus": self.aus, "structure": self.structure},
            "warnings": self.warnings,
        }


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def extract_cmi5(xml_bytes: bytes, file_names: set[str], *, bare: bool = False,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> Cmi5Result:  # fmt: skip
    """Parse and check a cmi5 course structure.

    Args:
        xml_bytes: the `cmi5.xml` bytes.
        file_names: normalised names of the package's files (empty for a bare `cmi5.xml`).
        bare: the course structure was uploaded alone: every AU url must be absolute.

    Raises:
        PipelineError: the codes of the module docstring, or those of `parse_xml`.
    """
    warnings: list[dict[str, Any]] = []
    root = parse_xml(xml_bytes, DESCRIPTOR, warnings, max_bytes=max_bytes)
    if root is None or local(root) != "coursestructure":
        raise PipelineError("CMI5_SCHEMA_INVALID", "cmi5.xml has no <courseStructure> root element.", {})
    schema = _schema()
    if not schema.validate(root):
        error = schema.error_log.last_error
        raise PipelineError(
            "CMI5_SCHEMA_INVALID", f"cmi5.xml does not follow the cmi5 course structure schema: {error.message}",
            {"line": error.line},
        )  # fmt: skip
    parser = _Parser(file_names, bare)
    course_el = root.find("c:course", _NS)
    course = {"id": parser.iri(course_el, "course"), "title": _text(course_el, "title"),
              "description": _text(course_el, "description"), "objectives": parser.objectives(root)}  # fmt: skip
    structure = parser.children(root, [])
    parser.check_references()
    return Cmi5Result(course["title"] or course["id"], course["description"], course, parser.blocks, parser.aus,
                      structure, warnings)  # fmt: skip


def _text(element: etree._Element | None, name: str) -> str | None:
    """The first langstring of a title/description (the spec's texts are language maps)."""
    if element is None:
        return None
    holder = element.find(f"c:{name}", _NS)
    if holder is None:
        return None
    strings = holder.findall("c:langstring", _NS)
    return collapse(strings[0].text) if strings else None


def _langstrings(element: etree._Element, name: str) -> dict[str, str]:
    holder = element.find(f"c:{name}", _NS)
    if holder is None:
        return {}
    return {ls.get("lang") or "und": (ls.text or "").strip() for ls in holder.findall("c:langstring", _NS)}


def is_iri(value: str) -> bool:
    """An absolute IRI: a scheme, then something, and no whitespace."""
    parts = urlsplit(value)
    scheme_ok = bool(parts.scheme) and parts.scheme[0].isalpha() and ":" in value
    return scheme_ok and len(value) > len(parts.scheme) + 1 and not any(ch.isspace() for ch in value)


class _Parser:
    """Walks blocks and AUs in document order, collecting ids to check them once."""

    def __init__(self, file_names: set[str], bare: bool) -> None:
        self.file_names = file_names
        self.bare = bare
        self.blocks: list[dict[str, Any]] = []
        self.aus: list[dict[str, Any]] = []
        self.objective_ids: set[str] = set()
        self.references: list[str] = []
        self._seen: dict[str, set[str]] = {"block": set(), "au": set(), "objective": set()}

    def iri(self, element: etree._Element, kind: str) -> str:
        value = (element.get("id") or "").strip()
        if not is_iri(value):
            raise PipelineError("CMI5_ID_NOT_IRI", f"The {kind} id '{value}' is not an IRI (it needs a scheme).",
                                {"kind": kind, "id": value})  # fmt: skip
        if kind in self._seen:
            if value in self._seen[kind]:
                raise PipelineError("CMI5_DUPLICATE_ID", f"Two {kind}s have the id '{value}'.",
                                    {"kind": kind, "id": value})  # fmt: skip
            self._seen[kind].add(value)
        return value

    def objectives(self, root: etree._Element) -> list[dict[str, Any]]:
        found = []
        for element in root.findall("c:objectives/c:objective", _NS):
            found.append({"id": self.iri(element, "objective"), "title": _text(element, "title"),
                          "description": _text(element, "description")})  # fmt: skip
        self.objective_ids = {item["id"] for item in found}
        return found

    def _refs(self, element: etree._Element) -> list[str]:
        refs = [(ref.get("idref") or "").strip() for ref in element.findall("c:objectives/c:objective", _NS)]
        self.references.extend(refs)
        return refs

    def check_references(self) -> None:
        for ref in self.references:
            if ref not in self.objective_ids:
                raise PipelineError("CMI5_OBJECTIVE_UNKNOWN", f"The objective reference '{ref}' names no objective.",
                                    {"idref": ref})  # fmt: skip

    def children(self, parent: etree._Element, parents: list[str]) -> list[dict[str, Any]]:
        nodes: list[dict[str, Any]] = []
        for element in parent:
            name = local(element)
            if name == "block":
                block_id = self.iri(element, "block")
                self.blocks.append({"id": block_id, "title": _text(element, "title"),
                                    "description": _text(element, "description"),
                                    "objectives": self._refs(element), "parent": parents[-1] if parents else None})
                nodes.append({"type": "block", "id": block_id, "title": _text(element, "title"),
                              "children": self.children(element, [*parents, block_id])})  # fmt: skip
            elif name == "au":
                self.aus.append(self.au(element, parents))
                nodes.append({"type": "au", "index": len(self.aus) - 1})
        return nodes

    def au(self, element: etree._Element, parents: list[str]) -> dict[str, Any]:
        au_id = self.iri(element, "au")
        url = (element.findtext("c:url", default="", namespaces=_NS) or "").strip()
        external, launch_path = self._url(url, au_id)
        mastery = element.get("masteryScore")
        return {
            "index": len(self.aus), "id": au_id, "title": _text(element, "title"),
            "titles": _langstrings(element, "title"), "description": _text(element, "description"),
            "url": url, "external": external, "launch_path": launch_path,
            "move_on": element.get("moveOn") or "NotApplicable",
            "mastery_score": float(mastery) if mastery not in (None, "") else None,
            "launch_method": element.get("launchMethod") or "AnyWindow",
            "launch_parameters": _optional_text(element, "launchParameters"),
            "entitlement_key": _optional_text(element, "entitlementKey"),
            "activity_type": element.get("activityType"),
            "objectives": self._refs(element), "parents": parents,
        }  # fmt: skip

    def _url(self, url: str, au_id: str) -> tuple[bool, str | None]:
        """Whether the url is absolute, and its package-relative form (None when absolute)."""
        details = {"au": au_id, "url": url}
        if not url or any(ch in _URL_FORBIDDEN for ch in url):
            raise PipelineError("CMI5_AU_URL_INVALID", f"The url of AU '{au_id}' is not a valid URL.", details)
        parts = urlsplit(url)
        names = {key for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
        reserved = sorted(names & set(RESERVED_PARAMETERS))
        if reserved:
            raise PipelineError("CMI5_AU_URL_RESERVED_PARAMETER",
                                f"The url of AU '{au_id}' already holds the launch parameter '{reserved[0]}'.",
                                {**details, "parameter": reserved[0]})  # fmt: skip
        if parts.scheme:
            if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
                raise PipelineError("CMI5_AU_URL_INVALID", f"The url of AU '{au_id}' is not an http(s) URL.", details)
            return True, None
        if self.bare:
            raise PipelineError("CMI5_RELATIVE_URL_WITHOUT_PACKAGE",
                                f"AU '{au_id}' has the relative url '{url}', but cmi5.xml came without a package: "
                                "upload a ZIP holding cmi5.xml and the AU's files, or use absolute URLs.", details)
        path = unquote(parts.path)
        if url.startswith("/") or parts.netloc or not path or path not in self.file_names:
            raise PipelineError("CMI5_AU_FILE_MISSING", f"The url of AU '{au_id}' names '{path}', which is not in "
                                "the package.", details)  # fmt: skip
        return False, url


def _optional_text(element: etree._Element, name: str) -> str | None:
    child = element.find(f"c:{name}", _NS)
    return child.text.strip() if child is not None and child.text is not None else None


def looks_like_course_structure(head: bytes) -> bool:
    """Whether an upload's first bytes look like a bare cmi5 course structure (XML, not a ZIP)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith(b"<") and b"courseStructure" in head


def bare_course_structure(path: str | Path, max_bytes: int) -> Cmi5Result | None:
    """A bare `cmi5.xml` upload parsed (its AUs must be absolute), or None when the file is not one."""
    path = Path(path)
    with path.open("rb") as fp:
        head = fp.read(4096)
    if not looks_like_course_structure(head):
        return None
    if path.stat().st_size > max_bytes:
        raise PipelineError("MANIFEST_TOO_LARGE", f"cmi5.xml is larger than {max_bytes} bytes.", {"limit": max_bytes})
    return extract_cmi5(path.read_bytes(), set(), bare=True, max_bytes=max_bytes)
