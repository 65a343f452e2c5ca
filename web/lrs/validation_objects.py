"""Validation of xAPI actors, verbs, objects and activity definitions.

`Checker` collects `FieldError`s while walking a statement; `validation._StatementChecker`
extends it with statement-level rules. Rules follow xAPI 2.0 Part 2 §4.2.2 (Actor, Verb,
Object) and are shared with 1.0.3, which the 2.0 rules tighten only where noted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from web.lrs import datatypes as dt
from web.lrs.langtag import is_language_tag

IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")
_AGENT_KEYS = frozenset(("objectType", "name", *IFI_KEYS))
_GROUP_KEYS = frozenset(("objectType", "name", "member", *IFI_KEYS))
_ACCOUNT_KEYS = frozenset(("homePage", "name"))
_VERB_KEYS = frozenset(("id", "display"))
_ACTIVITY_KEYS = frozenset(("objectType", "id", "definition"))
_DEFINITION_KEYS = frozenset(
    "name description type moreInfo extensions interactionType correctResponsesPattern "
    "choices scale source target steps".split()
)
_STATEMENT_REF_KEYS = frozenset(("objectType", "id"))
# Which interaction component lists each interactionType may carry (xAPI Data 2.4.4.1).
COMPONENT_LISTS = {
    "choice": ("choices",),
    "sequencing": ("choices",),
    "likert": ("scale",),
    "matching": ("source", "target"),
    "performance": ("steps",),
    "true-false": (),
    "fill-in": (),
    "long-fill-in": (),
    "numeric": (),
    "other": (),
}
_ALL_COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")


@dataclass(frozen=True)
class FieldError:
    """One validation problem: the JSON path of the field and what is wrong with it."""

    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """Return the error as a JSON-ready mapping."""
        return {"path": self.path, "message": self.message}


class Checker:
    """Collects errors for actors, verbs, activities and shared value types.

    Args:
        version: the request's xAPI version string (`1.0.3`, `2.0.0`).
    """

    def __init__(self, version: str = "2.0.0") -> None:
        self.errors: list[FieldError] = []
        self.v2 = version.startswith("2.")

    # -- plumbing -------------------------------------------------------------------------
    @staticmethod
    def at(path: str, key: str) -> str:
        """Append a property name to a path."""
        return f"{path}.{key}" if path else key

    def error(self, path: str, message: str) -> None:
        """Record one problem."""
        self.errors.append(FieldError(path or "$", message))

    def fields(self, value: Any, path: str, allowed: frozenset | set,
               required: tuple[str, ...] = ()) -> bool:
        """Check that `value` is an object with known, non-null keys and its required ones.

        Returns:
            Whether `value` is an object (so callers may inspect its members).
        """
        if not isinstance(value, dict):
            self.error(path, "must be an object")
            return False
        for key, item in value.items():
            if key not in allowed:
                self.error(self.at(path, key), "is not an allowed property")
            elif item is None:
                self.error(self.at(path, key), "must not be null")
        for key in required:
            if key not in value:
                self.error(self.at(path, key), "is required")
        return all(key in value and value[key] is not None for key in required)

    @staticmethod
    def is_number(value: Any) -> bool:
        """JSON numbers only: booleans and numeric strings are refused."""
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    def string(self, value: Any, path: str) -> None:
        """Require a JSON string."""
        if not isinstance(value, str):
            self.error(path, "must be a string")

    def iri(self, value: Any, path: str) -> None:
        """Require an absolute IRI."""
        if not dt.is_iri(value):
            self.error(path, "must be an IRI")

    def language_tag(self, value: Any, path: str) -> None:
        """Require an RFC 5646 language tag."""
        if not is_language_tag(value):
            self.error(path, "must be an RFC 5646 language tag")

    def language_map(self, value: Any, path: str) -> None:
        """A language map has RFC 5646 keys and string values."""
        if not isinstance(value, dict):
            self.error(path, "must be a language map")
            return
        for key, text in value.items():
            if not is_language_tag(key):
                self.error(self.at(path, key), "is not an RFC 5646 language tag")
            elif not isinstance(text, str):
                self.error(self.at(path, key), "must be a string")

    def extensions(self, value: Any, path: str) -> None:
        """Extension keys are IRIs; values may be any JSON, null included."""
        if not isinstance(value, dict):
            self.error(path, "must be an object")
            return
        for key in value:
            if not dt.is_iri(key):
                self.error(self.at(path, key), "extension keys must be IRIs")

    # -- actors ---------------------------------------------------------------------------
    def actor(self, value: Any, path: str) -> None:
        """An Agent, or a Group when objectType says so."""
        if not isinstance(value, dict):
            self.error(path, "must be an Agent or Group object")
        elif value.get("objectType", "Agent") == "Group":
            self.group(value, path)
        else:
            self.agent(value, path)

    def agent(self, value: Any, path: str) -> None:
        """An Agent has exactly one inverse functional identifier."""
        if not self.fields(value, path, _AGENT_KEYS):
            return
        if value.get("objectType", "Agent") != "Agent":
            self.error(self.at(path, "objectType"), "must be 'Agent'")
        if "name" in value:
            self.string(value["name"], self.at(path, "name"))
        if self.ifis(value, path) != 1:
            self.error(path, "an Agent needs exactly one of mbox, mbox_sha1sum, openid, account")

    def group(self, value: Any, path: str, require_type: bool = True) -> None:
        """A Group has at most one IFI; an anonymous Group lists its members."""
        if not self.fields(value, path, _GROUP_KEYS):
            return
        if value.get("objectType") != "Group" and (require_type or "objectType" in value):
            self.error(self.at(path, "objectType"), "must be 'Group'")
        if "name" in value:
            self.string(value["name"], self.at(path, "name"))
        count = self.ifis(value, path)
        if count > 1:
            self.error(path, "a Group may have only one inverse functional identifier")
        if "member" in value:
            self.members(value["member"], self.at(path, "member"), anonymous=count == 0)
        elif count == 0:
            self.error(self.at(path, "member"), "an anonymous Group needs members")

    def members(self, value: Any, path: str, anonymous: bool) -> None:
        """Group members are Agents (never Groups)."""
        if not isinstance(value, list):
            self.error(path, "must be an array of Agents")
            return
        if anonymous and not value:
            self.error(path, "an anonymous Group needs at least one member")
        for index, member in enumerate(value):
            self.agent(member, f"{path}[{index}]")

    def ifis(self, value: dict, path: str) -> int:
        """Validate the IFIs present and return how many there are."""
        present = [key for key in IFI_KEYS if key in value]
        for key in present:
            sub, item = self.at(path, key), value[key]
            if key == "mbox" and not dt.is_mailto(item):
                self.error(sub, "must be a mailto: IRI with an email address")
            elif key == "mbox_sha1sum" and not dt.is_sha1(item):
                self.error(sub, "must be a hex SHA-1 string")
            elif key == "openid":
                self.iri(item, sub)
            elif key == "account":
                self.account(item, sub)
        return len(present)

    def account(self, value: Any, path: str) -> None:
        """An account has an IRL homePage and a string name, nothing else."""
        if self.fields(value, path, _ACCOUNT_KEYS, ("homePage", "name")):
            self.iri(value["homePage"], self.at(path, "homePage"))
            self.string(value["name"], self.at(path, "name"))

    def authority(self, value: Any, path: str) -> None:
        """An authority is an Agent, or an anonymous two-member Group (OAuth consumer + user)."""
        if not isinstance(value, dict) or value.get("objectType", "Agent") != "Group":
            self.agent(value, path)
            return
        self.group(value, path)
        if any(key in value for key in IFI_KEYS):
            self.error(path, "an authority Group must be anonymous")
        members = value.get("member")
        if isinstance(members, list) and len(members) != 2:
            self.error(self.at(path, "member"), "an authority Group has exactly two members")

    # -- verbs and objects ----------------------------------------------------------------
    def verb(self, value: Any, path: str) -> None:
        """A Verb has an IRI id and an optional display language map."""
        if self.fields(value, path, _VERB_KEYS, ("id",)):
            self.iri(value["id"], self.at(path, "id"))
            if "display" in value:
                self.language_map(value["display"], self.at(path, "display"))

    def object(self, value: Any, path: str, nested: bool) -> None:
        """Dispatch on objectType; Agents and Groups must name their type."""
        if not isinstance(value, dict):
            self.error(path, "must be an object")
            return
        kind = value.get("objectType", "Activity")
        if kind == "Activity":
            self.activity(value, path)
        elif kind == "Agent":
            self.agent(value, path)
        elif kind == "Group":
            self.group(value, path)
        elif kind == "StatementRef":
            self.statement_ref(value, path)
        elif kind == "SubStatement" and not nested:
            self.substatement(value, path)
        elif kind == "SubStatement":
            self.error(self.at(path, "objectType"), "a SubStatement cannot contain a SubStatement")
        else:
            self.error(self.at(path, "objectType"), "is not a known object type")

    def substatement(self, value: dict, path: str) -> None:
        """Implemented by the statement checker."""
        raise NotImplementedError

    def statement_ref(self, value: Any, path: str) -> None:
        """A StatementRef is exactly objectType and a UUID id."""
        if not self.fields(value, path, _STATEMENT_REF_KEYS, ("objectType", "id")):
            return
        if value["objectType"] != "StatementRef":
            self.error(self.at(path, "objectType"), "must be 'StatementRef'")
        if not dt.is_uuid(value["id"]):
            self.error(self.at(path, "id"), "must be a UUID")

    def activity(self, value: Any, path: str) -> None:
        """An Activity has an IRI id and an optional definition."""
        if not self.fields(value, path, _ACTIVITY_KEYS, ("id",)):
            return
        if value.get("objectType", "Activity") != "Activity":
            self.error(self.at(path, "objectType"), "must be 'Activity'")
        self.iri(value["id"], self.at(path, "id"))
        if "definition" in value:
            self.definition(value["definition"], self.at(path, "definition"))

    def definition(self, value: Any, path: str) -> None:
        """Check an Activity Definition, interaction properties included."""
        if not self.fields(value, path, _DEFINITION_KEYS):
            return
        for key in ("name", "description"):
            if key in value:
                self.language_map(value[key], self.at(path, key))
        for key in ("type", "moreInfo"):
            if key in value:
                self.iri(value[key], self.at(path, key))
        if "extensions" in value:
            self.extensions(value["extensions"], self.at(path, "extensions"))
        self.interaction(value, path)

    def interaction(self, value: dict, path: str) -> None:
        """interactionType gates correctResponsesPattern and the component lists."""
        kind = value.get("interactionType")
        lists = [key for key in _ALL_COMPONENT_LISTS if key in value]
        if kind is None:
            for key in lists + (["correctResponsesPattern"] if "correctResponsesPattern" in value else []):
                self.error(self.at(path, key), "requires interactionType")
        elif not isinstance(kind, str) or kind not in COMPONENT_LISTS:
            self.error(self.at(path, "interactionType"), "is not a known interaction type")
        else:
            for key in lists:
                if key not in COMPONENT_LISTS[kind]:
                    self.error(self.at(path, key), f"is not allowed for interactionType '{kind}'")
        if "correctResponsesPattern" in value:
            pattern = value["correctResponsesPattern"]
            if not isinstance(pattern, list) or not all(isinstance(p, str) for p in pattern):
                self.error(self.at(path, "correctResponsesPattern"), "must be an array of strings")
        for key in lists:
            self.components(value[key], self.at(path, key))

    def components(self, value: Any, path: str) -> None:
        """Interaction components have distinct string ids and a description language map."""
        if not isinstance(value, list):
            self.error(path, "must be an array of interaction components")
            return
        seen: set[str] = set()
        for index, item in enumerate(value):
            sub = f"{path}[{index}]"
            if not self.fields(item, sub, {"id", "description"}, ("id",)):
                continue
            if not isinstance(item["id"], str) or not item["id"]:
                self.error(self.at(sub, "id"), "must be a non-empty string")
            elif item["id"] in seen:
                self.error(self.at(sub, "id"), "must be unique within the list")
            else:
                seen.add(item["id"])
            if "description" in item:
                self.language_map(item["description"], self.at(sub, "description"))
