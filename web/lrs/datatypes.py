"""xAPI primitive data types: IRIs, UUIDs, timestamps, durations, language tags, mailto IRIs.

Each checker is a pure function of its input; `validation` composes them into statement rules.
References: xAPI 2.0 Part 2 §4.2.7 (Additional Requirements for Data Types), RFC 3987,
RFC 4122, RFC 5646 (BCP 47), ISO 8601.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

# RFC 3986 scheme followed by anything printable without spaces: the LRS compares IRIs as
# simple strings (xAPI 2.0 §4.2.7), so only the shape of an absolute IRI is checked.
IRI_PATTERN = r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$"
_IRI = re.compile(IRI_PATTERN)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
_SHA2 = re.compile(r"^[0-9a-fA-F]{56,128}$")
_MAILTO = re.compile(r"^mailto:[^@\s:/]+@[^@\s/]+\.[^@\s/]+$|^mailto:[^@\s:/]+@[^@\s/.]+$")
_VERSION = re.compile(r"^(1\.0(\.\d+)?|2\.0(\.\d+)?)$")
_TIMESTAMP = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[Tt ](?P<h>\d{2}):(?P<m>\d{2})"
    r"(?::(?P<s>\d{2})(?:[.,](?P<frac>\d+))?)?"
    r"(?P<tz>[Zz]|[+\-]\d{2}(?::?\d{2})?)?$"
)
_DURATION = re.compile(
    r"^P(?:\d+W|(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+D)?"
    r"(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:[.,]\d+)?S)?)?)$"
)
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9!#$&^_.+\-]+/[A-Za-z0-9!#$&^_.+\-]+(\s*;.*)?$")


def is_iri(value: object) -> bool:
    """Return whether `value` is an absolute IRI string (has a scheme)."""
    return isinstance(value, str) and bool(_IRI.match(value))


def is_uuid(value: object) -> bool:
    """Return whether `value` is a UUID in its canonical 8-4-4-4-12 hex form."""
    return isinstance(value, str) and bool(_UUID.match(value))


def is_sha1(value: object) -> bool:
    """Return whether `value` is a hex SHA-1 digest (mbox_sha1sum)."""
    return isinstance(value, str) and bool(_SHA1.match(value))


def is_sha2(value: object) -> bool:
    """Return whether `value` is a hex SHA-2 digest (224 to 512 bits)."""
    return isinstance(value, str) and bool(_SHA2.match(value))


def is_mailto(value: object) -> bool:
    """Return whether `value` is a `mailto:` IRI with one address."""
    return isinstance(value, str) and bool(_MAILTO.match(value))


def is_version(value: object) -> bool:
    """Return whether `value` is an accepted statement version (1.0, 1.0.x, 2.0, 2.0.x)."""
    return isinstance(value, str) and bool(_VERSION.match(value))


def is_media_type(value: object) -> bool:
    """Return whether `value` looks like an Internet media type (RFC 2046)."""
    return isinstance(value, str) and bool(_MEDIA_TYPE.match(value))


def is_duration(value: object) -> bool:
    """Return whether `value` is an ISO 8601 duration (weeks cannot mix with other units)."""
    return isinstance(value, str) and bool(_DURATION.match(value)) and value not in ("P", "PT")


def parse_timestamp(value: object, require_zone: bool = True) -> datetime | None:
    """Parse an ISO 8601 timestamp into an aware UTC datetime.

    Args:
        value: the candidate string.
        require_zone: whether a missing offset is an error (xAPI 2.0) or means UTC (1.0.x).

    Returns:
        The instant in UTC, or None when `value` is not a valid timestamp. The RFC 3339
        "unknown local offset" forms (-00, -0000, -00:00) are refused.
    """
    if not isinstance(value, str):
        return None
    match = _TIMESTAMP.match(value)
    if not match:
        return None
    tz = match.group("tz")
    if tz is None and require_zone:
        return None
    try:
        offset = _offset(tz)
        frac = (match.group("frac") or "0")[:6].ljust(6, "0")
        year, month, day = match.group("date").split("-")
        moment = datetime(int(year), int(month), int(day), int(match.group("h")), int(match.group("m")),
                          int(match.group("s") or 0), int(frac), tzinfo=offset)
        # 0001-01-01T00:00+01:00 is a valid form whose UTC instant falls before year 1: not representable.
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _offset(tz: str | None) -> timezone:
    """Turn an ISO 8601 zone designator into a tzinfo; reject negative zero."""
    if tz is None or tz in ("Z", "z"):
        return UTC
    digits = tz[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if tz[0] == "-" and hours == 0 and minutes == 0:
        raise ValueError("negative zero offset")
    if hours > 23 or minutes > 59:
        raise ValueError("offset out of range")
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if tz[0] == "-" else delta)


def format_timestamp(moment: datetime) -> str:
    """Format an instant as UTC ISO 8601 with millisecond precision and a `Z`."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def normalize_timestamp(value: str, require_zone: bool = False) -> str:
    """Return `value` converted to UTC with at least millisecond precision.

    Keeps sub-millisecond digits that the client sent (precision is never lost).
    """
    moment = parse_timestamp(value, require_zone=require_zone)
    if moment is None:
        return value
    match = _TIMESTAMP.match(value)
    frac = match.group("frac") or "" if match else ""
    base = moment.strftime("%Y-%m-%dT%H:%M:%S.")
    if len(frac) > 3:
        return base + f"{moment.microsecond:06d}"[: min(len(frac), 6)] + "Z"
    return base + f"{moment.microsecond // 1000:03d}Z"


def truncate_duration(value: str) -> str:
    """Truncate a duration's seconds to 0.01 s, the precision xAPI compares at."""
    match = re.match(r"^(.*?)(\d+)[.,](\d+)S$", value)
    if not match:
        return value
    head, whole, frac = match.groups()
    frac = frac[:2].rstrip("0")
    return f"{head}{whole}{'.' + frac if frac else ''}S"
