"""The runtime's server side: delivering a SCO, taking its commits, judging the course.

`deliver` opens a learner session of one SCO (closing an abandoned one, starting
a new SCO attempt when SCORM 2004 says so) and returns its initial CMI. The
helpers here (`close_launch`, `record`, `course_status`) are shared with
`commits`, which stores what the runtime sends: a final commit closes the
launch and adds its `session_time` to the totals, once, and every change of a
SCO's status updates the course status.

Locks: the learner session row first, then the SCO state row (a delivery and a
final commit); a progress commit holds only its state row.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.base import utcnow
from models.sessions import LearnerSession, ScoState, latest_sco_state
from web.player import activity_tree, initial_cmi, learner_objectives, prerequisites, rollup, status, xapi_report
from web.player.initial_cmi import PreviousSession
from web.player.package_info import PackageInfo
from web.player.status import COMPLETED, FAILED, INCOMPLETE, PASSED, ScoStatus
from web.player.timefmt import format_duration
from web.player.tokens import REVIEW
from web.services import settings
from web.webhooks import events as webhook_events

TERMINATE, ABANDON = "terminate", "abandon"


class RuntimeProblem(Exception):
    """A runtime request that cannot be honoured (unknown item, unknown SCO state)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Delivery:
    """What the player needs to launch one item."""

    item_id: str
    href: str
    sco: bool
    cmi: dict[str, Any] | None = None
    state_id: str | None = None
    launch: int = 0


def lock_session(db: Session, session_id: str) -> LearnerSession | None:
    return db.scalar(select(LearnerSession).where(LearnerSession.id == session_id).with_for_update())


NEW_ATTEMPT, RESUME_ATTEMPT = "new", "resume"


def deliver(db: Session, learner: LearnerSession, package: PackageInfo, item_id: str,
            attempt: str | None = None) -> Delivery:  # fmt: skip
    """Open a learner session of `item_id` (the caller holds the session row lock and commits).

    `attempt` is the sequencer's word on a SCORM 2004 delivery (SN DB.2): `"new"` when it began a
    new attempt of the activity, `"resume"` when it resumed a suspended one (after `suspendAll`, the
    SCO's `cmi.exit` need not say `suspend`); None leaves it to how the SCO's last session ended.

    Raises:
        RuntimeProblem: `ITEM_NOT_FOUND` when the item is not launchable in this package.
    """
    item = _item(package, item_id)
    if not availability(package, learner.progress or {}).get(item_id, True):
        raise RuntimeProblem("ITEM_UNAVAILABLE", f"The prerequisites of {item_id!r} are not met yet.")
    learner.current_item = item_id
    learner.launched_at = utcnow()
    if not activity_tree.is_sco(item):
        # An asset has no runtime: opening it is all there is to do (SCORM CAM 3.4.1.4).
        record(db, learner, package, item_id, ScoStatus(COMPLETED), attempts=1, suspended=False)
        return Delivery(item_id, item["launch_href"], sco=False)
    state, previous = _open_state(db, learner, package, item_id, attempt)
    launch = activity_tree.sco_launch(item)
    cmi = initial_cmi.build(
        package.edition, learner_id=learner.user_id, learner_name=learner.user_name or learner.user_id,
        sco=launch, previous=previous, stored=state.cmi, total_seconds=state.total_seconds,
    )  # fmt: skip
    state.launch_count += 1
    state.closed, state.terminated, state.commit_seq, state.session_seconds = False, False, 0, 0.0
    sco_status = status.derive(package.edition, state.cmi, activity_tree.launch_rules(launch), launched=True,
                               finished=False)  # fmt: skip
    state.status = sco_status.as_dict()
    record(db, learner, package, item_id, sco_status, attempts=state.sco_attempt, suspended=False)
    started = xapi_report.statement(settings().public_base_url, learner, "initialized", title=package.title,
                                    item=(item_id, item.get("title") or item_id))  # fmt: skip
    xapi_report.note(db, started, learner.tenant_id)
    return Delivery(item_id, item["launch_href"], True, cmi, state.id, state.launch_count)


def _item(package: PackageInfo, item_id: str) -> dict[str, Any]:
    item = package.items.get(item_id)
    if item is None:
        raise RuntimeProblem("ITEM_NOT_FOUND", f"The package has no launchable item {item_id!r}.")
    return item


def preview(db: Session, learner: LearnerSession, package: PackageInfo, item_id: str, mode: str) -> Delivery:
    """The delivery of `item_id` in review or browse mode; reads, never writes.

    Review hands over the SCO's stored CMI of the current attempt (entry `resume`
    after a suspend, else empty); browse starts from nothing. Both launch
    `no-credit` in their own `cmi.mode`.

    Raises:
        RuntimeProblem: `ITEM_NOT_FOUND` when the item is not launchable in this package.
    """
    item = _item(package, item_id)
    if not activity_tree.is_sco(item):
        return Delivery(item_id, item["launch_href"], sco=False)
    state = latest_sco_state(db, learner, item_id, lock=False) if mode == REVIEW else None
    stored, total, entry = {}, 0.0, initial_cmi.AB_INITIO
    if state is not None and state.launch_count:
        stored, total = state.cmi, state.total_seconds
        entry = initial_cmi.RESUME if state.exit == "suspend" else ""
    launch = replace(activity_tree.sco_launch(item), credit="no-credit", mode=mode)
    cmi = initial_cmi.build(
        package.edition, learner_id=learner.user_id, learner_name=learner.user_name or learner.user_id,
        sco=launch, previous=PreviousSession(), stored=stored, total_seconds=total, entry=entry,
    )  # fmt: skip
    return Delivery(item_id, item["launch_href"], True, cmi)


def _open_state(db: Session, learner: LearnerSession, package: PackageInfo, item_id: str,
                attempt: str | None = None) -> tuple[ScoState, PreviousSession]:  # fmt: skip
    state = latest_sco_state(db, learner, item_id, lock=True)
    if state is None:
        return _new_state(db, learner, item_id, 1), PreviousSession()
    if not state.closed:
        close_launch(learner, state, terminated=False)  # the last launch was abandoned (closed tab, crash)
    previous = PreviousSession(launched=state.launch_count > 0, exit=state.exit, terminated=state.terminated)
    if package.edition == "2004" and attempt == RESUME_ATTEMPT and previous.launched:
        # Suspended by the sequencer (suspendAll): the attempt goes on, resumed (RTE 4.2.7 cmi.entry).
        return state, replace(previous, exit="suspend", terminated=False)
    new = previous.launched and attempt == NEW_ATTEMPT and package.edition == "2004"
    if new or initial_cmi.starts_new_attempt(package.edition, previous):
        return _new_state(db, learner, item_id, state.sco_attempt + 1), PreviousSession()
    return state, previous


def _new_state(db: Session, learner: LearnerSession, item_id: str, sco_attempt: int) -> ScoState:
    state = ScoState(session_id=learner.id, attempt=learner.attempt, item_id=item_id, sco_attempt=sco_attempt,
                     cmi={}, status={}, launch_count=0, commit_seq=0, closed=True, terminated=False, exit="",
                     session_seconds=0.0, total_seconds=0.0, closed_seconds=0.0)  # fmt: skip
    db.add(state)
    db.flush()
    return state


def close_launch(learner: LearnerSession, state: ScoState, *, terminated: bool) -> None:
    # The learner session's time counts once, when it ends (SCORM RTE: session_time adds to total_time).
    seconds = state.session_seconds
    state.total_seconds += seconds
    state.closed_seconds = seconds
    state.session_seconds = 0.0
    state.closed, state.terminated = True, terminated
    learner.time_spent_seconds += seconds
    learner.session_time = format_duration(seconds)


def reopen_abandoned(learner: LearnerSession, state: ScoState) -> None:
    """Undo the close made when the page went away, so the SCO's own LMSFinish/Terminate closes instead.

    The player's save fires on `pagehide`, before the content frame's own unload
    handlers, which may still end the session properly a moment later.
    """
    state.total_seconds -= state.closed_seconds
    learner.time_spent_seconds = max(learner.time_spent_seconds - state.closed_seconds, 0.0)
    state.closed_seconds = 0.0
    state.closed = False


def record(db: Session, learner: LearnerSession, package: PackageInfo, item_id: str, sco_status: ScoStatus, *,
           attempts: int, suspended: bool) -> None:  # fmt: skip
    """Keep an item's status in the session's progress and derive the course's status again."""
    before = (learner.completion_status, learner.success_status)
    progress = dict(learner.progress or {})
    entry = progress.get(item_id) or {}
    changed = entry.get("status") != sco_status.as_dict()
    at = utcnow().isoformat(timespec="microseconds") if changed or "at" not in entry else entry["at"]
    progress[item_id] = {"status": sco_status.as_dict(), "attempts": attempts, "suspended": suspended, "at": at}
    learner.progress = progress
    course = course_status(package, progress)
    learner.completion_status = course.completion
    learner.success_status = course.success
    learner.score = course.score
    if course.completion == COMPLETED and learner.completed_at is None:
        learner.completed_at = utcnow()
    xapi_report.course_change(db, settings().public_base_url, learner, before, package.title, course)
    webhook_events.session_status_changed(db, learner, before)


def course_status(package: PackageInfo, progress: dict[str, Any]) -> ScoStatus:
    """The course's status from its items' recorded progress."""
    if not package.sequenced:  # SCORM 1.2, and the standards without sequencing (TinCan's one activity)
        return rollup.rollup_12([ScoStatus.from_dict((progress.get(i) or {}).get("status")) for i in package.scos])
    leaves = {
        item_id: (ScoStatus.from_dict(entry.get("status")), int(entry.get("attempts") or 0),
                  bool(entry.get("suspended")), str(entry.get("at") or ""))
        for item_id, entry in progress.items()
    }  # fmt: skip
    return rollup.rollup_2004(activity_tree.rollup_tree(package.manifest, leaves))


def availability(package: PackageInfo, progress: dict[str, Any]) -> dict[str, bool]:
    """SCORM 1.2: which items' `adlcp:prerequisites` hold (2004 packages leave this to the sequencer)."""
    if package.edition != "1.2":
        return {}
    statuses = {item_id: lesson_status((progress.get(item_id) or {}).get("status")) for item_id in package.items}
    return {item_id: prerequisites.met((item.get("prerequisites") or {}).get("expression"), statuses)
            for item_id, item in package.items.items()}  # fmt: skip


def lesson_status(saved: dict[str, Any] | None) -> str:
    """A recorded status as a SCORM 1.2 lesson status (the vocabulary of prerequisites)."""
    sco_status = ScoStatus.from_dict(saved)
    if sco_status.success in (PASSED, FAILED):
        return sco_status.success
    return {COMPLETED: "completed", INCOMPLETE: "incomplete"}.get(sco_status.completion, "not attempted")


def save_sequencing_state(learner: LearnerSession, state: Any, timestamp: Any, current_item: str | None,
                          package: PackageInfo) -> bool:  # fmt: skip
    """Keep the browser sequencer's state (a JSON object) unless a newer one is already stored.

    Saves race (a page's last save by beacon against the next page's first),
    so each carries the browser's clock and the newest wins.
    """
    stamp = timestamp if isinstance(timestamp, int | float) and not isinstance(timestamp, bool) else 0
    saved = learner.sequencing_state or {}
    if not isinstance(state, dict) or stamp < (saved.get("ts") or 0):
        return False
    # Whether the learner's other courses may read this state's global objectives (learner_objectives).
    shared = learner_objectives.objectives_global(package.manifest)
    learner.sequencing_state = {"ts": stamp, "state": state, learner_objectives.SHARED_FLAG: shared}
    if current_item in package.items:
        learner.current_item = current_item
    return True
