"""Launching one AU (cmi5 8.1, 10, 11): the AU session, `LMS.LaunchData`, learner preferences, `launched`, the URL.

Before each launch the LMS ends the registration's sessions still open (`abandoned`),
writes the AU's `LMS.LaunchData` state document and, when the learner has none, the
`cmi5LearnerPreferences` agent profile, then records `launched`. The launch URL is the
AU's URL with `endpoint`, `fetch`, `actor`, `registration` and `activityId` added.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.base import utcnow
from models.cmi5 import ABANDONED, INITIALIZED, LAUNCHED, Cmi5AuSession, Cmi5Registration
from models.sessions import LearnerSession
from web.cmi5 import lms
from web.cmi5 import vocab as v
from web.lrs import launch_credentials
from web.lrs.document_store import DocumentKey, WriteRequest, get_document, write_document
from web.lrs.documents import Resource
from web.lrs.normalize import agent_key

DEFAULT_PREFERENCES = {"languagePreference": "en-US", "audioPreference": "on"}


@dataclass(frozen=True)
class AuLaunch:
    """What the player (or a partner) opens: the AU's URL and how to open it."""

    url: str
    launch_method: str
    session_id: str
    registration: str
    au: dict[str, Any]


def fetch_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def launch_au(db: Session, learner: LearnerSession, course: lms.Course, au_index: int, *, mode: str,
              content_base: str, fetch_base: str, endpoint: str, return_url: str | None) -> AuLaunch:  # fmt: skip
    """Prepare one launch of an AU for the learner's current attempt (the caller commits).

    Args:
        mode: the session's mode (`normal`, `browse`, `review`), the cmi5 launchMode.
        content_base: URL prefix of the package's files (relative AU URLs are joined to it).
        fetch_base: URL prefix of the fetch endpoint (the one-time token is appended).
        endpoint: the LRS the AU talks to.
        return_url: where the AU sends the learner when it exits (LaunchData `returnURL`).
    """
    au = course.aus[au_index]
    registration = lms.registration_for(db, learner, course)
    end_open_sessions(db, registration, course)
    token = secrets.token_urlsafe(32)
    activity = course.au_activity(au)
    au_session = Cmi5AuSession(id=str(uuid.uuid4()), tenant_id=learner.tenant_id, registration_id=registration.id,
                               au_index=au_index, au_id=au["id"], activity_id=activity,
                               launch_mode=v.MODES.get(mode, "Normal"), state=LAUNCHED, fetch_hash=fetch_hash(token),
                               fetch_used=False, preferences_read=False, verbs=[], launched_at=utcnow(),
                               last_active_at=utcnow())  # fmt: skip
    db.add(au_session)
    url = _launch_url(au, content_base, {
        "endpoint": endpoint, "fetch": fetch_base + token,
        "actor": json.dumps(registration.actor, separators=(",", ":")), "registration": registration.id,
        "activityId": activity,
    })  # fmt: skip
    _write_launch_data(db, registration, au_session, au, return_url)
    _write_preferences(db, registration)
    _launched(db, registration, course, au_session, au, url)
    lms.count_launch(learner, au)
    return AuLaunch(url, au.get("launch_method") or "AnyWindow", au_session.id, registration.id, au)


def _launch_url(au: dict[str, Any], content_base: str, params: dict[str, str]) -> str:
    target = au["url"] if au.get("external") else content_base + au["launch_path"]
    parts = urlsplit(target)
    query = parts.query + ("&" if parts.query else "") + urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def end_open_sessions(db: Session, registration: Cmi5Registration, course: lms.Course) -> None:
    """The registration's sessions that never terminated are abandoned by the next launch (cmi5 9.3.6)."""
    open_sessions = db.scalars(select(Cmi5AuSession).where(Cmi5AuSession.registration_id == registration.id,
                                                           Cmi5AuSession.state.in_((LAUNCHED, INITIALIZED)))
                               .with_for_update())  # fmt: skip
    for au_session in open_sessions:
        if au_session.state == INITIALIZED:
            lms.abandon(db, au_session, registration, course)
        else:  # never initialized: nothing ran, so there is nothing to report
            au_session.state = ABANDONED
            launch_credentials.revoke(db, au_session.tenant_id, session_id=au_session.id)


def _write_launch_data(db: Session, registration: Cmi5Registration, au_session: Cmi5AuSession, au: dict[str, Any],
                       return_url: str | None) -> None:  # fmt: skip
    data: dict[str, Any] = {
        "contextTemplate": {
            "contextActivities": {"grouping": [{"id": au["id"]}]},
            "extensions": {v.EXT_SESSION: au_session.id},
        },
        "launchMode": au_session.launch_mode,
        "launchMethod": au.get("launch_method") or "AnyWindow",
        "moveOn": au.get("move_on") or "NotApplicable",
    }
    if au.get("mastery_score") is not None:
        data["masteryScore"] = au["mastery_score"]
        # Statements made from the template then carry it, as passed and failed must (cmi5 9.6.3.2).
        data["contextTemplate"]["extensions"][v.EXT_MASTERY] = au["mastery_score"]
    if return_url:
        data["returnURL"] = return_url
    if au.get("launch_parameters") is not None:
        data["launchParameters"] = au["launch_parameters"]
    if au.get("entitlement_key") is not None:
        data["entitlementKey"] = {"courseStructure": au["entitlement_key"]}
    key = DocumentKey(registration.tenant_id, Resource.STATE, au_session.activity_id,
                      agent_key(registration.actor) or "", registration.id, v.LAUNCH_DATA)  # fmt: skip
    write_document(db, key, WriteRequest("PUT", json.dumps(data).encode(), "application/json", None, None, "1.0.3"))


def _write_preferences(db: Session, registration: Cmi5Registration) -> None:
    key = DocumentKey(registration.tenant_id, Resource.AGENT_PROFILE, "", agent_key(registration.actor) or "", "",
                      v.LEARNER_PREFERENCES)  # fmt: skip
    if get_document(db, key) is None:
        body = json.dumps(DEFAULT_PREFERENCES).encode()
        write_document(db, key, WriteRequest("PUT", body, "application/json", None, "*", "1.0.3"))


def _launched(db: Session, registration: Cmi5Registration, course: lms.Course, au_session: Cmi5AuSession,
              au: dict[str, Any], url: str) -> None:  # fmt: skip
    extensions: dict[str, Any] = {v.EXT_LAUNCH_MODE: au_session.launch_mode, v.EXT_LAUNCH_URL: url,
                                  v.EXT_MOVE_ON: au.get("move_on") or "NotApplicable"}  # fmt: skip
    if au.get("launch_parameters") is not None:
        extensions[v.EXT_LAUNCH_PARAMETERS] = au["launch_parameters"]
    if au.get("mastery_score") is not None:
        extensions[v.EXT_MASTERY] = au["mastery_score"]
    statement = lms.lms_statement(registration, au_session.id, v.LAUNCHED, au_session.activity_id, grouping=au["id"],
                                  extensions=extensions)  # fmt: skip
    lms.store(db, registration.tenant_id, course.base_url, statement)
