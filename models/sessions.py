"""Learner sessions (a learner's registration on a package) and the CMI state of each SCO attempt.

A `LearnerSession` is one learner's record on one package (per dispatch, when
launched through one): its attempt number, the course status derived from
its SCOs, the time spent, the item to resume at and the browser sequencer's
saved state. A new attempt keeps the row and starts fresh SCO states.

A `ScoState` is one SCO attempt inside a session attempt: the flat CMI the
content committed, its derived status and its time. Each delivery of the SCO
opens a learner session (`launch_count` counts them); commits carry the launch
number and the runtime's commit sequence so stale and out-of-order ones are
ignored, and a launch that ended (`closed`) takes no more commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, JSONType, TimestampMixin, UTCDateTime, UUIDStr, new_id

MAX_USER_ID = 255


class LearnerSession(TimestampMixin, Base):
    __tablename__ = "learner_sessions"
    __table_args__ = (
        # One record per learner, package and dispatch; `registration` spells the triple (NULL-safe).
        UniqueConstraint("tenant_id", "registration", name="uq_learner_sessions_registration"),
        Index("ix_learner_sessions_tenant_package", "tenant_id", "package_id"),
        Index("ix_learner_sessions_tenant_user", "tenant_id", "user_id"),
    )

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)
    package_id: Mapped[str] = mapped_column(ForeignKey("packages.id", ondelete="CASCADE"), index=True, nullable=False)
    package_version: Mapped[int] = mapped_column(Integer, nullable=False)
    user_id: Mapped[str] = mapped_column(String(MAX_USER_ID), nullable=False)
    user_name: Mapped[str | None] = mapped_column(String(MAX_USER_ID))
    dispatch_id: Mapped[str | None] = mapped_column(UUIDStr, index=True)
    registration: Mapped[str] = mapped_column(String(600), nullable=False)
    attempt: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    completion_status: Mapped[str] = mapped_column(String(16), default="not_attempted", nullable=False)
    success_status: Mapped[str] = mapped_column(String(16), default="unknown", nullable=False)
    score: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, nullable=False)
    # Seconds of every closed learner session, all attempts; `session_time` is the last one's.
    time_spent_seconds: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)
    session_time: Mapped[str | None] = mapped_column(String(40))
    # item identifier → {"status": ScoStatus dict, "attempts": n, "suspended": bool} for the current attempt.
    progress: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, nullable=False)
    current_item: Mapped[str | None] = mapped_column(String(255))
    # The browser sequencer's saved state (SCORM 2004), a patch over its freshly built tree.
    sequencing_state: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    launched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ScoState(TimestampMixin, Base):
    __tablename__ = "sco_states"
    __table_args__ = (
        UniqueConstraint("session_id", "attempt", "item_id", "sco_attempt", name="uq_sco_states_attempt"),
    )

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("learner_sessions.id", ondelete="CASCADE"), index=True, nullable=False
    )
    attempt: Mapped[int] = mapped_column(Integer, nullable=False)
    item_id: Mapped[str] = mapped_column(String(255), nullable=False)
    sco_attempt: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    cmi: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict, nullable=False)
    status: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, nullable=False)
    launch_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    commit_seq: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    closed: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    terminated: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    exit: Mapped[str] = mapped_column(String(16), default="", nullable=False)
    # session_time of the open launch (added to total_seconds once, when the launch closes).
    session_seconds: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)
    total_seconds: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)
    # What the last close added: a launch closed by the page going away can still take its own
    # LMSFinish/Terminate, which then replaces that close.
    closed_seconds: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)


def registration_key(package_id: str, user_id: str, dispatch_id: str | None) -> str:
    """The NULL-safe identity of a learner's record on a package (and dispatch)."""
    return f"{package_id}|{dispatch_id or '-'}|{user_id}"


def get_for_tenant(session: Session, session_id: str, tenant_id: str) -> LearnerSession | None:
    """A tenant's learner session by id; another tenant's is None."""
    found = session.get(LearnerSession, session_id)
    return found if found is not None and found.tenant_id == tenant_id else None


def latest_sco_state(session: Session, learner: LearnerSession, item_id: str, *, lock: bool = False) -> ScoState | None:
    """The newest SCO attempt of an item in the session's current attempt."""
    query = (
        select(ScoState)
        .where(ScoState.session_id == learner.id, ScoState.attempt == learner.attempt, ScoState.item_id == item_id)
        .order_by(ScoState.sco_attempt.desc())
        .limit(1)
    )
    if lock:
        query = query.with_for_update()
    return session.scalar(query)


def sco_states(session: Session, learner: LearnerSession) -> list[ScoState]:
    """Every SCO attempt of the session's current attempt, newest SCO attempt last per item."""
    return list(
        session.scalars(
            select(ScoState)
            .where(ScoState.session_id == learner.id, ScoState.attempt == learner.attempt)
            .order_by(ScoState.item_id, ScoState.sco_attempt)
        )
    )
