"""Value checks for SCORM data-model types (SCORM 1.2 RTE 3.4.1, SCORM 2004 RTE 4.1 / C.1).

Each check takes the value as text and answers `OK`, `TYPE` (wrong type,
vocabulary or length) or `RANGE` (a number outside the element's range).
Lengths follow what the runtime accepts (scorm-again), which is at or above
the specifications' smallest permitted maximums.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

OK, TYPE, RANGE = "ok", "type", "range"
Check = Callable[[str], str]

LESSON_STATUS_12 = frozenset({"passed", "completed", "failed", "incomplete", "browsed", "not attempted"})
COMPLETION_2004 = frozenset({"completed", "incomplete", "not attempted", "unknown"})
SUCCESS_2004 = frozenset({"passed", "failed", "unknown"})
INTERACTION_TYPES_12 = frozenset(
    {"true-false", "choice", "fill-in", "matching", "performance", "sequencing", "likert", "numeric"}
)
INTERACTION_TYPES_2004 = INTERACTION_TYPES_12 | {"long-fill-in", "other"}
# Responses and patterns: a performance interaction's SPM is 250 steps of two 250-character parts
# (about 126,000 characters; ADL CTS DMI sends one); the SPM is a floor, so leave room above it.
RESPONSE_MAX = 256_000

_DECIMAL = re.compile(r"^-?(\d{0,10})(\.\d*)?$")
_INTEGER = re.compile(r"^-?\d+$")
_TIMESPAN_12 = re.compile(r"^(\d+):([0-5]?\d):([0-5]?\d)(\.\d{1,2})?$")
_TIME_12 = re.compile(r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,2})?$")
_IDENTIFIER_12 = re.compile(r"^[\u0021-\u007E\s]{0,255}$")
_RESULT_12 = re.compile(r"^(correct|wrong|unanticipated|neutral|-?\d{0,3}(\.\d*)?)$")
_RESULT_2004 = re.compile(r"^(correct|incorrect|unanticipated|neutral|-?\d{1,4}(\.\d{1,18})?)$")
_DURATION = re.compile(
    r"^P(?!$)(\d+(?:\.\d+)?Y)?(\d+(?:\.\d+)?M)?(\d+(?:\.\d+)?W)?(\d+(?:\.\d+)?D)?"
    r"(T(?=\d)(\d+(?:\.\d+)?H)?(\d+(?:\.\d+)?M)?(\d+(?:\.\d{1,2})?S)?)?$"
)
# Years 1970-2038 and at most two digits of fractional seconds (RTE 4.1.1.7 time(second,10,0); ADL CTS DMI).
_TIMESTAMP = re.compile(
    r"^(19[7-9]\d|20[0-2]\d|203[0-8])(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3])(:[0-5]\d(:[0-5]\d(\.\d{1,2})?)?)?"
    r"(Z|[+-]([01]\d|2[0-3])(:?[0-5]\d)?)?)?)?)?$"
)
_LANG_PREFIX = re.compile(r"^\{lang=([a-zA-Z]{1,8}|i|x)(-[a-zA-Z0-9-]{2,8})?\}")


def as_text(value: Any) -> str:
    """A commit value as the text the data model stores (numbers keep their JSON spelling)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


def describe(verdict: str) -> str:
    return {TYPE: "wrong type, vocabulary or length", RANGE: "out of range"}.get(verdict, verdict)


def anything(_value: str) -> str:
    return OK


def string(max_length: int) -> Check:
    """characterstring of at most `max_length` characters."""

    def check(value: str) -> str:
        return OK if len(value) <= max_length else TYPE

    return check


def lang_string(max_length: int) -> Check:
    """localized_string_type: an optional `{lang=xx}` prefix, then at most `max_length` characters."""

    def check(value: str) -> str:
        if value.startswith("{lang="):
            prefix = _LANG_PREFIX.match(value)
            if prefix is None:
                return TYPE
            value = value[prefix.end() :]
        return OK if len(value) <= max_length else TYPE

    return check


def vocab(words: frozenset[str] | set[str]) -> Check:
    """One word of a fixed vocabulary."""
    allowed = frozenset(words)

    def check(value: str) -> str:
        return OK if value in allowed else TYPE

    return check


def decimal(low: float | None = None, high: float | None = None) -> Check:
    """A decimal number (1.2 CMIDecimal, 2004 real(10,7)), within [low, high] when given."""

    def check(value: str) -> str:
        if value in ("", "-", ".", "-.") or not _DECIMAL.match(value):
            return TYPE
        return _in_range(float(value), low, high)

    return check


def integer(low: int, high: int) -> Check:
    """A signed integer within [low, high] (1.2 CMISInteger)."""

    def check(value: str) -> str:
        if not _INTEGER.match(value):
            return TYPE
        return _in_range(int(value), low, high)

    return check


def _in_range(number: float, low: float | None, high: float | None) -> str:
    if (low is not None and number < low) or (high is not None and number > high):
        return RANGE
    return OK


def _pattern(regex: re.Pattern[str]) -> Check:
    def check(value: str) -> str:
        return OK if regex.match(value) else TYPE

    return check


timespan_12 = _pattern(_TIMESPAN_12)
time_12 = _pattern(_TIME_12)
identifier_12 = _pattern(_IDENTIFIER_12)
result_12 = _pattern(_RESULT_12)
result_2004 = _pattern(_RESULT_2004)
duration_2004 = _pattern(_DURATION)
timestamp_2004 = _pattern(_TIMESTAMP)


_URN = re.compile(r"^urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:\S+$")


def long_identifier(value: str) -> str:
    """long_identifier_type: 1 to 4000 characters; one that starts with "urn:" must be a URN (RFC 2141, no spaces).

    Other identifiers stay lenient (URIs in principle; content is rarely that strict), as in the runtime.
    """
    if not 0 < len(value) <= 4000:
        return TYPE
    return TYPE if value.startswith("urn:") and not _URN.match(value) else OK
