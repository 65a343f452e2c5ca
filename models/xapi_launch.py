"""Launch credentials of the LRS: Basic-auth pairs one content launch uses, scoped and expiring.

A TinCan or cmi5 launch hands the content an `Authorization` value for `/xapi`. Unlike a
tenant's LRS credentials (`models.xapi.LrsCredential`), one of these speaks for a single
learner (`actor`) in a single `registration`, optionally only about activities under
`activity_prefix`, until `expires_at` or until revoked. Rows (not signed tokens) so a
launch can be revoked at once, e.g. when its session is reset or deleted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, UUIDStr, new_id, utcnow


class LaunchCredential(Base):
    """One launch's LRS credential; the secret is stored hashed."""

    __tablename__ = "xapi_launch_credentials"
    __table_args__ = (Index("ix_xapi_launch_credentials_tenant_session", "tenant_id", "session_id"),)

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)
    key: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    # The xAPI Agent (JSON text) and its IFI key as the LRS indexes it (`web.lrs.normalize.agent_key`).
    actor: Mapped[str] = mapped_column(Text, nullable=False)
    actor_key: Mapped[str] = mapped_column(Text, nullable=False)
    registration: Mapped[str] = mapped_column(UUIDStr, nullable=False)
    # Statement objects and documents must name activities starting with this (NULL: any activity).
    activity_prefix: Mapped[str | None] = mapped_column(Text)
    # What the launch belongs to (a learner session id), so all its credentials can be revoked together.
    session_id: Mapped[str | None] = mapped_column(UUIDStr)
    purpose: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
