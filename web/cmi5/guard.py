"""The cmi5 side of `/xapi`: requests made with the launch credential of a cmi5 AU session.

Before the LRS handles such a request: a session that ended (terminated, abandoned) is
over (401, its credential is revoked too); statements must follow the cmi5 rules
(`web.cmi5.rules`, else 403); `LMS.LaunchData` is read-only for the AU (403); the
learner preferences profile must be the spec's shape (cmi5 11, else 403). After the LRS
stored the AU's statements, the session moves on (initialized, terminated) and the LMS
derives what follows (`web.cmi5.lms.note_au_statement`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Response, g
from sqlalchemy import select

from models.base import utcnow
from models.cmi5 import ABANDONED, INITIALIZED, TERMINATED, Cmi5AuSession, Cmi5Registration
from models.sessions import LearnerSession
from web import safe_json
from web.cmi5 import lms, rules
from web.cmi5 import vocab as v
from web.errors import ApiError
from web.lrs import launch_credentials
from web.lrs.credentials import LrsClient
from web.lrs.normalize import agent_key
from web.lrs.request import LrsRequest
from web.lrs.service import request_rollup
from web.services import db, services, settings

_LANGUAGE = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")


def _forbidden(message: str, requirement: str) -> ApiError:
    return ApiError(403, "CMI5_RULE_VIOLATION", message, {"requirement": requirement})


def before(lrs: LrsRequest, client: LrsClient, endpoint: str | None) -> None:
    """Hold a cmi5 AU's request to the cmi5 rules (other callers pass)."""
    if not isinstance(client, launch_credentials.LaunchClient):
        return
    au_session = db().scalar(select(Cmi5AuSession).where(Cmi5AuSession.credential_key == client.credential_id))
    if au_session is None:
        return
    if au_session.state in (TERMINATED, ABANDONED):
        raise ApiError(401, "UNAUTHORIZED", "This cmi5 session has ended; its credential no longer works.")
    g.cmi5_session_id = au_session.id
    if endpoint == "lrs.statements" and lrs.method in ("PUT", "POST"):
        _check_statements(lrs, au_session, client)
    elif endpoint == "lrs.state" and lrs.method not in ("GET", "HEAD") and lrs.args.get("stateId") == v.LAUNCH_DATA:
        raise _forbidden("LMS.LaunchData is written by the LMS only.", "10.2.1.0-5")
    elif endpoint == "lrs.agent_profile" and lrs.method in ("PUT", "POST", "DELETE"):
        _check_profile(lrs, client)
    elif endpoint == "lrs.agent_profile" and lrs.args.get("profileId") == v.LEARNER_PREFERENCES:
        g.cmi5_preferences_read = not au_session.preferences_read


def _statements(lrs: LrsRequest) -> list[Any]:
    try:
        value = safe_json.loads(lrs.body)
    except (UnicodeDecodeError, ValueError):
        return []  # the LRS answers malformed bodies with its own 400
    statements = value if isinstance(value, list) else [value]
    if lrs.method == "PUT" and statements and isinstance(statements[0], dict) and "id" not in statements[0]:
        statements[0] = {**statements[0], "id": lrs.args.get("statementId")}
    return statements


def _facts(au_session: Cmi5AuSession, client: LrsClient) -> rules.SessionFacts:
    registration = db().get(Cmi5Registration, au_session.registration_id)
    learner = db().get(LearnerSession, registration.learner_session_id) if registration else None
    course = lms.load_course(db(), learner, settings().public_base_url) if learner else None
    au = course.aus[au_session.au_index] if course else {}
    facts = ((registration.aus if registration else None) or {}).get(au_session.au_id) or {}
    return rules.SessionFacts(
        actor_key=getattr(client, "actor_key", ""), registration=registration.id if registration else "",
        session_id=au_session.id, activity_id=au_session.activity_id, launch_mode=au_session.launch_mode,
        mastery_score=au.get("mastery_score"), initialized=au_session.state == INITIALIZED,
        preferences_read=au_session.preferences_read,
        session_verbs=tuple(au_session.verbs or ()), completed=bool(facts.get("completed")),
        passed=bool(facts.get("passed")),
    )  # fmt: skip


def _check_statements(lrs: LrsRequest, au_session: Cmi5AuSession, client: LrsClient) -> None:
    """Judge the statements, then move the session on in the transaction that stores them.

    The registration and the AU session stay locked until the LRS commits the statements (or
    rolls everything back when it refuses them), so two requests of one AU are judged in turn.
    """
    registration = db().get(Cmi5Registration, au_session.registration_id, with_for_update=True)
    db().refresh(au_session, with_for_update=True)
    if au_session.state in (TERMINATED, ABANDONED):
        raise ApiError(401, "UNAUTHORIZED", "This cmi5 session has ended; its credential no longer works.")
    facts = _facts(au_session, client)
    statements = _statements(lrs)
    verbs = list(facts.session_verbs)
    for statement in statements:
        problem = rules.check(statement, facts, agent_key)
        if problem is not None:
            raise _forbidden(f"cmi5 {problem.requirement}: {problem.message}", problem.requirement)
        verb = statement["verb"]["id"] if rules.is_defined(statement) else ""
        verbs.append(verb)
        # A batch is judged in order: what one statement starts, the next sees.
        facts = rules.SessionFacts(**{**facts.__dict__, "initialized": facts.initialized or verb == v.INITIALIZED,
                                      "session_verbs": tuple(verbs),
                                      "completed": facts.completed or verb == v.COMPLETED,
                                      "passed": facts.passed or verb == v.PASSED})  # fmt: skip
    course = _course(registration)
    for statement in statements:
        _keep(au_session, registration, course, statement)
    g.cmi5_statements = statements


def _check_profile(lrs: LrsRequest, client: LrsClient) -> None:
    if lrs.args.get("profileId") != v.LEARNER_PREFERENCES or lrs.method == "DELETE":
        return
    if lrs.media_type != "application/json":
        raise _forbidden("cmi5LearnerPreferences is a JSON document.", "11.0.0.0-5")
    try:
        body = json.loads(lrs.body)
    except (UnicodeDecodeError, ValueError):
        raise _forbidden("cmi5LearnerPreferences is a JSON object.", "11.0.0.0-5") from None
    if not isinstance(body, dict) or "languagePreference" not in body or "audioPreference" not in body:
        raise _forbidden("cmi5LearnerPreferences has languagePreference and audioPreference.", "11.0.0.0-5")
    languages = body["languagePreference"]
    if not isinstance(languages, str) or not all(_LANGUAGE.match(code.strip()) for code in languages.split(",")):
        raise _forbidden("languagePreference is a comma-separated list of RFC 5646 language codes.", "11.1.0.0-1")
    if body["audioPreference"] not in ("on", "off"):
        raise _forbidden("audioPreference is 'on' or 'off'.", "11.2.0.0-1")


def after(response: Response) -> Response:
    """Once an AU's statements are stored: the LMS writes what follows (satisfied) and derives progress."""
    if g.pop("cmi5_preferences_read", False) and response.status_code in (200, 304, 404):
        _preferences_read()
    statements = g.pop("cmi5_statements", None)
    if not statements or response.status_code not in (200, 204):
        return response
    session = db()
    au_session = session.get(Cmi5AuSession, g.get("cmi5_session_id"))
    registration = session.get(Cmi5Registration, au_session.registration_id, with_for_update=True) if au_session \
        else None  # fmt: skip
    course = _course(registration) if registration else None
    if au_session is None or registration is None or course is None:
        return response
    for statement in statements:
        if rules.is_defined(statement):
            lms.derive(session, au_session, registration, course, statement)
    session.commit()
    request_rollup(session, services().redis, registration.tenant_id)
    return response


def _course(registration: Cmi5Registration) -> lms.Course | None:
    learner = db().get(LearnerSession, registration.learner_session_id)
    return lms.load_course(db(), learner, settings().public_base_url) if learner else None


def _preferences_read() -> None:
    au_session = db().get(Cmi5AuSession, g.get("cmi5_session_id"), with_for_update=True)
    if au_session is not None:
        au_session.preferences_read = True
        db().commit()


def _keep(au_session: Cmi5AuSession, registration: Cmi5Registration, course: lms.Course | None,
          statement: dict[str, Any]) -> None:  # fmt: skip
    """The session's state and the registration's facts after one accepted statement (not yet committed)."""
    au_session.last_active_at = utcnow()
    if not rules.is_defined(statement):
        return  # an allowed statement: stored, nothing for the LMS to keep
    verb = statement["verb"]["id"]
    au_session.verbs = [*(au_session.verbs or []), verb]
    if verb == v.INITIALIZED:
        au_session.state = INITIALIZED
    elif verb == v.TERMINATED:
        au_session.state = TERMINATED
        launch_credentials.revoke(db(), au_session.tenant_id, session_id=au_session.id)
    if course is not None:
        lms.keep_facts(registration, course.aus[au_session.au_index], statement)
