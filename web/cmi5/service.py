"""cmi5 operations on a learner session, shared by the API (`web.cmi5.api`) and the player (`web.cmi5.views`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.cmi5 import INITIALIZED, LAUNCHED, Cmi5AuSession, Cmi5Registration
from models.sessions import LearnerSession
from web.cmi5 import launch, lms
from web.errors import ApiError
from web.origins import content_origin
from web.player import tokens
from web.services import settings


def course_of(db: Session, learner: LearnerSession) -> lms.Course:
    """The learner's cmi5 course.

    Raises:
        ApiError: 409 `NOT_CMI5` when the session's package is not a cmi5 course.
    """
    course = lms.load_course(db, learner, settings().public_base_url)
    if course is None:
        raise ApiError(409, "NOT_CMI5", "The session's package is not a cmi5 course.")
    return course


def registration_id(db: Session, learner: LearnerSession) -> str | None:
    """The cmi5 registration of the learner's current attempt (created now if needed); None when not cmi5."""
    course = lms.load_course(db, learner, settings().public_base_url)
    return lms.registration_for(db, learner, course).id if course is not None else None


def au_index(course: lms.Course, au_id: str | None, index: int | None) -> int:
    """The AU named by its publisher id or its position in the course structure.

    Raises:
        ApiError: 404 `AU_NOT_FOUND`.
    """
    if au_id is not None:
        found = next((au["index"] for au in course.aus if au["id"] == au_id), None)
    else:
        found = index if index is not None and 0 <= index < len(course.aus) else None
    if found is None:
        raise ApiError(404, "AU_NOT_FOUND", "The course has no such AU.", {"au_id": au_id, "au_index": index})
    return found


def launch_au(db: Session, learner: LearnerSession, index: int, mode: str, return_url: str | None) -> launch.AuLaunch:
    """Prepare an AU launch on the tenant's content origin (the caller commits)."""
    course = course_of(db, learner)
    origin = content_origin(learner.tenant_id)
    content = tokens.mint_content(settings().secret_key, tenant_id=learner.tenant_id, package_id=learner.package_id,
                                  version=learner.package_version)  # fmt: skip
    return launch.launch_au(db, learner, course, index, mode=mode, content_base=f"{origin}/content/t/{content}/",
                            fetch_base=f"{origin}/player/cmi5/fetch/", return_url=return_url,
                            endpoint=f"{origin}/xapi")  # fmt: skip


def abandon_open(db: Session, learner: LearnerSession, au_session_id: str | None = None) -> list[str]:
    """Abandon the learner's open AU sessions (one, when named); returns their ids."""
    course = course_of(db, learner)
    query = (select(Cmi5AuSession).join(Cmi5Registration, Cmi5Registration.id == Cmi5AuSession.registration_id)
             .where(Cmi5Registration.learner_session_id == learner.id,
                    Cmi5AuSession.state.in_((LAUNCHED, INITIALIZED))).with_for_update())  # fmt: skip
    if au_session_id is not None:
        query = query.where(Cmi5AuSession.id == au_session_id)
    ended = []
    for au_session in db.scalars(query).all():
        registration = db.get(Cmi5Registration, au_session.registration_id)
        lms.abandon(db, au_session, registration, course)
        ended.append(au_session.id)
    return ended


def tree(db: Session, learner: LearnerSession, course: lms.Course) -> dict[str, Any]:
    """The course tree (blocks and AUs) with each AU's status, for the player and the API."""
    progress = learner.progress or {}

    def node(item: dict[str, Any]) -> dict[str, Any]:
        if item["type"] == "block":
            return {"type": "block", "id": item["id"], "title": item.get("title") or item["id"],
                    "children": [node(child) for child in item["children"]]}  # fmt: skip
        au = course.aus[item["index"]]
        status = (progress.get(au["id"]) or {}).get("status") or {}
        return {"type": "au", "index": au["index"], "id": au["id"], "title": au.get("title") or au["id"],
                "launch_method": au.get("launch_method"),
                "completion_status": status.get("completion", "not_attempted"),
                "success_status": status.get("success", "unknown")}  # fmt: skip

    return {"course": {"id": course.course.get("id"), "title": course.course.get("title")},
            "children": [node(item) for item in course.structure]}  # fmt: skip
