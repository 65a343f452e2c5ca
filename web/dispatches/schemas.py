"""Schemas of the dispatches API (request bodies, responses, list arguments)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate

from models.dispatches import DispatchStatus
from web.dispatches.domains import DomainListError, validate_allowed_domains
from web.pagination import PageArgsSchema, PaginationSchema

MAX_REGISTRATION_LIMIT = 10_000_000
MAX_EXPIRES_IN_HOURS = 24 * 365 * 10


class DispatchCreateSchema(Schema):
    package_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    dispatch_name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    registration_limit = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=MAX_REGISTRATION_LIMIT),
        metadata={"description": "Distinct learners allowed; null or 0 means unlimited"},
    )
    expires_in_hours = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=MAX_EXPIRES_IN_HOURS),
        metadata={"description": "Hours from now until launches are refused; null never expires"},
    )
    allowed_domains = fields.List(
        fields.String(validate=validate.Length(max=300)),
        load_default=list,
        allow_none=True,
        metadata={
            "description": "Hosts allowed to launch (exact, or `*.` for subdomains); empty allows any",
            "example": ["partner.com", "*.partner.com"],
        },
    )

    @post_load
    def normalise(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        name = " ".join(data["dispatch_name"].split())
        if not name:
            raise ValidationError({"dispatch_name": ["Must not be blank."]})
        data["dispatch_name"] = name
        try:
            data["allowed_domains"] = validate_allowed_domains(data.get("allowed_domains"))
        except DomainListError as err:
            raise ValidationError(
                {"allowed_domains": {index: [reason] for index, reason in err.errors.items()}}
            ) from err
        return data


class DispatchSummarySchema(Schema):
    id = fields.String(required=True)
    tenant_id = fields.String(required=True)
    package_id = fields.String(required=True)
    dispatch_name = fields.String(required=True)
    registration_limit = fields.Integer(allow_none=True, required=True)
    registration_count = fields.Integer(required=True)
    expires_at = fields.String(allow_none=True, required=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in DispatchStatus]))
    allowed_domains = fields.List(fields.String(), required=True)
    revoked_at = fields.String(allow_none=True)
    zip_ready = fields.Boolean(required=True, metadata={"description": "True once a ZIP can be downloaded"})
    created_at = fields.String(required=True)


class DispatchSchema(DispatchSummarySchema):
    token = fields.String(required=True, metadata={"description": "Signed token naming the dispatch"})
    launch_url = fields.String(required=True)


class DispatchEnvelopeSchema(Schema):
    dispatch = fields.Nested(DispatchSchema, required=True)


class DispatchListSchema(Schema):
    dispatches = fields.List(fields.Nested(DispatchSummarySchema), required=True)
    pagination = fields.Nested(PaginationSchema, required=True)


class DispatchListArgsSchema(PageArgsSchema):
    package_id = fields.String(validate=validate.Length(max=64))
    status = fields.String(validate=validate.OneOf([s.value for s in DispatchStatus]))


class DispatchRevokedSchema(Schema):
    status = fields.String(required=True, metadata={"example": "revoked"})
    dispatch_id = fields.String(required=True)


class DispatchGenerateSchema(Schema):
    success = fields.Boolean(required=True)
    message = fields.String(required=True)
    dispatch_id = fields.String(required=True)
    job_id = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "The job's status"})
    status_url = fields.String(required=True)
