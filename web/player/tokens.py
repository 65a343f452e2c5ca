"""Signed credentials of a learner launch: the launch token, the player key and the content key.

Three HS256 JWTs signed with the service's secret, each with its own `typ` so
one can never stand in for another:

- `launch`: in the `launch_url` the API returns; short-lived (settings'
  `launch_token_ttl_seconds`, default 5 minutes) and single-use (its `jti` is
  claimed in Redis when the browser opens it).
- `player`: what the browser holds for the rest of the attempt (a cookie on
  `/player/s/{session}` and a `k=` parameter for cookie-less contexts);
  authorises the player page and the runtime endpoints of one session attempt.
- `content`: in the content URL's path (`/content/t/{token}/...`) or a
  cookie on `/content/{package}/`; authorises reading one package version.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt

from models.base import utcnow

LAUNCH, PLAYER, CONTENT = "launch", "player", "content"
# Launch modes (SCORM `cmi.mode` / `cmi.core.lesson_mode`): only `normal` records anything.
NORMAL, REVIEW, BROWSE = "normal", "review", "browse"
MODES = (NORMAL, REVIEW, BROWSE)
ALGORITHM = "HS256"
PLAYER_TTL = timedelta(hours=12)  # an attempt's reloads stay authorised this long after the launch


class TokenError(Exception):
    """A credential that is malformed, forged, of the wrong kind or expired.

    Attributes:
        code: `LAUNCH_TOKEN_EXPIRED` or `LAUNCH_TOKEN_INVALID` (stable, for the error envelope).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Claims:
    """The verified content of a credential."""

    typ: str
    session_id: str | None
    tenant_id: str
    package_id: str
    version: int | None
    attempt: int | None
    jti: str | None
    expires: int
    mode: str = NORMAL
    exit_url: str | None = None  # where the top window goes when the learner leaves the course

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Claims:
        mode = payload.get("md", NORMAL)
        if mode not in MODES:
            raise ValueError(f"unknown launch mode {mode!r}")
        exit_url = payload.get("rx")
        if exit_url is not None and not isinstance(exit_url, str):
            raise ValueError("the exit URL claim is not a string")
        return cls(payload["typ"], payload.get("sid"), payload["tid"], payload["pid"], payload.get("ver"),
                   payload.get("att"), payload.get("jti"), int(payload["exp"]), mode, exit_url)  # fmt: skip

    @property
    def records(self) -> bool:
        """Whether what the learner does in this launch is stored (review and browse store nothing)."""
        return self.mode == NORMAL


@lru_cache(maxsize=8)
def _key(secret: str) -> bytes:
    # A key of its own for launch credentials (other features sign with the same secret).
    return hmac.new(secret.encode(), b"allure-connect/player-tokens", hashlib.sha256).digest()


def _encode(secret: str, payload: dict[str, Any], ttl: timedelta) -> str:
    now = utcnow()
    body = {**payload, "iat": int(now.timestamp()), "exp": int((now + ttl).timestamp())}
    return jwt.encode({k: v for k, v in body.items() if v is not None}, _key(secret), algorithm=ALGORITHM)


def _mode_claim(mode: str) -> str | None:
    if mode not in MODES:
        raise ValueError(f"unknown launch mode {mode!r}")
    return None if mode == NORMAL else mode  # absent means normal: tokens minted before modes stay valid


def expires_at(token: str) -> datetime:
    """When a token minted here expires (read from the token itself, so it is exactly what is enforced)."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return datetime.fromtimestamp(claims["exp"], UTC)


def mint_launch(secret: str, *, session_id: str, tenant_id: str, package_id: str, attempt: int,
                ttl_seconds: int, mode: str = NORMAL, exit_url: str | None = None) -> str:  # fmt: skip
    """A single-use launch token for one session attempt, in one launch mode.

    `exit_url` (the partner's `redirect_on_exit_url`, validated by the API) travels signed, so the
    learner's browser cannot point the exit elsewhere.
    """
    payload = {"typ": LAUNCH, "sid": session_id, "tid": tenant_id, "pid": package_id, "att": attempt,
               "jti": secrets.token_urlsafe(16), "md": _mode_claim(mode), "rx": exit_url}  # fmt: skip
    return _encode(secret, payload, timedelta(seconds=ttl_seconds))


def mint_player(secret: str, *, session_id: str, tenant_id: str, package_id: str, version: int,
                attempt: int, mode: str = NORMAL, exit_url: str | None = None) -> str:  # fmt: skip
    """The key of a launched attempt: player page, runtime commits, sequencing state (and the launch's exit URL)."""
    payload = {"typ": PLAYER, "sid": session_id, "tid": tenant_id, "pid": package_id, "ver": version,
               "att": attempt, "md": _mode_claim(mode), "rx": exit_url}  # fmt: skip
    return _encode(secret, payload, PLAYER_TTL)


def mint_content(secret: str, *, tenant_id: str, package_id: str, version: int) -> str:
    """Read access to one package version's files."""
    return _encode(secret, {"typ": CONTENT, "tid": tenant_id, "pid": package_id, "ver": version}, PLAYER_TTL)


def verify(secret: str, token: str | None, typ: str) -> Claims:
    """Check signature, expiry and kind.

    Raises:
        TokenError: `LAUNCH_TOKEN_EXPIRED` when expired, `LAUNCH_TOKEN_INVALID` otherwise.
    """
    if not token:
        raise TokenError("LAUNCH_TOKEN_INVALID", "No launch credential was presented.")
    claims = _verified(secret, token)
    if claims.expires <= time.time():
        raise TokenError("LAUNCH_TOKEN_EXPIRED", "The launch link has expired; ask for a new one.")
    if claims.typ != typ:
        raise TokenError("LAUNCH_TOKEN_INVALID", "The launch credential is not valid here.")
    return claims


@lru_cache(maxsize=4096)
def _verified(secret: str, token: str) -> Claims:
    # A browser presents the same key with every commit and file: check its signature once per
    # process (expiry is checked on every use, by `verify`). Failures are not cached.
    try:
        payload = jwt.decode(token, _key(secret), algorithms=[ALGORITHM],
                             options={"require": ["exp", "typ"], "verify_exp": False})  # fmt: skip
    except jwt.PyJWTError:
        raise TokenError("LAUNCH_TOKEN_INVALID", "The launch credential is not valid.") from None
    if not isinstance(payload.get("typ"), str) or not payload.get("tid") or not payload.get("pid"):
        raise TokenError("LAUNCH_TOKEN_INVALID", "The launch credential is not valid here.")
    try:
        return Claims.from_payload(payload)
    except (KeyError, TypeError, ValueError):
        raise TokenError("LAUNCH_TOKEN_INVALID", "The launch credential is not valid.") from None


def player_cookie_name(session_id: str) -> str:
    return "acp_" + session_id.replace("-", "")


def content_cookie_name(package_id: str) -> str:
    return "acc_" + package_id.replace("-", "")
