"""Strict xAPI statement validation (xAPI 1.0.3 and 2.0.0, Data part).

`validate_statement(statement, version)` returns a list of `FieldError`s naming the JSON path
of each problem (`object.definition.choices[1].id`); an empty list means the statement is
valid. Actors and activities live in `validation_objects`; this module covers the statement,
SubStatement, result, context and attachments.
"""

from __future__ import annotations

from typing import Any

from web.lrs import datatypes as dt
from web.lrs.validation_objects import Checker, FieldError

__all__ = ["VOIDED_VERB", "FieldError", "validate_statement", "validate_statements"]

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"

_STATEMENT_KEYS = frozenset(
    "id actor verb object result context timestamp stored authority version attachments".split()
)
_SUBSTATEMENT_KEYS = frozenset(
    "objectType actor verb object result context timestamp attachments".split()
)
_RESULT_KEYS = frozenset("score success completion response duration extensions".split())
_SCORE_KEYS = frozenset("scaled raw min max".split())
_CONTEXT_KEYS = frozenset(
    "registration instructor team contextActivities revision platform language statement "
    "extensions contextAgents contextGroups".split()
)
_CONTEXT_ACTIVITY_KEYS = frozenset("parent grouping category other".split())
_ATTACHMENT_KEYS = frozenset("usageType display description contentType length sha2 fileUrl".split())


def validate_statements(statements: list[Any], version: str = "2.0.0") -> list[FieldError]:
    """Validate a batch; error paths are prefixed with the statement's index (`[2].verb.id`)."""
    errors: list[FieldError] = []
    for index, statement in enumerate(statements):
        for error in validate_statement(statement, version):
            errors.append(FieldError(f"[{index}]" + _join(error.path), error.message))
    return errors


def validate_statement(statement: Any, version: str = "2.0.0") -> list[FieldError]:
    """Validate one statement as received by the LRS.

    Args:
        statement: the decoded JSON value.
        version: the request's `X-Experience-API-Version`; 2.0.x enforces 2.0-only rules
            (timestamps must carry a time zone).

    Returns:
        Field errors in document order; empty when the statement is valid.
    """
    checker = _StatementChecker(version)
    checker.statement(statement)
    return checker.errors


def _join(path: str) -> str:
    """Join an index prefix and a field path."""
    if not path:
        return ""
    return path if path.startswith("[") else "." + path


class _StatementChecker(Checker):
    """Statement-level rules layered on the actor/activity checks."""

    def statement(self, value: Any) -> None:
        """Check a top-level statement."""
        if not self.fields(value, "", _STATEMENT_KEYS, ("actor", "verb", "object")):
            return
        if "id" in value and not dt.is_uuid(value["id"]):
            self.error("id", "must be a UUID")
        self._body(value, "")
        for key in ("stored",):
            if key in value:
                self.timestamp(value[key], key)
        if "authority" in value:
            self.authority(value["authority"], "authority")
        if "version" in value and not dt.is_version(value["version"]):
            self.error("version", "must be 1.0.x or 2.0.x")
        self._voiding(value)

    def _voiding(self, value: dict) -> None:
        """A voiding statement's object must be a StatementRef (xAPI Data 2.3.2)."""
        verb, obj = value.get("verb"), value.get("object")
        if isinstance(verb, dict) and verb.get("id") == VOIDED_VERB:
            if not isinstance(obj, dict) or obj.get("objectType") != "StatementRef":
                self.error("object", "a voiding statement's object must be a StatementRef")

    def _body(self, value: dict, path: str) -> None:
        """Rules shared by statements and SubStatements."""
        self.actor(value.get("actor"), self.at(path, "actor"))
        self.verb(value.get("verb"), self.at(path, "verb"))
        self.object(value.get("object"), self.at(path, "object"), nested=bool(path))
        if "result" in value:
            self.result(value["result"], self.at(path, "result"))
        if "context" in value:
            self.context(value["context"], self.at(path, "context"), value.get("object"))
        if "timestamp" in value:
            self.timestamp(value["timestamp"], self.at(path, "timestamp"))
        if "attachments" in value:
            self.attachments(value["attachments"], self.at(path, "attachments"))

    def substatement(self, value: dict, path: str) -> None:
        """A SubStatement has no id, stored, version or authority (checked by the key set)."""
        if self.fields(value, path, _SUBSTATEMENT_KEYS, ("actor", "verb", "object")):
            self._body(value, path)

    def timestamp(self, value: Any, path: str) -> None:
        """Timestamps are ISO 8601; xAPI 2.0 requires a time zone."""
        if dt.parse_timestamp(value, require_zone=self.v2) is None:
            self.error(path, "must be an ISO 8601 timestamp with a time zone")

    def result(self, value: Any, path: str) -> None:
        """Check a Result and its Score."""
        if not self.fields(value, path, _RESULT_KEYS):
            return
        for key in ("success", "completion"):
            if key in value and not isinstance(value[key], bool):
                self.error(self.at(path, key), "must be a boolean")
        if "response" in value and not isinstance(value["response"], str):
            self.error(self.at(path, "response"), "must be a string")
        if "duration" in value and not dt.is_duration(value["duration"]):
            self.error(self.at(path, "duration"), "must be an ISO 8601 duration")
        if "extensions" in value:
            self.extensions(value["extensions"], self.at(path, "extensions"))
        if "score" in value:
            self.score(value["score"], self.at(path, "score"))

    def score(self, value: Any, path: str) -> None:
        """scaled lies in [-1, 1]; min <= raw <= max and min < max."""
        if not self.fields(value, path, _SCORE_KEYS):
            return
        numbers = {}
        for key in _SCORE_KEYS & value.keys():
            if self.is_number(value[key]):
                numbers[key] = value[key]
            else:
                self.error(self.at(path, key), "must be a number")
        if "scaled" in numbers and not -1 <= numbers["scaled"] <= 1:
            self.error(self.at(path, "scaled"), "must be between -1 and 1")
        low, raw, high = numbers.get("min"), numbers.get("raw"), numbers.get("max")
        if low is not None and high is not None and low >= high:
            self.error(self.at(path, "max"), "must be greater than min")
        if raw is not None and low is not None and raw < low:
            self.error(self.at(path, "raw"), "must not be less than min")
        if raw is not None and high is not None and raw > high:
            self.error(self.at(path, "raw"), "must not be greater than max")

    def context(self, value: Any, path: str, obj: Any) -> None:
        """Check a Context; revision and platform only apply to Activity objects."""
        if not self.fields(value, path, _CONTEXT_KEYS):
            return
        if "registration" in value and not dt.is_uuid(value["registration"]):
            self.error(self.at(path, "registration"), "must be a UUID")
        if "instructor" in value:
            self.actor(value["instructor"], self.at(path, "instructor"))
        if "team" in value:
            self.group(value["team"], self.at(path, "team"), require_type=True)
        if "contextActivities" in value:
            self.context_activities(value["contextActivities"], self.at(path, "contextActivities"))
        is_activity = isinstance(obj, dict) and obj.get("objectType", "Activity") == "Activity"
        for key in ("revision", "platform"):
            if key in value:
                if not isinstance(value[key], str):
                    self.error(self.at(path, key), "must be a string")
                elif not is_activity:
                    self.error(self.at(path, key), "is only allowed when the object is an Activity")
        if "language" in value:
            self.language_tag(value["language"], self.at(path, "language"))
        if "statement" in value:
            self.statement_ref(value["statement"], self.at(path, "statement"))
        if "extensions" in value:
            self.extensions(value["extensions"], self.at(path, "extensions"))
        for key, kind in (("contextAgents", "Agent"), ("contextGroups", "Group")):
            if key in value:
                self.context_members(value[key], self.at(path, key), kind)

    def context_activities(self, value: Any, path: str) -> None:
        """Each key holds one Activity or an array of them."""
        if not self.fields(value, path, _CONTEXT_ACTIVITY_KEYS):
            return
        for key, item in value.items():
            items = item if isinstance(item, list) else [item]
            for index, activity in enumerate(items):
                sub = self.at(path, key) + (f"[{index}]" if isinstance(item, list) else "")
                self.activity(activity, sub)

    def context_members(self, value: Any, path: str, kind: str) -> None:
        """xAPI 2.0 contextAgents / contextGroups: typed members with relevantTypes IRIs."""
        if not isinstance(value, list):
            self.error(path, "must be an array")
            return
        member_key = kind.lower()
        object_type = "context" + kind
        for index, item in enumerate(value):
            sub = f"{path}[{index}]"
            if not self.fields(item, sub, {"objectType", member_key, "relevantTypes"},
                               ("objectType", member_key)):
                continue
            if item["objectType"] != object_type:
                self.error(self.at(sub, "objectType"), f"must be '{object_type}'")
            if kind == "Agent":
                self.agent(item[member_key], self.at(sub, member_key))
            else:
                self.group(item[member_key], self.at(sub, member_key), require_type=True)
            types = item.get("relevantTypes")
            if "relevantTypes" in item and (not isinstance(types, list) or not types):
                self.error(self.at(sub, "relevantTypes"), "must be a non-empty array of IRIs")
            elif isinstance(types, list):
                for pos, iri in enumerate(types):
                    if not dt.is_iri(iri):
                        self.error(f"{self.at(sub, 'relevantTypes')}[{pos}]", "must be an IRI")

    def attachments(self, value: Any, path: str) -> None:
        """Check the Attachment metadata array."""
        if not isinstance(value, list):
            self.error(path, "must be an array")
            return
        for index, item in enumerate(value):
            sub = f"{path}[{index}]"
            if not self.fields(item, sub, _ATTACHMENT_KEYS,
                               ("usageType", "display", "contentType", "length", "sha2")):
                continue
            self.iri(item["usageType"], self.at(sub, "usageType"))
            self.language_map(item["display"], self.at(sub, "display"))
            if "description" in item:
                self.language_map(item["description"], self.at(sub, "description"))
            if not dt.is_media_type(item["contentType"]):
                self.error(self.at(sub, "contentType"), "must be an Internet media type")
            length = item["length"]
            if not isinstance(length, int) or isinstance(length, bool) or length < 0:
                self.error(self.at(sub, "length"), "must be a non-negative integer")
            if not dt.is_sha2(item["sha2"]):
                self.error(self.at(sub, "sha2"), "must be a hex SHA-2 digest")
            if "fileUrl" in item:
                self.iri(item["fileUrl"], self.at(sub, "fileUrl"))
