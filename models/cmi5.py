"""cmi5 registrations and AU sessions (cmi5 spec sections 8-11), on top of learner sessions.

A `Cmi5Registration` is the cmi5 registration (a UUID, the xAPI `context.registration`)
of one attempt of a learner session on a cmi5 package: the actor its statements use
and what the LMS knows of each AU (completed, passed, failed, waived) and which blocks
and the course are satisfied.

A `Cmi5AuSession` is one launch of one AU (the cmi5 session id): its launch mode, the
one-time fetch URL, the LRS launch credential the fetch hands out, and where the
session is in its life (`launched` → `initialized` → `terminated` | `abandoned`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, JSONType, TimestampMixin, UTCDateTime, UUIDStr, new_id

LAUNCHED, INITIALIZED, TERMINATED, ABANDONED = "launched", "initialized", "terminated", "abandoned"


class Cmi5Registration(TimestampMixin, Base):
    __tablename__ = "cmi5_registrations"
    __table_args__ = (UniqueConstraint("learner_session_id", "attempt", name="uq_cmi5_registrations_attempt"),)

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True, nullable=False)
    learner_session_id: Mapped[str] = mapped_column(
        ForeignKey("learner_sessions.id", ondelete="CASCADE"), index=True, nullable=False
    )
    attempt: Mapped[int] = mapped_column(Integer, nullable=False)
    actor: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    # AU publisher id → {"completed", "passed", "failed", "waived"} (booleans, per registration).
    aus: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, nullable=False)
    # Publisher ids of the blocks and the course the LMS has written `satisfied` for.
    satisfied: Mapped[list[str]] = mapped_column(JSONType, default=list, nullable=False)


class Cmi5AuSession(TimestampMixin, Base):
    __tablename__ = "cmi5_au_sessions"
    __table_args__ = (Index("ix_cmi5_au_sessions_registration_au", "registration_id", "au_index"),)

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True, nullable=False)
    registration_id: Mapped[str] = mapped_column(
        ForeignKey("cmi5_registrations.id", ondelete="CASCADE"), nullable=False
    )
    au_index: Mapped[int] = mapped_column(Integer, nullable=False)
    au_id: Mapped[str] = mapped_column(String(2048), nullable=False)
    activity_id: Mapped[str] = mapped_column(String(2048), nullable=False)
    launch_mode: Mapped[str] = mapped_column(String(16), nullable=False)
    state: Mapped[str] = mapped_column(String(16), default=LAUNCHED, nullable=False)
    fetch_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    fetch_used: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # The AU read cmi5LearnerPreferences, as it must before `initialized` (cmi5 11.0.0.0-3).
    preferences_read: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    credential_key: Mapped[str | None] = mapped_column(String(80), index=True)
    # cmi5 verbs this session sent (completed, passed, failed...): some may come once per session.
    verbs: Mapped[list[str]] = mapped_column(JSONType, default=list, nullable=False)
    launched_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_active_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
