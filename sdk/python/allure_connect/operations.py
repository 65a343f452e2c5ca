"""Every API call described once, without I/O, for both clients (sync `Client` and `AsyncClient`).

A route is a `Call` (method, path, query, body and how to read the answer). A long flow (upload,
wait for a job, download a ZIP, post statements in batches) is a generator that yields steps
(`Call`, `Put`, `Download`, `Sleep`) and receives their results: each client only performs steps,
with its own httpx transport, so the logic of a flow is written once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from allure_connect import models as m
from allure_connect.errors import JobFailed
from allure_connect.pagination import pages_from_count
from allure_connect.uploads import Progress

R = TypeVar("R")
L = TypeVar("L")
T = TypeVar("T")
DEFAULT_UPLOADER = "allure-connect"
STATEMENTS = "/api/v1/xapi/statements"


class Bound(Protocol):
    """What a route needs of the client it runs on."""

    @property
    def tenant_id(self) -> str | None: ...


def query_params(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


@dataclass(frozen=True)
class Call(Generic[R]):
    """One API request and how its JSON answer becomes the result."""

    method: str
    path: str
    parse: Callable[[Any], R]
    params: dict[str, Any] | None = None
    json: Any = None
    form: dict[str, Any] | None = None
    file: Path | None = None  # sent as the multipart field `file`, reopened on every attempt


@dataclass(frozen=True)
class Put:
    """The ZIP's bytes to storage's presigned URL, streamed from disk; no API key travels there."""

    ticket: m.UploadTicket
    path: Path
    progress: Progress | None = None

    def headers(self) -> dict[str, str]:
        return {**self.ticket.required_put_headers, "Content-Length": str(self.path.stat().st_size)}


@dataclass(frozen=True)
class Download:
    """An API answer streamed to `target`, which is written whole or not at all (via `target.part`)."""

    path: str
    target: Path
    progress: Progress | None = None

    @property
    def partial(self) -> Path:
        return self.target.with_name(self.target.name + ".part")


@dataclass(frozen=True)
class Sleep:
    seconds: float


Step = Call[Any] | Put | Download | Sleep
Flow = Generator[Step, Any, R]
Work = Call[R] | Put | Download | Flow[R]


def get(model: type[R], path: str, **params: Any) -> Call[R]:
    return Call("GET", path, model.model_validate, params=query_params(**params))  # type: ignore[attr-defined]


def send(model: type[R], method: str, path: str, body: BaseModel | None = None) -> Call[R]:
    payload = body.model_dump(mode="json", exclude_none=True) if body is not None else None
    return Call(method, path, model.model_validate, json=payload)  # type: ignore[attr-defined]


# -- health, jobs, keys --------------------------------------------------------------------------


def health(_c: Bound) -> Call[m.Health]:
    return get(m.Health, "/api/health")


def list_jobs(
    _c: Bound, page: int = 1, limit: int = 20, status: str | None = None, kind: str | None = None
) -> Call[m.JobList]:
    return get(m.JobList, "/api/v1/jobs", page=page, limit=limit, status=status, kind=kind)


def get_job(_c: Bound, job_id: str) -> Call[m.Job]:
    return get(m.Job, f"/api/v1/jobs/{job_id}")


def wait_for_job(
    _c: Bound, job_id: str, *, timeout: float = 3600.0, interval: float = 0.5,
    on_update: Callable[[m.Job], None] | None = None,
) -> Flow[m.Job]:  # fmt: skip
    """Poll the job until it has finished; `on_update(job)` sees each poll (status, stage, progress).

    Returns the succeeded job; raises `JobFailed` (its error's code and details) or `TimeoutError`.
    """
    deadline = time.monotonic() + timeout
    while True:
        job: m.Job = yield get_job(_c, job_id)
        if on_update:
            on_update(job)
        if job.status == "failed":
            raise JobFailed(job)
        if job.status == "succeeded":
            return job
        if time.monotonic() >= deadline:
            raise TimeoutError(f"job {job_id} still {job.status} after {timeout}s")
        yield Sleep(interval)


def list_api_keys(_c: Bound, page: int = 1, limit: int = 20) -> Call[m.ApiKeyList]:
    return get(m.ApiKeyList, "/api/v1/api-keys", page=page, limit=limit)


def create_api_key(_c: Bound, scopes: Iterable[str]) -> Call[m.ApiKeyCreated]:
    return send(m.ApiKeyCreated, "POST", "/api/v1/api-keys", m.ApiKeyCreate(scopes=list(scopes)))


def revoke_api_key(_c: Bound, key_id: str) -> Call[m.ApiKey]:
    return send(m.ApiKey, "DELETE", f"/api/v1/api-keys/{key_id}")


# -- packages ------------------------------------------------------------------------------------


def create_upload_url(
    c: Bound, filename: str, file_size: int, uploaded_by: str = DEFAULT_UPLOADER, package_id: str | None = None
) -> Call[m.UploadTicket]:
    body = m.UploadUrlRequest(tenant_id=c.tenant_id, filename=filename, file_size=file_size,
                              uploaded_by=uploaded_by, package_id=package_id)  # fmt: skip
    return send(m.UploadTicket, "POST", "/api/v1/packages/upload-url", body)


def put_to_storage(_c: Bound, ticket: m.UploadTicket, path: Path, progress: Progress | None = None) -> Put:
    """PUT the file to the presigned URL, streamed from disk, with exactly the required headers."""
    return Put(ticket, Path(path), progress)


def process_upload(
    c: Bound, storage_path: str, original_filename: str, uploaded_by: str = DEFAULT_UPLOADER,
    package_id: str | None = None,
) -> Call[m.AcceptedJob]:  # fmt: skip
    body = m.ProcessRequest(tenant_id=c.tenant_id, storage_path=storage_path, original_filename=original_filename,
                            uploaded_by=uploaded_by, package_id=package_id)  # fmt: skip
    return send(m.AcceptedJob, "POST", "/api/v1/packages/process", body)


def upload_form(
    c: Bound, path: str | Path, uploaded_by: str = DEFAULT_UPLOADER, package_id: str | None = None
) -> Call[m.AcceptedJob]:
    """The multipart upload (small packages): the ZIP travels in the request."""
    form = query_params(tenant_id=c.tenant_id, uploaded_by=uploaded_by, package_id=package_id)
    return Call("POST", "/api/v1/packages/upload", m.AcceptedJob.model_validate, form=form, file=Path(path))


def upload_package(
    c: Bound, path: str | Path, *, progress: Progress | None = None, on_job: Callable[[m.Job], None] | None = None,
    uploaded_by: str = DEFAULT_UPLOADER, package_id: str | None = None, timeout: float = 3600.0,
) -> Flow[m.PackageDetail]:  # fmt: skip
    """upload-url → streamed PUT (`progress(sent, total)`) → process → wait for the job → the ready package."""
    path = Path(path)
    ticket: m.UploadTicket = yield create_upload_url(c, path.name, path.stat().st_size, uploaded_by, package_id)
    yield Put(ticket, path, progress)
    accepted: m.AcceptedJob = yield process_upload(c, ticket.storage_path, path.name, uploaded_by, package_id)
    job = yield from wait_for_job(c, accepted.job_id, timeout=timeout, on_update=on_job)
    return (yield get_package(c, str((job.result or {})["package_id"])))


def list_packages(_c: Bound, page: int = 1, limit: int = 20) -> Call[m.PackageList]:
    return get(m.PackageList, "/api/v1/packages", page=page, limit=limit)


def get_package(_c: Bound, package_id: str) -> Call[m.PackageDetail]:
    return get(m.PackageDetail, f"/api/v1/packages/{package_id}")


def delete_package(_c: Bound, package_id: str) -> Call[m.PackageDeleted]:
    return send(m.PackageDeleted, "DELETE", f"/api/v1/packages/{package_id}")


# -- sessions ------------------------------------------------------------------------------------


def list_sessions(
    _c: Bound, page: int = 1, limit: int = 20, package_id: str | None = None, user_id: str | None = None,
    completion_status: str | None = None, success_status: str | None = None,
) -> Call[m.SessionList]:  # fmt: skip
    return get(m.SessionList, "/api/v1/sessions", page=page, limit=limit, package_id=package_id, user_id=user_id,
               completion_status=completion_status, success_status=success_status)  # fmt: skip


def launch(
    _c: Bound, package_id: str, user_id: str, user_name: str | None = None, *, new_attempt: bool = False,
    mode: str = "normal",
) -> Call[m.SessionCreated]:  # fmt: skip
    """Create (or resume) the learner's session: the session and its single-use `launch_url`."""
    body = m.SessionCreate(package_id=package_id, user_id=user_id, user_name=user_name, new_attempt=new_attempt,
                           mode=mode)  # fmt: skip
    return send(m.SessionCreated, "POST", "/api/v1/sessions", body)


def get_session(_c: Bound, session_id: str) -> Call[m.SessionDetail]:
    return Call("GET", f"/api/v1/sessions/{session_id}", lambda data: m.SessionEnvelope.model_validate(data).session)


def update_session(_c: Bound, session_id: str, **fields: Any) -> Call[m.SessionUpdated]:
    return send(m.SessionUpdated, "PUT", f"/api/v1/sessions/{session_id}", m.SessionUpdate.model_validate(fields))


# -- dispatches ----------------------------------------------------------------------------------


def _dispatch(data: Any) -> m.Dispatch:
    return m.DispatchEnvelope.model_validate(data).dispatch


def list_dispatches(
    _c: Bound, page: int = 1, limit: int = 20, package_id: str | None = None, status: str | None = None
) -> Call[m.DispatchList]:
    return get(m.DispatchList, "/api/v1/dispatches", page=page, limit=limit, package_id=package_id, status=status)


def create_dispatch(
    _c: Bound, package_id: str, dispatch_name: str, *, registration_limit: int | None = None,
    expires_in_hours: int | None = None, allowed_domains: list[str] | None = None,
) -> Call[m.Dispatch]:  # fmt: skip
    body = m.DispatchCreate(package_id=package_id, dispatch_name=dispatch_name, registration_limit=registration_limit,
                            expires_in_hours=expires_in_hours, allowed_domains=allowed_domains)  # fmt: skip
    return Call("POST", "/api/v1/dispatches", _dispatch, json=body.model_dump(mode="json", exclude_none=True))


def get_dispatch(_c: Bound, dispatch_id: str) -> Call[m.Dispatch]:
    return Call("GET", f"/api/v1/dispatches/{dispatch_id}", _dispatch)


def revoke_dispatch(_c: Bound, dispatch_id: str) -> Call[m.DispatchRevoked]:
    return send(m.DispatchRevoked, "DELETE", f"/api/v1/dispatches/{dispatch_id}")


def generate_dispatch_zip(_c: Bound, dispatch_id: str) -> Call[m.DispatchGenerate]:
    return send(m.DispatchGenerate, "POST", f"/api/v1/dispatches/{dispatch_id}/generate")


def download_dispatch_zip(
    c: Bound, dispatch_id: str, path: str | Path, *, progress: Progress | None = None, timeout: float = 600.0
) -> Flow[Path]:
    """Generate the dispatch's ZIP if needed, wait for it, and stream it to `path` (written whole or not at all)."""
    dispatch: m.Dispatch = yield get_dispatch(c, dispatch_id)
    if not dispatch.zip_ready:
        queued: m.DispatchGenerate = yield generate_dispatch_zip(c, dispatch_id)
        yield from wait_for_job(c, queued.job_id, timeout=timeout)
    return (yield Download(f"/api/v1/dispatches/{dispatch_id}/zip", Path(path), progress))


# -- xAPI ----------------------------------------------------------------------------------------


def post_statements(_c: Bound, statements: Iterable[dict[str, Any]], batch_size: int = 100) -> Flow[list[str]]:
    """Store statements in batches of `batch_size`; the ids in order."""
    ids: list[str] = []
    batch: list[dict[str, Any]] = []
    for statement in statements:
        batch.append(statement)
        if len(batch) == batch_size:
            ids += yield Call("POST", STATEMENTS, list, json=batch)
            batch = []
    if batch:
        ids += yield Call("POST", STATEMENTS, list, json=batch)
    return ids


def list_statements(_c: Bound, page: int = 1, limit: int = 20, **filters: Any) -> Call[m.XapiStatementList]:
    return get(m.XapiStatementList, STATEMENTS, page=page, limit=limit, **filters)


def get_statement(_c: Bound, statement_id: str) -> Call[dict[str, Any]]:
    # The xAPI document as stored: its shape is the xAPI specification's, not one of our models.
    return Call("GET", f"{STATEMENTS}/{statement_id}", dict)


def xapi_actors(_c: Bound, page: int = 1, limit: int = 20, **filters: Any) -> Call[m.XapiActorList]:
    return get(m.XapiActorList, "/api/v1/xapi/analytics/actors", page=page, limit=limit, **filters)


def xapi_activities(_c: Bound, page: int = 1, limit: int = 20, **filters: Any) -> Call[m.XapiActivityList]:
    return get(m.XapiActivityList, "/api/v1/xapi/analytics/activities", page=page, limit=limit, **filters)


def list_lrs_credentials(_c: Bound, page: int = 1, limit: int = 20) -> Call[m.LrsCredentialList]:
    return get(m.LrsCredentialList, "/api/v1/xapi/credentials", page=page, limit=limit)


def create_lrs_credential(_c: Bound, **fields: Any) -> Call[m.LrsCredentialCreated]:
    body = m.LrsCredentialCreate.model_validate(fields)
    return send(m.LrsCredentialCreated, "POST", "/api/v1/xapi/credentials", body)


def delete_lrs_credential(_c: Bound, credential_id: str) -> Call[m.LrsCredential]:
    return send(m.LrsCredential, "DELETE", f"/api/v1/xapi/credentials/{credential_id}")


# -- the paginated lists -------------------------------------------------------------------------


@dataclass(frozen=True)
class Paged(Generic[L, T]):
    """A list route, where its items are and how many pages there are (None: stop at a short page)."""

    route: Callable[..., Call[L]]
    items: Callable[[L], list[T]]
    total_pages: Callable[[L, int], int | None]


def _total_pages(answer: Any, _limit: int) -> int | None:
    return answer.pagination.total_pages


JOBS = Paged(list_jobs, lambda a: a.jobs, _total_pages)
PACKAGES = Paged(list_packages, lambda a: a.packages, lambda a, limit: pages_from_count(a.count, limit))
SESSIONS = Paged(list_sessions, lambda a: a.sessions, _total_pages)
DISPATCHES = Paged(list_dispatches, lambda a: a.dispatches, _total_pages)
STATEMENT_PAGES = Paged(list_statements, lambda a: a.statements, _total_pages)
