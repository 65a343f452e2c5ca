"""The hot path of the runtime: storing a progress commit (autocommit, `Commit`) with as little work as possible.

It locks only the SCO state row and never the learner session. On Postgres, a
SCO state already seen by this process (its session, attempt and item never
change, so they are cached) is stored in one round trip: one autocommitted
statement that locks the row, checks the launch, the attempt, the order and
the end of the launch, writes the CMI and returns the previous status, and
relaxes its own durability (`synchronous_commit = off`: the next commit
repeats the whole CMI, so a database crash loses at most a fraction of a
second of progress).
Anything unusual (first sight of the state, stale, closed, another attempt)
goes through the general path, which says exactly why.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from models.base import utcnow
from models.db import make_engine
from models.sessions import LearnerSession, ScoState
from web.player import activity_tree, status
from web.player.package_info import PackageInfo
from web.player.runtime import RuntimeProblem


class AttemptOver(RuntimeProblem):
    """The commit belongs to an attempt the learner has since replaced."""


@dataclass(frozen=True)
class Progress:
    """What storing a progress commit did: `stored`, `stale` or `closed`, and whether the SCO's status changed."""

    outcome: str
    status_changed: bool = False


@dataclass(frozen=True)
class _Known:
    session_id: str
    attempt: int
    item_id: str


_STATES = ScoState.__table__
_SESSIONS = LearnerSession.__table__
_known: OrderedDict[str, _Known] = OrderedDict()
_known_lock = threading.Lock()
_KNOWN_SIZE = 20_000

_COLUMNS = (_STATES.c.session_id, _STATES.c.attempt, _STATES.c.item_id, _STATES.c.launch_count, _STATES.c.closed,
            _STATES.c.commit_seq, _STATES.c.status, _SESSIONS.c.attempt.label("current"))  # fmt: skip
_LOCK_STATE = (
    select(*_COLUMNS)
    .join_from(_STATES, _SESSIONS, _SESSIONS.c.id == _STATES.c.session_id)
    .where(_STATES.c.id == bindparam("state_id"))
    .with_for_update(of=_STATES)
)
_LOCK_STATE_PG = _LOCK_STATE.add_columns(func.set_config("synchronous_commit", "off", True))
_STORE_STATE = (
    update(_STATES)
    .where(_STATES.c.id == bindparam("state_id"))
    .values(cmi=bindparam("cmi"), commit_seq=bindparam("seq"), status=bindparam("status"),
            exit=bindparam("exit"), session_seconds=bindparam("seconds"), updated_at=bindparam("now"))
)  # fmt: skip
_STORE_KNOWN_PG = text("""
UPDATE sco_states AS s
SET cmi = :cmi, commit_seq = :seq, status = :status, exit = :exit, session_seconds = :seconds, updated_at = :now
FROM (SELECT id, status AS old_status, set_config('synchronous_commit', 'off', true) AS relaxed
      FROM sco_states WHERE id = :state_id FOR UPDATE) AS old,
     learner_sessions AS l
WHERE s.id = old.id AND l.id = s.session_id AND s.session_id = :session_id AND s.item_id = :item_id
  AND s.attempt = :attempt AND l.attempt = :attempt
  AND s.launch_count = :launch AND NOT s.closed AND s.commit_seq < :seq
RETURNING old.old_status
""").bindparams(bindparam("cmi", type_=JSONB), bindparam("status", type_=JSONB))


def store(db: Session, package: PackageInfo, state_id: str, session_id: str, attempt: int, launch: int,
          sequence: int, values: dict[str, str]) -> Progress:  # fmt: skip
    """Store one progress commit and commit the transaction.

    Raises:
        RuntimeProblem: `SCO_STATE_NOT_FOUND` when the state is not this session's.
        AttemptOver: when a newer attempt of the session has started.
    """
    known = _recall(state_id)
    bind = db.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres and known is not None and known.session_id == session_id and known.attempt == attempt:
        new_status = _derive(package, known.item_id, values)
        old = _store_known(str(bind.url.render_as_string(hide_password=False)), {
            **_fields(package, values, new_status), "state_id": state_id, "session_id": session_id,
            "item_id": known.item_id, "attempt": attempt, "launch": launch, "seq": sequence,
        })  # fmt: skip
        if old is not None:
            return Progress("stored", old[0] != new_status)
        # Something is unusual: the general path says what.
    return _store_general(db, package, state_id, session_id, attempt, launch, sequence, values, postgres)


@lru_cache(maxsize=4)
def _fast_engine(url: str) -> Engine:
    # One statement, one round trip: autocommit (the statement is its own transaction) and no
    # pre-ping (a connection the server dropped is retried once below). Few connections: a web
    # process runs at most as many requests at once as it has threads.
    return make_engine(url, pool_pre_ping=False, isolation_level="AUTOCOMMIT", pool_size=4, max_overflow=4)


def _store_known(url: str, params: dict[str, Any]) -> Any:
    for attempt in (1, 2):
        try:
            with _fast_engine(url).connect() as connection:
                return connection.execute(_STORE_KNOWN_PG, params).first()
        except DBAPIError as err:
            if not err.connection_invalidated or attempt == 2:
                raise
    return None


def _store_general(db: Session, package: PackageInfo, state_id: str, session_id: str, attempt: int, launch: int,
                   sequence: int, values: dict[str, str], postgres: bool) -> Progress:  # fmt: skip
    connection = db.connection()
    row = connection.execute(_LOCK_STATE_PG if postgres else _LOCK_STATE, {"state_id": state_id}).first()
    if row is None or row.session_id != session_id:
        raise RuntimeProblem("SCO_STATE_NOT_FOUND", "This runtime commit names no SCO of the session.")
    if row.attempt != attempt or row.current != attempt:
        raise AttemptOver("LAUNCH_TOKEN_INVALID", "This launch is over: a newer attempt has started.")
    _remember(state_id, _Known(row.session_id, row.attempt, row.item_id))
    if launch != row.launch_count or row.closed or sequence <= row.commit_seq:
        db.rollback()
        return Progress("closed" if row.closed and launch == row.launch_count else "stale")
    new_status = _derive(package, row.item_id, values)
    connection.execute(_STORE_STATE, {**_fields(package, values, new_status), "state_id": state_id, "seq": sequence})
    db.commit()
    return Progress("stored", new_status != row.status)


def _derive(package: PackageInfo, item_id: str, values: dict[str, str]) -> dict[str, Any]:
    rules = activity_tree.launch_rules(activity_tree.sco_launch(package.items.get(item_id) or {}))
    return status.derive(package.edition, values, rules, launched=True, finished=False).as_dict()


def _fields(package: PackageInfo, values: dict[str, str], new_status: dict[str, Any]) -> dict[str, Any]:
    return {"cmi": values, "status": new_status, "exit": status.exit_value(package.edition, values),
            "seconds": status.session_seconds(package.edition, values), "now": utcnow()}  # fmt: skip


def _recall(state_id: str) -> _Known | None:
    with _known_lock:
        return _known.get(state_id)


def _remember(state_id: str, known: _Known) -> None:
    with _known_lock:
        _known[state_id] = known
        if len(_known) > _KNOWN_SIZE:
            _known.popitem(last=False)
