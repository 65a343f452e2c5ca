"""Statement output formats of the Statement Resource: `exact`, `ids` and `canonical`.

`format_statement(statement, fmt, languages)` returns a new dict; `parse_accept_language`
turns an Accept-Language header into the ranked tags `canonical` filters language maps by
(xAPI 2.0 §4.1.6.1 "format", RFC 4647 lookup).
"""

from __future__ import annotations

import copy
from typing import Any

from web.lrs.validation_objects import IFI_KEYS

FORMATS = ("exact", "ids", "canonical")
_CONTEXT_ACTIVITY_KEYS = ("parent", "grouping", "category", "other")


def parse_accept_language(header: str | None) -> list[str]:
    """Return the language ranges of an Accept-Language header, best first (q=0 dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((header or "").split(",")):
        parts = [part.strip() for part in item.split(";")]
        if not parts[0]:
            continue
        quality = 1.0
        for param in parts[1:]:
            if param.lower().startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, parts[0]))
    return [tag for _, _, tag in sorted(ranked)]


def pick_language(language_map: dict[str, str], languages: list[str]) -> dict[str, str]:
    """Reduce a language map to the single entry that best matches `languages`.

    RFC 4647 lookup: each range is tried as-is, then truncated one subtag at a time; `*`
    matches anything. Without a match the first entry is kept, so a map never empties.
    """
    if not language_map:
        return language_map
    lowered = {key.lower(): key for key in language_map}
    for wanted in languages:
        if wanted == "*":
            break
        candidate = wanted.lower()
        while candidate:
            if candidate in lowered:
                key = lowered[candidate]
                return {key: language_map[key]}
            candidate = candidate.rpartition("-")[0]
    key = next(iter(language_map))
    return {key: language_map[key]}


def format_statement(statement: dict, fmt: str, languages: list[str] | None = None) -> dict:
    """Return `statement` in the requested format.

    Args:
        statement: a stored statement.
        fmt: one of `exact`, `ids`, `canonical`.
        languages: ranked language ranges for `canonical` (from Accept-Language).
    """
    if fmt == "ids":
        return _ids_statement(statement)
    if fmt == "canonical":
        result = copy.deepcopy(statement)
        _filter_languages(result, languages or [])
        return result
    return statement


def _ids_statement(statement: dict) -> dict:
    """Keep only identifiers for Agents, Groups, Activities and Verbs."""
    result = dict(statement)
    for key in ("actor", "authority"):
        if key in result:
            result[key] = _ids_actor(result[key])
    if "verb" in result:
        result["verb"] = {"id": result["verb"]["id"]}
    if "object" in result:
        result["object"] = _ids_object(result["object"])
    if "context" in result:
        result["context"] = _ids_context(result["context"])
    return result


def _ids_actor(actor: Any) -> Any:
    """An Agent or identified Group as objectType + IFI; anonymous Groups keep member ids."""
    if not isinstance(actor, dict):
        return actor
    result = {key: actor[key] for key in ("objectType", *IFI_KEYS) if key in actor}
    if not any(key in actor for key in IFI_KEYS) and "member" in actor:
        result["member"] = [_ids_actor(member) for member in actor["member"]]
    return result


def _ids_object(obj: dict) -> dict:
    """Reduce a statement's object by its type."""
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        return {"id": obj["id"]}
    if kind in ("Agent", "Group"):
        return _ids_actor(obj)
    if kind == "SubStatement":
        return _ids_statement(obj)
    return obj


def _ids_context(context: dict) -> dict:
    """Reduce the agents and activities a Context mentions."""
    result = dict(context)
    for key in ("instructor", "team"):
        if key in result:
            result[key] = _ids_actor(result[key])
    if "contextActivities" in result:
        result["contextActivities"] = {
            key: [{"id": activity["id"]} for activity in items]
            for key, items in result["contextActivities"].items()
        }
    for key, member in (("contextAgents", "agent"), ("contextGroups", "group")):
        if key in result:
            result[key] = [{**item, member: _ids_actor(item[member])} for item in result[key]]
    return result


def _filter_languages(node: Any, languages: list[str]) -> None:
    """Apply `pick_language` to every language map in a statement, in place."""
    if isinstance(node, list):
        for item in node:
            _filter_languages(item, languages)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in ("display", "name", "description") and _is_language_map(key, value):
            node[key] = pick_language(value, languages)
        elif key != "extensions":
            _filter_languages(value, languages)


def _is_language_map(key: str, value: Any) -> bool:
    """`name` is also an Agent's plain string; only dicts of strings are language maps."""
    return isinstance(value, dict) and all(isinstance(text, str) for text in value.values())
