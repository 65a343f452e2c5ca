"""What the dispatch API, the launch route and the generate request share: tokens, URLs, bodies."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from config.settings import Settings
from models.base import isoformat
from models.dispatches import Dispatch
from web.dispatches.tokens import Keyring, issue_token, keyring_from_settings
from web.origins import parse_template

LAUNCH_PATH = "/player/dispatch/"


@lru_cache(maxsize=4)
def _keyring(signing_keys: str, secret_key: str) -> Keyring:
    return keyring_from_settings(signing_keys, secret_key)


def keyring(settings: Settings) -> Keyring:
    """The dispatch keyring described by the settings."""
    return _keyring(settings.dispatch_signing_keys, settings.secret_key)


def dispatch_token(dispatch: Dispatch, settings: Settings) -> str:
    """The dispatch's token, signed with the current key.

    The issue time is the dispatch's creation time, so the token is stable until the
    signing key rotates; after a rotation the old token still verifies while its key
    is kept in `AC_DISPATCH_SIGNING_KEYS`.
    """
    return issue_token(dispatch.id, keyring(settings), issued_at=int(dispatch.created_at.timestamp()))


def base_url(settings: Settings) -> str:
    return settings.public_base_url.rstrip("/")


def player_base_url(dispatch: Dispatch, settings: Settings) -> str:
    """Where the dispatch's player lives: its tenant's content origin (the ZIP's launcher frames it)."""
    return parse_template(settings.content_origins).origin(dispatch.tenant_id)


def launch_url(dispatch: Dispatch, token: str, settings: Settings) -> str:
    return f"{player_base_url(dispatch, settings)}{LAUNCH_PATH}{token}"


def summary_body(dispatch: Dispatch) -> dict[str, Any]:
    """A dispatch as listed (no token)."""
    return {
        "id": dispatch.id,
        "tenant_id": dispatch.tenant_id,
        "package_id": dispatch.package_id,
        "dispatch_name": dispatch.name,
        "registration_limit": dispatch.registration_limit,
        "registration_count": dispatch.registration_count,
        "expires_at": isoformat(dispatch.expires_at),
        "status": dispatch.status().value,
        "allowed_domains": list(dispatch.allowed_domains or []),
        "revoked_at": isoformat(dispatch.revoked_at),
        "zip_ready": dispatch.zip_key is not None,
        "created_at": isoformat(dispatch.created_at),
    }


def full_body(dispatch: Dispatch, settings: Settings) -> dict[str, Any]:
    """A dispatch with its token and launch URL."""
    token = dispatch_token(dispatch, settings)
    return {**summary_body(dispatch), "token": token, "launch_url": launch_url(dispatch, token, settings)}


def get_dispatch(session: Session, dispatch_id: str, tenant_id: str | None = None) -> Dispatch | None:
    """Load a dispatch; with `tenant_id`, only that tenant's."""
    dispatch = session.get(Dispatch, dispatch_id) if _looks_like_id(dispatch_id) else None
    if dispatch is None or (tenant_id is not None and dispatch.tenant_id != tenant_id):
        return None
    return dispatch


def _looks_like_id(value: str) -> bool:
    # Ids are UUID strings; anything longer cannot be one (and would not fit the column).
    return 0 < len(value) <= 36
