"""Learner sessions as a service: open (or re-attempt) a learner's session and mint its launch link.

Shared by `POST /api/v1/sessions` and the dispatch player, which opens
sessions for learners arriving through another LMS (`dispatch_id`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config.settings import Settings
from models.base import isoformat
from models.packages import Package, get_ready_package
from models.sessions import LearnerSession, ScoState, registration_key
from web.errors import ApiError
from web.origins import parse_template
from web.player import tokens


def open_session(
    db: Session,
    tenant_id: str,
    package_id: str,
    user_id: str,
    user_name: str | None,
    dispatch_id: str | None = None,
    new_attempt: bool = False,
) -> tuple[LearnerSession, bool]:
    """The learner's session on a package: the existing one, a new one, or a new attempt of it.

    A new session and a new attempt use the package's current version; the
    previous attempt's SCO data stays on record. The caller commits.

    Returns:
        The session and True when it was created.

    Raises:
        ApiError: 404 `PACKAGE_NOT_FOUND` for an unknown, pending or other tenant's package.
    """
    package = get_ready_package(db, package_id, tenant_id)
    if package is None or package.current_version is None:
        raise ApiError(404, "PACKAGE_NOT_FOUND", "Package not found")
    registration = registration_key(package_id, user_id, dispatch_id)
    learner = _find(db, tenant_id, registration)
    created = False
    if learner is None:
        learner, created = _create(db, package, tenant_id, user_id, user_name, dispatch_id, registration)
    elif new_attempt:
        start_new_attempt(db, learner, package)
    if user_name and learner.user_name != user_name:
        learner.user_name = user_name
    return learner, created


def _find(db: Session, tenant_id: str, registration: str, *, lock: bool = True) -> LearnerSession | None:
    query = select(LearnerSession).where(
        LearnerSession.tenant_id == tenant_id, LearnerSession.registration == registration
    )
    return db.scalar(query.with_for_update() if lock else query)


def _create(db: Session, package: Package, tenant_id: str, user_id: str, user_name: str | None,
            dispatch_id: str | None, registration: str) -> tuple[LearnerSession, bool]:  # fmt: skip
    learner = LearnerSession(
        tenant_id=tenant_id, package_id=package.id, package_version=package.current_version, user_id=user_id,
        user_name=user_name, dispatch_id=dispatch_id, registration=registration, attempt=1,
        completion_status="not_attempted", success_status="unknown", score={}, time_spent_seconds=0.0, progress={},
    )  # fmt: skip
    try:
        with db.begin_nested():
            db.add(learner)
    except IntegrityError:
        # Another request created it first: use theirs.
        found = _find(db, tenant_id, registration)
        if found is None:
            raise
        return found, False
    return learner, True


def start_new_attempt(db: Session, learner: LearnerSession, package: Package) -> None:
    """Start the learner's next attempt on the package's current version, with fresh status.

    The previous attempt's open launches are closed: a browser still showing them
    can no longer store anything.
    """
    db.execute(
        update(ScoState)
        .where(ScoState.session_id == learner.id, ScoState.attempt == learner.attempt, ScoState.closed.is_(False))
        .values(closed=True)
    )
    learner.attempt += 1
    learner.package_version = package.current_version or learner.package_version
    learner.completion_status, learner.success_status, learner.score = "not_attempted", "unknown", {}
    learner.progress, learner.sequencing_state, learner.current_item = {}, None, None
    learner.completed_at = None


@dataclass(frozen=True)
class LaunchLink:
    """A signed, single-use launch link and the moment it stops working."""

    url: str
    expires_at: datetime


def launch_link(settings: Settings, learner: LearnerSession, mode: str = tokens.NORMAL,
                ttl_seconds: int | None = None, exit_url: str | None = None) -> LaunchLink:  # fmt: skip
    """A launch link for the learner's current attempt, valid `ttl_seconds` (the settings' default).

    With `exit_url`, the player sends the learner's top window there once the course is left.
    """
    token = tokens.mint_launch(
        settings.secret_key, session_id=learner.id, tenant_id=learner.tenant_id, package_id=learner.package_id,
        attempt=learner.attempt, ttl_seconds=ttl_seconds or settings.launch_token_ttl_seconds, mode=mode,
        exit_url=exit_url,
    )  # fmt: skip
    url = f"{parse_template(settings.content_origins).origin(learner.tenant_id)}/player/launch/{token}"
    return LaunchLink(url, tokens.expires_at(token))


def session_body(learner: LearnerSession, package: Package | None, *, detail: bool = False,
                 states: list[ScoState] | None = None) -> dict[str, Any]:  # fmt: skip
    """The API's session object (the overview's fields; `cmi_data` and `activities` with `detail`)."""
    body: dict[str, Any] = {
        "id": learner.id,
        "package_id": learner.package_id,
        "tenant_id": learner.tenant_id,
        "user_id": learner.user_id,
        "user_name": learner.user_name,
        "dispatch_id": learner.dispatch_id,
        "completion_status": learner.completion_status,
        "success_status": learner.success_status,
        "score": _score(learner.score),
        "attempts": learner.attempt,
        "time_spent_seconds": int(round(learner.time_spent_seconds)),
        "session_time": learner.session_time,
        "package_version": learner.package_version,
        "created_at": isoformat(learner.created_at),
        "updated_at": isoformat(learner.updated_at),
        "package": {
            "title": package.title if package else None,
            "version": package.standard_version if package else None,
        },
    }
    if detail:
        body["cmi_data"], body["activities"] = _cmi_detail(learner, states or [])
    return body


def _score(score: dict[str, Any] | None) -> dict[str, Any]:
    score = score or {}
    return {key: score.get(key) for key in ("scaled", "raw", "min", "max")}


def _cmi_detail(learner: LearnerSession, states: list[ScoState]) -> tuple[dict[str, str], list[dict[str, Any]]]:
    latest: dict[str, ScoState] = {}
    for state in states:  # ordered by item then SCO attempt: the last one wins
        latest[state.item_id] = state
    activities = [
        {
            "item_id": state.item_id,
            "sco_attempt": state.sco_attempt,
            "completion_status": (state.status or {}).get("completion", "not_attempted"),
            "success_status": (state.status or {}).get("success", "unknown"),
            "score": _score((state.status or {}).get("score")),
            "time_spent_seconds": int(round(state.total_seconds)),
            "cmi_data": state.cmi or {},
        }
        for state in latest.values()
    ]
    current = latest.get(learner.current_item or "") or (max(latest.values(), key=lambda s: s.updated_at)
                                                          if latest else None)  # fmt: skip
    return (dict(current.cmi or {}) if current else {}), activities
