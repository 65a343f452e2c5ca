"""RQ entry point of the `dispatch` queue: build a dispatch ZIP and store it."""

from __future__ import annotations

import io
from typing import Any

from models.base import utcnow
from models.db import transaction
from models.dispatches import Dispatch
from models.webhook_events import record_event
from pipeline.dispatch_zip import build_dispatch_zip
from pipeline.errors import PipelineError
from web.dispatches.service import summary_body
from workers.runner import JobContext, run_job

CONTENT_TYPE = "application/zip"


def storage_key(tenant_id: str, dispatch_id: str) -> str:
    """Where a dispatch's ZIP lives (ARCHITECTURE.md's storage keys)."""
    return f"tenants/{tenant_id}/dispatches/{dispatch_id}.zip"


def run(job_id: str) -> dict[str, Any]:
    """Build the ZIP for the dispatch named in the job's params; safe to run twice."""
    return run_job(job_id, _build)


def _build(ctx: JobContext) -> dict[str, Any]:
    dispatch_id = ctx.params["dispatch_id"]
    _require_usable(ctx, dispatch_id)
    ctx.progress("build", 20)
    buffer = io.BytesIO()
    info = build_dispatch_zip(
        buffer,
        title=ctx.params["title"],
        launch_base_url=ctx.params["launch_base_url"],
        token=ctx.params["token"],
    )
    ctx.progress("store", 60)
    key = storage_key(ctx.tenant_id, dispatch_id)
    buffer.seek(0)
    # The bytes depend only on the params, so a second run overwrites with the same object.
    ctx.services.storage.put_stream(key, buffer, info.size_bytes, CONTENT_TYPE)
    with transaction(ctx.services.engine) as session:
        dispatch = session.get(Dispatch, dispatch_id, with_for_update=True)
        if dispatch is None:
            ctx.services.storage.delete(key)  # nothing will ever point at it
            raise PipelineError("DISPATCH_NOT_FOUND", "The dispatch was deleted during the build.")
        dispatch.zip_key = key
        dispatch.zip_size = info.size_bytes
        dispatch.zip_sha256 = info.sha256
        dispatch.zip_built_at = utcnow()
        record_event(session, dispatch.tenant_id, "dispatch.zip.ready", summary_body(dispatch))
    return {
        "dispatch_id": dispatch_id,
        "storage_key": key,
        "size_bytes": info.size_bytes,
        "sha256": info.sha256,
        "download_path": f"/api/v1/dispatches/{dispatch_id}/zip",
    }


def _require_usable(ctx: JobContext, dispatch_id: str) -> None:
    with transaction(ctx.services.engine) as session:
        dispatch = session.get(Dispatch, dispatch_id)
        if dispatch is None or dispatch.tenant_id != ctx.tenant_id:
            raise PipelineError("DISPATCH_NOT_FOUND", "The dispatch no longer exists.")
        if dispatch.revoked_at is not None:
            raise PipelineError("DISPATCH_REVOKED", "The dispatch was revoked before its ZIP was built.")
