"""multipart/mixed parsing and attachment matching for statements with attachments."""

from __future__ import annotations

import hashlib
import json

import pytest

from web.lrs.multipart import (
    MultipartError,
    build_multipart,
    match_attachments,
    parse_statement_body,
    split_parts,
)

BOUNDARY = "-------314159265358979323846"
CONTENT_TYPE = f"multipart/mixed; boundary={BOUNDARY}"
TEXT = b"here is a simple attachment"
SHA = hashlib.sha256(TEXT).hexdigest()


def statement(file_url: bool = False) -> dict:
    """A statement with one text attachment."""
    attachment = {"usageType": "http://example.com/u", "display": {"en-US": "t"},
                  "contentType": "text/plain", "length": len(TEXT), "sha2": SHA}
    if file_url:
        attachment["fileUrl"] = "http://over.there.com/file.txt"
    return {"actor": {"mbox": "mailto:a@b.co"}, "verb": {"id": "http://x.y/v"},
            "object": {"id": "http://x.y/a"}, "attachments": [attachment]}


def body(*parts: tuple[list[str], bytes], preamble: bytes = b"") -> bytes:
    """Assemble a multipart body from (header lines, content) pairs."""
    out = preamble
    for headers, content in parts:
        out += f"--{BOUNDARY}\r\n".encode() + "".join(h + "\r\n" for h in headers).encode() + b"\r\n"
        out += content + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


def json_part(value: object) -> tuple[list[str], bytes]:
    """The statements part."""
    return ["Content-Type: application/json"], json.dumps(value).encode()


def text_part(sha: str = SHA, encoding: str = "binary") -> tuple[list[str], bytes]:
    """An attachment part."""
    return ["Content-Type: text/plain", f"Content-Transfer-Encoding: {encoding}",
            f"X-Experience-API-Hash: {sha}"], TEXT


class TestParseStatementBody:
    """Part rules of xAPI Communication 1.5.2."""

    def test_parse_statement_body_with_one_attachment_returns_json_and_part(self):
        raw, parts = parse_statement_body(body(json_part(statement()), text_part()), CONTENT_TYPE)
        assert json.loads(raw)["attachments"][0]["sha2"] == SHA
        assert parts[0].content == TEXT and parts[0].content_type == "text/plain"

    def test_parse_statement_body_with_leading_crlf_and_no_header_space_is_accepted(self):
        raw = b"\r\n" + body((["Content-Type:application/json"], b"{}"))
        assert parse_statement_body(raw, CONTENT_TYPE)[0] == b"{}"

    @pytest.mark.parametrize(("raw", "content_type"), [
        (body(json_part({})), "multipart/mixed;"),
        (body(text_part()), CONTENT_TYPE),
        (body(json_part({}), (["Content-Type: text/plain"], TEXT)), CONTENT_TYPE),
        (body(json_part({}), text_part(encoding="base64")), CONTENT_TYPE),
        (b"no boundary here", CONTENT_TYPE),
        (f"--{BOUNDARY}\r\nContent-Type: application/json\r\n\r\n{{}}".encode(), CONTENT_TYPE),
    ], ids=["no boundary param", "first part not json", "part without hash", "base64 part",
            "body without boundary", "unterminated"])
    def test_parse_statement_body_with_broken_body_should_fail(self, raw, content_type):
        with pytest.raises(MultipartError):
            parse_statement_body(raw, content_type)


class TestMatchAttachments:
    """Hashes tie parts to attachment metadata."""

    def test_match_attachments_with_matching_part_returns_it_by_hash(self):
        _, parts = parse_statement_body(body(json_part({}), text_part()), CONTENT_TYPE)
        assert match_attachments([statement()], parts)[SHA].content == TEXT

    def test_match_attachments_with_file_url_needs_no_part(self):
        assert match_attachments([statement(file_url=True)], []) == {}

    def test_match_attachments_with_missing_part_should_fail(self):
        with pytest.raises(MultipartError):
            match_attachments([statement()], [])

    def test_match_attachments_with_excess_part_should_fail(self):
        other = hashlib.sha256(b"other").hexdigest()
        raw = body(json_part({}), text_part(), (["Content-Type: text/plain",
                                                 f"X-Experience-API-Hash: {other}"], b"other"))
        with pytest.raises(MultipartError):
            match_attachments([statement()], parse_statement_body(raw, CONTENT_TYPE)[1])

    def test_match_attachments_with_wrong_hash_header_should_fail(self):
        raw = body(json_part({}), text_part(sha="b" * 64))
        with pytest.raises(MultipartError):
            match_attachments([statement()], parse_statement_body(raw, CONTENT_TYPE)[1])


def test_build_multipart_round_trips_through_split_parts():
    payload, boundary = build_multipart(b'{"statements":[]}', [("text/plain", SHA, TEXT)])
    parts = split_parts(payload, boundary)
    assert [part.content for part in parts] == [b'{"statements":[]}', TEXT]
    assert parts[1].headers["x-experience-api-hash"] == SHA
