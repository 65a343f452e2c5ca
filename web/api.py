"""The flask-smorest Api, answering with our envelope and documenting both security schemes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from apispec import BasePlugin
from flask import Response
from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

from web.errors import handle_http_exception
from web.inputs import ArgumentsParser

# Every area's flask-smorest Blueprint shares this parser: validation answers 400 (as the
# overview says, and as documented), NUL characters and too-deep JSON are refused up front.
Blueprint.ARGUMENTS_PARSER = ArgumentsParser()


class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"example": "VALIDATION_ERROR"})
    message = fields.String(required=True)
    details = fields.Dict(required=True)


class ErrorEnvelopeSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)
    request_id = fields.String(required=True)


class CommonErrorsPlugin(BasePlugin):
    """Documents the errors every API operation can answer, besides its own.

    Authentication (401), scopes (403) and rate limits (429) apply to every
    `/api/v1/` operation; a path with an id answers 404 for an unknown id.
    """

    def operation_helper(self, path: str | None = None, operations: dict[str, Any] | None = None,
                         **kwargs: Any) -> None:  # fmt: skip
        if not path or not path.startswith("/api/v1/"):
            return
        common = {401: "UNAUTHORIZED", 403: "FORBIDDEN", 429: "TOO_MANY_REQUESTS"}
        if "{" in path:
            common[404] = "NOT_FOUND"
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            for status, name in common.items():
                if status not in responses and str(status) not in responses:
                    responses[str(status)] = name


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
        # The guide partners read first in /api/docs: Quick Start, authentication, limits, errors.
        "info": {"description": (Path(__file__).parent / "docs" / "guide.md").read_text(encoding="utf-8")},
        "security": [{"bearerAuth": []}, {"apiKeyHeader": []}],
        "components": {"securitySchemes": SECURITY_SCHEMES},
    },
}

api = AllureApi(spec_kwargs={"extra_plugins": [CommonErrorsPlugin()]})


def spec_options(public_base_url: str) -> dict[str, Any]:
    """The spec options with this instance's base URL as its server, so generated snippets are complete."""
    options = dict(API_CONFIG["API_SPEC_OPTIONS"])
    options["servers"] = [{"url": public_base_url, "description": "This instance"}]
    return options
