"""LRS credentials: Basic-auth key/secret pairs per tenant, and the authority they stamp.

Secrets carry 256 bits of randomness, so a fast hash at rest is enough (as for API keys).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.xapi import LrsCredential


@dataclass(frozen=True)
class LrsClient:
    """An authenticated caller of the standard LRS."""

    credential_id: str
    tenant_id: str
    key: str


def hash_secret(secret: str) -> str:
    """The stored form of a secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_credential(session: Session, tenant_id: str, name: str = "") -> tuple[LrsCredential, str]:
    """Create a credential; returns the row and the secret, which is never shown again."""
    secret = secrets.token_urlsafe(32)
    credential = LrsCredential(tenant_id=tenant_id, key="lrs_" + secrets.token_hex(12),
                               secret_hash=hash_secret(secret), name=name)
    session.add(credential)
    session.flush()
    return credential, secret


def parse_basic(header: str | None) -> tuple[str, str] | None:
    """Decode an `Authorization: Basic ...` header into (user, password)."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon else None


def authenticate(session: Session, header: str | None) -> LrsClient | None:
    """The client behind a Basic header, or None when it is missing, malformed or wrong."""
    pair = parse_basic(header)
    if pair is None:
        return None
    credential = session.scalar(select(LrsCredential).where(LrsCredential.key == pair[0]))
    if credential is None or credential.revoked_at is not None:
        return None
    if not hmac.compare_digest(credential.secret_hash, hash_secret(pair[1])):
        return None
    return LrsClient(credential.id, credential.tenant_id, credential.key)


def authority_for(key: str, home_page: str) -> dict:
    """The Agent that signs statements sent with a credential (xAPI Data 2.4.9)."""
    return {"objectType": "Agent", "name": key, "account": {"homePage": home_page, "name": key}}
