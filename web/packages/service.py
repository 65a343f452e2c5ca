"""What the package views share: request checks, job enqueueing and response bodies."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from models.base import isoformat
from models.jobs import Job
from models.packages import (
    Package,
    PackageUpload,
    PackageVersion,
    QuotaExceeded,
    check_quota,
    current_version,
    get_ready_package,
    ready_versions,
    upload_prefix,
)
from web.auth import current_tenant_id
from web.errors import ApiError
from web.origins import content_origin
from web.services import db, services, settings
from workers import fair_ingest
from workers.enqueue import mark_enqueue_failed, record_job
from workers.ingest import KIND_INGEST
from workers.resend import mark_pending, send_cleanup

log = logging.getLogger(__name__)

CONTENT_PREFIX = "/content"


def require_own_tenant(tenant_id: str | None) -> None:
    """The body's `tenant_id`, when given, must be the API key's tenant."""
    if tenant_id is not None and tenant_id != current_tenant_id():
        raise ApiError(403, "FORBIDDEN", "tenant_id does not match the API key's tenant", {"tenant_id": tenant_id})


MAX_FILENAME = 500  # the width of the filename columns


def check_file(filename: str, file_size: int) -> None:
    """A `.zip` name (or `.xml`: a bare cmi5 course structure) that fits its column and 0 < size <= the maximum."""
    problem = None
    if not filename.lower().endswith((".zip", ".xml")):
        problem = "Must be a .zip file name (or .xml for a cmi5 course structure)"
    elif len(filename) > MAX_FILENAME or "\x00" in filename:
        problem = f"Must be at most {MAX_FILENAME} characters, without NUL characters"
    if problem:
        raise ApiError(400, "VALIDATION_ERROR", "Validation failed", {"fieldErrors": {"filename": [problem]}})
    limit = settings().max_package_bytes
    if file_size <= 0:
        raise ApiError(
            400, "VALIDATION_ERROR", "Validation failed", {"fieldErrors": {"file_size": ["Must be greater than 0"]}}
        )
    if file_size > limit:
        raise ApiError(
            400, "FILE_TOO_LARGE", f"The package is larger than the {limit}-byte limit",
            {"file_size": file_size, "limit": limit},
        )  # fmt: skip


def target_package(session: Session, package_id: str | None) -> Package | None:
    """The package a new version is for (404 when unknown or another tenant's)."""
    if not package_id:
        return None
    package = get_ready_package(session, package_id, current_tenant_id())
    if package is None:
        raise ApiError(404, "PACKAGE_NOT_FOUND", "Package not found", {"package_id": package_id})
    return package


def enforce_quota(session: Session, new_package: bool, extra_bytes: int) -> None:
    try:
        check_quota(session, current_tenant_id(), new_package, extra_bytes)
    except QuotaExceeded as err:
        raise ApiError(403, "QUOTA_EXCEEDED", str(err), err.details) from None


def ingest_dedupe_key(storage_path: str) -> str:
    return f"{KIND_INGEST}:{storage_path}"


def enqueue(job: Job, created: bool) -> None:
    """Give a committed import its tenant's turn if free, else leave it waiting (workers.fair_ingest)."""
    if not created:
        return
    try:
        fair_ingest.release(db(), services().redis, job.tenant_id, settings())
    except Exception:
        mark_enqueue_failed(db(), job.id)
        db().commit()
        raise ApiError(500, "INTERNAL_ERROR", "The job could not be queued; retry the request") from None


def enqueue_cleanup(job: Job) -> None:
    """Send a committed clean-up job; when Redis is away, a worker sends it later (workers.resend)."""
    try:
        send_cleanup(services().redis, job, settings().job_timeout_seconds)
    except Exception:
        log.exception("clean-up job %s left pending: it could not be queued", job.id)
        mark_pending(db().get(Job, job.id))
        db().commit()


def start_ingest(upload: PackageUpload, original_filename: str, uploaded_by: str, package_id: str | None) -> Job:
    """Record (or find) the import job of an upload, commit, and queue it."""
    params = {
        "upload_id": upload.id,
        "storage_path": upload.storage_path,
        "original_filename": original_filename,
        "uploaded_by": uploaded_by,
        "package_id": package_id,
        "file_size": upload.file_size,
    }
    job, created = record_job(db(), upload.tenant_id, KIND_INGEST, params, ingest_dedupe_key(upload.storage_path))
    db().commit()
    enqueue(job, created)
    return job


def accepted(job: Job, storage_path: str, upload_id: str | None) -> dict[str, Any]:
    return {
        "job_id": job.id,
        "status": job.status,
        "status_url": f"{settings().public_base_url.rstrip('/')}/api/v1/jobs/{job.id}",
        "storage_path": storage_path,
        "upload_id": upload_id,
    }


def is_upload_key(storage_path: str) -> bool:
    prefix = upload_prefix(current_tenant_id())
    rest = storage_path[len(prefix) :]
    return storage_path.startswith(prefix) and bool(rest) and "/" not in rest and ".." not in rest


def content_url(package_id: str, version: int | None, path: str | None) -> str | None:
    """`{tenant's content origin}/content/{package}/v{n}/{path}`: the player's same-origin content route."""
    if version is None or not path:
        return None
    return f"{content_origin(current_tenant_id())}{CONTENT_PREFIX}/{package_id}/v{version}/{path}"


def summary(package: Package) -> dict[str, Any]:
    return {
        "id": package.id,
        "tenant_id": package.tenant_id,
        "title": package.title,
        "version": package.standard_version,
        "launch_url": content_url(package.id, package.current_version, package.launch_path),
        "manifest_url": content_url(package.id, package.current_version, package.manifest_name),
        "file_size_bytes": package.file_size_bytes,
        "created_at": isoformat(package.created_at),
        "updated_at": isoformat(package.updated_at),
    }


def detail(session: Session, package: Package) -> dict[str, Any]:
    version = current_version(session, package)
    manifest = (version.manifest if version else None) or {}
    return {
        **summary(package),
        "metadata": {
            "description": package.description,
            "sco_count": package.sco_count,
            "standard": package.standard,
            "edition": package.edition,
            "schemaversion": manifest.get("schemaversion"),
            "identifier": manifest.get("identifier"),
            "launch_path": package.launch_path,
            "default_organization": manifest.get("default_organization"),
        },
        "standard": package.standard,
        "edition": package.edition,
        "current_version": package.current_version,
        "uploaded_by": package.uploaded_by,
        "original_filename": package.original_filename,
        "organizations": manifest.get("organizations", []),
        "aicc": manifest.get("aicc"),
        "activities": manifest.get("activities", []),
        "cmi5": manifest.get("cmi5"),
        "versions": [_version_body(item) for item in ready_versions(session, package.id)],
        "warnings": (version.warnings if version else None) or [],
    }


def _version_body(version: PackageVersion) -> dict[str, Any]:
    return {
        "version": version.version,
        "title": version.title,
        "standard": version.standard,
        "edition": version.edition,
        "sco_count": version.sco_count,
        "file_count": version.file_count,
        "file_size_bytes": version.file_size_bytes,
        "original_filename": version.original_filename,
        "uploaded_by": version.uploaded_by,
        "launch_url": content_url(version.package_id, version.version, version.launch_path),
        "created_at": isoformat(version.created_at),
    }
