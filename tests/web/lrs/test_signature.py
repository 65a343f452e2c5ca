"""Signed statements: JWS structure, algorithm and payload checks."""

from __future__ import annotations

import base64
import json

import pytest

from tests.fixtures.xapi import signing_identity
from web.lrs.multipart import Part
from web.lrs.signature import SIGNATURE_USAGE, SignatureError, check_signatures

STATEMENT = {"id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0", "actor": {"mbox": "mailto:a@b.co"},
             "verb": {"id": "http://x.y/v"}, "object": {"id": "http://x.y/a"},
             "result": {"duration": "P1DT12H36M0.12S"}}
SHA = "a" * 64


def b64(value: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(value).decode().rstrip("=")


def signed(payload: object, alg: str = "RS256", content_type: str = "application/octet-stream",
           raw_payload: bytes | None = None) -> tuple[list[dict], dict[str, Part]]:
    """A statement with a signature attachment and its part (the signature bytes are dummies)."""
    body = raw_payload if raw_payload is not None else json.dumps(payload).encode()
    token = f"{b64(json.dumps({'alg': alg}).encode())}.{b64(body)}.{b64(b'sig')}"
    statement = dict(STATEMENT, attachments=[{"usageType": SIGNATURE_USAGE, "display": {"en": "s"},
                                              "contentType": content_type, "length": len(token), "sha2": SHA}])
    return [statement], {SHA: Part({"content-type": content_type}, token.encode())}


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_check_signatures_with_rs_algorithm_passes(alg):
    check_signatures(*signed(STATEMENT, alg=alg))


def test_check_signatures_ignores_duration_digits_beyond_hundredths():
    payload = dict(STATEMENT, result={"duration": "P1DT12H36M0.1237S"})
    check_signatures(*signed(payload))


@pytest.mark.parametrize("case", [
    {"alg": "HS256"},
    {"content_type": "text/plain; charset=ascii"},
    {"raw_payload": json.dumps(STATEMENT).replace('"', "'", 1).encode()},
    {"payload": dict(STATEMENT, verb={"id": "http://x.y/other"})},
], ids=["hmac", "content type", "broken json", "different statement"])
def test_check_signatures_with_bad_signature_should_fail(case):
    payload = case.pop("payload", STATEMENT)
    with pytest.raises(SignatureError):
        check_signatures(*signed(payload, **case))


@pytest.fixture(scope="module")
def signer():
    return signing_identity()


def really_signed(payload: dict, certificate: str, key: object, alg: str = "RS256") -> tuple[list[dict], dict]:
    """A statement whose signature attachment is a real JWS carrying its certificate in x5c."""
    import jwt

    token = jwt.PyJWS().encode(json.dumps(payload).encode(), key, algorithm=alg, headers={"x5c": [certificate]})
    statement = dict(STATEMENT, attachments=[{"usageType": SIGNATURE_USAGE, "display": {"en": "s"},
                                              "contentType": "application/octet-stream", "length": len(token),
                                              "sha2": SHA}])
    return [statement], {SHA: Part({"content-type": "application/octet-stream"}, token.encode())}


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_check_signatures_verifies_a_real_signature_with_its_x5c_certificate(signer, alg):
    check_signatures(*really_signed(STATEMENT, *signer, alg=alg))


def test_check_signatures_with_tampered_signature_bytes_should_fail(signer):
    statements, parts = really_signed(STATEMENT, *signer)
    token = parts[SHA].content.decode()
    head, body, signature = token.split(".")
    flipped = ("B" if signature[10] == "A" else "A").join((signature[:10], signature[11:]))
    parts[SHA] = Part(parts[SHA].headers, f"{head}.{body}.{flipped}".encode())
    with pytest.raises(SignatureError, match="does not verify"):
        check_signatures(statements, parts)


def test_check_signatures_signed_by_another_key_than_the_certificate_should_fail(signer):
    certificate, _ = signer
    _, other_key = signing_identity()
    with pytest.raises(SignatureError, match="does not verify"):
        check_signatures(*really_signed(STATEMENT, certificate, other_key))
