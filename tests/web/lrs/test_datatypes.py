"""xAPI primitive types: timestamps, durations, IRIs."""

from __future__ import annotations

import pytest

from web.lrs.datatypes import is_duration, is_iri, normalize_timestamp, parse_timestamp, truncate_duration


@pytest.mark.parametrize(("value", "expected"), [
    ("2023-05-04T12:00:00-05:00", "2023-05-04T17:00:00.000Z"),
    ("2013-05-18T05:32:34.804Z", "2013-05-18T05:32:34.804Z"),
    ("2013-05-18T05:32:34.80412+00:00", "2013-05-18T05:32:34.80412Z"),
    ("2013-05-18T05:32:34Z", "2013-05-18T05:32:34.000Z"),
])
def test_normalize_timestamp_converts_to_utc_milliseconds(value, expected):
    assert normalize_timestamp(value) == expected


@pytest.mark.parametrize("value", ["2008-09-15T15:53:00.601-00", "2008-09-15T15:53:00.601-0000",
                                   "2013-13-01T00:00:00Z", "yesterday", 5])
def test_parse_timestamp_with_invalid_value_returns_none(value):
    assert parse_timestamp(value) is None


@pytest.mark.parametrize(("value", "valid"), [
    ("PT4H35M59.14S", True), ("PT16559.14S", True), ("P3Y", True), ("P4W", True),
    ("P4W1D", False), ("P", False), ("PT", False), ("P1DT", False), ("1H", False),
])
def test_is_duration_follows_iso_8601(value, valid):
    assert is_duration(value) is valid


def test_truncate_duration_keeps_hundredths():
    assert truncate_duration("P1DT12H36M0.12567S") == "P1DT12H36M0.12S"
    assert truncate_duration("PT1S") == "PT1S"


@pytest.mark.parametrize(("value", "valid"), [
    ("http://example.com/x", True), ("urn:uuid:1", True), ("ab=c://x", False),
    ("example.com/x", False), ("should fail", False), (12, False),
])
def test_is_iri_needs_a_scheme(value, valid):
    assert is_iri(value) is valid
