"""Schemas of `/api/v1/xapi`: statement queries, analytics queries and LRS credentials."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from models.sessions import MAX_USER_ID
from web.lrs.datatypes import IRI_PATTERN, is_iri, parse_timestamp
from web.pagination import MAX_INT32, PageArgsSchema, PaginationSchema

ACTOR_SORTS = ("total_statements", "unique_activities", "completed_count", "passed_count", "failed_count",
               "avg_score_scaled", "first_activity", "last_activity", "actor_name", "actor_mbox")
ACTIVITY_SORTS = ("total_statements", "unique_learners", "completed_count", "passed_count", "failed_count",
                  "avg_score_scaled", "first_activity", "last_activity", "activity_id", "activity_type")


class Iri(fields.String):
    """An absolute IRI (has a scheme)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).update(format="iri", pattern=IRI_PATTERN)
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not is_iri(text):
            raise ValidationError("Must be an IRI")
        return text


class Timestamp(fields.String):
    """An ISO 8601 timestamp, returned as an aware UTC datetime."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).update(format="date-time")
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        moment = parse_timestamp(super()._deserialize(value, attr, data, **kwargs).replace(" ", "+"),
                                 require_zone=False)
        if moment is None:
            raise ValidationError("Must be an ISO 8601 timestamp")
        return moment


class XapiStatementQuerySchema(PageArgsSchema):
    statementId = fields.UUID()  # the overview names it in camelCase
    verb = Iri()
    activity = Iri()
    registration = fields.UUID()
    since = Timestamp()
    until = Timestamp()


class XapiStatementListSchema(Schema):
    statements = fields.List(fields.Dict(), required=True)
    pagination = fields.Nested(PaginationSchema, required=True)


class SortedPageSchema(PageArgsSchema):
    order = fields.String(load_default="desc", validate=validate.OneOf(("asc", "desc")))


class XapiActorQuerySchema(SortedPageSchema):
    actor_mbox = fields.Email()
    user_id = fields.String(validate=validate.Length(min=1, max=MAX_USER_ID), metadata={
        "description": "A learner of yours: the user_id given when their session was opened"})
    min_activities = fields.Integer(validate=validate.Range(min=0, max=MAX_INT32))
    sort = fields.String(load_default="total_statements", validate=validate.OneOf(ACTOR_SORTS))


class XapiActivityQuerySchema(SortedPageSchema):
    activity_id = Iri()
    activity_type = Iri()
    package_id = fields.String(validate=validate.Length(max=64))
    min_learners = fields.Integer(validate=validate.Range(min=0, max=MAX_INT32))
    sort = fields.String(load_default="total_statements", validate=validate.OneOf(ACTIVITY_SORTS))


class _XapiCounters(Schema):
    total_statements = fields.Integer(required=True)
    completed_count = fields.Integer(required=True)
    passed_count = fields.Integer(required=True)
    failed_count = fields.Integer(required=True)
    avg_score_scaled = fields.Float(allow_none=True)
    first_activity = fields.String(allow_none=True)
    last_activity = fields.String(allow_none=True)


class XapiActorSchema(_XapiCounters):
    actor_mbox = fields.String(allow_none=True)
    actor_name = fields.String(allow_none=True)
    user_id = fields.String(allow_none=True, metadata={
        "description": "The partner's user_id when the actor is one of its learners (an account on this service)"})
    unique_activities = fields.Integer(required=True)


class XapiActivitySchema(_XapiCounters):
    activity_id = fields.String(required=True)
    activity_type = fields.String(allow_none=True)
    package_id = fields.String(allow_none=True)
    unique_learners = fields.Integer(required=True)


class XapiActorListSchema(Schema):
    actors = fields.List(fields.Nested(XapiActorSchema), required=True)
    pagination = fields.Nested(PaginationSchema, required=True)


class XapiActivityListSchema(Schema):
    activities = fields.List(fields.Nested(XapiActivitySchema), required=True)
    pagination = fields.Nested(PaginationSchema, required=True)


# What the OpenAPI document says of `POST /statements` (the view reads the JSON itself: the
# xAPI rules, not a marshmallow schema, decide what is valid).
_STATEMENT = {
    "type": "object",
    "required": ["actor", "verb", "object"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "actor": {"type": "object", "description": "Agent or Group (mbox, mbox_sha1sum, openid or account)"},
        "verb": {"type": "object", "required": ["id"],
                 "properties": {"id": {"type": "string", "format": "iri"}, "display": {"type": "object"}}},
        "object": {"type": "object", "description": "Activity, Agent, Group, StatementRef or SubStatement"},
        "result": {"type": "object"},
        "context": {"type": "object"},
        "timestamp": {"type": "string", "format": "date-time"},
        "attachments": {"type": "array", "items": {"type": "object"}},
    },
}
# A statement as stored and answered: what was sent, completed by the LRS.
_STORED_STATEMENT = {
    **_STATEMENT,
    "required": ["id", "actor", "verb", "object", "timestamp", "stored", "authority", "version"],
    "properties": {
        **_STATEMENT["properties"],
        "stored": {"type": "string", "format": "date-time"},
        "authority": {"type": "object", "description": "Who vouched for it: your API key or LRS credential"},
        "version": {"type": "string", "example": "1.0.0"},
    },
}
STATEMENT_GET_DOC = {
    "responses": {200: {"description": "The statement as stored",
                        "content": {"application/json": {"schema": _STORED_STATEMENT}}}},
}
STATEMENTS_POST_DOC = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "oneOf": [_STATEMENT, {"type": "array", "minItems": 1, "items": _STATEMENT}]}}}},
    "responses": {"200": {"description": "The stored statement's id, or the batch's ids in order",
                          "content": {"application/json": {"schema": {"oneOf": [
                              {"type": "string", "format": "uuid"},
                              {"type": "array", "items": {"type": "string", "format": "uuid"}}]}}}}},
}


class LrsCredentialCreateSchema(Schema):
    name = fields.String(load_default="", validate=validate.Length(max=200))


class LrsCredentialSchema(Schema):
    id = fields.String(required=True)
    key = fields.String(required=True, metadata={"description": "The Basic-auth user name"})
    name = fields.String(required=True)
    endpoint = fields.String(required=True, metadata={"description": "The LRS root (xAPI base IRI)"})
    created_at = fields.String(required=True)
    revoked_at = fields.String(allow_none=True)


class LrsCredentialCreatedSchema(LrsCredentialSchema):
    secret = fields.String(required=True, metadata={"description": "The Basic-auth password; shown only here"})


class LrsCredentialListSchema(Schema):
    credentials = fields.List(fields.Nested(LrsCredentialSchema), required=True)
    pagination = fields.Nested(PaginationSchema, required=True)
