"""Query parameters of the LRS resources, checked like the statement values they name.

xAPI 2.0 §4.1.6 tables: unknown (or differently cased) parameters are refused, and values
are validated to the same standard as in statements (Data 2.2, XAPI-00012). Every parser
raises `ParamError`, which the resource answers with 400.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from web import safe_json
from web.lrs import datatypes as dt
from web.lrs.formats import FORMATS
from web.lrs.normalize import agent_key
from web.lrs.validation_objects import Checker

MAX_LIMIT = 500
_STATEMENT_PARAMS = frozenset(
    "statementId voidedStatementId agent verb activity registration related_activities "
    "related_agents since until limit format attachments ascending cursor".split()
)
_SINGLE_PARAMS = frozenset(("statementId", "voidedStatementId", "format", "attachments"))


class ParamError(ValueError):
    """A query parameter is unknown, missing or malformed."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


@dataclass
class StatementParams:
    """The parsed query of a GET on the Statement Resource."""

    statement_id: str | None = None
    voided: bool = False
    agent: str | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: datetime | None = None
    until: datetime | None = None
    limit: int = MAX_LIMIT
    format: str = "exact"
    attachments: bool = False
    ascending: bool = False
    cursor: tuple[datetime, int] | None = None
    # (actor key, registration) every result must have: set for launch credentials, not by the query.
    scope: tuple[str, str] | None = None


def check_known(args: Mapping[str, str], allowed: frozenset[str] | set[str]) -> None:
    """Refuse any parameter the resource does not define (names are case-sensitive)."""
    for name in args:
        if name not in allowed:
            raise ParamError(name, "is not a parameter of this resource")


def parse_statement_params(args: Mapping[str, str]) -> StatementParams:
    """Parse and validate a Statement Resource GET query."""
    check_known(args, _STATEMENT_PARAMS)
    params = StatementParams(
        format=_choice(args, "format", FORMATS, "exact"),
        attachments=_boolean(args, "attachments"),
    )
    single = [name for name in ("statementId", "voidedStatementId") if name in args]
    if single:
        if len(single) > 1 or set(args) - _SINGLE_PARAMS:
            raise ParamError(single[0], "only format and attachments may accompany a statement id")
        params.statement_id = _uuid(args, single[0])
        params.voided = single[0] == "voidedStatementId"
        return params
    params.agent = agent_param(args, "agent") if "agent" in args else None
    params.verb = _iri(args, "verb")
    params.activity = _iri(args, "activity")
    params.registration = _uuid(args, "registration")
    params.related_activities = _boolean(args, "related_activities")
    params.related_agents = _boolean(args, "related_agents")
    params.since = _timestamp(args, "since")
    params.until = _timestamp(args, "until")
    params.ascending = _boolean(args, "ascending")
    params.limit = _limit(args)
    params.cursor = decode_cursor(args["cursor"]) if "cursor" in args else None
    return params


def agent_param(args: Mapping[str, str], name: str, required: bool = True) -> str | None:
    """Parse a JSON Agent (or identified Group) parameter into its IFI key."""
    if name not in args:
        if required:
            raise ParamError(name, "is required")
        return None
    try:
        value = safe_json.loads(args[name])
    except ValueError:
        raise ParamError(name, "must be a JSON Agent object") from None
    checker = Checker()
    checker.actor(value, name)
    key = agent_key(value) if not checker.errors else None
    if key is None:
        raise ParamError(name, "must be an Agent or identified Group")
    return key


def agent_object(args: Mapping[str, str], name: str = "agent") -> dict[str, Any]:
    """The decoded agent parameter (call `agent_param` first to validate it)."""
    return safe_json.loads(args[name])


def required_iri(args: Mapping[str, str], name: str) -> str:
    """A mandatory IRI parameter."""
    value = _iri(args, name)
    if value is None:
        raise ParamError(name, "is required")
    return value


def optional_uuid(args: Mapping[str, str], name: str) -> str | None:
    """An optional UUID parameter, lower-cased."""
    return _uuid(args, name)


def optional_timestamp(args: Mapping[str, str], name: str) -> datetime | None:
    """An optional timestamp parameter."""
    return _timestamp(args, name)


def required_string(args: Mapping[str, str], name: str) -> str:
    """A mandatory, non-empty string parameter (stateId, profileId)."""
    value = args.get(name)
    if not value:
        raise ParamError(name, "is required")
    return value


def _iri(args: Mapping[str, str], name: str) -> str | None:
    value = args.get(name)
    if value is not None and not dt.is_iri(value):
        raise ParamError(name, "must be an IRI")
    return value


def _uuid(args: Mapping[str, str], name: str) -> str | None:
    value = args.get(name)
    if value is None:
        return None
    if not dt.is_uuid(value):
        raise ParamError(name, "must be a UUID")
    return value.lower()


def _timestamp(args: Mapping[str, str], name: str) -> datetime | None:
    value = args.get(name)
    if value is None:
        return None
    moment = dt.parse_timestamp(value.replace(" ", "+"), require_zone=False)
    if moment is None:
        raise ParamError(name, "must be an ISO 8601 timestamp")
    return moment


def _boolean(args: Mapping[str, str], name: str) -> bool:
    value = args.get(name)
    if value is None:
        return False
    if value not in ("true", "false"):
        raise ParamError(name, "must be true or false")
    return value == "true"


def _choice(args: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    value = args.get(name, default)
    if value not in choices:
        raise ParamError(name, f"must be one of {', '.join(choices)}")
    return value


def _limit(args: Mapping[str, str]) -> int:
    raw = args.get("limit")
    if raw is None:
        return MAX_LIMIT
    # ASCII digits only ("²".isdigit() is true), and few enough that int() cannot refuse them.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise ParamError("limit", "must be a non-negative integer below 10^18")
    value = int(raw)
    # 0 asks for the server's maximum (xAPI 2.0 §4.1.6.1).
    return MAX_LIMIT if value == 0 else min(value, MAX_LIMIT)


def encode_cursor(stored: datetime, pk: int) -> str:
    """An opaque paging cursor: the position after the last statement of a page."""
    raw = f"{stored.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[datetime, int]:
    """Reverse `encode_cursor`."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        stored, _, pk = raw.rpartition("|")
        return datetime.fromisoformat(stored), int(pk)
    except ValueError:
        raise ParamError("cursor", "is not a cursor this LRS issued") from None
