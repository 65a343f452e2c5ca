"""Schemas of the sessions API (the overview's Sessions section)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from models.sessions import MAX_USER_ID
from web.packages.schemas import VERSION_DESCRIPTION
from web.pagination import PageArgsSchema, PaginationSchema
from web.player.timefmt import parse_duration
from web.player.tokens import MODES, NORMAL

MAX_EXIT_URL = 2000
COMPLETION = ("not_attempted", "incomplete", "completed")
SUCCESS = ("unknown", "passed", "failed")


class ScoreSchema(Schema):
    scaled = fields.Float(allow_none=True, validate=validate.Range(min=-1, max=1))
    raw = fields.Float(allow_none=True)
    min = fields.Float(allow_none=True)
    max = fields.Float(allow_none=True)


class PackageRefSchema(Schema):
    title = fields.String(allow_none=True)
    version = fields.String(allow_none=True, metadata={"description": VERSION_DESCRIPTION})


class SessionSchema(Schema):
    id = fields.String(required=True)
    package_id = fields.String(required=True)
    tenant_id = fields.String(required=True)
    user_id = fields.String(required=True)
    user_name = fields.String(allow_none=True)
    dispatch_id = fields.String(allow_none=True)
    completion_status = fields.String(required=True, validate=validate.OneOf(COMPLETION))
    success_status = fields.String(required=True, validate=validate.OneOf(SUCCESS))
    score = fields.Nested(ScoreSchema, required=True)
    attempts = fields.Integer(required=True)
    time_spent_seconds = fields.Integer(required=True)
    session_time = fields.String(allow_none=True,
                                 metadata={"description": "ISO 8601 duration of the last learner session"})
    package_version = fields.Integer(required=True, metadata={"description": "Package version of this attempt"})
    created_at = fields.String(required=True)
    updated_at = fields.String(required=True)
    package = fields.Nested(PackageRefSchema, required=True)


class ActivitySchema(Schema):
    item_id = fields.String(required=True)
    sco_attempt = fields.Integer(required=True)
    completion_status = fields.String(required=True)
    success_status = fields.String(required=True)
    score = fields.Nested(ScoreSchema, required=True)
    time_spent_seconds = fields.Integer(required=True)
    cmi_data = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class SessionDetailSchema(SessionSchema):
    cmi_data = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                           metadata={"description": "Flat CMI of the current SCO (cmi.core.lesson_status, ...)"})
    activities = fields.List(fields.Nested(ActivitySchema), required=True,
                             metadata={"description": "Each SCO's latest attempt in the current attempt"})


class SessionEnvelopeSchema(Schema):
    session = fields.Nested(SessionDetailSchema, required=True)


def exit_url_problem(value: str) -> str | None:
    """Why a `redirect_on_exit_url` cannot be used, or None: absolute http(s), no credentials, printable."""
    if len(value) > MAX_EXIT_URL:
        return f"At most {MAX_EXIT_URL} characters."
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return "Must not contain spaces or control characters."
    if not value.isascii():
        # It travels in the player key, in every runtime URL: escaped non-ASCII would outgrow the request line.
        return "Must be ASCII: percent-encode other characters (and give the host name in punycode)."
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return "Not a valid URL."
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or not value.lower().startswith(
            ("http://", "https://")):  # fmt: skip
        return "Must be an absolute http:// or https:// URL."
    if parts.username is not None or parts.password is not None:
        return "Must not carry credentials (user:password@)."
    if not port_ok:
        return "Not a valid URL."
    return None


class SessionCreateSchema(Schema):
    package_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    user_id = fields.String(required=True, validate=validate.Length(min=1, max=MAX_USER_ID))
    user_name = fields.String(allow_none=True, validate=validate.Length(max=MAX_USER_ID))
    new_attempt = fields.Boolean(load_default=False)
    launch_ttl_seconds = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=10, max=3600),
        metadata={"description": "How long the launch link works, in seconds (10-3600; default 300)"})
    mode = fields.String(load_default=NORMAL, validate=validate.OneOf(MODES), metadata={"description": (
        "`normal` records progress; `review` shows the learner's current attempt as it was stored and records "
        "nothing; `browse` previews the course from the start and records nothing (both launch with credit "
        "`no-credit`)")})

    redirect_on_exit_url = fields.String(load_default=None, allow_none=True, metadata={
        "description": (
            "Where the learner's browser goes when they leave the course (SCORM Cloud's `redirectOnExitUrl`): "
            "after the player's Exit button, or when the content ends the attempt (SCORM 1.2 `LMSFinish` with "
            "`cmi.core.exit` `logout`, or a normal exit from the last SCO; SCORM 2004 `Terminate` with "
            "`adl.nav.request` `exit`, `exitAll` or `suspendAll` that ends the course, or the end of sequencing). "
            "The player first saves the final data, then navigates the top window (the whole tab, also when the "
            f"player is framed). An absolute `http` or `https` URL of at most {MAX_EXIT_URL} characters, without "
            "credentials, ASCII only (percent-encoded); it is signed into the launch link, so the learner "
            "cannot change it. Review and browse "
            "launches take it too. Without it the player shows its closing page."),
        "example": "https://lms.example.com/courses/42/done"})

    @validates("redirect_on_exit_url")
    def _exit_url(self, value: str | None, **_kwargs: object) -> None:
        problem = exit_url_problem(value) if value is not None else None
        if problem:
            raise ValidationError(problem)

    @validates_schema
    def _review_needs_no_attempt(self, data: dict[str, Any], **_kwargs: object) -> None:
        if data.get("new_attempt") and data.get("mode", NORMAL) != NORMAL:
            raise ValidationError("A new attempt is started by a normal launch only.", "new_attempt")


class SessionCreatedSchema(Schema):
    session = fields.Nested(SessionSchema, required=True)
    launch_url = fields.String(required=True, metadata={
        "description": "Signed, single-use, expiring launch link, on the tenant's content origin"})
    launch_url_expires_at = fields.String(required=True, metadata={
        "description": "When the launch link stops working (ISO 8601, UTC)", "example": "2026-01-01T12:05:00.000Z"})
    mode = fields.String(required=True, validate=validate.OneOf(MODES), metadata={"description": "The launch mode"})
    redirect_on_exit_url = fields.String(allow_none=True, metadata={
        "description": "Where the player sends the learner on exit (as given), or null for the closing page"})
    registration = fields.String(allow_none=True, metadata={
        "description": "cmi5 packages: the cmi5 registration (xAPI context.registration) of this attempt"})


class SessionListArgsSchema(PageArgsSchema):
    package_id = fields.String(validate=validate.Length(max=36))
    user_id = fields.String(validate=validate.Length(max=MAX_USER_ID))
    completion_status = fields.String(validate=validate.OneOf(COMPLETION))
    success_status = fields.String(validate=validate.OneOf(SUCCESS))


class SessionListSchema(Schema):
    sessions = fields.List(fields.Nested(SessionSchema), required=True)
    pagination = fields.Nested(PaginationSchema, required=True)


class SessionUpdateSchema(Schema):
    cmi_data = fields.Dict(keys=fields.String(), values=fields.Raw())
    completion_status = fields.String(validate=validate.OneOf(COMPLETION))
    success_status = fields.String(validate=validate.OneOf(SUCCESS))
    score = fields.Nested(ScoreSchema)
    session_time = fields.String()
    suspend_data = fields.String(validate=validate.Length(max=64_000))

    @validates("session_time")
    def _duration(self, value: str, **_kwargs: object) -> None:
        if parse_duration(value) is None:
            raise ValidationError("Not an ISO 8601 duration (e.g. PT1H30M).")


class SessionUpdatedSchema(Schema):
    success = fields.Boolean(required=True)
    session_id = fields.String(required=True)
    updated_at = fields.String(required=True)
