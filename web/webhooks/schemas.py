"""Schemas of the webhooks API (endpoints, secret rotation, deliveries)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates

from models.webhooks import EVENT_TYPES, MAX_DESCRIPTION, MAX_URL
from web.pagination import PageArgsSchema, PaginationSchema
from workers.webhook_http import url_problem

MAX_OVERLAP_SECONDS = 7 * 86400
EVENTS_DOC = {"description": "Event types to receive: " + ", ".join(EVENT_TYPES),
              "example": ["package.import.succeeded", "session.completed"]}  # fmt: skip


def _check_url(value: str) -> None:
    problem = url_problem(value)
    if problem:
        raise ValidationError(problem)


class _Fields(Schema):
    url = fields.String(validate=validate.Length(min=1, max=MAX_URL),
                        metadata={"description": "http(s) URL receiving POSTs", "example": "https://partner.example/hooks"})
    events = fields.List(fields.String(validate=validate.OneOf(EVENT_TYPES)), validate=validate.Length(min=1, max=50),
                         metadata=EVENTS_DOC)  # fmt: skip
    enabled = fields.Boolean()
    description = fields.String(validate=validate.Length(max=MAX_DESCRIPTION))

    @validates("url")
    def _url(self, value: str, **_kwargs: Any) -> None:
        _check_url(value)


class WebhookCreateSchema(_Fields):
    url = fields.String(required=True, validate=validate.Length(min=1, max=MAX_URL),
                        metadata={"description": "http(s) URL receiving POSTs", "example": "https://partner.example/hooks"})
    events = fields.List(fields.String(validate=validate.OneOf(EVENT_TYPES)), required=True,
                         validate=validate.Length(min=1, max=50), metadata=EVENTS_DOC)  # fmt: skip
    enabled = fields.Boolean(load_default=True)
    description = fields.String(load_default="", validate=validate.Length(max=MAX_DESCRIPTION))


class WebhookUpdateSchema(_Fields):
    """Any of the fields; enabling again clears the automatic disable."""


class WebhookSchema(Schema):
    id = fields.String(required=True)
    tenant_id = fields.String(required=True)
    url = fields.String(required=True)
    events = fields.List(fields.String(), required=True)
    enabled = fields.Boolean(required=True)
    description = fields.String(required=True)
    disabled_reason = fields.String(allow_none=True, metadata={"description": "Why it was disabled automatically"})
    failing_since = fields.String(allow_none=True, metadata={"description": "Start of the current run of failures"})
    previous_secret_expires_at = fields.String(
        allow_none=True, metadata={"description": "Until when the previous secret also signs (after a rotation)"})
    created_at = fields.String(required=True)
    updated_at = fields.String(required=True)


class WebhookCreatedSchema(WebhookSchema):
    secret = fields.String(required=True, metadata={"description": "`whsec_` + base64 signing secret; shown once"})


class WebhookListSchema(Schema):
    webhooks = fields.List(fields.Nested(WebhookSchema), required=True)
    pagination = fields.Nested(PaginationSchema, required=True)


class RotateSecretSchema(Schema):
    overlap_seconds = fields.Integer(load_default=86400, validate=validate.Range(min=0, max=MAX_OVERLAP_SECONDS),
                                     metadata={"description": "How long the previous secret keeps signing too"})


class RotatedSecretSchema(Schema):
    secret = fields.String(required=True, metadata={"description": "The new secret; shown once"})
    previous_secret_expires_at = fields.String(allow_none=True, required=True)


class TestEventSchema(Schema):
    event_id = fields.String(required=True)
    delivery_id = fields.String(required=True)


class DeliveryArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(("pending", "succeeded", "failed")))


class TrySchema(Schema):
    number = fields.Integer(required=True)
    at = fields.String(required=True)
    response_status = fields.Integer(allow_none=True)
    duration_ms = fields.Integer(required=True)
    error = fields.String(allow_none=True)
    response_excerpt = fields.String(allow_none=True, metadata={"description": "The first 1 KiB of the answer"})
    next_attempt_at = fields.String(allow_none=True)


class DeliverySchema(Schema):
    id = fields.String(required=True)
    event_id = fields.String(required=True)
    event_type = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "pending, succeeded or failed"})
    attempts = fields.Integer(required=True)
    response_status = fields.Integer(allow_none=True)
    duration_ms = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    next_attempt_at = fields.String(allow_none=True)
    created_at = fields.String(required=True)
    delivered_at = fields.String(allow_none=True)
    tries = fields.List(fields.Nested(TrySchema), required=True, metadata={"description": "Each try, oldest first"})


class DeliveryListSchema(Schema):
    deliveries = fields.List(fields.Nested(DeliverySchema), required=True)
    pagination = fields.Nested(PaginationSchema, required=True)
