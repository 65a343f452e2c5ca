"""Stored form of statements and the keys they are indexed by."""

from __future__ import annotations

from web.lrs.normalize import agent_key, index_statement, prepare_statement

STORED = "2025-01-01T12:00:00.123Z"
AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://lrs.example", "name": "key1"}}


def statement() -> dict:
    """A statement touching agents and activities in every place the filters look."""
    return {
        "actor": {"mbox": "mailto:ann@example.com"},
        "verb": {"id": "http://x.y/v"},
        "object": {"objectType": "SubStatement", "actor": {"mbox": "mailto:sub@example.com"},
                   "verb": {"id": "http://x.y/w"}, "object": {"id": "http://x.y/sub-activity"},
                   "context": {"contextActivities": {"parent": {"id": "http://x.y/sub-parent"}}}},
        "context": {"registration": "EC531277-B57B-4C15-8D91-D292C5B2B8F7",
                    "instructor": {"objectType": "Group", "member": [{"openid": "http://id.example/i"}]},
                    "contextActivities": {"category": {"id": "http://x.y/cat"}}},
        "timestamp": "2023-05-04T12:00:00-05:00",
    }


def test_prepare_statement_sets_lrs_properties():
    prepared = prepare_statement(statement(), stored=STORED, authority=AUTHORITY, header_version="1.0.3")
    assert prepared["stored"] == STORED and prepared["authority"] == AUTHORITY
    assert prepared["version"] == "1.0.0"
    assert len(prepared["id"]) == 36
    assert prepared["timestamp"] == "2023-05-04T17:00:00.000Z"
    assert prepared["context"]["contextActivities"]["category"] == [{"id": "http://x.y/cat"}]
    assert prepared["object"]["context"]["contextActivities"]["parent"] == [{"id": "http://x.y/sub-parent"}]


def test_prepare_statement_without_timestamp_uses_stored():
    raw = statement()
    del raw["timestamp"]
    prepared = prepare_statement(raw, stored=STORED, authority=AUTHORITY, header_version="2.0.0")
    assert prepared["timestamp"] == STORED and prepared["version"] == "2.0.0"
    assert "stored" not in raw


def test_index_statement_collects_direct_and_related_keys():
    prepared = prepare_statement(statement(), stored=STORED, authority=AUTHORITY, header_version="2.0.0")
    index = index_statement(prepared)
    assert index.agents == {"mbox:mailto:ann@example.com"}
    assert {"mbox:mailto:sub@example.com", "openid:http://id.example/i",
            "account:https://lrs.example|key1"} <= index.related_agents
    assert index.activities == set()
    assert index.related_activities == {"http://x.y/cat", "http://x.y/sub-activity", "http://x.y/sub-parent"}
    assert index.registration == "ec531277-b57b-4c15-8d91-d292c5b2b8f7"


def test_agent_key_for_account_and_anonymous_group():
    assert agent_key({"account": {"homePage": "http://h", "name": "n"}}) == "account:http://h|n"
    assert agent_key({"objectType": "Group", "member": []}) is None
