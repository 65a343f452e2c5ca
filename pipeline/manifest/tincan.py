"""TinCan (xAPI) packages: `tincan.xml` bytes → `TincanResult`.

The format is the one Rustici published with the TinCan launch guidelines
(github.com/RusticiSoftware/launch, `lms_lrs.md`; schema projecttincan.com/tincan.xsd):

    <tincan xmlns="http://projecttincan.com/tincan.xsd">
      <activities>
        <activity id="IRI" type="IRI">
          <name lang="en-US">…</name>            (repeated per language)
          <description lang="en-US">…</description>
          <launch lang="en-us">index.html</launch>
          <resource lang="…">…</resource>
          <interactionType>…</interactionType>  (and the other xAPI definition fields)
        </activity>
      </activities>
    </tincan>

Activities are a flat list; the one with `<launch>` is what the service launches (the
guidelines allow one; with several the first is used and a warning says so). Decisions:

- Refused (`PipelineError`): unsafe or malformed XML (the shared `xml_safety` codes), a root
  other than `<tincan>` or no `<activities>` (`MANIFEST_INVALID`), an activity without an id,
  with an id that is not an absolute IRI, or with an id used twice (`MANIFEST_INVALID`, naming
  the element and id: statements about such an id could never be stored), no activity with a
  launch (`TINCAN_NO_LAUNCH`: there is nothing the service could play), a launch that is an
  absolute URL or leaves the package (`MANIFEST_LAUNCH_URL_REFUSED`, as for SCORM: content is
  served from the tenant's content origin, where its LRS is).
- Warnings: a launch file missing from the package (`LAUNCH_FILE_MISSING`), several launchable
  activities (`TINCAN_SEVERAL_LAUNCHES`). A `<resource>` is listed with its activity, not served.
- Texts: a language map per activity (`name`, `description`: lang → text, '' for no lang);
  `title` prefers en-US, then any English, then the first given.

`TincanResult.to_dict()` — the stored form (format_version 1):

    format_version, standard "tincan", edition None, label "TinCan (xAPI)",
    identifier (the launch activity id), title, description, launch_activity, launch_path
    (root-relative, query and fragment kept), sco_count 1,
    activities [{id, type, name {lang: text}, description {lang: text}, title, launch
                 (root-relative path or None), launch_lang, resource, interaction_type,
                 launchable}],
    organizations [], resources [] (the SCORM keys, empty), warnings
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from pipeline.errors import PipelineError
from pipeline.manifest import hrefs
from pipeline.manifest.common import invalid
from pipeline.manifest.nodes import attr, collapse, kid, kids, local, text
from pipeline.manifest.xml_safety import DEFAULT_MAX_BYTES, parse_xml
from pipeline.notes import CappedNotes, note

FORMAT_VERSION = 1
STANDARD = "tincan"
LABEL = "TinCan (xAPI)"
DESCRIPTOR = "tincan.xml"
UNTITLED = "Untitled package"
MAX_IRI = 2048
# An absolute IRI: a scheme, then something (xAPI Data 4.1.4.1 wants activity ids to be IRIs).
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


@dataclass
class TincanResult:
    """A parsed `tincan.xml` (see the module docstring for every field)."""

    title: str
    description: str | None
    launch_activity: str
    launch_path: str
    activities: list[dict[str, Any]]
    warnings: list[dict[str, Any]] = field(default_factory=list)
    standard: str = STANDARD
    edition: str | None = None
    sco_count: int = 1

    @property
    def label(self) -> str:
        return LABEL

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict, stable across releases (`format_version` changes otherwise)."""
        return {
            "format_version": FORMAT_VERSION,
            "standard": STANDARD,
            "edition": None,
            "label": LABEL,
            "identifier": self.launch_activity,
            "title": self.title,
            "description": self.description,
            "launch_activity": self.launch_activity,
            "launch_path": self.launch_path,
            "sco_count": self.sco_count,
            "activities": self.activities,
            "organizations": [],
            "resources": [],
            "warnings": self.warnings,
        }


def extract_tincan(xml_bytes: bytes, file_names: set[str], *, name: str = DESCRIPTOR,
                   fallback_title: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> TincanResult:  # fmt: skip
    """Parse and check a package's `tincan.xml`.

    Args:
        xml_bytes: the file's bytes as stored in the ZIP.
        file_names: normalised names of the package's files (a missing launch file is a warning).
        name: the descriptor's name in the package, for messages.
        fallback_title: title when no activity names one (the upload's file name).
        max_bytes: largest accepted descriptor.

    Raises:
        PipelineError: the `xml_safety` codes, `MANIFEST_INVALID`, `TINCAN_NO_LAUNCH`,
            `MANIFEST_LAUNCH_URL_REFUSED`.
    """
    warnings = CappedNotes()
    root = parse_xml(xml_bytes, name, warnings, max_bytes=max_bytes)
    if root is None or local(root) != "tincan":
        found = "no element" if root is None else f"<{local(root)}>"
        raise invalid(f"The root element of {name} is {found}, not <tincan>.", "tincan")
    container = kid(root, "activities")
    if container is None:
        raise invalid(f"{name} has no <activities> element.", "activities")
    activities = [_activity(element, position) for position, element in enumerate(kids(container, "activity"))]
    _refuse_repeated_ids(activities)
    launchable = [activity for activity in activities if activity["launchable"]]
    if not launchable:
        raise PipelineError("TINCAN_NO_LAUNCH", f"No activity in {name} has a <launch>: there is nothing to play.",
                            {"activities": len(activities)})  # fmt: skip
    first = launchable[0]
    _warn(first, launchable, file_names, warnings)
    warnings.close()
    title = first["title"] or next((a["title"] for a in activities if a["title"]), None) or fallback_title or UNTITLED
    return TincanResult(title=title[:500], description=_preferred(first["description"]),
                        launch_activity=first["id"], launch_path=first["launch"], activities=activities,
                        warnings=list(warnings))  # fmt: skip


def _activity(element: etree._Element, position: int) -> dict[str, Any]:
    """One `<activity>` as a dict (refusing what statements could never be stored about)."""
    activity_id = attr(element, "id")
    if not activity_id:
        raise invalid(f"Activity #{position + 1} has no id.", "activity", position=position)
    if len(activity_id) > MAX_IRI or not _IRI.match(activity_id):
        raise invalid(f"Activity id \"{activity_id[:200]}\" is not an absolute IRI.", "activity",
                      id=activity_id[:300])  # fmt: skip
    names, descriptions = _language_map(element, "name"), _language_map(element, "description")
    launch_element = kid(element, "launch")
    launch_text = text(launch_element)
    launch = _launch_path(activity_id, launch_text) if launch_text else None
    return {
        "id": activity_id,
        "type": attr(element, "type") or None,
        "name": names,
        "description": descriptions,
        "title": _preferred(names),
        "launch": launch,
        "launch_lang": (attr(launch_element, "lang") or None) if launch else None,
        "resource": text(kid(element, "resource")),
        "interaction_type": text(kid(element, "interactionType")),
        "launchable": launch is not None,
    }


def _language_map(element: etree._Element, tag: str) -> dict[str, str]:
    """`<name lang="…">` elements as {lang: text}; the first text of a language wins."""
    found: dict[str, str] = {}
    for child in kids(element, tag):
        value = collapse(text(child))
        if value:
            found.setdefault(attr(child, "lang") or "", value[:2000])
    return found


def _preferred(texts: dict[str, str]) -> str | None:
    """en-US, then any English, then the first text given."""
    for lang, value in texts.items():
        if lang.lower() == "en-us":
            return value
    english = [value for lang, value in texts.items() if lang.lower().split("-")[0] == "en"]
    return english[0] if english else next(iter(texts.values()), None)


def _launch_path(activity_id: str, launch: str) -> str:
    """The launch as a root-relative URL; an absolute URL or one above the root is refused."""
    resolved = hrefs.resolve_href("", launch)
    if hrefs.is_external(resolved) or not _inside_root(launch):
        scheme = urlsplit(resolved).scheme.lower()
        reason = "external_url" if scheme in ("http", "https", "") else "script_or_other_scheme"
        raise PipelineError(
            "MANIFEST_LAUNCH_URL_REFUSED",
            f"Activity \"{activity_id}\" launches \"{launch[:200]}\"; launch files must be files in the package.",
            {"element": "launch", "activity": activity_id, "href": launch[:300], "reason": reason},
        )
    return resolved


def _inside_root(launch: str) -> bool:
    # urljoin silently drops '..' above the root; a launch written that way points outside the package.
    depth = 0
    for segment in urlsplit(launch.strip().replace("\\", "/")).path.split("/"):
        depth += -1 if segment == ".." else 0 if segment in ("", ".") else 1
        if depth < 0:
            return False
    return True


def _refuse_repeated_ids(activities: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for activity in activities:
        if activity["id"] in seen:
            raise invalid(f"Activity id \"{activity['id'][:200]}\" is declared twice.", "activity",
                          id=activity["id"][:300])  # fmt: skip
        seen.add(activity["id"])


def _warn(first: dict[str, Any], launchable: list[dict[str, Any]], file_names: set[str],
          warnings: list[dict[str, Any]]) -> None:  # fmt: skip
    path = hrefs.file_path(first["launch"])
    if path not in file_names:
        warnings.append(note("LAUNCH_FILE_MISSING", f"The launch file '{path}' is not in the package.",
                             activity=first["id"], file=path))  # fmt: skip
    if len(launchable) > 1:
        warnings.append(note("TINCAN_SEVERAL_LAUNCHES",
                             f"{len(launchable)} activities have a <launch>; the first, \"{first['id']}\", is played.",
                             activities=[a["id"] for a in launchable[:20]]))  # fmt: skip
