"""Python SDK of the Allure Connect API: `Client`, typed models and typed errors."""

from allure_connect import models
from allure_connect.async_client import AsyncClient
from allure_connect.client import Client
from allure_connect.errors import (
    AllureError,
    ApiError,
    BadRequest,
    ClientError,
    ConfigurationError,
    Conflict,
    Forbidden,
    JobFailed,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ServerError,
    ServiceUnavailable,
    TransportError,
    Unauthorized,
)

__all__ = [
    "AllureError", "ApiError", "AsyncClient", "BadRequest", "Client", "ClientError", "ConfigurationError", "Conflict",
    "Forbidden", "JobFailed", "NotFound", "PayloadTooLarge", "RateLimited", "ServerError", "ServiceUnavailable",
    "TransportError", "Unauthorized", "models",
]  # fmt: skip
