"""Warnings that stages attach to their results: small JSON-able dicts with a stable code."""

from __future__ import annotations

from typing import Any


def note(code: str, message: str, **details: Any) -> dict[str, Any]:
    """Build one user-visible warning.

    Args:
        code: a stable, upper-case code clients can branch on (`LAUNCH_FILE_MISSING`).
        message: a human-readable sentence naming the element or file concerned.
        **details: JSON-serialisable facts; omitted when empty.

    Returns:
        `{"code", "message"}` plus `"details"` when any were given.
    """
    warning: dict[str, Any] = {"code": code, "message": message}
    if details:
        warning["details"] = details
    return warning
