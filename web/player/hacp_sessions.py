"""HACP session ids (`aicc_sid`): one per AU delivery, random, bound to its tenant and learner session, expiring.

The id is 32 random bytes (URL-safe base64: the letters, digits, `-` and `_` an
AICC session id may hold); Redis keeps what it stands for under `hacp:{id}`
for `aicc_session_ttl_seconds`, shared by every web process. Nothing in the id
itself can be forged or guessed, and an expired one is simply gone.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from typing import Any

from redis import Redis

_PREFIX = "hacp:"
_SEQ = "hacp-seq:"


@dataclass(frozen=True)
class HacpSession:
    """One AU delivery as the HACP endpoint sees it.

    Attributes:
        state_id: the SCO state the AU's data goes to (None in review and browse: nothing is stored).
        launch: the state's launch number (commits of an older launch are stale).
    """

    tenant_id: str
    session_id: str
    attempt: int
    package_id: str
    version: int
    item_id: str
    mode: str
    state_id: str | None = None
    launch: int = 0


def mint(redis: Redis, session: HacpSession, ttl_seconds: int) -> str:
    """A new session id for one delivery."""
    sid = secrets.token_urlsafe(32)
    redis.set(_PREFIX + sid, json.dumps(asdict(session)), ex=max(int(ttl_seconds), 1))
    return sid


def find(redis: Redis, sid: str) -> HacpSession | None:
    """What a session id stands for; None when unknown, malformed or expired."""
    if not sid or len(sid) > 100:
        return None
    raw = redis.get(_PREFIX + sid)
    if raw is None:
        return None
    try:
        data: dict[str, Any] = json.loads(raw)
        return HacpSession(**data)
    except (TypeError, ValueError):
        return None


def next_sequence(redis: Redis, sid: str) -> int:
    """An increasing number per session id: the commit order the runtime checks (a later Put wins)."""
    key = _SEQ + sid
    ttl = redis.ttl(_PREFIX + sid)
    pipe = redis.pipeline()
    pipe.incr(key)
    pipe.expire(key, max(int(ttl), 1) if isinstance(ttl, int) and ttl > 0 else 60)
    value, _ = pipe.execute()
    return int(value)
