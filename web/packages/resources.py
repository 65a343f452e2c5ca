"""`/api/v1/packages`: presigned and multipart uploads, processing, listing, details and deletion."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

from flask import request
from flask.blueprints import BlueprintSetupState
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.base import isoformat, new_id, utcnow
from models.jobs import Job
from models.package_ingest import delete_package
from models.packages import Package, PackageStatus, PackageUpload, get_ready_package, package_prefix, upload_prefix
from pipeline.errors import ObjectNotFound, StorageError
from web.api import ErrorEnvelopeSchema
from web.auth import current_tenant_id
from web.errors import ApiError
from web.inputs import NulFreeStringConverter
from web.packages import service
from web.packages.schemas import (
    AcceptedJobSchema,
    PackageDeletedSchema,
    PackageDetailSchema,
    PackageListArgsSchema,
    PackageListSchema,
    ProcessRequestSchema,
    UploadFormSchema,
    UploadTicketSchema,
    UploadUrlRequestSchema,
)
from web.pagination import paginate
from web.ratelimit import rate_class
from web.services import db, services, settings
from web.webhooks import events as webhook_events
from workers.enqueue import record_job
from workers.ingest import KIND_DELETE

log = logging.getLogger(__name__)
blp = Blueprint("packages", __name__, url_prefix="/api/v1/packages", description="SCORM packages")
ZIP_TYPE = "application/zip"
_ACTIONS = ("upload", "upload-url", "upload-sessions", "process")


class PackageIdConverter(NulFreeStringConverter):
    """A package id: any segment but the sibling action routes' names (so `Allow` lists only POST there)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.regex = rf"(?!(?:{'|'.join(re.escape(a) for a in _ACTIONS)})\Z)" + self.regex


def _error(status: int, description: str) -> Any:
    """Document an error answer of a view, in the envelope."""
    return blp.alt_response(status, schema=ErrorEnvelopeSchema, description=description)


@blp.record_once
def _register_converter(state: BlueprintSetupState) -> None:
    # Runs before this blueprint's rules are added, which need the converter.
    state.app.url_map.converters["package_id"] = PackageIdConverter


@blp.before_request
def _allow_large_upload() -> None:
    # Flask 3.1 per-request limit: only the multipart upload may exceed MAX_CONTENT_LENGTH.
    if request.endpoint == "packages.upload":
        request.max_content_length = settings().max_upload_form_bytes


def _mint(body: dict[str, Any]) -> dict[str, Any]:
    service.require_own_tenant(body["tenant_id"])
    service.check_file(body["filename"], body["file_size"])
    session = db()
    package = service.target_package(session, body.get("package_id"))
    service.enforce_quota(session, package is None, body["file_size"])
    upload_id = new_id()
    key = f"{upload_prefix(current_tenant_id())}{upload_id}.zip"
    ttl = timedelta(seconds=settings().upload_url_ttl_seconds)
    try:
        url = services().storage.presigned_put(key, ttl)
    except StorageError:
        raise ApiError(503, "STORAGE_UNAVAILABLE", "Storage is unavailable; retry shortly") from None
    expires_at = utcnow() + ttl
    session.add(
        PackageUpload(
            id=upload_id, tenant_id=current_tenant_id(), storage_path=key, filename=body["filename"],
            file_size=body["file_size"], uploaded_by=body["uploaded_by"], package_id=body.get("package_id"),
            method="presigned", expires_at=expires_at,
        )
    )  # fmt: skip
    session.commit()
    return {
        "upload_id": upload_id,
        "presigned_url": url,
        "method": "PUT",
        "required_put_headers": {"Content-Type": ZIP_TYPE},
        "storage_path": key,
        "expires_at": isoformat(expires_at),
        "max_file_size": body["file_size"],
    }


@blp.route("/upload-url", methods=["POST"])
@rate_class("upload")
@blp.arguments(UploadUrlRequestSchema)
@blp.response(201, UploadTicketSchema)
@_error(404, "PACKAGE_NOT_FOUND: package_id is unknown")
@_error(503, "STORAGE_UNAVAILABLE")
@blp.doc(operationId="createUploadUrl")
def upload_url(body: dict[str, Any]) -> dict[str, Any]:
    """Mint a presigned URL to PUT a package ZIP to storage (then call /packages/process)

    Step 1 of the Quick Start for packages of any size: the ZIP goes from your side straight to
    storage. PUT it to `presigned_url` with exactly `required_put_headers` before `expires_at`, then
    call `POST /api/v1/packages/process` with `storage_path`. Give `package_id` to upload a new
    version of an existing package.

    ```bash
    curl -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \\
      -X POST "$BASE/api/v1/packages/upload-url" \\
      -d '{"tenant_id": "TENANT_ID", "uploaded_by": "user-123", "filename": "course.zip", "file_size": 5242880}'
    ```
    """
    return _mint(body)


@blp.route("/upload-sessions", methods=["POST"])
@rate_class("upload")
@blp.arguments(UploadUrlRequestSchema)
@blp.response(201, UploadTicketSchema)
@_error(404, "PACKAGE_NOT_FOUND: package_id is unknown")
@_error(503, "STORAGE_UNAVAILABLE")
@blp.doc(operationId="createUploadSession")
def upload_sessions(body: dict[str, Any]) -> dict[str, Any]:
    """Mint a presigned upload URL (alias of POST /packages/upload-url)

    The same call under the name older integrations use; see `POST /api/v1/packages/upload-url`.

    ```bash
    curl -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \\
      -X POST "$BASE/api/v1/packages/upload-sessions" \\
      -d '{"tenant_id": "TENANT_ID", "uploaded_by": "user-123", "filename": "course.zip", "file_size": 5242880}'
    ```
    """
    return _mint(body)


@blp.route("/process", methods=["POST"])
@blp.arguments(ProcessRequestSchema)
@blp.response(202, AcceptedJobSchema)
@_error(404, "UPLOAD_NOT_FOUND or PACKAGE_NOT_FOUND")
@_error(503, "STORAGE_UNAVAILABLE")
@blp.doc(operationId="processUpload")
def process(body: dict[str, Any]) -> dict[str, Any]:
    """Import an uploaded ZIP: answers 202 with the job; the same storage_path gives the same job

    Starts the import of the ZIP PUT to a presigned URL. Poll `GET /api/v1/jobs/{job_id}` until it
    has `succeeded` (its `result.package_id` is the package) or `failed` (its `error.code` names
    the rule the package broke). Calling again with the same `storage_path` returns the same job,
    so a retry after a network error never imports twice.

    ```bash
    curl -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \\
      -X POST "$BASE/api/v1/packages/process" \\
      -d '{"tenant_id": "TENANT_ID", "uploaded_by": "user-123", "storage_path": "STORAGE_PATH",
           "original_filename": "course.zip"}'
    ```
    """
    service.require_own_tenant(body["tenant_id"])
    session = db()
    storage_path = body["storage_path"]
    existing = session.scalar(select(Job).where(Job.dedupe_key == service.ingest_dedupe_key(storage_path)))
    if existing is not None and existing.tenant_id == current_tenant_id():
        return service.accepted(existing, storage_path, existing.params.get("upload_id"))
    if not service.is_upload_key(storage_path):
        raise ApiError(
            400, "INVALID_STORAGE_PATH", "storage_path must be a key returned by POST /packages/upload-url",
            {"storage_path": storage_path, "expected_prefix": upload_prefix(current_tenant_id())},
        )  # fmt: skip
    upload = session.scalar(
        select(PackageUpload).where(
            PackageUpload.storage_path == storage_path, PackageUpload.tenant_id == current_tenant_id()
        )
    )
    if upload is None:
        raise ApiError(404, "UPLOAD_NOT_FOUND", "No upload was started for this storage_path",
                       {"storage_path": storage_path})  # fmt: skip
    _check_uploaded_object(upload)
    package = service.target_package(session, body.get("package_id") or upload.package_id)
    service.enforce_quota(session, package is None, 0)
    job = service.start_ingest(upload, body["original_filename"], body["uploaded_by"], package.id if package else None)
    return service.accepted(job, storage_path, upload.id)


def _check_uploaded_object(upload: PackageUpload) -> None:
    try:
        info = services().storage.stat(upload.storage_path)
    except ObjectNotFound:
        raise ApiError(
            404, "UPLOAD_NOT_FOUND", "Nothing was uploaded to this storage_path (or the URL expired first)",
            {"storage_path": upload.storage_path},
        ) from None  # fmt: skip
    except StorageError:
        raise ApiError(503, "STORAGE_UNAVAILABLE", "Storage is unavailable; retry shortly") from None
    if info.size != upload.file_size:
        raise ApiError(
            400, "UPLOAD_SIZE_MISMATCH",
            f"The uploaded file is {info.size} bytes, not the {upload.file_size} announced",
            {"announced": upload.file_size, "actual": info.size},
        )  # fmt: skip


@blp.route("/upload", methods=["POST"])
@rate_class("upload")
@blp.arguments(UploadFormSchema, location="form", content_type="multipart/form-data")
@blp.response(202, AcceptedJobSchema)
@_error(404, "PACKAGE_NOT_FOUND: package_id is unknown")
@_error(413, "PAYLOAD_TOO_LARGE")
@_error(503, "STORAGE_UNAVAILABLE")
@blp.doc(operationId="uploadPackage")
def upload(form: dict[str, Any]) -> dict[str, Any]:
    """Upload a package ZIP as multipart/form-data (field `file`) and import it; answers 202 with the job

    For small packages in trusted contexts: the ZIP travels in the request (up to the upload
    limit), then the import runs as a job as with `/packages/process`. Prefer the presigned upload
    for anything large.

    ```bash
    curl -H "Authorization: Bearer $KEY" -X POST "$BASE/api/v1/packages/upload" \\
      -F tenant_id=TENANT_ID -F uploaded_by=user-123 -F file=@course.zip
    ```
    """
    service.require_own_tenant(form["tenant_id"])
    file = request.files.get("file")
    if file is None:
        missing = {"fieldErrors": {"file": ["Missing data for required field."]}}
        raise ApiError(400, "VALIDATION_ERROR", "Validation failed", missing)
    filename = form.get("original_filename") or file.filename or ""
    file.stream.seek(0, 2)
    size = file.stream.tell()
    file.stream.seek(0)
    service.check_file(filename, size)
    session = db()
    package = service.target_package(session, form.get("package_id"))
    service.enforce_quota(session, package is None, size)
    upload_id = new_id()
    key = f"{upload_prefix(current_tenant_id())}{upload_id}.zip"
    try:
        # Werkzeug spooled the part to a temporary file; it streams from there to storage.
        services().storage.put_stream(key, file.stream, size, ZIP_TYPE)
    except StorageError:
        raise ApiError(503, "STORAGE_UNAVAILABLE", "Storage is unavailable; retry shortly") from None
    record = PackageUpload(
        id=upload_id, tenant_id=current_tenant_id(), storage_path=key, filename=filename, file_size=size,
        uploaded_by=form["uploaded_by"], package_id=package.id if package else None, method="multipart",
    )  # fmt: skip
    try:
        session.add(record)
        session.flush()
        job = service.start_ingest(record, filename, form["uploaded_by"], package.id if package else None)
    except Exception:
        _forget_upload(session, key)
        raise
    return service.accepted(job, key, upload_id)


def _forget_upload(session: Session, key: str) -> None:
    # The request failed after the ZIP was stored: nothing may stay half-written.
    session.rollback()
    try:
        services().storage.delete(key)
    except StorageError:
        log.warning("could not remove the upload %s of a failed request", key)


@blp.route("")
class Packages(MethodView):
    @blp.arguments(PackageListArgsSchema, location="query")
    @blp.response(200, PackageListSchema)
    @blp.doc(operationId="listPackages")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List the tenant's packages

        Imported packages, newest first, with `page` and `limit` (at most 100); `count` is the
        total. Packages still importing or whose import failed are not listed: see their jobs.

        ```bash
        curl -H "Authorization: Bearer $KEY" "$BASE/api/v1/packages?page=1&limit=20"
        ```
        """
        query = (
            select(Package)
            .where(Package.tenant_id == current_tenant_id(), Package.status == PackageStatus.READY)
            .order_by(Package.created_at.desc(), Package.id)
        )
        rows, total = paginate(db(), query, args["page"], args["limit"])
        return {"packages": [service.summary(package) for package in rows], "count": total}


@blp.route("/<package_id:package_id>")
class PackageById(MethodView):
    @blp.response(200, PackageDetailSchema)
    @blp.doc(operationId="getPackage")
    def get(self, package_id: str) -> dict[str, Any]:
        """Get a package: metadata, versions, organization/item tree and parser warnings

        Everything the import learned: the standard and edition, the SCO count, the organization
        tree the player shows, every stored version and the warnings about what the package
        does oddly but was accepted.

        ```bash
        curl -H "Authorization: Bearer $KEY" "$BASE/api/v1/packages/PACKAGE_ID"
        ```
        """
        return service.detail(db(), _own_package(package_id))

    @blp.response(200, PackageDeletedSchema)
    @blp.doc(operationId="deletePackage")
    def delete(self, package_id: str) -> dict[str, Any]:
        """Delete a package and its sessions; its stored files are removed by a job

        The package disappears at once (launch links stop working); its files and dispatch ZIPs
        are removed in the background by the job named in the answer.

        ```bash
        curl -H "Authorization: Bearer $KEY" -X DELETE "$BASE/api/v1/packages/PACKAGE_ID"
        ```
        """
        package = _own_package(package_id)
        session = db()
        prefix = package_prefix(package.tenant_id, package.id)
        webhook_events.package_deleted(session, package, service.summary(package))
        sources = delete_package(session, package)
        params = {"package_id": package_id, "prefix": prefix, "source_keys": sources}
        job, created = record_job(session, current_tenant_id(), KIND_DELETE, params)
        session.commit()
        service.enqueue_cleanup(job)
        return {"success": True, "package_id": package_id}


def _own_package(package_id: str) -> Package:
    package = get_ready_package(db(), package_id, current_tenant_id())
    if package is None:
        raise ApiError(404, "PACKAGE_NOT_FOUND", "Package not found", {"package_id": package_id})
    return package
