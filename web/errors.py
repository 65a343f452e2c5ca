"""The error envelope: every failure becomes `{"error": {code, message, details}, "request_id"}`."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from flask import Flask, Response, g, jsonify, request
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")

DEFAULT_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    412: "PRECONDITION_FAILED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR",
    429: "RATE_LIMIT_EXCEEDED",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


class ApiError(Exception):
    """Raised by views and services in web/ to answer with the envelope."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}
        self.headers = headers or {}


def not_found(code: str = "NOT_FOUND", what: str = "Resource") -> ApiError:
    return ApiError(404, code, f"{what} not found")


def request_id() -> str:
    """The request's correlation id: a sane client `X-Request-ID`, or a new one."""
    if "request_id" not in g:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _SANE_REQUEST_ID.match(given) else uuid.uuid4().hex
    return g.request_id


def envelope(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> Response:
    body = {
        "error": {"code": code, "message": message, "details": details or {}},
        "request_id": request_id(),
    }
    response = jsonify(body)
    response.status_code = status
    return response


def _from_http_exception(err: HTTPException) -> Response:
    status = err.code or 500
    data = getattr(err, "data", None) or {}
    messages = data.get("messages")
    if messages is not None:
        return _from_webargs(status, messages)
    message = data.get("message") or err.description or "Request failed"
    code = DEFAULT_CODES.get(status, "ERROR")
    if status == 413:
        message = "Request body too large"
    elif status == 405:
        message = f"Method {request.method} not allowed on this route"
    elif status == 404 and not data.get("message"):
        message = "Resource not found"
    response = envelope(status, code, message)
    for name, value in (err.get_headers() if status == 405 else []):
        if name.lower() == "allow":
            response.headers["Allow"] = value
    return response


def _from_webargs(status: int, messages: dict[str, Any]) -> Response:
    json_messages = messages.get("json")
    if isinstance(json_messages, list) or (
        isinstance(json_messages, dict) and "_schema" in json_messages and "Invalid JSON" in str(json_messages)
    ):
        return envelope(400, "BAD_REQUEST", "Malformed JSON body")
    field_errors: dict[str, Any] = {}
    for location_errors in messages.values():
        if isinstance(location_errors, dict):
            field_errors.update(location_errors)
    return envelope(400, "VALIDATION_ERROR", "Validation failed", {"fieldErrors": field_errors})


def handle_api_error(err: ApiError) -> Response:
    response = envelope(err.status, err.code, err.message, err.details)
    response.headers.update(err.headers)
    return response


def handle_http_exception(err: HTTPException) -> Response:
    return _from_http_exception(err)


def handle_database_error(err: SQLAlchemyError) -> Response:
    log.exception("database error [request_id=%s]", request_id())
    return envelope(500, "DATABASE_ERROR", "Database operation failed")


def handle_redis_down(err: Exception) -> Response:
    """Redis (rate limits, queues) out of reach: the request may succeed later, so 503, not 500."""
    log.error("redis unavailable [request_id=%s]: %s", request_id(), err)
    response = envelope(503, "SERVICE_UNAVAILABLE", "A backing service is unavailable; retry shortly",
                        {"service": "redis"})
    response.headers["Retry-After"] = "5"
    return response


def handle_unexpected(err: Exception) -> Response:
    if isinstance(err, HTTPException):
        return _from_http_exception(err)
    log.exception("unhandled error [request_id=%s]", request_id())
    return envelope(500, "INTERNAL_ERROR", "Internal server error")


def add_request_id_header(response: Response) -> Response:
    response.headers["X-Request-ID"] = request_id()
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(SQLAlchemyError, handle_database_error)
    app.register_error_handler(RedisConnectionError, handle_redis_down)
    app.register_error_handler(RedisTimeoutError, handle_redis_down)
    app.register_error_handler(Exception, handle_unexpected)
    app.after_request(add_request_id_header)
