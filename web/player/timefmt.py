"""SCORM time values: 1.2 `HHHH:MM:SS.SS` timespans and 2004 ISO 8601 durations, to and from seconds."""

from __future__ import annotations

import re

_TIMESPAN_12 = re.compile(r"^\s*(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)\s*$")
_DURATION = re.compile(
    r"^\s*P(?:(?P<Y>\d+(?:[.,]\d+)?)Y)?(?:(?P<Mo>\d+(?:[.,]\d+)?)M)?(?:(?P<W>\d+(?:[.,]\d+)?)W)?"
    r"(?:(?P<D>\d+(?:[.,]\d+)?)D)?(?:T(?:(?P<H>\d+(?:[.,]\d+)?)H)?(?:(?P<Mi>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<S>\d+(?:[.,]\d+)?)S)?)?\s*$"
)
# Calendar units in a duration are approximations; SCORM content uses them only for very long sessions.
_UNIT_SECONDS = {"Y": 365 * 86400, "Mo": 30 * 86400, "W": 7 * 86400, "D": 86400, "H": 3600, "Mi": 60, "S": 1}


def parse_timespan_12(text: str | None) -> float | None:
    """Seconds in a SCORM 1.2 CMITimespan (`HHHH:MM:SS.SS`), or None when absent or malformed."""
    if not text:
        return None
    match = _TIMESPAN_12.match(text)
    if not match:
        return None
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def parse_duration(text: str | None) -> float | None:
    """Seconds in an ISO 8601 duration (SCORM 2004 timeinterval), or None when absent or malformed."""
    if not text or text.strip() in ("P", "PT"):
        return None
    match = _DURATION.match(text)
    if not match or text.strip().endswith("T"):
        return None
    total = 0.0
    for unit, value in match.groupdict().items():
        if value:
            total += float(value.replace(",", ".")) * _UNIT_SECONDS[unit]
    return total


def parse_session_time(edition: str, text: str | None) -> float | None:
    """A SCO's `session_time` in seconds, read the way its edition writes it (either form is accepted)."""
    first, second = (parse_timespan_12, parse_duration) if edition == "1.2" else (parse_duration, parse_timespan_12)
    value = first(text)
    return value if value is not None else second(text)


def format_duration(seconds: float) -> str:
    """ISO 8601 duration with hours, minutes and seconds (`PT1H2M3.5S`; `PT0S` for zero)."""
    centis = round(max(seconds, 0.0) * 100)
    hours, rest = divmod(centis, 360_000)
    minutes, centis = divmod(rest, 6000)
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if centis or text == "PT":
        whole, fraction = divmod(centis, 100)
        text += f"{whole}.{fraction:02d}".rstrip("0").rstrip(".") + "S"
    return text


def format_timespan_12(seconds: float) -> str:
    """SCORM 1.2 CMITimespan `HHHH:MM:SS.SS` (hours capped at 9999, as the type allows)."""
    centis = round(max(seconds, 0.0) * 100)
    hours, rest = divmod(centis, 360_000)
    minutes, centis = divmod(rest, 6000)
    if hours > 9999:
        return "9999:99:99.99"
    return f"{hours:04d}:{minutes:02d}:{centis // 100:02d}.{centis % 100:02d}"


def format_session_time(edition: str, seconds: float) -> str:
    """Total time in the form the edition's `total_time` uses."""
    return format_timespan_12(seconds) if edition == "1.2" else format_duration(seconds)
