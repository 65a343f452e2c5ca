"""`/api/v1/api-keys`: list, create and revoke the caller's tenant's keys (admin scope)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates
from sqlalchemy import select

from models.base import isoformat, utcnow
from models.tenants import SCOPES, ApiKey, create_api_key
from web.api import ErrorEnvelopeSchema
from web.auth import current_tenant_id, scope
from web.errors import ApiError
from web.keys import limits
from web.pagination import PageArgsSchema, PaginationSchema, paginate, pagination_block
from web.services import db, settings

blp = Blueprint("api_keys", __name__, url_prefix="/api/v1/api-keys", description="Tenant API keys")


class ApiKeySchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True, metadata={"description": "What the key is for"})
    prefix = fields.String(required=True, metadata={"description": "The visible start of the key"})
    scopes = fields.List(fields.String(), required=True)
    created_at = fields.String(required=True)
    last_used_at = fields.String(allow_none=True)
    revoked_at = fields.String(allow_none=True)
    expires_at = fields.String(allow_none=True, metadata={"description": "When the key stops working; null: never"})


class ApiKeyCreateSchema(Schema):
    scopes = fields.List(
        fields.String(validate=validate.OneOf(SCOPES)), required=True, validate=validate.Length(min=1)
    )
    name = fields.String(load_default="", validate=validate.Length(max=200),
                         metadata={"example": "LMS production"})
    expires_at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=UTC,
                                      metadata={"description": "When the key stops working (ISO 8601, in the future)",
                                                "example": "2027-01-01T00:00:00Z"})

    @validates("expires_at")
    def _in_the_future(self, value: datetime | None, **_kwargs: object) -> None:
        if value is not None and value <= utcnow():
            raise ValidationError("Must be in the future.")


class ApiKeyCreatedSchema(ApiKeySchema):
    key = fields.String(required=True, metadata={"description": "The secret; shown only in this response"})


class ApiKeyListSchema(Schema):
    api_keys = fields.List(fields.Nested(ApiKeySchema), required=True)
    pagination = fields.Nested(PaginationSchema, required=True)


def key_body(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "scopes": key.scopes.split(","),
        "created_at": isoformat(key.created_at),
        "last_used_at": isoformat(key.last_used_at),
        "revoked_at": isoformat(key.revoked_at),
        "expires_at": isoformat(key.expires_at),
    }


@blp.route("")
class ApiKeys(MethodView):
    @scope("admin")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, ApiKeyListSchema)
    @blp.doc(operationId="listApiKeys")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List the tenant's API keys

        Prefixes, scopes and dates only: a key's secret is never shown again after its creation.

        ```bash
        curl -H "Authorization: Bearer $KEY" "$BASE/api/v1/api-keys"
        ```
        """
        query = select(ApiKey).where(ApiKey.tenant_id == current_tenant_id()).order_by(ApiKey.created_at)
        rows, total = paginate(db(), query, args["page"], args["limit"])
        return {
            "api_keys": [key_body(k) for k in rows],
            "pagination": pagination_block(args["page"], args["limit"], total),
        }

    @scope("admin")
    @blp.arguments(ApiKeyCreateSchema)
    @blp.response(201, ApiKeyCreatedSchema)
    @blp.alt_response(409, schema=ErrorEnvelopeSchema, description=f"{limits.LIMIT_REACHED}: revoke a key first")
    @blp.alt_response(429, schema=ErrorEnvelopeSchema,
                      description=f"{limits.CREATION_RATE} (see Retry-After), or RATE_LIMIT_EXCEEDED")
    @blp.doc(operationId="createApiKey")
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create an API key (the secret is returned once)

        A tenant holds at most `AC_MAX_KEYS_PER_TENANT` active keys (50 by default; 409 beyond) and
        creates at most `AC_MAX_KEYS_CREATED_PER_HOUR` keys an hour (20 by default; 429 beyond).

        ```bash
        curl -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \\
          -X POST "$BASE/api/v1/api-keys" -d '{"scopes": ["read", "write"]}'
        ```
        """
        limits.check_can_create(db(), current_tenant_id(), settings())
        key, secret = create_api_key(db(), current_tenant_id(), body["scopes"], body["name"], body["expires_at"])
        db().commit()
        return {**key_body(key), "key": secret}


@blp.route("/<string:key_id>")
class ApiKeyById(MethodView):
    @scope("admin")
    @blp.response(200, ApiKeySchema)
    @blp.doc(operationId="revokeApiKey")
    def delete(self, key_id: str) -> dict[str, Any]:
        """Revoke an API key

        The key stops working at once; requests with it answer 401.

        ```bash
        curl -H "Authorization: Bearer $KEY" -X DELETE "$BASE/api/v1/api-keys/KEY_ID"
        ```
        """
        key = db().get(ApiKey, key_id)
        if key is None or key.tenant_id != current_tenant_id():
            raise ApiError(404, "NOT_FOUND", "API key not found")
        key.revoked_at = key.revoked_at or utcnow()
        db().commit()
        return key_body(key)
