"""Turn a validated statement into its stored form and the keys the LRS indexes it by.

`prepare_statement` applies what the LRS sets itself (id, stored, authority, version,
timestamp; contextActivities as arrays; timestamps in UTC); `index_statement` extracts the
values the statement queries filter on (agents by IFI, activity ids, verb, registration,
the StatementRef target). Both are pure functions of their inputs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from web.lrs.datatypes import normalize_timestamp
from web.lrs.validation_objects import IFI_KEYS


@dataclass
class StatementIndex:
    """Values a stored statement is found by.

    Attributes:
        agents: IFI keys of the actor and of an Agent/Group object (the `agent` filter).
        related_agents: IFI keys anywhere in the statement (`related_agents=true`).
        activities: the object's Activity id (the `activity` filter).
        related_activities: every Activity id in the statement (`related_activities=true`).
        verb: the verb IRI.
        registration: context.registration, lower-cased.
        ref_id: the id a StatementRef object points at, lower-cased.
        actor_key: the actor's IFI key, or None for an anonymous Group.
        object_agent_key: the IFI key of an Agent or identified Group object.
        authority_key: the authority's IFI key.
    """

    agents: set[str] = field(default_factory=set)
    related_agents: set[str] = field(default_factory=set)
    activities: set[str] = field(default_factory=set)
    related_activities: set[str] = field(default_factory=set)
    verb: str = ""
    registration: str | None = None
    ref_id: str | None = None
    actor_key: str | None = None
    object_agent_key: str | None = None
    authority_key: str | None = None

    @property
    def extra_agents(self) -> set[str]:
        """Related agents other than the actor, the object and the authority (kept aside)."""
        return self.related_agents - {self.actor_key, self.object_agent_key, self.authority_key}

    @property
    def extra_activities(self) -> set[str]:
        """Related activities other than the object (context and SubStatement activities)."""
        return self.related_activities - self.activities


def default_version(header_version: str) -> str:
    """The version stored when a statement has none: 1.0.0 for 1.0.x clients, else 2.0.0."""
    return "1.0.0" if header_version.startswith("1.") else "2.0.0"


def prepare_statement(statement: dict, *, stored: str, authority: dict,
                      header_version: str) -> dict:
    """Return the statement as the LRS stores it.

    Args:
        statement: a statement that passed `validate_statement`.
        stored: the LRS's `stored` timestamp (UTC, milliseconds).
        authority: the Agent or Group of the credential that sent the statement; it
            replaces any authority in the statement (xAPI Data 2.4.9: the LRS SHOULD
            overwrite the authority based on the credentials used).
        header_version: the request's X-Experience-API-Version.

    Returns:
        A new dict; the input is not modified.
    """
    # Copy only the containers changed below: the input stays untouched at a fraction of
    # the cost of a deep copy (statements are written in batches of hundreds).
    result = dict(statement)
    result["id"] = str(result.get("id") or uuid.uuid4()).lower()
    result["stored"] = stored
    result["authority"] = authority
    result.setdefault("version", default_version(header_version))
    result["timestamp"] = normalize_timestamp(result["timestamp"]) if "timestamp" in result else stored
    _normalize_body(result)
    obj = result.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        obj = result["object"] = dict(obj)
        if "timestamp" in obj:
            obj["timestamp"] = normalize_timestamp(obj["timestamp"])
        _normalize_body(obj)
    return result


def _normalize_body(statement: dict) -> None:
    """Wrap single context activities in arrays and lower-case UUID references (copy-on-write)."""
    context = statement.get("context")
    if isinstance(context, dict):
        activities = context.get("contextActivities")
        if isinstance(activities, dict) and any(not isinstance(v, list) for v in activities.values()):
            context = statement["context"] = dict(context)
            context["contextActivities"] = {key: value if isinstance(value, list) else [value]
                                            for key, value in activities.items()}
    obj = statement.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "StatementRef" and obj["id"] != obj["id"].lower():
        statement["object"] = {**obj, "id": obj["id"].lower()}


def agent_key(agent: Any) -> str | None:
    """The canonical key of an Agent's or identified Group's IFI, e.g. `mbox:mailto:a@b.c`."""
    if not isinstance(agent, dict):
        return None
    for key in IFI_KEYS:
        value = agent.get(key)
        if value is None:
            continue
        if key == "account" and isinstance(value, dict):
            return f"account:{value.get('homePage')}|{value.get('name')}"
        if key == "mbox_sha1sum":
            return f"mbox_sha1sum:{str(value).lower()}"
        return f"{key}:{value}"
    return None


def index_statement(statement: dict) -> StatementIndex:
    """Extract the filter keys of a prepared statement."""
    index = StatementIndex(verb=statement["verb"]["id"])
    index.actor_key = agent_key(statement.get("actor"))
    obj = statement.get("object") or {}
    kind = obj.get("objectType", "Activity")
    if kind in ("Agent", "Group"):
        index.object_agent_key = agent_key(obj)
    index.authority_key = agent_key(statement.get("authority"))
    index.agents = {key for key in (index.actor_key, index.object_agent_key) if key}
    if kind == "Activity":
        index.activities.add(obj["id"])
    elif kind == "StatementRef":
        index.ref_id = obj["id"].lower()
    context = statement.get("context") or {}
    if context.get("registration"):
        index.registration = context["registration"].lower()
    _collect_related(statement, index)
    _collect_related(statement.get("authority"), index, actor_only=True)
    if kind == "SubStatement":
        _collect_related(obj, index)
    return index


def _actor_keys(actor: Any) -> set[str]:
    """Keys an Agent or Group matches by: its own IFI (the agent filter matches groups too)."""
    key = agent_key(actor)
    return {key} if key else set()


def _collect_related(statement: Any, index: StatementIndex, actor_only: bool = False) -> None:
    """Add agents and activities found in a statement body (or in a bare actor)."""
    if not isinstance(statement, dict):
        return
    if actor_only:
        index.related_agents.update(_all_agent_keys(statement))
        return
    index.related_agents.update(_all_agent_keys(statement.get("actor")))
    obj = statement.get("object") or {}
    kind = obj.get("objectType", "Activity")
    if kind in ("Agent", "Group"):
        index.related_agents.update(_all_agent_keys(obj))
    elif kind == "Activity" and "id" in obj:
        index.related_activities.add(obj["id"])
    context = statement.get("context") or {}
    for key in ("instructor", "team"):
        index.related_agents.update(_all_agent_keys(context.get(key)))
    for item in context.get("contextAgents") or []:
        index.related_agents.update(_all_agent_keys(item.get("agent")))
    for item in context.get("contextGroups") or []:
        index.related_agents.update(_all_agent_keys(item.get("group")))
    for items in (context.get("contextActivities") or {}).values():
        for activity in items if isinstance(items, list) else [items]:
            if isinstance(activity, dict) and "id" in activity:
                index.related_activities.add(activity["id"])


def _all_agent_keys(actor: Any) -> set[str]:
    """An actor's own key plus the keys of its Group members."""
    if not isinstance(actor, dict):
        return set()
    keys = _actor_keys(actor)
    for member in actor.get("member") or []:
        keys.update(_actor_keys(member))
    return keys
