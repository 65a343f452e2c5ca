"""The INI dialect of AICC files (`.crs`) and of HACP `aicc_data`: read it leniently, write it plainly.

AICC CMI001 writes groups as `[Name]` and elements as `keyword=value`, both
case-insensitive, with `;` comment lines; some groups hold free text instead
(`[Course_Description]`, `[Core_Lesson]`, `[Core_Vendor]`, `[Comments]`).
`configparser` does not fit: free-text groups hold lines without `=` and may
repeat `[`, tools repeat keys, and HACP clients send keys before any group.
What real files and clients do, and this accepts: a BOM, CRLF / CR / LF, spaces
around names, `=` and values, quoted values, blank lines, unknown groups and keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

# Groups whose body is text, not keyword=value lines (CMI001 and HACP).
FREE_TEXT = frozenset({"course_description", "core_lesson", "core_vendor", "comments"})
_GROUP = re.compile(r"^\s*\[\s*([^\]]*?)\s*\]\s*$")
_LINES = re.compile(r"\r\n|\r|\n")


def group_key(name: str) -> str:
    """`Core_Lesson`, `core lesson`, ` CORE_LESSON ` → `core_lesson`."""
    return re.sub(r"[\s_]+", "_", name.strip()).casefold()


@dataclass
class IniDocument:
    """Groups of keyword → value (keys folded with `group_key`), and the free-text groups' text."""

    groups: dict[str, dict[str, str]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)

    def get(self, group: str, key: str, default: str = "") -> str:
        return self.groups.get(group_key(group), {}).get(group_key(key), default)

    def text(self, group: str) -> str:
        return self.texts.get(group_key(group), "")

    def has(self, group: str) -> bool:
        key = group_key(group)
        return key in self.groups or key in self.texts


def parse_ini(data: str | bytes, free_text: Iterable[str] = FREE_TEXT) -> IniDocument:
    """Read AICC INI text; never fails (what cannot be read is skipped).

    Keys before any group land in the group `""`. In a keyword group the last
    of repeated keys wins; lines without `=` and `;` comments are skipped. A
    free-text group keeps its lines as written (CRLF-joined, outer blank lines
    dropped) until the next `[group]` line.
    """
    text = decode(data)
    free = {group_key(name) for name in free_text}
    doc = IniDocument()
    current, body = "", None
    for line in _LINES.split(text):
        header = _GROUP.match(line)
        if header and (body is None or _looks_like_group(header.group(1))):
            current = group_key(header.group(1))
            body = doc.texts.setdefault(current, "") if current in free else None
            if body is None:
                doc.groups.setdefault(current, {})
            continue
        if current in free and body is not None:
            doc.texts[current] = (doc.texts[current] + "\r\n" + line) if doc.texts[current] else line
            continue
        _read_pair(doc.groups.setdefault(current, {}), line)
    doc.texts = {name: value.strip("\r\n") for name, value in doc.texts.items()}
    return doc


def _looks_like_group(name: str) -> bool:
    # Inside free text, only a bracketed word (letters, digits, _ and spaces) starts a new group.
    return bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9_ ]*", name))


def _read_pair(group: dict[str, str], line: str) -> None:
    stripped = line.strip()
    if not stripped or stripped.startswith((";", "#")) or "=" not in stripped:
        return
    key, _, value = stripped.partition("=")
    key = group_key(key)
    if key:
        group[key] = unquote(value.strip())


def unquote(value: str) -> str:
    """`"x"` → `x` (a value some tools quote); anything else as it is."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def decode(data: str | bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 as older tools wrote; a leading BOM removed."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            data = data.decode("cp1252", errors="replace")
    return data.removeprefix("\ufeff")


def write_ini(groups: list[tuple[str, dict[str, str] | str]]) -> str:
    """HACP `aicc_data`: `[Group]` then `Key=value` lines (or the group's text), CRLF-separated.

    Values are written on one line: a line break inside a keyword value would
    start another element at the reader's end, so it becomes a space.
    """
    lines: list[str] = []
    for name, body in groups:
        lines.append(f"[{name}]")
        if isinstance(body, str):
            if body:
                lines.append(body)
            continue
        lines.extend(f"{key}={_one_line(value)}" for key, value in body.items())
    return "\r\n".join(lines)


def _one_line(value: str) -> str:
    return _LINES.sub(" ", value)
