"""SCORM time values: parsing and formatting of 1.2 timespans and 2004 durations."""

from __future__ import annotations

import pytest

from web.player.timefmt import (
    format_duration,
    format_timespan_12,
    parse_duration,
    parse_session_time,
    parse_timespan_12,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0000:00:00", 0), ("0001:02:03.5", 3723.5), ("12:00:00.25", 43200.25), ("100:1:2", 360062),
     ("", None), (None, None), ("PT1H", None), ("1:2", None)],
)  # fmt: skip
def test_parse_timespan_12_with_value_gives_seconds(text, seconds):
    assert parse_timespan_12(text) == seconds


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("PT1H2M3.5S", 3723.5), ("PT0S", 0), ("P1D", 86400), ("P1DT1S", 86401), ("PT1,5S", 1.5), ("P2W", 1209600),
     ("PT", None), ("P", None), ("P1DT", None), ("1H", None), ("", None)],
)  # fmt: skip
def test_parse_duration_with_value_gives_seconds(text, seconds):
    assert parse_duration(text) == seconds


def test_parse_session_time_accepts_the_other_editions_form_too():
    assert parse_session_time("1.2", "PT10M") == 600
    assert parse_session_time("2004", "0000:10:00") == 600


@pytest.mark.parametrize(("seconds", "text"), [(0, "PT0S"), (3723.5, "PT1H2M3.5S"), (60, "PT1M"), (0.25, "PT0.25S")])
def test_format_duration_gives_iso_8601(seconds, text):
    assert format_duration(seconds) == text
    assert parse_duration(text) == seconds


def test_format_timespan_12_pads_and_caps_hours():
    assert format_timespan_12(3723.5) == "0001:02:03.50"
    assert format_timespan_12(10_000 * 3600) == "9999:99:99.99"
