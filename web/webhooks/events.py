"""The web side's webhook events: learner sessions, dispatch registrations, package deletion.

Each function builds the resource as the API shows it and calls `models.webhook_events.record_event`
in the caller's transaction (the caller commits). cmi5, TinCan and AICC sessions can call the
session ones from wherever they update a session's status.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from models.dispatches import Dispatch
from models.packages import Package
from models.sessions import LearnerSession
from models.webhook_events import record_event
from web.dispatches.service import summary_body
from web.sessions.service import session_body

COMPLETED, PASSED, FAILED = "completed", "passed", "failed"


def _session_event(db: Session, learner: LearnerSession, event_type: str) -> None:
    package = db.get(Package, learner.package_id)
    record_event(db, learner.tenant_id, event_type, session_body(learner, package))


def session_launched(db: Session, learner: LearnerSession) -> None:
    """A learner opened a launch link (or a dispatch) of the session."""
    _session_event(db, learner, "session.launched")


def session_terminated(db: Session, learner: LearnerSession) -> None:
    """A SCO ended its learner session (LMSFinish / Terminate)."""
    _session_event(db, learner, "session.terminated")


def session_status_changed(db: Session, learner: LearnerSession, before: tuple[str, str]) -> None:
    """`session.completed` / `.passed` / `.failed` when the session's status has just turned so.

    `before` is (completion_status, success_status) as they were before the change.
    """
    completion, success = before
    if learner.completion_status == COMPLETED and completion != COMPLETED:
        _session_event(db, learner, "session.completed")
    if learner.success_status in (PASSED, FAILED) and learner.success_status != success:
        _session_event(db, learner, f"session.{learner.success_status}")


def registration_taken(db: Session, dispatch: Dispatch) -> None:
    """After a new learner took a place: `dispatch.registration_limit_reached` when it was the last one."""
    limit = dispatch.registration_limit
    if limit and dispatch.registration_count == limit:
        record_event(db, dispatch.tenant_id, "dispatch.registration_limit_reached", summary_body(dispatch))


def package_deleted(db: Session, package: Package, resource: dict[str, object]) -> None:
    """A package was deleted (`resource`: the package as listed, built before the delete)."""
    record_event(db, package.tenant_id, "package.deleted", resource)
