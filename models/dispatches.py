"""Dispatches and their registrations: a package handed to another LMS, limited and revocable.

A dispatch belongs to a tenant and names one of its packages. Each distinct learner
that launches it through a host LMS gets one registration row; `registration_count`
is kept equal to the number of those rows by the one function that inserts them,
`register_learner`, which also enforces the limit under concurrency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    and_,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, JSONType, TimestampMixin, UTCDateTime, UUIDStr, new_id, utcnow

MAX_LEARNER_ID = 255


class DispatchStatus(StrEnum):
    """The derived state of a dispatch; the first that applies wins, in this order."""

    REVOKED = "revoked"
    EXPIRED = "expired"
    EXHAUSTED = "exhausted"
    ACTIVE = "active"


class Dispatch(TimestampMixin, Base):
    __tablename__ = "dispatches"

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True, nullable=False)
    package_id: Mapped[str] = mapped_column(ForeignKey("packages.id", ondelete="CASCADE"), index=True, nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    # None means unlimited (the API's null or 0).
    registration_limit: Mapped[int | None] = mapped_column(Integer)
    registration_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)
    allowed_domains: Mapped[list[str]] = mapped_column(JSONType, default=list, nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The built dispatch ZIP, once the generate job has stored it.
    zip_key: Mapped[str | None] = mapped_column(String(300))
    zip_size: Mapped[int | None] = mapped_column(BigInteger)
    zip_sha256: Mapped[str | None] = mapped_column(String(64))
    zip_built_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The latest generate job, so a second request while it runs joins it.
    zip_job_id: Mapped[str | None] = mapped_column(UUIDStr)

    def status(self, now: datetime | None = None) -> DispatchStatus:
        """The dispatch's state at `now` (default: the current time)."""
        now = now or utcnow()
        if self.revoked_at is not None:
            return DispatchStatus.REVOKED
        if self.expires_at is not None and self.expires_at <= now:
            return DispatchStatus.EXPIRED
        if self.registration_limit and self.registration_count >= self.registration_limit:
            return DispatchStatus.EXHAUSTED
        return DispatchStatus.ACTIVE


def status_clause(status: DispatchStatus, now: datetime) -> ColumnElement[bool]:
    """A WHERE clause selecting dispatches in `status` at `now` (mirrors `Dispatch.status`)."""
    revoked = Dispatch.revoked_at.is_not(None)
    expired = and_(Dispatch.expires_at.is_not(None), Dispatch.expires_at <= now)
    full = and_(
        Dispatch.registration_limit.is_not(None),
        Dispatch.registration_limit > 0,
        Dispatch.registration_count >= Dispatch.registration_limit,
    )
    clauses = {
        DispatchStatus.REVOKED: revoked,
        DispatchStatus.EXPIRED: and_(~revoked, expired),
        DispatchStatus.EXHAUSTED: and_(~revoked, ~expired, full),
        DispatchStatus.ACTIVE: and_(~revoked, ~expired, ~full),
    }
    return clauses[status]


class DispatchRegistration(Base):
    """One distinct learner of a dispatch, as named by the host LMS."""

    __tablename__ = "dispatch_registrations"
    __table_args__ = (UniqueConstraint("dispatch_id", "learner_id"),)

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    dispatch_id: Mapped[str] = mapped_column(
        ForeignKey("dispatches.id", ondelete="CASCADE"), index=True, nullable=False
    )
    learner_id: Mapped[str] = mapped_column(String(MAX_LEARNER_ID), nullable=False)
    learner_name: Mapped[str | None] = mapped_column(String(255))
    launch_count: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    last_origin: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    last_launched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class DispatchRefused(Exception):
    """A launch cannot go on: the dispatch is revoked, expired or full.

    Attributes:
        status: which of those.
        dispatch: the dispatch as read when refusing.
    """

    def __init__(self, status: DispatchStatus, dispatch: Dispatch) -> None:
        super().__init__(status.value)
        self.status = status
        self.dispatch = dispatch


@dataclass(frozen=True)
class Admission:
    """A learner let in: their registration, and whether it was made by this launch."""

    registration: DispatchRegistration
    new: bool


def register_learner(
    session: Session,
    dispatch: Dispatch,
    learner_id: str,
    learner_name: str | None = None,
    origin: str | None = None,
    now: datetime | None = None,
) -> Admission:
    """Admit a learner: a returning one resumes, a new one takes a place if one is left.

    The place is taken by one conditional `UPDATE ... SET registration_count = count + 1
    WHERE count < limit`, which Postgres runs under the dispatch row's lock, so however
    many first launches race, exactly `limit` succeed. The caller commits.

    Args:
        session: the request's session (in a transaction the caller commits).
        dispatch: the dispatch, loaded in this session.
        learner_id: the host LMS's learner id (cmi.core.student_id).
        learner_name: the host LMS's learner name, if any.
        origin: the launching page's origin, kept for support.
        now: the current time (tests pass their own).

    Returns:
        The admission.

    Raises:
        DispatchRefused: the dispatch is revoked or expired, or full for a new learner.
    """
    now = now or utcnow()
    state = dispatch.status(now)
    if state in (DispatchStatus.REVOKED, DispatchStatus.EXPIRED):
        raise DispatchRefused(state, dispatch)
    existing = _registration(session, dispatch.id, learner_id)
    if existing is not None:
        return Admission(_relaunch(existing, learner_name, origin, now), new=False)
    if not _take_place(session, dispatch.id, now):
        session.refresh(dispatch)
        raise DispatchRefused(_refusal(dispatch, now), dispatch)
    registration = DispatchRegistration(
        dispatch_id=dispatch.id,
        learner_id=learner_id,
        learner_name=learner_name,
        last_origin=origin,
        created_at=now,
        last_launched_at=now,
    )
    try:
        with session.begin_nested():
            session.add(registration)
    except IntegrityError:
        # The same learner launched twice at once: the other launch registered them,
        # and this one gives back the place it took.
        _give_back_place(session, dispatch.id)
        winner = _registration(session, dispatch.id, learner_id)
        if winner is None:
            raise
        return Admission(_relaunch(winner, learner_name, origin, now), new=False)
    session.refresh(dispatch, ["registration_count"])
    return Admission(registration, new=True)


def revoke_dispatch(dispatch: Dispatch, now: datetime | None = None) -> None:
    """Revoke a dispatch; revoking twice keeps the first time."""
    if dispatch.revoked_at is None:
        dispatch.revoked_at = now or utcnow()


def _registration(session: Session, dispatch_id: str, learner_id: str) -> DispatchRegistration | None:
    query = select(DispatchRegistration).where(
        DispatchRegistration.dispatch_id == dispatch_id, DispatchRegistration.learner_id == learner_id
    )
    return session.scalar(query)


def _relaunch(
    registration: DispatchRegistration, learner_name: str | None, origin: str | None, now: datetime
) -> DispatchRegistration:
    registration.launch_count += 1
    registration.last_launched_at = now
    registration.learner_name = learner_name or registration.learner_name
    registration.last_origin = origin or registration.last_origin
    return registration


def _take_place(session: Session, dispatch_id: str, now: datetime) -> bool:
    """Atomically count one more learner if the dispatch is usable and not full."""
    statement = (
        update(Dispatch)
        .where(
            Dispatch.id == dispatch_id,
            Dispatch.revoked_at.is_(None),
            or_(Dispatch.expires_at.is_(None), Dispatch.expires_at > now),
            or_(
                Dispatch.registration_limit.is_(None),
                Dispatch.registration_limit == 0,
                Dispatch.registration_count < Dispatch.registration_limit,
            ),
        )
        .values(registration_count=Dispatch.registration_count + 1)
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).rowcount == 1


def _give_back_place(session: Session, dispatch_id: str) -> None:
    statement = (
        update(Dispatch)
        .where(Dispatch.id == dispatch_id)
        .values(registration_count=Dispatch.registration_count - 1)
        .execution_options(synchronize_session=False)
    )
    session.execute(statement)


def _refusal(dispatch: Dispatch, now: datetime) -> DispatchStatus:
    state = dispatch.status(now)
    # Refused by the UPDATE yet "active" on re-read can only mean a full dispatch.
    return DispatchStatus.EXHAUSTED if state is DispatchStatus.ACTIVE else state
