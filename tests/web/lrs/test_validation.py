"""Tables of good and bad xAPI statements for `web.lrs.validation`."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from web.lrs.validation import validate_statement, validate_statements

ACTIVITY = "http://example.com/activities/course-1"
VERB = "http://adlnet.gov/expapi/verbs/completed"


def base() -> dict[str, Any]:
    """A minimal valid statement."""
    return {
        "actor": {"objectType": "Agent", "name": "Ann", "mbox": "mailto:ann@example.com"},
        "verb": {"id": VERB, "display": {"en-US": "completed"}},
        "object": {"objectType": "Activity", "id": ACTIVITY},
    }


def with_(path: str, value: Any) -> dict[str, Any]:
    """A copy of `base()` with `value` set at a dotted path (`None` deletes the key)."""
    statement = copy.deepcopy(base())
    node = statement
    *parents, last = path.split(".")
    for key in parents:
        node = node.setdefault(key, {})
    if value is _DELETE:
        node.pop(last, None)
    else:
        node[last] = value
    return statement


_DELETE = object()
SUBSTATEMENT = {"objectType": "SubStatement", **base()}
INTERACTION = {
    "name": {"en-US": "Q1"},
    "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "interactionType": "choice",
    "correctResponsesPattern": ["a"],
    "choices": [{"id": "a", "description": {"en-US": "A"}}, {"id": "b"}],
}

GOOD = {
    "minimal": base(),
    "with id": with_("id", "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"),
    "uppercase uuid": with_("id", "FD41C918-B88B-4B20-A0A5-A4C32391AAA0"),
    "actor without objectType": with_("actor", {"mbox": "mailto:a@b.co"}),
    "actor mbox_sha1sum": with_("actor", {"mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e364975"}),
    "actor openid": with_("actor", {"openid": "http://openid.example.org/12345"}),
    "actor account": with_("actor", {"account": {"homePage": "http://lms.example.com", "name": "u1"}}),
    "identified group": with_("actor", {"objectType": "Group", "mbox": "mailto:team@example.com"}),
    "anonymous group": with_("actor", {"objectType": "Group", "member": [{"mbox": "mailto:a@b.co"}]}),
    "agent as object": with_("object", {"objectType": "Agent", "mbox": "mailto:b@b.co"}),
    "statement ref": with_("object", {"objectType": "StatementRef",
                                      "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"}),
    "substatement": with_("object", SUBSTATEMENT),
    "interaction": with_("object.definition", INTERACTION),
    "score": with_("result", {"score": {"scaled": -1, "raw": 0, "min": 0, "max": 10}}),
    "duration": with_("result", {"duration": "P3Y1M29DT4H35M59.14S", "success": True}),
    "week duration": with_("result", {"duration": "P4W"}),
    "timestamp offset": with_("timestamp", "2008-09-15T15:53:00.601+00:00"),
    "timestamp z": with_("timestamp", "2013-05-18T05:32:34.804Z"),
    "context": with_("context", {
        "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7", "revision": "r1", "platform": "p",
        "language": "zh-Hant", "contextActivities": {"parent": {"id": ACTIVITY}},
        "statement": {"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"},
        "extensions": {"http://example.com/ext": None},
    }),
    "context agents": with_("context", {"contextAgents": [{
        "objectType": "contextAgent", "agent": {"mbox": "mailto:a@b.co"},
        "relevantTypes": ["http://example.com/type"]}]}),
    "attachment with fileUrl": with_("attachments", [{
        "usageType": "http://example.com/usage", "display": {"en-US": "x"},
        "contentType": "text/plain; charset=ascii", "length": 27, "fileUrl": "http://over.there.com/f",
        "sha2": "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"}]),
    "version 1.0": with_("version", "1.0"),
    "version 2.0.0": with_("version", "2.0.0"),
    "language de": with_("verb.display", {"de": "abgeschlossen", "sr-Latn-RS": "x"}),
    "extension values": with_("result", {"extensions": {"http://example.com/e": {}}}),
    "voiding": {**base(), "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
                "object": {"objectType": "StatementRef", "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"}},
    "authority oauth group": with_("authority", {"objectType": "Group", "member": [
        {"account": {"homePage": "http://example.com/xAPI/OAuth/Token", "name": "app"}},
        {"mbox": "mailto:bob@example.com"}]}),
}

BAD = {
    "not an object": ([], "$"),
    "missing actor": (with_("actor", _DELETE), "actor"),
    "missing verb": (with_("verb", _DELETE), "verb"),
    "missing object": (with_("object", _DELETE), "object"),
    "null context": (with_("context", None), "context"),
    "unknown property": (with_("dummy", 1), "dummy"),
    "bad id": (with_("id", "MA97B177-9383-4934-8543-0F91A7A02836"), "id"),
    "two ifis": (with_("actor.mbox_sha1sum", "cd9b00a5611f94eaa7b1661edab976068e364975"), "actor"),
    "no ifi": (with_("actor", {"name": "nobody"}), "actor"),
    "mbox not mailto": (with_("actor.mbox", "http://should.fail.com"), "actor.mbox"),
    "mbox without address": (with_("actor.mbox", "mailto:should.fail.com"), "actor.mbox"),
    "lower-case agent": (with_("actor.objectType", "agent"), "actor.objectType"),
    "account without homePage": (with_("actor", {"account": {"name": "x"}}), "actor.account.homePage"),
    "account homePage no scheme": (with_("actor", {"account": {"homePage": "homePage.com/u", "name": "x"}}),
                                   "actor.account.homePage"),
    "anonymous group without members": (with_("actor", {"objectType": "Group"}), "actor.member"),
    "group member group": (with_("actor", {"objectType": "Group", "member": [
        {"objectType": "Group", "mbox": "mailto:a@b.co"}]}), "actor.member[0].objectType"),
    "verb without scheme": (with_("verb.id", "adlnet.gov/expapi/verbs/completed"), "verb.id"),
    "bad language tag": (with_("verb.display", {"a12345678": "x"}), "verb.display.a12345678"),
    "repeated extension singleton": (with_("verb.display", {"zh-z-aaa-z-bbb-c-ccc": "x"}),
                                     "verb.display.zh-z-aaa-z-bbb-c-ccc"),
    "activity id no scheme": (with_("object.id", "www.example.com/x"), "object.id"),
    "agent object without type": (with_("object", {"mbox": "mailto:a@b.co"}), "object.mbox"),
    "nested substatement": (with_("object", {**SUBSTATEMENT, "object": SUBSTATEMENT}), "object.object.objectType"),
    "substatement with id": (with_("object", {**SUBSTATEMENT, "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"}),
                             "object.id"),
    "choices without interactionType": (
        with_("object.definition", {k: v for k, v in INTERACTION.items() if k != "interactionType"}),
        "object.definition.choices"),
    "wrong-case interactionType": (with_("object.definition", {**INTERACTION, "interactionType": "choiCe"}),
                                   "object.definition.interactionType"),
    "scale on choice": (with_("object.definition", {**INTERACTION, "scale": [{"id": "1"}]}),
                        "object.definition.scale"),
    "duplicate component ids": (with_("object.definition", {**INTERACTION, "choices": [{"id": "a"}, {"id": "a"}]}),
                                "object.definition.choices[1].id"),
    "scaled above one": (with_("result", {"score": {"scaled": 1.5}}), "result.score.scaled"),
    "raw above max": (with_("result", {"score": {"raw": 11, "min": 0, "max": 10}}), "result.score.raw"),
    "min not below max": (with_("result", {"score": {"min": 5, "max": 5}}), "result.score.max"),
    "string score": (with_("result", {"score": {"raw": "5"}}), "result.score.raw"),
    "string boolean": (with_("result", {"success": "true"}), "result.success"),
    "weeks mixed": (with_("result", {"duration": "P4W1D"}), "result.duration"),
    "bad duration": (with_("result", {"duration": "PA1H0M0S"}), "result.duration"),
    "negative zero offset": (with_("timestamp", "2008-09-15T15:53:00.601-00:00"), "timestamp"),
    "no time zone (2.0)": (with_("timestamp", "2008-09-15T15:53:00.601"), "timestamp"),
    "bad date": (with_("timestamp", "01/011/2015"), "timestamp"),
    "revision on agent object": (with_("context", {"revision": "r"}) | {"object": {
        "objectType": "Agent", "mbox": "mailto:a@b.co"}}, "context.revision"),
    "team is an agent": (with_("context", {"team": {"mbox": "mailto:a@b.co"}}), "context.team.objectType"),
    "bad registration": (with_("context", {"registration": "wrong"}), "context.registration"),
    "extension key not iri": (with_("context", {"extensions": {"example.com/x": 1}}),
                              "context.extensions.example.com/x"),
    "context agent wrong type": (with_("context", {"contextAgents": [{
        "objectType": "Agent", "agent": {"mbox": "mailto:a@b.co"}}]}), "context.contextAgents[0].objectType"),
    "empty relevant types": (with_("context", {"contextGroups": [{
        "objectType": "contextGroup", "group": {"objectType": "Group", "mbox": "mailto:a@b.co"},
        "relevantTypes": []}]}), "context.contextGroups[0].relevantTypes"),
    "version 1.1.0": (with_("version", "1.1.0"), "version"),
    "attachment length string": (with_("attachments", [{
        "usageType": "http://example.com/u", "display": {"en": "x"}, "contentType": "text/plain",
        "length": "27", "sha2": "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"}]),
        "attachments[0].length"),
    "voiding an activity": ({**base(), "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"}}, "object"),
    "authority identified group": (with_("authority", {"objectType": "Group", "mbox": "mailto:a@b.co",
                                                       "member": [{"mbox": "mailto:x@b.co"},
                                                                  {"mbox": "mailto:y@b.co"}]}), "authority"),
    "authority three members": (with_("authority", {"objectType": "Group", "member": [
        {"mbox": "mailto:a@b.co"}, {"mbox": "mailto:b@b.co"}, {"mbox": "mailto:c@b.co"}]}), "authority.member"),
}


class TestValidateStatement:
    """One row per rule of the xAPI Data part."""

    @pytest.mark.parametrize("statement", GOOD.values(), ids=GOOD.keys())
    def test_validate_statement_with_valid_statement_returns_no_errors(self, statement):
        assert validate_statement(statement, "2.0.0") == []

    @pytest.mark.parametrize(("statement", "path"), BAD.values(), ids=BAD.keys())
    def test_validate_statement_with_invalid_statement_names_the_field(self, statement, path):
        errors = validate_statement(statement, "2.0.0")
        assert path in [error.path for error in errors], errors

    def test_validate_statement_without_time_zone_under_1_0_3_is_accepted(self):
        assert validate_statement(with_("timestamp", "2008-09-15T15:53:00.601"), "1.0.3") == []

    def test_validate_statements_with_bad_second_statement_prefixes_its_index(self):
        errors = validate_statements([base(), with_("verb.id", "nope")])
        assert [error.path for error in errors] == ["[1].verb.id"]
