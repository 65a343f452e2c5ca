"""Jobs: what clients see of background work (RQ is only the transport)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, JSONType, UTCDateTime, UUIDStr, isoformat, new_id, utcnow


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


# The error code of a clean-up job that could not reach Redis yet (workers.resend). A tiny
# partial index keeps the workers' periodic look-up from scanning the whole job history.
ENQUEUE_PENDING = "ENQUEUE_PENDING"
PENDING_WHERE = text(f"error_code = '{ENQUEUE_PENDING}'")
# Jobs not yet finished: the few rows the fair ingest queue (workers.fair_ingest) looks at, out of
# the whole job history, found through a small partial index.
UNFINISHED_WHERE = text("status IN ('queued', 'running')")


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_enqueue_pending", "created_at", postgresql_where=PENDING_WHERE, sqlite_where=PENDING_WHERE),
        Index("ix_jobs_unfinished", "tenant_id", "created_at",
              postgresql_where=UNFINISHED_WHERE, sqlite_where=UNFINISHED_WHERE),
    )

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True, nullable=False
    )
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED, nullable=False)
    stage: Mapped[str | None] = mapped_column(String(40))
    progress: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    # Makes enqueueing idempotent: the same request key gives the same job.
    dedupe_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, nullable=False)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    error_details: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # When the row was handed to RQ; an import stays unsent (queued) until its tenant's turn.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)


def job_fields(job: Job) -> dict[str, Any]:
    """The job as the jobs API shows it, but its queue `position` (web.jobs adds it)."""
    error = None
    if job.error_code:
        error = {"code": job.error_code, "message": job.error_message or "", "details": job.error_details or {}}
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "stage": job.stage,
        "progress": job.progress,
        "error": error,
        "result": job.result or {},
        "created_at": isoformat(job.created_at),
        "started_at": isoformat(job.started_at),
        "finished_at": isoformat(job.finished_at),
    }
