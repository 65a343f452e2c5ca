"""SCORM learners reported as xAPI: statements written to the tenant's statement store as sessions progress.

Verbs (ADL): `launched` when a launch link is opened, `initialized` when a SCO
is delivered, `completed` / `passed` / `failed` when the course's status
turns so (with the result), `terminated` when a SCO ends its session (with
its duration). The course is `{public_base_url}/packages/{package}` (so the
analytics rollups link it to the package), a SCO is `.../items/{item}`; the
actor is the partner's user id as an account on the service; the session id
is the statement's `registration`.

Statements are queued on the database session (`note`) and written by `flush`
in the caller's transaction, inside a savepoint: an analytics failure never
fails a learner's commit. Nothing is written until the xAPI store exists in
this installation (`web.lrs`).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy.orm import Session

from models.base import isoformat, utcnow
from models.sessions import LearnerSession
from web.player.status import COMPLETED, FAILED, PASSED, ScoStatus
from web.player.timefmt import format_duration

log = logging.getLogger(__name__)
ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = ("launched", "initialized", "completed", "passed", "failed", "terminated")
COURSE = "http://adlnet.gov/expapi/activities/course"
LESSON = "http://adlnet.gov/expapi/activities/lesson"
XAPI_VERSION = "1.0.3"
_QUEUE = "allure.xapi"


def course_iri(base_url: str, package_id: str) -> str:
    return f"{base_url.rstrip('/')}/packages/{package_id}"


def statement(base_url: str, learner: LearnerSession, verb: str, *, title: str, item: tuple[str, str] | None = None,
              result: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    """One statement about the learner and the course (or one of its SCOs, `item` = (id, title))."""
    course = {"objectType": "Activity", "id": course_iri(base_url, learner.package_id),
              "definition": {"type": COURSE, "name": {"en-US": title or learner.package_id}}}  # fmt: skip
    target = course
    if item is not None:
        target = {"objectType": "Activity", "id": f"{course['id']}/items/{item[0]}",
                  "definition": {"type": LESSON, "name": {"en-US": item[1] or item[0]}}}  # fmt: skip
    actor: dict[str, Any] = {"objectType": "Agent", "account": {"homePage": base_url, "name": learner.user_id}}
    if learner.user_name:
        actor["name"] = learner.user_name
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": actor,
        "verb": {"id": ADL + verb, "display": {"en-US": verb}},
        "object": target,
        "context": {"registration": learner.id, "platform": "Allure Connect"},
        "timestamp": isoformat(utcnow()),
    }
    if item is not None:
        body["context"]["contextActivities"] = {"parent": [course]}
    if result:
        body["result"] = result
    return body


def result_of(sco_status: ScoStatus | None, seconds: float | None = None) -> dict[str, Any]:
    """An xAPI result from a status (score kept only where xAPI's rules on score hold)."""
    result: dict[str, Any] = {}
    if sco_status is not None:
        score = _score(sco_status.score)
        if score:
            result["score"] = score
        if sco_status.success in (PASSED, FAILED):
            result["success"] = sco_status.success == PASSED
        result["completion"] = sco_status.completion == COMPLETED
    if seconds is not None:
        result["duration"] = format_duration(seconds)
    return result


def _score(score: dict[str, Any]) -> dict[str, float]:
    kept: dict[str, float] = {}
    scaled = score.get("scaled")
    if isinstance(scaled, int | float) and -1 <= scaled <= 1:
        kept["scaled"] = scaled
    low, high, raw = score.get("min"), score.get("max"), score.get("raw")
    if raw is not None and (low is None or low <= raw) and (high is None or raw <= high):
        kept["raw"] = raw
        if low is not None and high is not None and low <= high:
            kept["min"], kept["max"] = low, high
    return kept


def note(db: Session, body: dict[str, Any], tenant_id: str) -> None:
    """Queue a statement for this database session's next `flush`."""
    db.info.setdefault(_QUEUE, []).append((tenant_id, body))


def course_change(db: Session, base_url: str, learner: LearnerSession, before: tuple[str, str], title: str,
                  course: ScoStatus) -> None:  # fmt: skip
    """Queue `completed` / `passed` / `failed` when the course's status has just turned so."""
    completion, success = before
    if course.completion == COMPLETED and completion != COMPLETED:
        note(db, statement(base_url, learner, "completed", title=title, result=result_of(course)), learner.tenant_id)
    if course.success in (PASSED, FAILED) and course.success != success:
        note(db, statement(base_url, learner, course.success, title=title, result=result_of(course)),
             learner.tenant_id)  # fmt: skip


def flush(db: Session) -> list[str]:
    """Write the queued statements in the current transaction; returns the tenants written to."""
    queued = db.info.pop(_QUEUE, [])
    if not queued:
        return []
    try:
        from web.lrs.service import submit_statements
    except ImportError:  # this installation has no xAPI store
        return []
    authority = {"objectType": "Agent", "account": {"homePage": "https://allureconnect.com", "name": "player"}}
    tenants: dict[str, list[dict[str, Any]]] = {}
    for tenant_id, body in queued:
        tenants.setdefault(tenant_id, []).append(body)
    written = []
    for tenant_id, statements in tenants.items():
        try:
            with db.begin_nested():
                submit_statements(db, tenant_id, statements, authority=authority, version=XAPI_VERSION)
            written.append(tenant_id)
        except Exception:  # analytics never fails the learner's progress
            log.exception("could not write %d xAPI statements for tenant %s", len(statements), tenant_id)
    return written


def commit(db: Session, redis: Any) -> None:
    """Write the queued statements, commit, then ask for the analytics rollup of the tenants written to."""
    tenants = flush(db)
    db.commit()
    if not tenants:
        return
    from web.lrs.service import request_rollup

    for tenant_id in tenants:
        request_rollup(db, redis, tenant_id)
