"""The API's error envelope as typed exceptions: one class per status family, with code, details and request_id."""

from __future__ import annotations

from typing import Any

import httpx


class AllureError(Exception):
    """Anything the SDK raises."""


class ConfigurationError(AllureError):
    """The client lacks something it needs (base URL, API key, tenant id)."""


class TransportError(AllureError):
    """The service could not be reached (after the retries)."""


class JobFailed(AllureError):
    """A job ended `failed`; `code`, `message` and `details` are the job's error."""

    def __init__(self, job: Any) -> None:
        error = job.error if isinstance(job.error, dict) else (job.error.model_dump() if job.error else {})
        self.job = job
        self.code = error.get("code", "JOB_FAILED")
        self.details = error.get("details", {})
        super().__init__(f"job {job.id} failed: {self.code}: {error.get('message', '')}")


class ApiError(AllureError):
    """An answer of the API outside 2xx, read from its envelope."""

    def __init__(
        self, status: int, code: str, message: str, details: dict[str, Any], request_id: str | None,
        headers: httpx.Headers | None = None,
    ) -> None:  # fmt: skip
        super().__init__(f"{status} {code}: {message}" + (f" (request_id {request_id})" if request_id else ""))
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.request_id = request_id
        self.headers = headers or httpx.Headers()


class ClientError(ApiError):
    """4xx: the request must change before it can succeed."""


class BadRequest(ClientError):
    """400, including VALIDATION_ERROR (details.fieldErrors)."""


class Unauthorized(ClientError):
    """401: missing or unknown API key."""


class Forbidden(ClientError):
    """403: the key lacks the scope, or the resource is another tenant's."""


class NotFound(ClientError):
    """404, e.g. PACKAGE_NOT_FOUND."""


class Conflict(ClientError):
    """409."""


class PayloadTooLarge(ClientError):
    """413."""


class RateLimited(ClientError):
    """429 after the retries; `retry_after` is the server's advice in seconds."""

    @property
    def retry_after(self) -> float | None:
        return retry_after_seconds(self.headers)


class ServerError(ApiError):
    """5xx after the retries."""


class ServiceUnavailable(ServerError):
    """503, e.g. STORAGE_UNAVAILABLE."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 409: Conflict, 413: PayloadTooLarge,
    429: RateLimited, 503: ServiceUnavailable,
}  # fmt: skip


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    value = headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def error_from_response(response: httpx.Response) -> ApiError:
    """The typed exception of a non-2xx answer; a body without the envelope still gives status and text."""
    try:
        body = response.json()
        error = body["error"]
        code, message = str(error["code"]), str(error.get("message", ""))
        details = error.get("details") or {}
        request_id = body.get("request_id") or error.get("request_id")
    except (ValueError, KeyError, TypeError):
        code, message, details = f"HTTP_{response.status_code}", response.text[:500], {}
        request_id = None
    request_id = request_id or response.headers.get("X-Request-ID")
    status = response.status_code
    family = ServerError if status >= 500 else ClientError
    cls = _BY_STATUS.get(status, family)
    return cls(status, code, message, details, request_id, response.headers)
