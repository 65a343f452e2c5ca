"""`Client`: every route of the Allure Connect API (sync, httpx), typed by the generated models."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import httpx

from allure_connect import operations as o
from allure_connect.binding import Operations
from allure_connect.errors import ConfigurationError
from allure_connect.operations import DEFAULT_UPLOADER, query_params
from allure_connect.pagination import has_next_page
from allure_connect.retries import RetryPolicy, check
from allure_connect.uploads import stream_file

R = TypeVar("R")
T = TypeVar("T")
USER_AGENT = "allure-connect-python/0.1.0"
__all__ = ["DEFAULT_UPLOADER", "USER_AGENT", "Client", "Connection", "query_params", "service_root"]


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


class Client(Operations):
    """`Client(base_url, api_key)`, or both from ALLURE_BASE_URL / ALLURE_API_KEY.

    `tenant_id` (or ALLURE_TENANT_ID) is sent in upload bodies when given; without it the service
    takes the API key's tenant. Its calls (`list_packages`, `upload_package`, …) are declared in
    `allure_connect.binding.Operations`.
    """

    is_async: Literal[False] = False

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

    @property
    def tenant_id(self) -> str | None:
        """The tenant uploads name; None lets the service take the API key's tenant."""
        return self._tenant_id

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

    def drive(self, work: o.Work[R]) -> R:
        """Perform one step, or every step of a flow, feeding each result back into it."""
        if not isinstance(work, Iterator):
            return self.perform(work)
        try:
            step = next(work)
            while True:
                step = work.send(self.perform(step))
        except StopIteration as done:
            return done.value

    def perform(self, step: o.Step) -> Any:
        if isinstance(step, o.Call):
            return step.parse(self.retry.call(lambda: self._send(step)).json())
        if isinstance(step, o.Put):
            self.retry.call(lambda: self._put(step))
            return None
        if isinstance(step, o.Download):
            self.retry.call(lambda: self._download(step))
            return step.partial.replace(step.target)
        time.sleep(step.seconds)
        return None

    def _send(self, call: o.Call[Any]) -> httpx.Response:
        if call.file is None:
            return check(self.http.request(call.method, call.path, params=call.params, json=call.json))
        with call.file.open("rb") as handle:
            files = {"file": (call.file.name, handle, "application/zip")}
            return check(self.http.request(call.method, call.path, data=call.form, files=files))

    def _put(self, put: o.Put) -> httpx.Response:
        ticket = put.ticket
        body = stream_file(put.path, put.progress)
        return check(self.storage_http.request(ticket.method, ticket.presigned_url, content=body,
                                               headers=put.headers()))  # fmt: skip

    def _download(self, download: o.Download) -> None:
        with self.http.stream("GET", download.path) as response:
            check(response)
            total = int(response.headers.get("Content-Length") or 0)
            with download.partial.open("wb") as out:
                for chunk in response.iter_bytes():
                    out.write(chunk)
                    if download.progress:
                        download.progress(response.num_bytes_downloaded, total)

    def iterate(self, paged: o.Paged[Any, T], limit: int, filters: dict[str, Any]) -> Iterator[T]:
        page = 1
        while True:
            answer = self.drive(paged.route(self, page, limit, **filters))
            items = paged.items(answer)
            yield from items
            if not has_next_page(page, len(items), paged.total_pages(answer, limit), limit):
                return
            page += 1
