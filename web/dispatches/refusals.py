"""Why a dispatch launch was refused, told as an HTML page to people and as JSON to programs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Response

from web import learner_page


@dataclass
class Refusal(Exception):
    """A launch refused with an HTTP status, an error code and words for the learner.

    Attributes:
        status: the HTTP status.
        code: the error code of the JSON envelope.
        message: one sentence saying why, for the learner and the API client alike.
        hint: what the learner or their administrator can do, for the HTML page.
        details: facts for the JSON envelope.
    """

    status: int
    code: str
    message: str
    hint: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def respond(refusal: Refusal) -> Response:
    """Answer a refusal in the form the caller wants (a page for the learner, JSON for programs)."""
    return learner_page.refusal(refusal.status, refusal.code, refusal.message,
                                refusal.hint or learner_page.ASK_AGAIN, refusal.details)


def token_invalid(reason_code: str) -> Refusal:
    return Refusal(
        403,
        "DISPATCH_TOKEN_INVALID",
        "This course link is not valid: it was altered, or signed with a key that is no longer accepted.",
        "Ask the administrator of your learning system for a new copy of the course package.",
        {"reason": reason_code},
    )


def not_found() -> Refusal:
    return Refusal(
        404,
        "DISPATCH_NOT_FOUND",
        "This course is no longer offered: its dispatch does not exist.",
        "Ask the administrator of your learning system to contact the course provider.",
    )


def revoked() -> Refusal:
    return Refusal(
        410,
        "DISPATCH_REVOKED",
        "The course provider has withdrawn access to this course.",
        "Ask the administrator of your learning system to contact the course provider.",
    )


def expired(expires_at: str | None) -> Refusal:
    return Refusal(
        410,
        "DISPATCH_EXPIRED",
        f"Access to this course ended on {expires_at}." if expires_at else "Access to this course has ended.",
        "Ask the administrator of your learning system to contact the course provider.",
        {"expires_at": expires_at},
    )


def limit_reached(limit: int | None, current: int) -> Refusal:
    return Refusal(
        403,
        "REGISTRATION_LIMIT_REACHED",
        f"This course has reached its maximum number of learners ({limit}).",
        "Learners who already started it can still open it. Ask your administrator for more places.",
        {"limit": limit, "current": current},
    )


def domain_refused(origin: str | None, verdict: str) -> Refusal:
    if origin:
        message = f"This course may only be opened from sites its provider allowed, and {origin} is not one."
    else:
        message = (
            "This course may only be opened from sites its provider allowed, and the browser did not say "
            "which site opened it."
        )
    hint = (
        "Open the course from your learning system. If you did, its administrator should check that the "
        "site is on the dispatch's allowed domains and that it does not block the Referer header."
    )
    return Refusal(403, "DOMAIN_NOT_ALLOWED", message, hint, {"origin": origin, "reason": verdict})


def learner_required() -> Refusal:
    return Refusal(
        400,
        "VALIDATION_ERROR",
        "The learning system did not say who the learner is.",
        "Open the course from your learning system rather than from a bookmark or a copied link.",
        {"fieldErrors": {"learner_id": ["Missing data for required field."]}},
    )


def learner_id_too_long(limit: int) -> Refusal:
    return Refusal(
        400,
        "VALIDATION_ERROR",
        "The learner id given by the learning system is too long.",
        "",
        {"fieldErrors": {"learner_id": [f"Longer than maximum length {limit}."]}},
    )
