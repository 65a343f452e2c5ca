"""`AsyncClient`: the SDK's core calls on httpx's async client, for services that import and launch at scale."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from allure_connect import models as m
from allure_connect.client import DEFAULT_UPLOADER, USER_AGENT, Connection, query_params
from allure_connect.errors import JobFailed
from allure_connect.pagination import pages_from_count
from allure_connect.retries import RetryPolicy, check
from allure_connect.uploads import Progress, astream_file

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


async def _iterate(fetch: Callable[[int], Any]) -> AsyncIterator[Any]:
    """Items page after page; `fetch(page)` answers (items, total pages)."""
    page = 1
    while True:
        items, total_pages = await fetch(page)
        for item in items:
            yield item
        if not items or page >= total_pages:
            return
        page += 1


class AsyncClient:
    """`AsyncClient(base_url, api_key, tenant_id=...)`, configured as `Client`; use with `async with`."""

    def __init__(
        self, base_url: str | None = None, api_key: str | None = None, *, tenant_id: str | None = None,
        timeout: float = 60.0, max_attempts: int = 5, max_retry_wait: float = 120.0,
    ) -> None:  # fmt: skip
        connection = Connection.resolve(base_url, api_key, tenant_id)
        self.base_url, self.tenant_id = connection.base_url, connection.tenant_id
        self.retry = RetryPolicy(max_attempts, max_retry_wait)
        self.http = httpx.AsyncClient(base_url=self.base_url, headers=connection.headers, timeout=timeout)
        self.storage_http = httpx.AsyncClient(headers={"User-Agent": USER_AGENT}, timeout=timeout)

    async def aclose(self) -> None:
        await self.http.aclose()
        await self.storage_http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            return check(await self.http.request(method, path, **kwargs))

        return await self.retry.acall(send)

    async def _get(self, model: type[M], path: str, **params: Any) -> M:
        return model.model_validate((await self.request("GET", path, params=query_params(**params))).json())

    async def _send(self, model: type[M], method: str, path: str, body: BaseModel | None = None) -> M:
        payload = body.model_dump(mode="json", exclude_none=True) if body is not None else None
        return model.model_validate((await self.request(method, path, json=payload)).json())

    def _tenant(self) -> str | None:
        # None lets the service take the API key's tenant.
        return self.tenant_id

    async def health(self) -> m.Health:
        return await self._get(m.Health, "/api/health")

    async def get_job(self, job_id: str) -> m.Job:
        return await self._get(m.Job, f"/api/v1/jobs/{job_id}")

    async def wait_for_job(
        self, job_id: str, *, timeout: float = 3600.0, interval: float = 0.5,
        on_update: Callable[[m.Job], None] | None = None,
    ) -> m.Job:  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            job = await self.get_job(job_id)
            if on_update:
                on_update(job)
            if job.status == "failed":
                raise JobFailed(job)
            if job.status == "succeeded":
                return job
            if time.monotonic() >= deadline:
                raise TimeoutError(f"job {job_id} still {job.status} after {timeout}s")
            await asyncio.sleep(interval)

    async def upload_package(
        self, path: str | Path, *, progress: Progress | None = None, on_job: Callable[[m.Job], None] | None = None,
        uploaded_by: str = DEFAULT_UPLOADER, package_id: str | None = None, timeout: float = 3600.0,
    ) -> m.PackageDetail:  # fmt: skip
        path = Path(path)
        size = path.stat().st_size
        ticket = await self._send(m.UploadTicket, "POST", "/api/v1/packages/upload-url", m.UploadUrlRequest(
            tenant_id=self._tenant(), filename=path.name, file_size=size, uploaded_by=uploaded_by,
            package_id=package_id,
        ))  # fmt: skip
        headers = {**ticket.required_put_headers, "Content-Length": str(size)}

        async def put() -> httpx.Response:
            body = astream_file(path, progress)
            return check(await self.storage_http.request(ticket.method, ticket.presigned_url, content=body,
                                                         headers=headers))  # fmt: skip

        await self.retry.acall(put)
        accepted = await self._send(m.AcceptedJob, "POST", "/api/v1/packages/process", m.ProcessRequest(
            tenant_id=self._tenant(), storage_path=ticket.storage_path, original_filename=path.name,
            uploaded_by=uploaded_by, package_id=package_id,
        ))  # fmt: skip
        job = await self.wait_for_job(accepted.job_id, timeout=timeout, on_update=on_job)
        return await self.get_package(str((job.result or {})["package_id"]))

    async def list_packages(self, page: int = 1, limit: int = 20) -> m.PackageList:
        return await self._get(m.PackageList, "/api/v1/packages", page=page, limit=limit)

    def iter_packages(self, limit: int = 100) -> AsyncIterator[m.PackageSummary]:
        async def fetch(page: int) -> tuple[list[m.PackageSummary], int]:
            answer = await self.list_packages(page, limit)
            return answer.packages, pages_from_count(answer.count, limit)

        return _iterate(fetch)

    async def get_package(self, package_id: str) -> m.PackageDetail:
        return await self._get(m.PackageDetail, f"/api/v1/packages/{package_id}")

    async def delete_package(self, package_id: str) -> m.PackageDeleted:
        return await self._send(m.PackageDeleted, "DELETE", f"/api/v1/packages/{package_id}")

    async def list_sessions(self, page: int = 1, limit: int = 20, **filters: Any) -> m.SessionList:
        return await self._get(m.SessionList, "/api/v1/sessions", page=page, limit=limit, **filters)

    def iter_sessions(self, limit: int = 100, **filters: Any) -> AsyncIterator[m.Session]:
        async def fetch(page: int) -> tuple[list[m.Session], int]:
            answer = await self.list_sessions(page, limit, **filters)
            return answer.sessions, answer.pagination.total_pages

        return _iterate(fetch)

    async def launch(
        self, package_id: str, user_id: str, user_name: str | None = None, *, new_attempt: bool = False,
        mode: str = "normal",
    ) -> m.SessionCreated:  # fmt: skip
        body = m.SessionCreate(
            package_id=package_id, user_id=user_id, user_name=user_name, new_attempt=new_attempt, mode=mode
        )
        return await self._send(m.SessionCreated, "POST", "/api/v1/sessions", body)

    async def get_session(self, session_id: str) -> m.SessionDetail:
        return (await self._get(m.SessionEnvelope, f"/api/v1/sessions/{session_id}")).session

    async def post_statements(self, statements: Iterable[dict[str, Any]], batch_size: int = 100) -> list[str]:
        ordered = list(statements)
        ids: list[str] = []
        for start in range(0, len(ordered), batch_size):
            answer = await self.request("POST", "/api/v1/xapi/statements", json=ordered[start : start + batch_size])
            ids += answer.json()
        return ids
