"""Submitting statements: validate, store, commit, then ask for a rollup.

One entry point for every writer (the standard LRS, `/api/v1/xapi/statements`, and player
sessions that report SCORM learners as xAPI), so they all share the rules and the store.
"""

from __future__ import annotations

import logging
from typing import Any

from redis import Redis
from sqlalchemy.orm import Session

from web.lrs.multipart import Part
from web.lrs.store import StoreError, StoreResult, store_statements
from web.lrs.validation import FieldError, validate_statements

log = logging.getLogger(__name__)


class StatementsInvalid(Exception):
    """The batch breaks xAPI rules; `errors` name each field."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(f"{len(errors)} invalid field(s)")
        self.errors = errors

    def details(self) -> dict[str, Any]:
        """The overview's `fieldErrors` shape: path → list of messages."""
        fields: dict[str, list[str]] = {}
        for error in self.errors:
            fields.setdefault(error.path, []).append(error.message)
        return {"fieldErrors": fields}


def submit_statements(session: Session, tenant_id: str, statements: list[Any], *, authority: dict,
                      version: str, parts: dict[str, Part] | None = None, single: bool = False) -> StoreResult:
    """Validate and store a batch in the session's transaction; the caller commits.

    Args:
        single: the batch is one statement sent on its own; error paths then omit `[0]`.

    Raises:
        StatementsInvalid: any statement breaks a rule (nothing is stored).
        StoreError: id conflicts (400 duplicate in batch, 409 different content).
    """
    errors = validate_statements(statements, version)
    if errors:
        if single:
            errors = [FieldError(e.path.removeprefix("[0]").lstrip(".") or "$", e.message) for e in errors]
        raise StatementsInvalid(errors)
    return store_statements(session, tenant_id, statements, authority=authority, version=version, parts=parts)


def request_rollup(session: Session, redis: Redis, tenant_id: str) -> None:
    """Ask for a (coalesced) rollup of the tenant after a committed write; never fails the write."""
    from workers.rollups import schedule_rollup

    try:
        schedule_rollup(session, redis, tenant_id)
    except Exception:  # the statements are stored; a missed rollup is caught up by the next one
        log.exception("could not schedule the xAPI rollup of tenant %s", tenant_id)


__all__ = ["StatementsInvalid", "StoreError", "request_rollup", "submit_statements"]
