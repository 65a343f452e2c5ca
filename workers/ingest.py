"""RQ entry points for packages: `run` imports an uploaded ZIP, `run_delete` removes stored files.

The import runs the pipeline stages in order (download → validate → manifest →
publish → finalize), reporting stage and percent. Nothing is visible until
finalize commits; any failure empties the version's prefix and forgets its
reservation, and a re-run (RQ retry after a crash) starts from its own
reservation, so the job converges.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import Settings
from models.db import transaction
from models.jobs import Job, JobStatus, job_fields
from models.package_ingest import (
    PackageGone,
    Source,
    abandon_version,
    finalize_version,
    reserve_version,
    stale_reservations,
)
from models.packages import PackageVersion, QuotaExceeded, VersionStatus
from models.webhook_events import record_event
from pipeline.errors import ObjectNotFound, PipelineError, StorageError
from pipeline.manifest import cmi5
from pipeline.manifest.from_zip import manifest_from_zip
from pipeline.package_type import IMPORTED_TYPES
from pipeline.publish import PublishResult, publish, remove_prefix
from pipeline.zip_names import MAX_KEY_BYTES
from pipeline.zip_validation import ZipLimits, ZipReport, validate_zip
from workers.context import WorkerContext
from workers.runner import END_HOOKS, JobContext, run_job

log = logging.getLogger(__name__)
KIND_INGEST = "package_ingest"
KIND_DELETE = "package_delete"
_PROGRESS_INTERVAL = 0.5
_M_MMAP_THRESHOLD = -3  # mallopt parameter (malloc.h)


def _import_ended(session: Session, job: Job) -> None:
    """`package.import.succeeded` / `.failed`, with the job as the jobs API shows it."""
    succeeded = job.status == JobStatus.SUCCEEDED
    record_event(session, job.tenant_id, f"package.import.{'succeeded' if succeeded else 'failed'}", job_fields(job))


END_HOOKS[KIND_INGEST] = _import_ended


def run(job_id: str) -> dict[str, Any]:
    """RQ entry point of the import job."""
    return run_job(job_id, _ingest)


def run_delete(job_id: str) -> dict[str, Any]:
    """RQ entry point of the storage clean-up after a package was deleted."""
    return run_job(job_id, _delete)


def zip_limits(settings: Settings) -> ZipLimits:
    """The ZIP limits configured for this deployment."""
    return ZipLimits(
        max_entries=settings.zip_max_entries,
        max_total_uncompressed=settings.zip_max_uncompressed_bytes,
        max_ratio=settings.zip_max_ratio,
        max_manifest_bytes=settings.zip_max_manifest_bytes,
    )


def _ingest(ctx: JobContext) -> dict[str, Any]:
    _fixed_mmap_threshold()
    progress = _Progress(ctx)
    version, fresh, stale = _reserve(ctx)
    _sweep(ctx, stale)
    if version.status == VersionStatus.READY:
        return _result(version)  # finalized by an earlier attempt that died before reporting
    try:
        if not fresh:
            remove_prefix(ctx.services.storage, version.storage_prefix)  # a killed attempt's leftovers
        result = _import(ctx, version.storage_prefix, progress)
    except BaseException:
        _abandon(ctx)
        raise
    return result


def _import(ctx: JobContext, prefix: str, progress: _Progress) -> dict[str, Any]:
    settings = ctx.services.settings
    work_dir = Path(settings.data_dir) / "ingest"
    work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work_dir, prefix="job-") as tmp:
        path = Path(tmp) / "package.zip"
        progress("download", 2)
        _download(ctx, path)
        progress("validate", 10)
        # Every file becomes the key prefix + its name, and S3 keys stop at 1024 bytes.
        limits = replace(zip_limits(settings), max_name_bytes=MAX_KEY_BYTES - len(prefix.encode()))
        bare = cmi5.bare_course_structure(path, limits.max_manifest_bytes)
        if bare is not None:  # a cmi5.xml alone, its AUs hosted elsewhere: nothing to publish
            progress("finalize", 95)
            return _finalize(ctx, None, bare.to_dict(), PublishResult([], 0), bare.warnings)
        report = validate_zip(path, limits, IMPORTED_TYPES)
        progress("manifest", 15)
        manifest = manifest_from_zip(path, report, limits.max_manifest_bytes, _stem(ctx.params))
        progress("publish", 20)
        published = publish(
            path,
            report.entries,
            ctx.services.storage,
            prefix,
            max_total_bytes=limits.max_total_uncompressed,
            workers=settings.publish_workers,
            progress=lambda done, total: progress("publish", 20 + int(75 * done / max(total, 1))),
        )
    progress("finalize", 95)
    return _finalize(ctx, report, manifest.to_dict(), published, manifest.warnings)


def _reserve(ctx: JobContext) -> tuple[PackageVersion, bool, list[str]]:
    """The job's version reservation, whether it is new, and the tenant's stale reservations."""
    params = ctx.params
    source = Source(
        tenant_id=ctx.tenant_id,
        package_id=params.get("package_id"),
        source_key=params["storage_path"],
        original_filename=params.get("original_filename"),
        uploaded_by=params.get("uploaded_by"),
        upload_size=int(params.get("file_size") or 0),
    )
    try:
        with transaction(ctx.services.engine) as session:
            version, fresh = reserve_version(session, ctx.job_id, source)
            session.expunge(version)
            return version, fresh, stale_reservations(session, ctx.tenant_id)
    except PackageGone:
        raise _package_gone(params.get("package_id")) from None


def _download(ctx: JobContext, path: Path) -> None:
    """Stream the upload to local disk, never beyond the announced size or the package limit."""
    key = ctx.params["storage_path"]
    limit = ctx.services.settings.max_package_bytes
    announced = ctx.params.get("file_size")
    ceiling = min(int(announced), limit) if announced is not None else limit
    size, cut = 0, False
    try:
        with path.open("wb") as out:
            for chunk in ctx.services.storage.open(key):
                size += len(chunk)
                if size > ceiling:
                    cut = True
                    break
                out.write(chunk)
    except ObjectNotFound:
        raise PipelineError(
            "UPLOAD_NOT_FOUND", "The uploaded file is no longer in storage; upload it again.", {"storage_path": key}
        ) from None
    if cut and size > limit:
        raise PipelineError(
            "PACKAGE_TOO_LARGE", f"The package is larger than the {limit}-byte limit.", {"limit": limit}
        )
    if announced is not None and (cut or size != int(announced)):
        # The presigned URL stays valid for a while: the object may have been replaced since /process.
        raise PipelineError(
            "UPLOAD_SIZE_MISMATCH",
            f"The uploaded file is {'more' if cut else size} bytes, not the {announced} announced.",
            {"announced": int(announced), ("actual_at_least" if cut else "actual"): size},
        )


def _finalize(
    ctx: JobContext,
    report: ZipReport | None,
    manifest: dict[str, Any],
    published: PublishResult,
    manifest_warnings: list[dict[str, Any]],
) -> dict[str, Any]:
    warnings = (report.warnings if report else []) + manifest_warnings
    facts = {
        "standard": manifest["standard"],
        "edition": manifest["edition"],
        "title": manifest["title"][:500],
        "description": manifest["description"],
        "launch_path": manifest["launch_path"],
        "manifest_name": report.descriptor if report else None,
        "sco_count": manifest["sco_count"],
        "file_count": len(published.files),
        "file_size_bytes": published.total_bytes,
        "manifest": manifest,
        "warnings": warnings,
        "files": [[item.name, item.size, item.content_type] for item in published.files],
    }
    try:
        with transaction(ctx.services.engine) as session:
            _, version = finalize_version(session, ctx.job_id, facts)
            return _result(version)
    except PackageGone:
        raise _package_gone(ctx.params.get("package_id")) from None
    except QuotaExceeded as err:
        raise PipelineError("QUOTA_EXCEEDED", str(err), err.details) from None


def _result(version: PackageVersion) -> dict[str, Any]:
    return {
        "package_id": version.package_id,
        "version": version.version,
        "title": version.title,
        "standard": version.standard,
        "edition": version.edition,
        "sco_count": version.sco_count,
        "file_count": version.file_count,
        "file_size_bytes": version.file_size_bytes,
        "launch_path": version.launch_path,
        "warnings": version.warnings or [],
    }


def _abandon(ctx: JobContext) -> None:
    """Undo a failed attempt; the original failure matters more than a failed clean-up."""
    try:
        _clean_up(ctx.services, ctx.job_id)
    except Exception:  # a retry, the tenant's next ingest or the maintenance sweep removes what is left
        log.exception("clean-up of ingest job %s failed", ctx.job_id)


def _clean_up(services: WorkerContext, job_id: str) -> None:
    """Empty an unfinished version's prefix, then forget its reservation (files first: rows find them)."""
    with transaction(services.engine) as session:
        version = session.scalar(select(PackageVersion).where(PackageVersion.job_id == job_id))
        prefix = version.storage_prefix if version is not None and version.status != VersionStatus.READY else None
    if prefix is None:
        return
    remove_prefix(services.storage, prefix)
    with transaction(services.engine) as session:
        abandon_version(session, job_id)


def _sweep(ctx: JobContext, stale: list[str]) -> None:
    """Clean reservations of this tenant's jobs that died on their last attempt."""
    _sweep_jobs(ctx.services, stale)


def sweep_failed_imports(services: WorkerContext, batch: int = 50) -> int:
    """The workers' maintenance pass: empty and forget versions of imports that failed for good.

    An import that failed because storage was down could not remove what it had
    stored; its reservation stays (job failed, version publishing) until storage
    answers again, and then this pass, or the tenant's next import, removes both.
    Returns how many were cleaned.
    """
    with transaction(services.engine) as session:
        stale = stale_reservations(session, None, batch)
    return _sweep_jobs(services, stale)


def _sweep_jobs(services: WorkerContext, job_ids: list[str]) -> int:
    cleaned = 0
    for job_id in job_ids:
        try:
            _clean_up(services, job_id)
            cleaned += 1
        except StorageError:  # storage is away: the others would wait on it too; the next pass tries again
            log.warning("sweeping failed imports stopped: storage is unavailable")
            break
        except Exception:  # another job's leftovers never fail this one; the next pass tries again
            log.exception("sweeping the reservation of ingest job %s failed", job_id)
    return cleaned


def _delete(ctx: JobContext) -> dict[str, Any]:
    storage = ctx.services.storage
    ctx.progress("delete", 10)
    removed = remove_prefix(storage, ctx.params["prefix"])
    for key in ctx.params.get("source_keys", []):
        try:
            storage.stat(key)
        except ObjectNotFound:
            continue  # already removed by an earlier run
        storage.delete(key)
        removed += 1
    return {"package_id": ctx.params["package_id"], "deleted_objects": removed}


def _fixed_mmap_threshold() -> None:
    """Keep glibc serving the storage client's 16 MB part buffers with mmap.

    glibc raises its mmap threshold each time such a buffer is freed, after which
    the buffers come from per-thread heaps that fragment and never shrink: peak RSS
    doubles on packages with large files. A fixed threshold returns them at once.
    """
    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt(_M_MMAP_THRESHOLD, 1024 * 1024)
    except (OSError, AttributeError):
        pass  # not glibc: nothing to tune


def _package_gone(package_id: str | None) -> PipelineError:
    return PipelineError(
        "PACKAGE_NOT_FOUND",
        "The package to add a version to does not exist or was deleted.",
        {"package_id": package_id},
    )


def _stem(params: dict[str, Any]) -> str | None:
    name = params.get("original_filename") or ""
    stem = Path(name).stem
    return stem or None


class _Progress:
    """Stage and percent on the job row, written at most every half second.

    Small packages import in a fraction of a second: a transaction per stage
    would cost more than the work; long stages are still reported as they start.
    """

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx
        self.last: float | None = None
        self._lock = threading.Lock()

    def __call__(self, stage: str, percent: int) -> None:
        self.ctx.stage = stage
        now = time.monotonic()
        with self._lock:
            if self.last is not None and now - self.last < _PROGRESS_INTERVAL:
                return
            self.last = now
        self.ctx.progress(stage, percent)
