"""Errors raised by pipeline stages: one type that carries a code, a message and details."""

from __future__ import annotations

from typing import Any


class PipelineError(Exception):
    """A stage refused its input; the job fails with this code and message.

    Args:
        code: a stable, upper-case error code clients can branch on (`ZIP_INVALID`).
        message: a human-readable sentence; never includes exception text.
        details: JSON-serialisable facts that help the client fix the input.
    """

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}


class StorageError(Exception):
    """Object storage failed (an infrastructure error: the job may be retried)."""


class ObjectNotFound(StorageError):
    """The object asked for does not exist."""
