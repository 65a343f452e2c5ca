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


class CappedNotes(list):
    """A warnings list that keeps the first `per_code` warnings of each code and counts the rest.

    One warning per element is fine for a real manifest and a memory bomb for a
    hostile one (hundreds of thousands of invalid values within the size limit).
    """

    def __init__(self, per_code: int = 50) -> None:
        super().__init__()
        self.per_code = per_code
        self.counts: dict[str, int] = {}

    def append(self, warning: dict[str, Any]) -> None:
        code = warning["code"]
        self.counts[code] = self.counts.get(code, 0) + 1
        if self.counts[code] <= self.per_code:
            super().append(warning)

    def extend(self, warnings: Any) -> None:
        for warning in warnings:
            self.append(warning)

    def close(self) -> None:
        """Add one `WARNINGS_OMITTED` note per code that had more warnings than were kept."""
        for code, count in self.counts.items():
            if count > self.per_code:
                omitted = count - self.per_code
                super().append(note("WARNINGS_OMITTED", f"{omitted} more {code} warnings were left out.",
                                    warning_code=code, omitted=omitted))
        self.counts = {}
