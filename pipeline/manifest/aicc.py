"""AICC course structure (CMI001 appendix A) → the manifest stage's result, shaped like a SCORM 1.2 manifest.

Files, found by extension in any case at the package root: `.crs` (course, INI),
`.au` (assignable units), `.des` (titles), `.cst` (block structure), and the
optional `.pre` (prerequisites), `.ore` (objectives relationships), `.cmp`
(completion requirements), all CSV. When a folder holds several of one kind,
the one sharing the `.crs` file's stem is used.

Decisions:
- `.crs` and `.au` are required: without them there is no course and nothing to
  launch (`AICC_FILES_MISSING`, naming what is missing; Moodle's `validaicc`
  fixture, a lone `.cst`, is refused so). A missing `.des` or `.cst` is a warning
  (titles fall back to system ids; AUs follow the `.au` order). Several `.crs`
  files are refused (`AICC_MULTIPLE_COURSES`).
- Every AU is a 1.2-style `sco` item: the player's runtime, status rules (mastery
  score decides passed/failed) and rollup apply unchanged. Blocks are items with
  children. An AU named as a `.cst` block (seen in the wild) keeps its place
  and its members follow it (`AICC_BLOCK_IS_AU`); AUs the `.cst` never places are
  appended at the root (`AICC_AU_UNPLACED`).
- An AU's `file_name` is its launch URL, with `web_launch` appended as a query.
  A relative one resolves inside the package (`LAUNCH_FILE_MISSING` when absent);
  an absolute http(s) URL is kept (AICC courses are often hosted elsewhere and
  talk to HACP across origins); any other scheme is refused
  (`AICC_LAUNCH_URL_REFUSED`); an AU without `file_name` is refused (`AICC_AU_INVALID`).
- `.pre` rows (element, AICC script) become the items' `prerequisites`, evaluated
  as SCORM 1.2 ones; several rows for one element are joined with `&`.
- `Time_Limit_Action` `E,M` / `C,N` becomes SCORM's `exit,message` / `continue,no message`.
- The edition is the AICC guideline version the `.crs` `Version` key declares ("2.2",
  "3.0", "3.5", "4.0"): what the packages and sessions APIs report as `version`. A value
  that is not a short dotted number (free text, seen in hand-written files) gives none,
  and the raw value stays in `aicc.course.version`.

The stored form adds `aicc` to the SCORM shape (`pipeline.manifest`):
`{course: {course_id, title, creator, system, level, version, total_aus, total_blocks,
description, behavior: {...}}, files: {kind: name}, aus: [{system_id, title, description,
developer_id, type, file_name, url, external, web_launch, command_line, max_score,
mastery_score, max_time_allowed, time_limit_action, system_vendor, core_vendor,
au_password_set}], blocks: [{system_id, title, description, members}],
prerequisites: {element: expression}, objectives_relationships: [row], completion: [row]}`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from pipeline.errors import PipelineError
from pipeline.manifest.aicc_csv import Table, parse_csv
from pipeline.manifest.aicc_ini import IniDocument, parse_ini
from pipeline.manifest.hrefs import file_path, is_external, resolve_href, with_parameters
from pipeline.manifest.result import ManifestResult
from pipeline.notes import note

STANDARD = "aicc"
KINDS = ("crs", "au", "des", "cst", "pre", "ore", "cmp")
REQUIRED = ("crs", "au")
_ACTIONS = {"e": "exit", "c": "continue"}
_MESSAGES = {"m": "message", "n": "no message"}
# The stored edition column holds 8 characters; AICC versions are short dotted numbers.
_EDITION = re.compile(r"\d{1,3}(\.\d{1,3}){0,2}")
ReadFile = Callable[[str], bytes]
Nodes = list[dict[str, Any]]


@dataclass
class AiccResult(ManifestResult):
    """A parsed AICC course; `aicc` holds the course files' own view (see the module docstring)."""

    aicc: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return "AICC"

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "label": self.label, "aicc": self.aicc}


def course_files(names: Collection[str]) -> dict[str, str]:
    """The course's files by kind (`crs` → `Course.CRS`), chosen at the package root.

    Raises:
        PipelineError: `AICC_MULTIPLE_COURSES`, `AICC_FILES_MISSING`.
    """
    by_kind: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for name in sorted(names):
        stem, dot, ext = name.rpartition(".")
        if "/" not in name and dot and ext.casefold() in by_kind:
            by_kind[ext.casefold()].append(name)
    if len(by_kind["crs"]) > 1:
        raise PipelineError("AICC_MULTIPLE_COURSES", "The package holds several AICC courses (.crs files); "
                            "upload one course per package.", {"files": by_kind["crs"]})  # fmt: skip
    missing = [f".{kind}" for kind in REQUIRED if not by_kind[kind]]
    if missing:
        raise PipelineError(
            "AICC_FILES_MISSING",
            f"The AICC course lacks its {' and '.join(missing)} file{'s' if len(missing) > 1 else ''}: "
            "without the course (.crs) and assignable unit (.au) files there is nothing to launch.",
            {"missing": missing, "found": sorted(name for files in by_kind.values() for name in files)},
        )
    stem = by_kind["crs"][0].rpartition(".")[0].casefold()
    return {kind: _pick(files, stem) for kind, files in by_kind.items() if files}


def _pick(files: list[str], stem: str) -> str:
    return next((name for name in files if name.rpartition(".")[0].casefold() == stem), files[0])


def extract_aicc(names: Collection[str], read_file: ReadFile, fallback_title: str | None = None) -> AiccResult:
    """Parse an AICC course from its files.

    Args:
        names: the package's file names (normalised, root-relative).
        read_file: reads one of them (size-limited by the caller).
        fallback_title: title when the `.crs` gives none.

    Raises:
        PipelineError: `AICC_FILES_MISSING`, `AICC_MULTIPLE_COURSES`, `AICC_AU_INVALID`,
            `AICC_LAUNCH_URL_REFUSED`.
    """
    files = course_files(names)
    tables = {kind: parse_csv(read_file(name)) for kind, name in files.items() if kind != "crs"}
    crs = parse_ini(read_file(files["crs"]))
    warnings: list[dict[str, Any]] = []
    titles = _descriptions(tables.get("des"), files, warnings)
    prerequisites = _prerequisites(tables.get("pre"))
    aus = [_au(record, titles, set(names), warnings) for record in _au_records(tables["au"], files["au"])]
    items = {au["system_id"].casefold(): _item(au, prerequisites) for au in aus}
    tree, blocks = _structure(tables.get("cst"), items, titles, files, warnings)
    course = _course(crs, files["crs"], fallback_title)
    first = next((au for au in aus), None)
    organization = {"identifier": course["course_id"] or "course", "title": course["title"], "structure": None,
                    "objectives_global_to_system": None, "shared_data_global_to_system": None,
                    "sequencing": None, "items": tree}  # fmt: skip
    return AiccResult(
        standard=STANDARD, edition=aicc_edition(course["version"]), schemaversion=course["version"] or None,
        identifier=course["course_id"],
        version=course["version"] or None, title=course["title"], description=course["description"] or None,
        default_organization=organization["identifier"], organizations=[organization],
        resources=[], sequencing_collection={},
        launch_item=first["system_id"] if first else None,
        launch_path=first["url"] if first and not first["external"] else None,
        sco_count=len(aus), warnings=warnings,
        aicc={"course": course, "files": files, "aus": aus, "blocks": blocks, "prerequisites": prerequisites,
              "objectives_relationships": tables["ore"].records() if "ore" in tables else [],
              "completion": tables["cmp"].records() if "cmp" in tables else []},
    )  # fmt: skip


def _course(crs: IniDocument, name: str, fallback_title: str | None) -> dict[str, Any]:
    def value(key: str) -> str:
        return crs.get("course", key).strip()

    return {
        "course_id": value("course_id") or None,
        "title": value("course_title") or fallback_title or name.rpartition(".")[0],
        "creator": value("course_creator") or None,
        "system": value("course_system") or None,
        "level": value("level") or None,
        "version": value("version") or None,
        "total_aus": _int(value("total_aus")),
        "total_blocks": _int(value("total_blocks")),
        "description": crs.text("course_description") or None,
        "behavior": dict(crs.groups.get("course_behavior", {})),
    }


def aicc_edition(version: str | None) -> str | None:
    """The `.crs` `Version` as an edition ("3.5"), or None when it is missing or not a short dotted number."""
    value = (version or "").strip()
    return value if _EDITION.fullmatch(value) and len(value) <= 8 else None


def _int(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def _descriptions(table: Table | None, files: dict[str, str],
                  warnings: list[dict[str, Any]]) -> dict[str, dict[str, str]]:  # fmt: skip
    if table is None:
        warnings.append(note("AICC_FILE_MISSING", "The course has no descriptor (.des) file: "
                             "assignable units and blocks are titled by their system ids.", file=".des"))  # fmt: skip
        return {}
    return {record.get("system_id", "").casefold(): record for record in table.records() if record.get("system_id")}


def _prerequisites(table: Table | None) -> dict[str, str]:
    found: dict[str, list[str]] = {}
    for row in table.rows if table else []:
        element, expression = (row + ["", ""])[:2]
        if element and expression:
            found.setdefault(element, []).append(expression)
    return {element: " & ".join(f"({e})" if len(parts) > 1 else e for e in parts)
            for element, parts in found.items()}  # fmt: skip


def _au_records(table: Table, name: str) -> list[dict[str, str]]:
    if "system_id" not in table.header:
        raise PipelineError("AICC_AU_INVALID", f"{name} has no system_id column.", {"file": name})
    records = [record for record in table.records() if any(record.values())]
    seen: set[str] = set()
    for record in records:
        system_id = record.get("system_id", "")
        if not system_id or system_id.casefold() in seen:
            raise PipelineError("AICC_AU_INVALID", f"{name}: an assignable unit has an empty or repeated "
                                f"system_id ({system_id!r}).", {"file": name, "system_id": system_id})  # fmt: skip
        seen.add(system_id.casefold())
    return records


def _au(record: dict[str, str], titles: dict[str, dict[str, str]], names: set[str],
        warnings: list[dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
    system_id = record["system_id"]
    described = titles.get(system_id.casefold(), {})
    file_name, web_launch = record.get("file_name", ""), record.get("web_launch", "")
    url, external = _launch_url(system_id, file_name, web_launch)
    if not external and file_path(url) not in names:
        warnings.append(note("LAUNCH_FILE_MISSING", f"The launch file of AU {system_id} ({file_path(url)}) "
                             "is not in the package.", item=system_id, file=file_path(url)))  # fmt: skip
    return {
        "system_id": system_id, "title": described.get("title") or system_id,
        "description": described.get("description") or None, "developer_id": described.get("developer_id") or None,
        "type": record.get("type") or None, "file_name": file_name, "url": url, "external": external,
        "web_launch": web_launch or None, "command_line": record.get("command_line") or None,
        "max_score": _number(record.get("max_score")), "mastery_score": _number(record.get("mastery_score")),
        "max_time_allowed": _time(record.get("max_time_allowed")),
        "time_limit_action": _time_limit_action(record.get("time_limit_action")),
        "system_vendor": record.get("system_vendor") or None, "core_vendor": record.get("core_vendor") or None,
        "au_password_set": bool(record.get("au_password")),
    }  # fmt: skip


def _launch_url(system_id: str, file_name: str, web_launch: str) -> tuple[str, bool]:
    if not file_name.strip():
        raise PipelineError("AICC_AU_INVALID", f"AU {system_id} has no file_name to launch.", {"system_id": system_id})
    url = resolve_href("", file_name)
    if is_external(url):
        if not url.lower().startswith(("http://", "https://")):
            raise PipelineError("AICC_LAUNCH_URL_REFUSED", f"AU {system_id} launches {file_name!r}: only package "
                                "files and http(s) URLs can be launched.", {"system_id": system_id})  # fmt: skip
        return with_parameters(url, web_launch), True
    return with_parameters(url, web_launch), False


def _number(value: str | None) -> float | None:
    try:
        number = float(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is not None and 0 <= number <= 100 else None


def _time(value: str | None) -> str | None:
    # 00:00:00 is how tools say "no limit".
    value = (value or "").strip()
    return None if not value or value.strip("0:.") == "" else value


def _time_limit_action(value: str | None) -> str | None:
    parts = [part.strip().casefold()[:1] for part in (value or "").split(",")]
    if len(parts) != 2 or parts[0] not in _ACTIONS or parts[1] not in _MESSAGES:
        return None
    return f"{_ACTIONS[parts[0]]},{_MESSAGES[parts[1]]}"


def _item(au: dict[str, Any], prerequisites: dict[str, str]) -> dict[str, Any]:
    expression = next((value for key, value in prerequisites.items() if key.casefold() == au["system_id"].casefold()),
                      None)  # fmt: skip
    return {
        "identifier": au["system_id"], "title": au["title"], "isvisible": True, "parameters": None,
        "resource_identifier": None, "scorm_type": "sco", "launchable": True, "launch_href": au["url"],
        "prerequisites": {"type": "aicc_script", "expression": expression} if expression else None,
        "mastery_score": au["mastery_score"], "max_time_allowed": au["max_time_allowed"],
        "time_limit_action": au["time_limit_action"], "data_from_lms": au["core_vendor"],
        "completion_threshold": None, "completion_threshold_detail": None, "scaled_passing_score": None,
        "shared_data": [], "presentation": None, "sequencing": None, "children": [],
    }  # fmt: skip


@dataclass
class _Builder:
    members: dict[str, list[str]]
    items: dict[str, dict[str, Any]]
    titles: dict[str, dict[str, str]]
    warnings: list[dict[str, Any]]
    placed: set[str] = field(default_factory=set)
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def nodes(self, parent: str, path: tuple[str, ...]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for member in self.members.get(parent, []):
            key = member.casefold()
            if key in path or key in self.placed:
                continue  # a cycle or a second placement: each element appears once
            if key in self.items:
                self.placed.add(key)
                out.append(self.items[key])
                if key in self.members:
                    self.warnings.append(note("AICC_BLOCK_IS_AU", f"{member} is an assignable unit and a block in "
                                              "the .cst file; its members follow it.", item=member))  # fmt: skip
                    out.extend(self.nodes(key, (*path, key)))
            elif key in self.members:
                self.placed.add(key)
                out.append(self._block(member, key, path))
        return out

    def _block(self, member: str, key: str, path: tuple[str, ...]) -> dict[str, Any]:
        described = self.titles.get(key, {})
        children = self.nodes(key, (*path, key))
        self.blocks.append({"system_id": member, "title": described.get("title") or member,
                            "description": described.get("description") or None,
                            "members": list(self.members[key])})  # fmt: skip
        return {"identifier": member, "title": described.get("title") or member, "isvisible": True,
                "parameters": None, "resource_identifier": None, "scorm_type": None, "launchable": False,
                "launch_href": None, "prerequisites": None, "sequencing": None, "children": children}  # fmt: skip


def _structure(table: Table | None, items: dict[str, dict[str, Any]], titles: dict[str, dict[str, str]],
               files: dict[str, str], warnings: list[dict[str, Any]]) -> tuple[Nodes, Nodes]:  # fmt: skip
    """The item tree from the `.cst` (ROOT first) and the blocks it defines."""
    members: dict[str, list[str]] = {}
    if table is None:
        warnings.append(note("AICC_FILE_MISSING", "The course has no structure (.cst) file: its assignable "
                             "units follow the .au file's order.", file=".cst"))  # fmt: skip
    else:
        columns = table.columns("member") or list(range(1, min(len(table.header), 2)))
        for row in table.rows:
            block = (row[0] if row else "").casefold()
            members.setdefault(block, []).extend(row[i] for i in columns if i < len(row) and row[i])
    builder = _Builder(members, items, titles, warnings)
    tree = builder.nodes("root", ("root",))
    unplaced = [key for key in items if key not in builder.placed]
    if unplaced and table is not None:
        warnings.append(note("AICC_AU_UNPLACED", "Assignable units not placed by the .cst file are added at the "
                             "end of the course.", items=[items[key]["identifier"] for key in unplaced],
                             file=files.get("cst")))  # fmt: skip
    tree.extend(items[key] for key in unplaced)
    return tree, builder.blocks
