"""`GET /api/v1/jobs` and `GET /api/v1/jobs/{id}`, scoped to the caller's tenant."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from models.jobs import Job, job_fields
from web.auth import current_tenant_id
from web.errors import ApiError
from web.jobs.schemas import JobListArgsSchema, JobListSchema, JobSchema
from web.pagination import paginate, pagination_block
from web.services import db, services
from workers import fair_ingest
from workers.reconcile import reconcile

blp = Blueprint("jobs", __name__, url_prefix="/api/v1/jobs", description="Background jobs")


def job_body(job: Job) -> dict[str, Any]:
    """The job as clients see it (`position` is that of a queued import among its tenant's)."""
    return {**job_fields(job), "position": fair_ingest.position(db(), job)}


def get_tenant_job(job_id: str) -> Job:
    job = db().get(Job, job_id)
    if job is None or job.tenant_id != current_tenant_id():
        raise ApiError(404, "NOT_FOUND", "Job not found")
    return job


@blp.route("")
class Jobs(MethodView):
    @blp.arguments(JobListArgsSchema, location="query")
    @blp.response(200, JobListSchema)
    @blp.doc(operationId="listJobs")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List jobs

        The tenant's background jobs (imports, deletions, dispatch ZIP builds), newest first;
        filter by `status` or `kind`.

        ```bash
        curl -H "Authorization: Bearer $KEY" "$BASE/api/v1/jobs?status=failed&limit=20"
        ```
        """
        query = select(Job).where(Job.tenant_id == current_tenant_id())
        if "status" in args:
            query = query.where(Job.status == args["status"])
        if "kind" in args:
            query = query.where(Job.kind == args["kind"])
        query = query.order_by(Job.created_at.desc(), Job.id)
        rows, total = paginate(db(), query, args["page"], args["limit"])
        page = pagination_block(args["page"], args["limit"], total)
        return {"jobs": [job_body(j) for j in rows], "pagination": page}


@blp.route("/<string:job_id>")
class JobById(MethodView):
    @blp.response(200, JobSchema)
    @blp.doc(operationId="getJob")
    def get(self, job_id: str) -> dict[str, Any]:
        """Get a job's status, stage, progress, result or error

        Poll this after a 202: every second or two is plenty. `status` goes `queued` → `running` →
        `succeeded` (with `result`, e.g. `result.package_id`) or `failed` (with `error.code`,
        `error.message` and `error.details`). A queued import has a `position` among its tenant's
        imports (0: next).

        ```bash
        curl -H "Authorization: Bearer $KEY" "$BASE/api/v1/jobs/JOB_ID"
        ```
        """
        job = get_tenant_job(job_id)
        reconcile(db(), job, services().redis)
        return job_body(job)
