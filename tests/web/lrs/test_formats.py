"""Statement formats (exact, ids, canonical) and Accept-Language handling."""

from __future__ import annotations

import pytest

from web.lrs.formats import format_statement, parse_accept_language, pick_language

STATEMENT = {
    "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
    "actor": {"objectType": "Agent", "name": "Ann", "mbox": "mailto:ann@example.com"},
    "verb": {"id": "http://x.y/v", "display": {"en-US": "did", "en-GB": "did (uk)"}},
    "object": {"objectType": "SubStatement",
               "actor": {"objectType": "Group", "name": "G", "mbox": "mailto:g@example.com",
                         "member": [{"mbox": "mailto:m@example.com"}]},
               "verb": {"id": "http://x.y/w", "display": {"fr": "fait"}},
               "object": {"objectType": "Activity", "id": "http://x.y/a",
                          "definition": {"name": {"en-US": "A", "en-GB": "A uk"},
                                         "extensions": {"http://x.y/e": {"name": {"en": "keep", "fr": "keep"}}}}}},
    "context": {"contextActivities": {"category": [{"id": "http://x.y/c", "definition": {"name": {"de": "K"}}}]}},
}


def test_format_exact_returns_statement_unchanged():
    assert format_statement(STATEMENT, "exact") is STATEMENT


def test_format_ids_keeps_only_identifiers():
    result = format_statement(STATEMENT, "ids")
    assert result["actor"] == {"objectType": "Agent", "mbox": "mailto:ann@example.com"}
    assert result["verb"] == {"id": "http://x.y/v"}
    assert result["object"]["actor"] == {"objectType": "Group", "mbox": "mailto:g@example.com"}
    assert result["object"]["object"] == {"id": "http://x.y/a"}
    assert result["context"]["contextActivities"]["category"] == [{"id": "http://x.y/c"}]


def test_format_ids_keeps_members_of_anonymous_group():
    statement = dict(STATEMENT, actor={"objectType": "Group", "member": [{"name": "x", "mbox": "mailto:x@y.z"}]})
    assert format_statement(statement, "ids")["actor"] == {"objectType": "Group", "member": [{"mbox": "mailto:x@y.z"}]}


def test_format_canonical_keeps_best_language_only():
    result = format_statement(STATEMENT, "canonical", ["en-GB"])
    assert result["verb"]["display"] == {"en-GB": "did (uk)"}
    assert result["object"]["object"]["definition"]["name"] == {"en-GB": "A uk"}
    assert result["object"]["verb"]["display"] == {"fr": "fait"}
    extension = result["object"]["object"]["definition"]["extensions"]["http://x.y/e"]
    assert extension["name"] == {"en": "keep", "fr": "keep"}
    assert STATEMENT["verb"]["display"]["en-US"] == "did"


@pytest.mark.parametrize(("header", "expected"), [
    ("en-GB", ["en-GB"]),
    ("fr;q=0.5, en-US, de;q=0", ["en-US", "fr"]),
    (None, []),
])
def test_parse_accept_language_orders_by_quality(header, expected):
    assert parse_accept_language(header) == expected


@pytest.mark.parametrize(("languages", "expected"), [
    (["en-GB"], {"en-GB": "b"}),
    (["en-AU"], {"en": "c"}),
    (["ja"], {"en-US": "a"}),
])
def test_pick_language_uses_rfc4647_lookup(languages, expected):
    assert pick_language({"en-US": "a", "en-GB": "b", "en": "c"}, languages) == expected
