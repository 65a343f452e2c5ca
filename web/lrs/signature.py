"""Signed statements (xAPI Data 2.6 / 2.0 §4.2.8): check the JWS attached to a statement.

The signature attachment (usageType `.../attachments/signature`) must be an
`application/octet-stream` part holding a compact JWS with an RS256/RS384/RS512 header whose
payload is the statement as sent, minus the properties the LRS or the signer may add. When
the JWS header carries an `x5c` certificate chain, the signature itself is verified with the
leaf certificate's public key (PyJWT with `cryptography`); without one there is no key to verify
against, and the LRS checks the structure and the payload only (xAPI 2.0 §4.2.8 leaves it there).
"""

from __future__ import annotations

import base64
from typing import Any

import jwt
from cryptography.x509 import load_der_x509_certificate

from web import safe_json
from web.lrs.datatypes import normalize_timestamp, truncate_duration
from web.lrs.multipart import Part

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
_ALGORITHMS = ("RS256", "RS384", "RS512")
# Properties outside the signed content (xAPI 2.0 §4.2.8: compare "ignoring" these).
_UNSIGNED = ("attachments", "stored", "authority", "version")


class SignatureError(ValueError):
    """The statement's signature is malformed or does not match (the request gets 400)."""


def check_signatures(statements: list[dict], parts: dict[str, Part]) -> None:
    """Check every signature attachment of every statement.

    Args:
        statements: the statements as received (before the LRS adds anything).
        parts: attachment parts by lower-cased sha2.

    Raises:
        SignatureError: the first problem found.
    """
    for statement in statements:
        for attachment in statement.get("attachments") or []:
            if isinstance(attachment, dict) and attachment.get("usageType") == SIGNATURE_USAGE:
                _check_one(statement, attachment, parts)


def _check_one(statement: dict, attachment: dict, parts: dict[str, Part]) -> None:
    """Check one signature attachment against its statement."""
    if str(attachment.get("contentType", "")).split(";")[0].strip() != "application/octet-stream":
        raise SignatureError("a signature attachment must be application/octet-stream")
    part = parts.get(str(attachment.get("sha2", "")).lower())
    if part is None:
        raise SignatureError("a signature attachment must be sent as a body part")
    try:
        token = part.content.decode("ascii").strip()
        encoded_header, encoded_payload, encoded_signature = token.split(".")
        header = safe_json.loads(_b64decode(encoded_header))
        payload = safe_json.loads(_b64decode(encoded_payload))
        _b64decode(encoded_signature)
    except (UnicodeDecodeError, ValueError) as err:
        raise SignatureError("the signature is not a valid compact JWS") from err
    if not isinstance(header, dict) or header.get("alg") not in _ALGORITHMS:
        raise SignatureError("a statement signature must use RS256, RS384 or RS512")
    if not isinstance(payload, dict):
        raise SignatureError("the JWS payload must be a statement")
    keep_id = "id" in payload
    if _covered(payload, keep_id) != _covered(statement, keep_id):
        raise SignatureError("the JWS payload does not match the statement")
    if header.get("x5c"):
        _verify_x5c(token, header)


def _b64decode(segment: str) -> bytes:
    """Decode one base64url JWS segment (padding optional)."""
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _covered(statement: dict, keep_id: bool) -> Any:
    """Reduce a statement to what a signature covers; an id the signer did not sign is dropped."""
    result = {key: item for key, item in statement.items() if key not in _UNSIGNED}
    if not keep_id:
        result.pop("id", None)
    return _normal(result)


def _normal(node: Any, key: str = "") -> Any:
    """Canonical values: durations to 0.01 s, timestamps to UTC, single context activities listed."""
    if isinstance(node, dict):
        result = {name: _normal(item, name) for name, item in node.items()}
        for name in ("parent", "grouping", "category", "other"):
            if key == "contextActivities" and name in result and not isinstance(result[name], list):
                result[name] = [result[name]]
        return result
    if isinstance(node, list):
        return [_normal(item) for item in node]
    if key == "duration" and isinstance(node, str):
        return truncate_duration(node)
    if key == "timestamp" and isinstance(node, str):
        return normalize_timestamp(node)
    return node


def _verify_x5c(token: str, header: dict) -> None:
    """Verify the JWS with the leaf certificate of its x5c chain."""
    try:
        certificate = load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
        jwt.PyJWS().decode(token, key=certificate.public_key(), algorithms=[header["alg"]])
    except Exception as err:  # any failure of the crypto stack means "not verified"
        raise SignatureError("the JWS signature does not verify with its x5c certificate") from err
