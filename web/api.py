"""The flask-smorest Api, answering with our envelope and documenting both security schemes."""

from __future__ import annotations

from flask import Response
from flask_smorest import Api
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

from web.errors import handle_http_exception


class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"example": "VALIDATION_ERROR"})
    message = fields.String(required=True)
    details = fields.Dict(required=True)


class ErrorEnvelopeSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)
    request_id = fields.String(required=True)


class AllureApi(Api):
    ERROR_SCHEMA = ErrorEnvelopeSchema

    def handle_http_exception(self, error: HTTPException) -> Response:  # type: ignore[override]
        return handle_http_exception(error)


SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer ac_live_..."},
    "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
}

API_CONFIG = {
    "API_TITLE": "Allure Connect API",
    "API_VERSION": "1.5.0",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/docs",
    "OPENAPI_JSON_PATH": "openapi",
    "API_SPEC_OPTIONS": {
        "info": {
            "description": (
                "Host SCORM packages, launch them for learners, read back progress, "
                "hand courses to other LMSs as dispatches and store xAPI statements."
            )
        },
        "security": [{"bearerAuth": []}, {"apiKeyHeader": []}],
        "components": {"securitySchemes": SECURITY_SCHEMES},
    },
}

api = AllureApi()
