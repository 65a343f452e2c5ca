"""Tenants and their API keys (hashed at rest, shown once)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, TimestampMixin, UTCDateTime, UUIDStr, new_id, utcnow

KEY_PREFIX = "ac_live_"
SCOPES = ("read", "write", "admin")


class Tenant(TimestampMixin, Base):
    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    quota_packages: Mapped[int] = mapped_column(Integer, nullable=False)
    quota_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # Operators see the whole platform (the RQ dashboard), not only their own data.
    is_operator: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True, nullable=False
    )
    # What the key is for, as its owner named it ("LMS production"); shown in lists.
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="", server_default="")
    prefix: Mapped[str] = mapped_column(String(24), nullable=False)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    scopes: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split(","))

    def expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or utcnow())


def hash_key(secret: str) -> str:
    # Keys carry 256 bits of randomness, so a fast hash is enough (as for GitHub tokens).
    return hashlib.sha256(secret.encode()).hexdigest()


def create_tenant(
    session: Session, name: str, quota_packages: int, quota_bytes: int, is_operator: bool = False
) -> Tenant:
    tenant = Tenant(
        name=name, quota_packages=quota_packages, quota_bytes=quota_bytes, is_operator=is_operator
    )
    session.add(tenant)
    session.flush()
    return tenant


def create_api_key(session: Session, tenant_id: str, scopes: list[str], name: str = "",
                   expires_at: datetime | None = None) -> tuple[ApiKey, str]:  # fmt: skip
    """Create a key; returns the row and the secret, which is never stored or shown again."""
    unknown = set(scopes) - set(SCOPES)
    if unknown or not scopes:
        raise ValueError(f"scopes must be a non-empty subset of {', '.join(SCOPES)}")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        tenant_id=tenant_id,
        prefix=secret[: len(KEY_PREFIX) + 6],
        key_hash=hash_key(secret),
        scopes=",".join(s for s in SCOPES if s in scopes),
        name=name,
        expires_at=expires_at,
    )
    session.add(key)
    session.flush()
    return key, secret


def find_key(session: Session, secret: str) -> ApiKey | None:
    """The key with this secret, whatever its state."""
    return session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(secret)))


def find_active_key(session: Session, secret: str) -> ApiKey | None:
    """The key with this secret unless it is revoked or expired."""
    key = find_key(session, secret)
    if key is None or key.revoked_at is not None or key.expired():
        return None
    return key
