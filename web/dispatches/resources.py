"""`/api/v1/dispatches`: create, list, read and revoke dispatches; build and fetch their ZIP."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Response, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from models.base import utcnow
from models.dispatches import Dispatch, DispatchStatus, revoke_dispatch, status_clause
from models.jobs import Job
from models.packages import Package, get_ready_package
from pipeline.errors import ObjectNotFound, StorageError
from web.api import ErrorEnvelopeSchema
from web.auth import current_tenant_id
from web.dispatches.schemas import (
    DispatchCreateSchema,
    DispatchEnvelopeSchema,
    DispatchGenerateSchema,
    DispatchListArgsSchema,
    DispatchListSchema,
    DispatchRevokedSchema,
)
from web.dispatches.service import (
    base_url,
    dispatch_token,
    full_body,
    get_dispatch,
    player_base_url,
    summary_body,
)
from web.errors import ApiError
from web.pagination import paginate, pagination_block
from web.services import db, services, settings
from workers.enqueue import mark_enqueue_failed, record_job, send_job
from workers.queues import DISPATCH

blp = Blueprint("dispatches", __name__, url_prefix="/api/v1/dispatches", description="Courses handed to other LMSs")

JOB_KIND = "dispatch_zip"
JOB_FUNC = "workers.dispatch.run"
_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
NOT_FOUND_DOC = {"schema": ErrorEnvelopeSchema, "description": "DISPATCH_NOT_FOUND: unknown or another tenant's"}
ZIP_DOC = {"description": "The dispatch ZIP",
           "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}


def tenant_dispatch(dispatch_id: str) -> Dispatch:
    dispatch = get_dispatch(db(), dispatch_id, current_tenant_id())
    if dispatch is None:
        raise ApiError(404, "DISPATCH_NOT_FOUND", "Dispatch not found")
    return dispatch


def require_package(package_id: str, tenant_id: str) -> Package:
    package = get_ready_package(db(), package_id, tenant_id) if len(package_id) <= 36 else None
    if package is None:
        raise ApiError(404, "PACKAGE_NOT_FOUND", "SCORM package not found")
    return package


@blp.route("")
class Dispatches(MethodView):
    @blp.arguments(DispatchListArgsSchema, location="query")
    @blp.response(200, DispatchListSchema)
    @blp.doc(operationId="listDispatches")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List the tenant's dispatches

        ```bash
        curl -H "Authorization: Bearer $KEY" "$BASE/api/v1/dispatches?limit=20"
        ```
        """
        query = select(Dispatch).where(Dispatch.tenant_id == current_tenant_id())
        if "package_id" in args:
            query = query.where(Dispatch.package_id == args["package_id"])
        if "status" in args:
            query = query.where(status_clause(DispatchStatus(args["status"]), utcnow()))
        query = query.order_by(Dispatch.created_at.desc(), Dispatch.id)
        rows, total = paginate(db(), query, args["page"], args["limit"])
        return {
            "dispatches": [summary_body(d) for d in rows],
            "pagination": pagination_block(args["page"], args["limit"], total),
        }

    @blp.arguments(DispatchCreateSchema)
    @blp.response(201, DispatchEnvelopeSchema)
    @blp.alt_response(404, schema=ErrorEnvelopeSchema, description="PACKAGE_NOT_FOUND")
    @blp.doc(operationId="createDispatch")
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create a dispatch of one of the tenant's packages

        A dispatch hands a course to another LMS: it plays from here, limited by
        `registration_limit` (distinct learners), `expires_in_hours` and the domains allowed to
        frame it. Then build its ZIP with `POST /api/v1/dispatches/{id}/generate`.

        ```bash
        curl -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \\
          -X POST "$BASE/api/v1/dispatches" \\
          -d '{"package_id": "PACKAGE_ID", "dispatch_name": "Acme LMS", "registration_limit": 100}'
        ```
        """
        require_package(body["package_id"], current_tenant_id())
        hours = body["expires_in_hours"]
        dispatch = Dispatch(
            tenant_id=current_tenant_id(),
            package_id=body["package_id"],
            name=body["dispatch_name"],
            registration_limit=body["registration_limit"],
            allowed_domains=body["allowed_domains"],
            expires_at=utcnow() + timedelta(hours=hours) if hours else None,
        )
        db().add(dispatch)
        db().flush()
        response = {"dispatch": full_body(dispatch, settings())}
        db().commit()
        return response


@blp.route("/<string:dispatch_id>")
class DispatchById(MethodView):
    @blp.response(200, DispatchEnvelopeSchema)
    @blp.alt_response(404, **NOT_FOUND_DOC)
    @blp.doc(operationId="getDispatch")
    def get(self, dispatch_id: str) -> dict[str, Any]:
        """Get a dispatch, with its token and launch URL

        ```bash
        curl -H "Authorization: Bearer $KEY" "$BASE/api/v1/dispatches/DISPATCH_ID"
        ```
        """
        return {"dispatch": full_body(tenant_dispatch(dispatch_id), settings())}

    @blp.response(200, DispatchRevokedSchema)
    @blp.alt_response(404, **NOT_FOUND_DOC)
    @blp.doc(operationId="revokeDispatch")
    def delete(self, dispatch_id: str) -> dict[str, Any]:
        """Revoke a dispatch: every later launch is refused

        Learners in the other LMS see a page saying the course is no longer available.

        ```bash
        curl -H "Authorization: Bearer $KEY" -X DELETE "$BASE/api/v1/dispatches/DISPATCH_ID"
        ```
        """
        dispatch = tenant_dispatch(dispatch_id)
        revoke_dispatch(dispatch)
        db().commit()
        return {"status": DispatchStatus.REVOKED.value, "dispatch_id": dispatch.id}


@blp.route("/<string:dispatch_id>/generate")
class DispatchGenerate(MethodView):
    @blp.response(202, DispatchGenerateSchema)
    @blp.alt_response(404, **NOT_FOUND_DOC)
    @blp.alt_response(409, schema=ErrorEnvelopeSchema, description="CONFLICT: the dispatch is revoked")
    @blp.doc(operationId="generateDispatchZip")
    def post(self, dispatch_id: str) -> dict[str, Any]:
        """Queue the build of the dispatch ZIP (a SCORM 1.2 package for the other LMS)

        Answers 202 with a job; when it has succeeded, download the ZIP from
        `GET /api/v1/dispatches/{id}/zip` and import it into the other LMS.

        ```bash
        curl -H "Authorization: Bearer $KEY" -X POST "$BASE/api/v1/dispatches/DISPATCH_ID/generate"
        ```
        """
        dispatch = tenant_dispatch(dispatch_id)
        if dispatch.revoked_at is not None:
            raise ApiError(409, "CONFLICT", "A revoked dispatch cannot be generated", {"status": "revoked"})
        job = _running_job(dispatch)
        if job is None:
            job = _queue_build(dispatch)
        url = f"{base_url(settings())}/api/v1/jobs/{job.id}"
        return {
            "success": True,
            "message": "Dispatch generation queued.",
            "dispatch_id": dispatch.id,
            "job_id": job.id,
            "status": job.status,
            "status_url": url,
        }


@blp.route("/<string:dispatch_id>/zip")
class DispatchZip(MethodView):
    @blp.response(200, content_type="application/zip")
    @blp.alt_response(404, **NOT_FOUND_DOC)
    @blp.alt_response(409, schema=ErrorEnvelopeSchema, description="CONFLICT: no ZIP is built yet")
    @blp.doc(operationId="downloadDispatchZip", responses={200: ZIP_DOC})
    def get(self, dispatch_id: str) -> Response:
        """Download the dispatch ZIP (409 CONFLICT until one is built)

        ```bash
        curl -H "Authorization: Bearer $KEY" -o dispatch.zip "$BASE/api/v1/dispatches/DISPATCH_ID/zip"
        ```
        """
        dispatch = tenant_dispatch(dispatch_id)
        if dispatch.zip_key is None:
            raise ApiError(
                409,
                "CONFLICT",
                "No dispatch ZIP is built yet: POST /generate and wait for its job",
                {"dispatch_id": dispatch.id},
            )
        return _stream_zip(dispatch)


def _running_job(dispatch: Dispatch) -> Job | None:
    if dispatch.zip_job_id is None:
        return None
    job = db().get(Job, dispatch.zip_job_id)
    return job if job is not None and not job.finished else None


def _queue_build(dispatch: Dispatch) -> Job:
    """Record the job with everything the build needs, commit, then enqueue its id."""
    cfg = settings()
    package = require_package(dispatch.package_id, dispatch.tenant_id)
    params = {
        "dispatch_id": dispatch.id,
        "title": package.title or dispatch.name,
        "launch_base_url": player_base_url(dispatch, cfg),
        "token": dispatch_token(dispatch, cfg),
    }
    job, _created = record_job(db(), dispatch.tenant_id, JOB_KIND, params)
    dispatch.zip_job_id = job.id
    db().commit()
    try:
        send_job(services().redis, job, DISPATCH, JOB_FUNC, cfg.job_timeout_seconds)
    except Exception as err:
        mark_enqueue_failed(db(), job.id)
        db().commit()
        raise ApiError(500, "INTERNAL_ERROR", "The dispatch build could not be queued") from err
    return job


def _stream_zip(dispatch: Dispatch) -> Response:
    storage = services().storage
    try:
        chunks = storage.open(dispatch.zip_key)
    except ObjectNotFound as err:
        raise ApiError(409, "CONFLICT", "The dispatch ZIP is gone: generate it again") from err
    except StorageError as err:
        raise ApiError(500, "INTERNAL_ERROR", "Storage failed") from err
    filename = (_FILENAME_UNSAFE.sub("-", dispatch.name).strip("-.") or "dispatch")[:80] + ".zip"
    response = Response(stream_with_context(chunks), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if dispatch.zip_size is not None:
        response.headers["Content-Length"] = str(dispatch.zip_size)
    if dispatch.zip_sha256:
        response.headers["ETag"] = f'"{dispatch.zip_sha256}"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response
