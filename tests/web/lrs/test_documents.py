"""ETags, preconditions and JSON merges of the document resources."""

from __future__ import annotations

import hashlib
import json

import pytest

from web.lrs.documents import DocumentError, Resource, check_preconditions, compute_etag, merge_json

ETAG = compute_etag(b"{}")


def test_compute_etag_is_quoted_sha1_hex():
    assert ETAG == '"' + hashlib.sha1(b"{}").hexdigest() + '"'


def check(**overrides: object) -> None:
    """Call check_preconditions with defaults for a 2.0 PUT to an existing profile."""
    arguments = {"method": "PUT", "resource": Resource.AGENT_PROFILE, "current_etag": ETAG,
                 "if_match": None, "if_none_match": None, "version": "2.0.0"} | overrides
    check_preconditions(**arguments)


class TestCheckPreconditions:
    """RFC 7232 plus the xAPI unconditional-PUT rules."""

    @pytest.mark.parametrize("overrides", [
        {"if_match": ETAG}, {"if_match": "W/" + ETAG}, {"if_match": "*"},
        {"if_none_match": "*", "current_etag": None}, {"current_etag": None},
        {"method": "POST"}, {"method": "DELETE"},
        {"resource": Resource.STATE, "version": "1.0.3"},
    ], ids=["match", "weak match", "match any", "create", "new 2.0 profile", "post", "delete", "1.0 state"])
    def test_check_preconditions_when_satisfied_passes(self, overrides):
        check(**overrides)

    @pytest.mark.parametrize(("overrides", "status"), [
        ({"if_match": '"1234"'}, 412),
        ({"if_match": ETAG, "current_etag": None}, 412),
        ({"if_none_match": "*"}, 412),
        ({"method": "DELETE", "if_match": '"1234"'}, 412),
        ({}, 409),
        ({"resource": Resource.STATE}, 409),
        ({"current_etag": None, "version": "1.0.3"}, 400),
    ], ids=["wrong etag", "no document", "exists", "delete wrong etag", "unconditional put",
            "2.0 state put", "1.0 profile put"])
    def test_check_preconditions_when_violated_raises_status(self, overrides, status):
        with pytest.raises(DocumentError) as caught:
            check(**overrides)
        assert caught.value.status == status


class TestMergeJson:
    """Document Merge: top-level keys of the new document win."""

    def test_merge_json_with_two_objects_overwrites_one_level(self):
        merged = merge_json(b'{"car": {"make": "Ford"}, "driver": "Dale"}', "application/json",
                            b'{"car": {"model": "Ram"}}', "application/json; charset=utf-8")
        assert json.loads(merged) == {"car": {"model": "Ram"}, "driver": "Dale"}

    @pytest.mark.parametrize(("existing", "existing_type", "incoming", "incoming_type"), [
        (b"{}", "application/json", b"abc", "application/x-www-form-urlencoded"),
        (b"raw", "application/octet-stream", b"{}", "application/json"),
        (b"{}", "application/json", b"{\"a\": 1}{", "application/json"),
        (b"{}", "application/json", b"[1]", "application/json"),
    ], ids=["incoming not json", "existing not json", "broken json", "array"])
    def test_merge_json_with_non_object_should_fail(self, existing, existing_type, incoming, incoming_type):
        with pytest.raises(DocumentError) as caught:
            merge_json(existing, existing_type, incoming, incoming_type)
        assert caught.value.status == 400
