"""The learners' progress report of a package as CSV: one row per session."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from allure_connect import models

COLUMNS = (
    "session_id", "package_id", "user_id", "user_name", "completion_status", "success_status", "score_scaled",
    "score_raw", "score_min", "score_max", "attempts", "time_spent_seconds", "session_time", "package_version",
    "created_at", "updated_at",
)  # fmt: skip


def row(session: models.Session) -> dict[str, object]:
    data = session.model_dump(mode="json")
    score = data.get("score") or {}
    data.update({f"score_{part}": score.get(part) for part in ("scaled", "raw", "min", "max")})
    data["session_id"] = session.id
    return {column: data.get(column) for column in COLUMNS}


def write_report(sessions: Iterable[models.Session], out: TextIO) -> int:
    """Write the header and one row per session; the number of rows."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for session in sessions:
        writer.writerow(row(session))
        count += 1
    return count
