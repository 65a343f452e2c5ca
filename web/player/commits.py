"""Storing runtime commits: a lean path for the many progress commits, a careful one for the final commit.

A progress commit (autocommit, `Commit`) goes through `progress`, which locks
only its SCO state row; the learner session is touched only when the SCO's
status changed, in a second short transaction, so no two row locks are ever
held in the order opposite to a delivery's.

A final commit (`LMSFinish`/`Terminate`, or the player's save as the page goes
away) closes the learner session and adds its time: it locks the session row,
then the state row (a delivery's order), and waits for durability.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models.sessions import ScoState
from web.player import activity_tree, progress, status, xapi_report
from web.player.package_info import PackageInfo
from web.player.progress import AttemptOver
from web.player.runtime import (
    ABANDON,
    TERMINATE,
    RuntimeProblem,
    close_launch,
    lock_session,
    record,
    reopen_abandoned,
)
from web.player.status import ScoStatus
from web.services import services, settings
from web.webhooks import events as webhook_events


@dataclass(frozen=True)
class CommitResult:
    """`stored`, or why nothing was: `stale` (older launch or sequence) or `closed` (after the launch ended)."""

    outcome: str


@dataclass(frozen=True)
class Commit:
    """One validated commit and where it goes."""

    session_id: str
    attempt: int
    state_id: str
    launch: int
    sequence: int
    values: dict[str, str]
    final: str | None = None


def store_commit(db: Session, package: PackageInfo, commit: Commit) -> CommitResult:
    """Store a commit; this function commits its own transactions.

    Raises:
        RuntimeProblem: `SCO_STATE_NOT_FOUND` when the state is not this session's.
        AttemptOver: when a newer attempt of the session has started.
    """
    if commit.final in (TERMINATE, ABANDON):
        result = _store_final(db, package, commit)
        xapi_report.commit(db, services().redis)
        return result
    stored = progress.store(db, package, commit.state_id, commit.session_id, commit.attempt, commit.launch,
                            commit.sequence, commit.values)  # fmt: skip
    if stored.status_changed:
        _refresh_course(db, package, commit)
    return CommitResult(stored.outcome)


def _derive(package: PackageInfo, state: ScoState, values: dict[str, str], *, finished: bool) -> ScoStatus:
    item = package.items.get(state.item_id) or {}
    rules = activity_tree.launch_rules(activity_tree.sco_launch(item))
    return status.derive(package.edition, values, rules, launched=True, finished=finished)


def _checked(state: ScoState | None, commit: Commit, current_attempt: int | None) -> ScoState:
    if state is None or state.session_id != commit.session_id:
        raise RuntimeProblem("SCO_STATE_NOT_FOUND", "This runtime commit names no SCO of the session.")
    if state.attempt != commit.attempt or current_attempt != commit.attempt:
        raise AttemptOver("LAUNCH_TOKEN_INVALID", "This launch is over: a newer attempt has started.")
    return state


def _postgres(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def _refresh_course(db: Session, package: PackageInfo, commit: Commit) -> None:
    learner = lock_session(db, commit.session_id)
    if learner is None or learner.attempt != commit.attempt:
        db.rollback()
        return
    # Re-read under the session lock: a final commit may have landed in between.
    item_id, sco_attempt, saved = db.execute(
        select(ScoState.item_id, ScoState.sco_attempt, ScoState.status).where(ScoState.id == commit.state_id)
    ).one()
    record(db, learner, package, item_id, ScoStatus.from_dict(saved), attempts=sco_attempt, suspended=False)
    if _postgres(db):
        db.execute(text("SET LOCAL synchronous_commit TO OFF"))
    xapi_report.commit(db, services().redis)


def _store_final(db: Session, package: PackageInfo, commit: Commit) -> CommitResult:
    learner = lock_session(db, commit.session_id)
    state = db.scalar(select(ScoState).where(ScoState.id == commit.state_id).with_for_update())
    state = _checked(state, commit, learner.attempt if learner else None)
    assert learner is not None
    if commit.launch != state.launch_count or commit.launch <= 0:
        return CommitResult("stale")
    if state.closed and commit.final == TERMINATE and not state.terminated:
        reopen_abandoned(learner, state)
    if state.closed:
        return CommitResult("closed")
    # A final commit always lands: anything numbered after it came after LMSFinish and is void.
    state.cmi = commit.values
    state.commit_seq = max(commit.sequence, state.commit_seq)
    state.exit = status.exit_value(package.edition, commit.values)
    state.session_seconds = status.session_seconds(package.edition, commit.values)
    close_launch(learner, state, terminated=commit.final == TERMINATE)
    sco_status = _derive(package, state, commit.values, finished=commit.final == TERMINATE)
    state.status = sco_status.as_dict()
    record(db, learner, package, state.item_id, sco_status, attempts=state.sco_attempt,
           suspended=state.exit == "suspend")  # fmt: skip
    if commit.final == TERMINATE:
        webhook_events.session_terminated(db, learner)
        item = package.items.get(state.item_id) or {}
        xapi_report.note(db, xapi_report.statement(
            settings().public_base_url, learner, "terminated", title=package.title,
            item=(state.item_id, item.get("title") or state.item_id),
            result=xapi_report.result_of(sco_status, state.closed_seconds)), learner.tenant_id)  # fmt: skip
    return CommitResult("stored")
