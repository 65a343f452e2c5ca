"""Query parameters of the Statement Resource."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from web.lrs.params import MAX_LIMIT, ParamError, decode_cursor, encode_cursor, parse_statement_params

AGENT = json.dumps({"mbox": "mailto:a@b.co"})
SID = "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"


def test_parse_statement_params_reads_every_filter():
    params = parse_statement_params({
        "agent": AGENT, "verb": "http://x.y/v", "activity": "http://x.y/a",
        "registration": "EC531277-B57B-4C15-8D91-D292C5B2B8F7", "related_activities": "true",
        "related_agents": "false", "since": "2012-06-01T19:09:13.245Z", "until": "2012-06-02T00:00:00+02:00",
        "limit": "0", "format": "ids", "attachments": "true", "ascending": "true",
    })
    assert params.agent == "mbox:mailto:a@b.co" and params.registration == "ec531277-b57b-4c15-8d91-d292c5b2b8f7"
    assert params.related_activities and not params.related_agents and params.ascending and params.attachments
    assert params.limit == MAX_LIMIT and params.format == "ids"
    assert params.until == datetime(2012, 6, 1, 22, tzinfo=UTC)


@pytest.mark.parametrize("query", [
    {"LIMIT": "1"}, {"foo": "bar"}, {"statementId": "wrong"}, {"agent": "wrong"},
    {"agent": json.dumps({"name": "no ifi"})}, {"verb": "not.a.valid.iri.com/verb"},
    {"registration": "wrong"}, {"limit": "-1"}, {"format": "full"}, {"ascending": "yes"},
    {"statementId": SID, "verb": "http://x.y/v"}, {"statementId": SID, "voidedStatementId": SID},
    {"since": "not a timestamp"}, {"cursor": "!!"},
], ids=lambda q: ",".join(q))
def test_parse_statement_params_with_bad_query_should_fail(query):
    with pytest.raises(ParamError):
        parse_statement_params(query)


def test_statement_id_allows_format_and_attachments_only():
    params = parse_statement_params({"statementId": "FD41C918-B88B-4B20-A0A5-A4C32391AAA0", "format": "canonical",
                                     "attachments": "false"})
    assert params.statement_id == "fd41c918-b88b-4b20-a0a5-a4c32391aaa0" and params.format == "canonical"


def test_cursor_round_trips():
    stored = datetime(2025, 1, 1, 12, 0, 0, 123000, tzinfo=UTC)
    assert decode_cursor(encode_cursor(stored, 42)) == (stored, 42)
