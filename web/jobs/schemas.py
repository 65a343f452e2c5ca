"""Schemas of the jobs API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from models.jobs import JobStatus
from web.pagination import PageArgsSchema, PaginationSchema


class JobErrorSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    details = fields.Dict(required=True)


class JobSchema(Schema):
    id = fields.String(required=True)
    kind = fields.String(required=True, metadata={"example": "package_import"})
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in JobStatus]))
    stage = fields.String(allow_none=True)
    progress = fields.Integer(required=True)
    position = fields.Integer(
        allow_none=True,
        metadata={"description": "For a queued package import: how many of the tenant's imports run before it "
                                 "(each tenant's imports take turns, oldest first; 0: it is next). Null otherwise.",
                  "example": 2},
    )
    error = fields.Nested(JobErrorSchema, allow_none=True)
    result = fields.Dict(allow_none=True)
    created_at = fields.String(required=True)
    started_at = fields.String(allow_none=True)
    finished_at = fields.String(allow_none=True)


class JobListArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf([s.value for s in JobStatus]))
    kind = fields.String(validate=validate.Length(max=40))


class JobListSchema(Schema):
    jobs = fields.List(fields.Nested(JobSchema), required=True)
    pagination = fields.Nested(PaginationSchema, required=True)
