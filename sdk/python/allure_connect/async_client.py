"""`AsyncClient`: every call of `Client`, on httpx's async client, for services that import and launch at scale.

The calls and flows are the same declarations as the sync client's (`allure_connect.binding`); only
performing a step (a request, the PUT to storage, a download, a pause) is written here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal, TypeVar

import httpx

from allure_connect import operations as o
from allure_connect.binding import Operations
from allure_connect.client import USER_AGENT, Connection
from allure_connect.pagination import has_next_page
from allure_connect.retries import RetryPolicy, check
from allure_connect.uploads import astream_file

R = TypeVar("R")
T = TypeVar("T")


class AsyncClient(Operations):
    """`AsyncClient(base_url, api_key, tenant_id=...)`, configured as `Client`; use with `async with`."""

    is_async: Literal[True] = True

    def __init__(
        self, base_url: str | None = None, api_key: str | None = None, *, tenant_id: str | None = None,
        timeout: float = 60.0, max_attempts: int = 5, max_retry_wait: float = 120.0,
    ) -> None:  # fmt: skip
        connection = Connection.resolve(base_url, api_key, tenant_id)
        self.base_url, self.tenant_id = connection.base_url, connection.tenant_id
        self.retry = RetryPolicy(max_attempts, max_retry_wait)
        self.http = httpx.AsyncClient(base_url=self.base_url, headers=connection.headers, timeout=timeout)
        # Storage's presigned URLs carry their own signature: our Bearer key must never travel there.
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

    async def drive(self, work: o.Work[R]) -> R:
        """The async twin of `Client.drive`."""
        if not isinstance(work, Iterator):
            return await self.perform(work)
        try:
            step = next(work)
            while True:
                step = work.send(await self.perform(step))
        except StopIteration as done:
            return done.value

    async def perform(self, step: o.Step) -> Any:
        if isinstance(step, o.Call):
            return step.parse((await self.retry.acall(lambda: self._send(step))).json())
        if isinstance(step, o.Put):
            await self.retry.acall(lambda: self._put(step))
            return None
        if isinstance(step, o.Download):
            await self.retry.acall(lambda: self._download(step))
            return step.partial.replace(step.target)
        await asyncio.sleep(step.seconds)
        return None

    async def _send(self, call: o.Call[Any]) -> httpx.Response:
        if call.file is None:
            return check(await self.http.request(call.method, call.path, params=call.params, json=call.json))
        with call.file.open("rb") as handle:
            # httpx's async multipart wants the bytes: the form route is for small packages anyway.
            files = {"file": (call.file.name, handle.read(), "application/zip")}
        return check(await self.http.request(call.method, call.path, data=call.form, files=files))

    async def _put(self, put: o.Put) -> httpx.Response:
        ticket = put.ticket
        body = astream_file(put.path, put.progress)
        return check(await self.storage_http.request(ticket.method, ticket.presigned_url, content=body,
                                                     headers=put.headers()))  # fmt: skip

    async def _download(self, download: o.Download) -> None:
        async with self.http.stream("GET", download.path) as response:
            check(response)
            total = int(response.headers.get("Content-Length") or 0)
            with download.partial.open("wb") as out:
                async for chunk in response.aiter_bytes():
                    out.write(chunk)
                    if download.progress:
                        download.progress(response.num_bytes_downloaded, total)

    async def iterate(self, paged: o.Paged[Any, T], limit: int, filters: dict[str, Any]) -> AsyncIterator[T]:
        page = 1
        while True:
            answer = await self.drive(paged.route(self, page, limit, **filters))
            items = paged.items(answer)
            for item in items:
                yield item
            if not has_next_page(page, len(items), paged.total_pages(answer, limit), limit):
                return
            page += 1
