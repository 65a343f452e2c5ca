"""The hot path of the runtime: storing a progress commit (autocommit, `Commit`) with as little work as possible.

It locks only the SCO state row and never the learner session. On Postgres, a
SCO state already seen by this process (its session, attempt and item never
change, so they are cached) is stored in one round trip: one autocommitted,
prepared UPDATE by primary key that checks the launch, the order, the end of
the launch and that the SCO's status is unchanged, and relaxes its own
durability (`synchronous_commit = off`: the next commit repeats the whole CMI,
so a database crash loses at most a fraction of a second of progress).
Anything unusual (first sight of the state, stale, closed, another attempt)
goes through the general path, which says exactly why.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import psycopg2
from sqlalchemy import Engine, bindparam, func, select, update
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


log = logging.getLogger(__name__)
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
# A server-side prepared statement, once per connection: parsed and planned once, then only executed.
# One row by primary key, and only if nothing is unusual: the launch is the state's current one and
# open, the sequence is newer, and the SCO's status does not change (else the general path runs).
# A new attempt closes the previous attempt's open launches, so their keys fall through here too.
_PREPARE_KNOWN_PG = """
PREPARE allure_progress_commit (text, text, text, int, int, int, jsonb, jsonb, text, double precision,
                                timestamptz) AS
UPDATE sco_states
SET cmi = $7, commit_seq = $6, exit = $9, session_seconds = $10, updated_at = $11
WHERE id = $1 AND session_id = $2 AND item_id = $3 AND attempt = $4 AND launch_count = $5
  AND NOT closed AND commit_seq < $6 AND status = $8
RETURNING set_config('synchronous_commit', 'off', true)
"""
_EXECUTE_KNOWN_PG = "EXECUTE allure_progress_commit (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"


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
        stored = _store_known(bind.url.render_as_string(hide_password=False), (
            state_id, session_id, known.item_id, attempt, launch, sequence, json.dumps(values),
            json.dumps(new_status), status.exit_value(package.edition, values),
            status.session_seconds(package.edition, values), utcnow(),
        ))  # fmt: skip
        if stored is not None:
            return Progress("stored")
        # Something is unusual (or the status changes): the general path says what.
    return _store_general(db, package, state_id, session_id, attempt, launch, sequence, values, postgres)


@lru_cache(maxsize=4)
def _fast_engine(url: str) -> Engine:
    # One statement, one round trip: autocommit (the statement is its own transaction) and no
    # pre-ping (a connection the server dropped is retried once below). Few connections: a web
    # process runs at most as many requests at once as it has threads.
    return make_engine(url, pool_pre_ping=False, isolation_level="AUTOCOMMIT", pool_size=4, max_overflow=4)


def _store_known(url: str, params: tuple[Any, ...]) -> Any:
    """A row when stored; None when not (the caller then takes the general path)."""
    engine = _fast_engine(url)
    for attempt in (1, 2):
        # The pool's DBAPI connection itself: SQLAlchemy's execution machinery costs more than this
        # one prepared statement does.
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            if not connection.info.get("allure_progress_commit"):
                cursor.execute(_PREPARE_KNOWN_PG)
                connection.info["allure_progress_commit"] = True
            cursor.execute(_EXECUTE_KNOWN_PG, params)
            row = cursor.fetchone()
            cursor.close()
            return row
        except psycopg2.Error as err:
            connection.invalidate()  # never reuse a connection in an unknown state
            if isinstance(err, psycopg2.OperationalError) and attempt == 1:
                continue  # the server dropped the pooled connection: once more on a fresh one
            # A prepared plan outlived a schema change, or the database refused: the general path decides.
            log.warning("fast progress commit failed (%s); using the general path", type(err).__name__)
            return None
        finally:
            connection.close()
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
