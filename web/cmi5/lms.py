"""The statements the LMS itself writes in a cmi5 registration, and what it derives from the AU's.

- `launched` before each launch, `abandoned` for a session that ended without
  `terminated`, `waived` on request, `satisfied` for each block and the course once
  their moveOn criteria are met (cmi5 9.3.6-9.3.9, 9.6).
- `note_au_statement` keeps the registration's per-AU facts (completed, passed, failed)
  and the learner session's progress (`completion_status`, `success_status`, `score`,
  `time_spent_seconds`, and per AU a SCO state row, so `activities` lists AUs as it
  lists SCOs) after an AU statement is stored.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.base import utcnow
from models.cmi5 import ABANDONED, INITIALIZED, LAUNCHED, Cmi5AuSession, Cmi5Registration
from models.packages import Package, get_version
from models.sessions import LearnerSession, ScoState, latest_sco_state
from web.cmi5 import vocab as v
from web.lrs import launch_credentials
from web.lrs.credentials import authority_for
from web.lrs.service import submit_statements
from web.player.status import COMPLETED, FAILED, INCOMPLETE, NOT_ATTEMPTED, PASSED, UNKNOWN, ScoStatus
from web.player.timefmt import format_duration, parse_duration
from web.webhooks import events as webhook_events

LMS_KEY = "cmi5-lms"


class Course:
    """A cmi5 package version's course structure (the `cmi5` part of its stored manifest)."""

    def __init__(self, package: Package, manifest: dict[str, Any], base_url: str) -> None:
        data = manifest.get("cmi5") or {}
        self.package_id = package.id
        self.base_url = base_url
        self.course: dict[str, Any] = data.get("course") or {}
        self.blocks: list[dict[str, Any]] = data.get("blocks") or []
        self.aus: list[dict[str, Any]] = data.get("aus") or []
        self.structure: list[dict[str, Any]] = data.get("structure") or []

    def au_activity(self, au: dict[str, Any]) -> str:
        return v.activity_id(self.base_url, self.package_id, "au", au["id"])

    def au_by_activity(self, activity: str) -> dict[str, Any] | None:
        return next((au for au in self.aus if self.au_activity(au) == activity), None)


def load_course(db: Session, learner: LearnerSession, base_url: str) -> Course | None:
    """The course structure of the learner's package version (None when the package is not cmi5)."""
    package = db.get(Package, learner.package_id)
    row = get_version(db, learner.package_id, learner.package_version) if package else None
    if package is None or row is None or row.standard != "cmi5":
        return None
    return Course(package, row.manifest or {}, base_url)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def registration_for(db: Session, learner: LearnerSession, course: Course) -> Cmi5Registration:
    """The cmi5 registration of the learner's current attempt, created (and NotApplicable AUs judged) once."""
    found = db.scalar(select(Cmi5Registration).where(Cmi5Registration.learner_session_id == learner.id,
                                                     Cmi5Registration.attempt == learner.attempt)
                      .with_for_update())  # fmt: skip
    if found is not None:
        return found
    registration = Cmi5Registration(id=str(uuid.uuid4()), tenant_id=learner.tenant_id, learner_session_id=learner.id,
                                    attempt=learner.attempt, actor=v.actor_for(course.base_url, learner.user_id),
                                    aus={}, satisfied=[])  # fmt: skip
    db.add(registration)
    db.flush()
    _end_earlier_attempts(db, learner, registration, course)
    # cmi5 9.6.1.1-3: AUs whose moveOn is NotApplicable are satisfied from the start, and so may be their blocks.
    write_satisfied(db, registration, course, str(uuid.uuid4()))
    return registration


def _end_earlier_attempts(db: Session, learner: LearnerSession, current: Cmi5Registration, course: Course) -> None:
    """A new attempt's registration abandons the AU sessions its earlier attempts left open."""
    open_sessions = db.scalars(
        select(Cmi5AuSession).join(Cmi5Registration, Cmi5Registration.id == Cmi5AuSession.registration_id)
        .where(Cmi5Registration.learner_session_id == learner.id, Cmi5Registration.id != current.id,
               Cmi5AuSession.state.in_((LAUNCHED, INITIALIZED)))
    ).all()  # fmt: skip
    for au_session in open_sessions:
        earlier = db.get(Cmi5Registration, au_session.registration_id)
        if earlier is not None and au_session.au_index < len(course.aus):
            abandon(db, au_session, earlier, course, record=False)
        else:
            au_session.state = ABANDONED
            launch_credentials.revoke(db, au_session.tenant_id, session_id=au_session.id)


def lms_statement(registration: Cmi5Registration, session_id: str, verb: str, object_id: str, *,
                  grouping: str | None = None, object_type: str | None = None, result: dict | None = None,
                  extensions: dict | None = None, moveon: bool = False) -> dict[str, Any]:  # fmt: skip
    """A cmi5 statement the LMS writes for the registration's actor."""
    categories = [{"id": v.CATEGORY_CMI5}] + ([{"id": v.CATEGORY_MOVEON}] if moveon else [])
    context: dict[str, Any] = {"registration": registration.id, "contextActivities": {"category": categories},
                               "extensions": {v.EXT_SESSION: session_id, **(extensions or {})}}  # fmt: skip
    if grouping:
        context["contextActivities"]["grouping"] = [{"id": grouping}]
    obj: dict[str, Any] = {"id": object_id, "objectType": "Activity"}
    if object_type:
        obj["definition"] = {"type": object_type}
    statement = {"id": str(uuid.uuid4()), "timestamp": now_iso(), "actor": registration.actor,
                 "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}}, "object": obj,
                 "context": context}  # fmt: skip
    if result is not None:
        statement["result"] = result
    return statement


def store(db: Session, tenant_id: str, base_url: str, statement: dict[str, Any]) -> None:
    """Store an LMS statement in the caller's transaction."""
    submit_statements(db, tenant_id, [statement], authority=authority_for(LMS_KEY, base_url), version="1.0.3")


def au_satisfied(au: dict[str, Any], facts: dict[str, Any]) -> bool:
    """Whether an AU's moveOn criteria are met (cmi5 13.1.4 moveOn), or it was waived."""
    done, passed = bool(facts.get("completed")), bool(facts.get("passed"))
    rule = au.get("move_on") or "NotApplicable"
    met = {"NotApplicable": True, "Completed": done, "Passed": passed, "CompletedAndPassed": done and passed,
           "CompletedOrPassed": done or passed}.get(rule, False)  # fmt: skip
    return met or bool(facts.get("waived"))


def write_satisfied(db: Session, registration: Cmi5Registration, course: Course, session_id: str) -> None:
    """Write `satisfied` for each block (innermost first) and the course newly meeting its moveOn."""
    done = {au["id"] for au in course.aus if au_satisfied(au, (registration.aus or {}).get(au["id"]) or {})}
    satisfied = list(registration.satisfied or [])
    for block in sorted(course.blocks, key=lambda b: -_depth(course, b)):
        if block["id"] in satisfied:
            continue
        members = [au for au in course.aus if block["id"] in (au.get("parents") or [])]
        if members and all(au["id"] in done for au in members):
            satisfied.append(block["id"])
            _satisfied(db, registration, course, session_id, block["id"], "block")
    course_id = course.course.get("id") or ""
    if course_id not in satisfied and course.aus and all(au["id"] in done for au in course.aus):
        satisfied.append(course_id)
        _satisfied(db, registration, course, session_id, course_id, "course")
    registration.satisfied = satisfied


def _depth(course: Course, block: dict[str, Any]) -> int:
    depth, parent = 0, block.get("parent")
    while parent:
        depth += 1
        parent = next((b.get("parent") for b in course.blocks if b["id"] == parent), None)
    return depth


def _satisfied(db: Session, registration: Cmi5Registration, course: Course, session_id: str, publisher_id: str,
               kind: str) -> None:  # fmt: skip
    object_id = v.activity_id(course.base_url, course.package_id, kind, publisher_id)
    statement = lms_statement(registration, session_id, v.SATISFIED, object_id, grouping=publisher_id,
                              object_type=v.TYPE_BLOCK if kind == "block" else v.TYPE_COURSE)  # fmt: skip
    store(db, registration.tenant_id, course.base_url, statement)


def abandon(db: Session, au_session: Cmi5AuSession, registration: Cmi5Registration, course: Course, *,
            record: bool = True) -> None:  # fmt: skip
    """End a session that never sent `terminated`: write `abandoned` (cmi5 9.3.6) and close the session.

    With `record`, its time counts in the learner session's progress (not for an earlier attempt's).
    """
    if au_session.state not in (LAUNCHED, INITIALIZED):
        return
    au = course.aus[au_session.au_index]
    seconds = max((utcnow() - au_session.launched_at).total_seconds(), 0.0)
    statement = lms_statement(registration, au_session.id, v.ABANDONED, au_session.activity_id, grouping=au["id"],
                              result={"duration": format_duration(seconds)})  # fmt: skip
    store(db, registration.tenant_id, course.base_url, statement)
    au_session.state = ABANDONED
    launch_credentials.revoke(db, au_session.tenant_id, session_id=au_session.id)
    learner = db.get(LearnerSession, registration.learner_session_id) if record else None
    if learner is not None and learner.attempt == registration.attempt:
        record_progress(db, learner, registration, course, au, seconds=seconds)


def waive(db: Session, learner: LearnerSession, course: Course, au_index: int, reason: str) -> dict[str, Any]:
    """Waive an AU for the learner's registration (cmi5 9.3.7); refuses an AU already satisfied."""
    registration = registration_for(db, learner, course)
    au = course.aus[au_index]
    facts = dict((registration.aus or {}).get(au["id"]) or {})
    if au_satisfied(au, facts):
        raise AlreadySatisfied(au["id"])
    session_id = str(uuid.uuid4())
    statement = lms_statement(registration, session_id, v.WAIVED, course.au_activity(au), grouping=au["id"],
                              result={"success": True, "completion": True, "extensions": {v.EXT_REASON: reason}},
                              moveon=True)  # fmt: skip
    store(db, learner.tenant_id, course.base_url, statement)
    facts["waived"] = True
    registration.aus = {**(registration.aus or {}), au["id"]: facts}
    write_satisfied(db, registration, course, session_id)
    record_progress(db, learner, registration, course, au)
    return statement


class AlreadySatisfied(Exception):
    """The AU's moveOn is already met: there is nothing to waive."""


def keep_facts(registration: Cmi5Registration, au: dict[str, Any], statement: dict[str, Any]) -> None:
    """What a cmi5 defined statement says of its AU in the registration (completed, passed, failed, score)."""
    verb = (statement.get("verb") or {}).get("id")
    if verb not in v.MOVE_ON_VERBS:
        return
    facts = dict((registration.aus or {}).get(au["id"]) or {})
    result = statement.get("result") or {}
    if verb == v.COMPLETED:
        facts["completed"] = True
    else:
        facts["passed" if verb == v.PASSED else "failed"] = True
        if isinstance(result.get("score"), dict):
            facts["score"] = {k: result["score"][k] for k in ("scaled", "raw", "min", "max") if k in result["score"]}
    registration.aus = {**(registration.aus or {}), au["id"]: facts}


def derive(db: Session, au_session: Cmi5AuSession, registration: Cmi5Registration, course: Course,
           statement: dict[str, Any]) -> None:  # fmt: skip
    """After an AU's cmi5 statement is stored: write `satisfied` where due and update the session's progress."""
    verb = (statement.get("verb") or {}).get("id")
    if verb in v.MOVE_ON_VERBS:
        write_satisfied(db, registration, course, au_session.id)
    learner = db.get(LearnerSession, registration.learner_session_id)
    if learner is not None and learner.attempt == registration.attempt:
        duration = (statement.get("result") or {}).get("duration") or ""
        seconds = (parse_duration(duration) or 0.0) if verb == v.TERMINATED else 0.0
        record_progress(db, learner, registration, course, course.aus[au_session.au_index], seconds=seconds)
        if verb == v.TERMINATED:
            webhook_events.session_terminated(db, learner)


def au_status(au: dict[str, Any], facts: dict[str, Any], launched: bool) -> ScoStatus:
    """An AU's status in the API's vocabulary."""
    completion = COMPLETED if facts.get("completed") or facts.get("waived") else (
        INCOMPLETE if launched else NOT_ATTEMPTED)
    success = PASSED if facts.get("passed") or facts.get("waived") else FAILED if facts.get("failed") else UNKNOWN
    return ScoStatus(completion, success, dict(facts.get("score") or {}))


def record_progress(db: Session, learner: LearnerSession, registration: Cmi5Registration, course: Course,
                    au: dict[str, Any], *, seconds: float = 0.0) -> None:  # fmt: skip
    """Keep one AU's status as a SCO state of the attempt and derive the session's fields again."""
    before = (learner.completion_status, learner.success_status)
    state = latest_sco_state(db, learner, au["id"], lock=True)
    if state is None:
        state = ScoState(session_id=learner.id, attempt=learner.attempt, item_id=au["id"], sco_attempt=1, cmi={},
                         status={}, launch_count=0, commit_seq=0, closed=True, terminated=False, exit="",
                         session_seconds=0.0, total_seconds=0.0, closed_seconds=0.0)  # fmt: skip
        db.add(state)
    facts = (registration.aus or {}).get(au["id"]) or {}
    status = au_status(au, facts, launched=True)
    state.status = status.as_dict()
    state.total_seconds = (state.total_seconds or 0.0) + seconds
    learner.time_spent_seconds = (learner.time_spent_seconds or 0.0) + seconds
    if seconds:
        learner.session_time = format_duration(seconds)
    progress = dict(learner.progress or {})
    entry = progress.get(au["id"]) or {}
    progress[au["id"]] = {"status": status.as_dict(), "attempts": int(entry.get("attempts") or 0),
                          "suspended": False, "at": utcnow().isoformat(timespec="microseconds")}  # fmt: skip
    learner.progress = progress
    _course_fields(learner, registration, course)
    webhook_events.session_status_changed(db, learner, before)


def count_launch(learner: LearnerSession, au: dict[str, Any]) -> None:
    """One more launch of an AU in the session's progress (the table of contents shows it as started)."""
    progress = dict(learner.progress or {})
    entry = dict(progress.get(au["id"]) or {})
    entry["attempts"] = int(entry.get("attempts") or 0) + 1
    status = ScoStatus.from_dict(entry.get("status"))
    if not status.attempted:
        entry["status"] = ScoStatus(INCOMPLETE, status.success, status.score).as_dict()
    progress[au["id"]] = entry
    learner.progress = progress
    if learner.completion_status == NOT_ATTEMPTED:
        learner.completion_status = INCOMPLETE
    learner.launched_at = learner.launched_at or utcnow()


def _course_fields(learner: LearnerSession, registration: Cmi5Registration, course: Course) -> None:
    """The session's course-level fields from its AUs (the same fields SCORM sessions carry)."""
    facts = registration.aus or {}
    statuses = [au_status(au, facts.get(au["id"]) or {}, au["id"] in (learner.progress or {})) for au in course.aus]
    course_done = (course.course.get("id") or "") in (registration.satisfied or [])
    if course_done or (statuses and all(s.completion == COMPLETED for s in statuses)):
        learner.completion_status = COMPLETED
        learner.completed_at = learner.completed_at or utcnow()
    elif any(s.attempted for s in statuses):
        learner.completion_status = INCOMPLETE
    if any(s.success == FAILED for s in statuses):
        learner.success_status = FAILED
    elif any(s.success == PASSED for s in statuses) and (course_done or all(
            s.success == PASSED for s, au in zip(statuses, course.aus, strict=True) if "Passed" in au["move_on"])):
        learner.success_status = PASSED
    scores = [s.score for s in statuses if s.score]
    if len(scores) == 1:
        learner.score = scores[0]
    elif scores:
        scaled = [s["scaled"] for s in scores if "scaled" in s]
        learner.score = {"scaled": round(sum(scaled) / len(scaled), 7)} if scaled else {}


def abandon_idle(db: Session, base_url: str, idle: timedelta, batch: int = 100) -> int:
    """Abandon AU sessions silent for `idle` (the timeout of cmi5 9.3.6); returns how many (the caller commits)."""
    cutoff = utcnow() - idle
    stale = db.scalars(select(Cmi5AuSession).where(Cmi5AuSession.state.in_((LAUNCHED, INITIALIZED)),
                                                    Cmi5AuSession.last_active_at < cutoff)
                       .limit(batch).with_for_update(skip_locked=True)).all()  # fmt: skip
    for au_session in stale:
        registration = db.get(Cmi5Registration, au_session.registration_id)
        learner = db.get(LearnerSession, registration.learner_session_id) if registration else None
        course = load_course(db, learner, base_url) if learner else None
        if registration is None or course is None:
            au_session.state = ABANDONED
            continue
        abandon(db, au_session, registration, course)
    return len(stale)
