"""`Client`: every route of the Allure Connect API (sync, httpx), typed by the generated models."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from allure_connect import models as m
from allure_connect.errors import ConfigurationError, JobFailed
from allure_connect.pagination import iterate_pages, pages_from_count
from allure_connect.retries import RetryPolicy, check
from allure_connect.uploads import Progress, stream_file

M = TypeVar("M", bound=BaseModel)
USER_AGENT = "allure-connect-python/0.1.0"
DEFAULT_UPLOADER = "allure-connect"
FINISHED = {"succeeded", "failed"}


def service_root(base_url: str) -> str:
    """The service's root: the launcher prints the API's base (`…/api/v1`), which is accepted too."""
    root = base_url.rstrip("/")
    return root.removesuffix("/api/v1")


@dataclass(frozen=True)
class Connection:
    """Where and as whom a client talks: arguments first, then ALLURE_BASE_URL / ALLURE_API_KEY / ALLURE_TENANT_ID."""

    base_url: str
    headers: dict[str, str]
    tenant_id: str | None

    @classmethod
    def resolve(cls, base_url: str | None, api_key: str | None, tenant_id: str | None) -> Connection:
        base_url = base_url or os.environ.get("ALLURE_BASE_URL")
        api_key = api_key or os.environ.get("ALLURE_API_KEY")
        if not base_url or not api_key:
            raise ConfigurationError("give base_url and api_key, or set ALLURE_BASE_URL and ALLURE_API_KEY")
        headers = {"Authorization": f"Bearer {api_key}", "User-Agent": USER_AGENT}
        return cls(service_root(base_url), headers, tenant_id or os.environ.get("ALLURE_TENANT_ID") or None)


def query_params(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


class Client:
    """`Client(base_url, api_key)`, or both from ALLURE_BASE_URL / ALLURE_API_KEY.

    `tenant_id` (or ALLURE_TENANT_ID) is sent in upload bodies when given; without it the service
    takes the API key's tenant.
    """

    def __init__(
        self, base_url: str | None = None, api_key: str | None = None, *, tenant_id: str | None = None,
        timeout: float = 60.0, max_attempts: int = 5, max_retry_wait: float = 120.0,
    ) -> None:  # fmt: skip
        connection = Connection.resolve(base_url, api_key, tenant_id)
        self.base_url, self._tenant_id = connection.base_url, connection.tenant_id
        self.retry = RetryPolicy(max_attempts, max_retry_wait)
        self.http = httpx.Client(base_url=self.base_url, headers=connection.headers, timeout=timeout)
        # Storage's presigned URLs carry their own signature: our Bearer key must never travel there.
        self.storage_http = httpx.Client(headers={"User-Agent": USER_AGENT}, timeout=timeout)

    def close(self) -> None:
        self.http.close()
        self.storage_http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- the transport -------------------------------------------------------------------------

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One API call with the retry policy; raises the typed error of a non-2xx answer."""
        return self.retry.call(lambda: check(self.http.request(method, path, **kwargs)))

    def _get(self, model: type[M], path: str, **params: Any) -> M:
        return model.model_validate(self.request("GET", path, params=query_params(**params)).json())

    def _send(self, model: type[M], method: str, path: str, body: BaseModel | None = None) -> M:
        payload = body.model_dump(mode="json", exclude_none=True) if body is not None else None
        return model.model_validate(self.request(method, path, json=payload).json())

    # -- health, jobs, keys ----------------------------------------------------------------------

    def health(self) -> m.Health:
        return self._get(m.Health, "/api/health")

    def list_jobs(
        self, page: int = 1, limit: int = 20, status: str | None = None, kind: str | None = None
    ) -> m.JobList:
        return self._get(m.JobList, "/api/v1/jobs", page=page, limit=limit, status=status, kind=kind)

    def iter_jobs(self, limit: int = 100, **filters: Any) -> Iterator[m.Job]:
        def fetch(page: int) -> tuple[list[m.Job], int | None]:
            answer = self.list_jobs(page, limit, **filters)
            return answer.jobs, answer.pagination.total_pages

        return iterate_pages(fetch, limit)

    def get_job(self, job_id: str) -> m.Job:
        return self._get(m.Job, f"/api/v1/jobs/{job_id}")

    def wait_for_job(
        self, job_id: str, *, timeout: float = 3600.0, interval: float = 0.5,
        on_update: Callable[[m.Job], None] | None = None,
    ) -> m.Job:  # fmt: skip
        """Poll the job until it has finished; `on_update(job)` sees each poll (status, stage, progress).

        Returns the succeeded job; raises `JobFailed` (its error's code and details) or `TimeoutError`.
        """
        deadline = time.monotonic() + timeout
        while True:
            job = self.get_job(job_id)
            if on_update:
                on_update(job)
            if job.status == "failed":
                raise JobFailed(job)
            if job.status == "succeeded":
                return job
            if time.monotonic() >= deadline:
                raise TimeoutError(f"job {job_id} still {job.status} after {timeout}s")
            time.sleep(interval)

    def list_api_keys(self, page: int = 1, limit: int = 20) -> m.ApiKeyList:
        return self._get(m.ApiKeyList, "/api/v1/api-keys", page=page, limit=limit)

    def create_api_key(self, scopes: Iterable[str]) -> m.ApiKeyCreated:
        return self._send(m.ApiKeyCreated, "POST", "/api/v1/api-keys", m.ApiKeyCreate(scopes=list(scopes)))

    def revoke_api_key(self, key_id: str) -> m.ApiKey:
        return self._send(m.ApiKey, "DELETE", f"/api/v1/api-keys/{key_id}")

    # -- packages --------------------------------------------------------------------------------

    @property
    def tenant_id(self) -> str | None:
        """The tenant uploads name; None lets the service take the API key's tenant."""
        return self._tenant_id

    def create_upload_url(
        self, filename: str, file_size: int, uploaded_by: str = DEFAULT_UPLOADER, package_id: str | None = None
    ) -> m.UploadTicket:
        body = m.UploadUrlRequest(
            tenant_id=self.tenant_id, filename=filename, file_size=file_size, uploaded_by=uploaded_by,
            package_id=package_id,
        )  # fmt: skip
        return self._send(m.UploadTicket, "POST", "/api/v1/packages/upload-url", body)

    def put_to_storage(self, ticket: m.UploadTicket, path: Path, progress: Progress | None = None) -> None:
        """PUT the file to the presigned URL, streamed from disk, with exactly the required headers."""
        size = path.stat().st_size
        headers = {**ticket.required_put_headers, "Content-Length": str(size)}

        def put() -> httpx.Response:
            body = stream_file(path, progress)
            return check(self.storage_http.request(ticket.method, ticket.presigned_url, content=body, headers=headers))

        self.retry.call(put)

    def process_upload(
        self, storage_path: str, original_filename: str, uploaded_by: str = DEFAULT_UPLOADER,
        package_id: str | None = None,
    ) -> m.AcceptedJob:  # fmt: skip
        body = m.ProcessRequest(
            tenant_id=self.tenant_id, storage_path=storage_path, original_filename=original_filename,
            uploaded_by=uploaded_by, package_id=package_id,
        )  # fmt: skip
        return self._send(m.AcceptedJob, "POST", "/api/v1/packages/process", body)

    def upload_form(
        self, path: str | Path, uploaded_by: str = DEFAULT_UPLOADER, package_id: str | None = None
    ) -> m.AcceptedJob:
        """The multipart upload (small packages): the ZIP travels in the request."""
        path = Path(path)
        data = query_params(tenant_id=self.tenant_id, uploaded_by=uploaded_by, package_id=package_id)

        def send() -> httpx.Response:
            with path.open("rb") as handle:
                files = {"file": (path.name, handle, "application/zip")}
                return check(self.http.post("/api/v1/packages/upload", data=data, files=files))

        return m.AcceptedJob.model_validate(self.retry.call(send).json())

    def upload_package(
        self, path: str | Path, *, progress: Progress | None = None, on_job: Callable[[m.Job], None] | None = None,
        uploaded_by: str = DEFAULT_UPLOADER, package_id: str | None = None, timeout: float = 3600.0,
    ) -> m.PackageDetail:  # fmt: skip
        """upload-url → streamed PUT (`progress(sent, total)`) → process → wait for the job → the ready package."""
        path = Path(path)
        ticket = self.create_upload_url(path.name, path.stat().st_size, uploaded_by, package_id)
        self.put_to_storage(ticket, path, progress)
        accepted = self.process_upload(ticket.storage_path, path.name, uploaded_by, package_id)
        job = self.wait_for_job(accepted.job_id, timeout=timeout, on_update=on_job)
        return self.get_package(str((job.result or {})["package_id"]))

    def list_packages(self, page: int = 1, limit: int = 20) -> m.PackageList:
        return self._get(m.PackageList, "/api/v1/packages", page=page, limit=limit)

    def iter_packages(self, limit: int = 100) -> Iterator[m.PackageSummary]:
        def fetch(page: int) -> tuple[list[m.PackageSummary], int | None]:
            answer = self.list_packages(page, limit)
            return answer.packages, pages_from_count(answer.count, limit)

        return iterate_pages(fetch, limit)

    def get_package(self, package_id: str) -> m.PackageDetail:
        return self._get(m.PackageDetail, f"/api/v1/packages/{package_id}")

    def delete_package(self, package_id: str) -> m.PackageDeleted:
        return self._send(m.PackageDeleted, "DELETE", f"/api/v1/packages/{package_id}")

    # -- sessions --------------------------------------------------------------------------------

    def list_sessions(
        self, page: int = 1, limit: int = 20, package_id: str | None = None, user_id: str | None = None,
        completion_status: str | None = None, success_status: str | None = None,
    ) -> m.SessionList:  # fmt: skip
        return self._get(
            m.SessionList, "/api/v1/sessions", page=page, limit=limit, package_id=package_id, user_id=user_id,
            completion_status=completion_status, success_status=success_status,
        )  # fmt: skip

    def iter_sessions(self, limit: int = 100, **filters: Any) -> Iterator[m.Session]:
        def fetch(page: int) -> tuple[list[m.Session], int | None]:
            answer = self.list_sessions(page, limit, **filters)
            return answer.sessions, answer.pagination.total_pages

        return iterate_pages(fetch, limit)

    def launch(
        self, package_id: str, user_id: str, user_name: str | None = None, *, new_attempt: bool = False,
        mode: str = "normal",
    ) -> m.SessionCreated:  # fmt: skip
        """Create (or resume) the learner's session: the session and its single-use `launch_url`."""
        body = m.SessionCreate(
            package_id=package_id, user_id=user_id, user_name=user_name, new_attempt=new_attempt, mode=mode
        )
        return self._send(m.SessionCreated, "POST", "/api/v1/sessions", body)

    create_session = launch

    def get_session(self, session_id: str) -> m.SessionDetail:
        return self._get(m.SessionEnvelope, f"/api/v1/sessions/{session_id}").session

    def update_session(self, session_id: str, **fields: Any) -> m.SessionUpdated:
        body = m.SessionUpdate.model_validate(fields)
        return self._send(m.SessionUpdated, "PUT", f"/api/v1/sessions/{session_id}", body)

    # -- dispatches ------------------------------------------------------------------------------

    def list_dispatches(
        self, page: int = 1, limit: int = 20, package_id: str | None = None, status: str | None = None
    ) -> m.DispatchList:
        return self._get(m.DispatchList, "/api/v1/dispatches", page=page, limit=limit, package_id=package_id,
                         status=status)  # fmt: skip

    def iter_dispatches(self, limit: int = 100, **filters: Any) -> Iterator[m.DispatchSummary]:
        def fetch(page: int) -> tuple[list[m.DispatchSummary], int | None]:
            answer = self.list_dispatches(page, limit, **filters)
            return answer.dispatches, answer.pagination.total_pages

        return iterate_pages(fetch, limit)

    def create_dispatch(
        self, package_id: str, dispatch_name: str, *, registration_limit: int | None = None,
        expires_in_hours: int | None = None, allowed_domains: list[str] | None = None,
    ) -> m.Dispatch:  # fmt: skip
        body = m.DispatchCreate(
            package_id=package_id, dispatch_name=dispatch_name, registration_limit=registration_limit,
            expires_in_hours=expires_in_hours, allowed_domains=allowed_domains,
        )  # fmt: skip
        return self._send(m.DispatchEnvelope, "POST", "/api/v1/dispatches", body).dispatch

    def get_dispatch(self, dispatch_id: str) -> m.Dispatch:
        return self._get(m.DispatchEnvelope, f"/api/v1/dispatches/{dispatch_id}").dispatch

    def revoke_dispatch(self, dispatch_id: str) -> m.DispatchRevoked:
        return self._send(m.DispatchRevoked, "DELETE", f"/api/v1/dispatches/{dispatch_id}")

    def generate_dispatch_zip(self, dispatch_id: str) -> m.DispatchGenerate:
        return self._send(m.DispatchGenerate, "POST", f"/api/v1/dispatches/{dispatch_id}/generate")

    def download_dispatch_zip(
        self, dispatch_id: str, path: str | Path, *, progress: Progress | None = None, timeout: float = 600.0
    ) -> Path:
        """Generate the dispatch's ZIP if needed, wait for it, and stream it to `path` (written whole or not at all)."""
        if not self.get_dispatch(dispatch_id).zip_ready:
            self.wait_for_job(self.generate_dispatch_zip(dispatch_id).job_id, timeout=timeout)
        path = Path(path)
        partial = path.with_name(path.name + ".part")

        def download() -> None:
            with self.http.stream("GET", f"/api/v1/dispatches/{dispatch_id}/zip") as response:
                check(response)
                total = int(response.headers.get("Content-Length") or 0)
                with partial.open("wb") as out:
                    for chunk in response.iter_bytes():
                        out.write(chunk)
                        if progress:
                            progress(response.num_bytes_downloaded, total)

        self.retry.call(download)
        partial.replace(path)
        return path

    # -- xAPI ------------------------------------------------------------------------------------

    def post_statements(self, statements: Iterable[dict[str, Any]], batch_size: int = 100) -> list[str]:
        """Store statements in batches of `batch_size`; the ids in order."""
        ids: list[str] = []
        batch: list[dict[str, Any]] = []
        for statement in statements:
            batch.append(statement)
            if len(batch) == batch_size:
                ids += self.request("POST", "/api/v1/xapi/statements", json=batch).json()
                batch = []
        if batch:
            ids += self.request("POST", "/api/v1/xapi/statements", json=batch).json()
        return ids

    def list_statements(self, page: int = 1, limit: int = 20, **filters: Any) -> m.XapiStatementList:
        return self._get(m.XapiStatementList, "/api/v1/xapi/statements", page=page, limit=limit, **filters)

    def iter_statements(self, limit: int = 100, **filters: Any) -> Iterator[dict[str, Any]]:
        def fetch(page: int) -> tuple[list[dict[str, Any]], int | None]:
            answer = self.list_statements(page, limit, **filters)
            return answer.statements, answer.pagination.total_pages

        return iterate_pages(fetch, limit)

    def get_statement(self, statement_id: str) -> dict[str, Any]:
        # The OpenAPI gives no schema for one statement: it is the xAPI document as stored.
        return self.request("GET", f"/api/v1/xapi/statements/{statement_id}").json()

    def xapi_actors(self, page: int = 1, limit: int = 20, **filters: Any) -> m.XapiActorList:
        return self._get(m.XapiActorList, "/api/v1/xapi/analytics/actors", page=page, limit=limit, **filters)

    def xapi_activities(self, page: int = 1, limit: int = 20, **filters: Any) -> m.XapiActivityList:
        return self._get(m.XapiActivityList, "/api/v1/xapi/analytics/activities", page=page, limit=limit, **filters)

    def list_lrs_credentials(self, page: int = 1, limit: int = 20) -> m.LrsCredentialList:
        return self._get(m.LrsCredentialList, "/api/v1/xapi/credentials", page=page, limit=limit)

    def create_lrs_credential(self, **fields: Any) -> m.LrsCredentialCreated:
        body = m.LrsCredentialCreate.model_validate(fields)
        return self._send(m.LrsCredentialCreated, "POST", "/api/v1/xapi/credentials", body)

    def delete_lrs_credential(self, credential_id: str) -> m.LrsCredential:
        return self._send(m.LrsCredential, "DELETE", f"/api/v1/xapi/credentials/{credential_id}")
