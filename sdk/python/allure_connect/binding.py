"""The API's calls declared once (`Operations`) and bound to either client.

An `operation` attribute is a descriptor: on a `Client` it is a plain method answering the result,
on an `AsyncClient` a method answering an awaitable (the overloads tell type checkers which one by
the client's `is_async`). At run time both call the client's `drive`, which performs the steps of
`allure_connect.operations` with its own transport.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Concatenate, Generic, Literal, ParamSpec, Protocol, TypeVar, overload

from allure_connect import operations as o

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


class SyncRunner(Protocol):
    is_async: Literal[False]


class AsyncRunner(Protocol):
    is_async: Literal[True]


def _without_client(build: Callable[..., Any], bound: Callable[..., Any]) -> Callable[..., Any]:
    """`bound` documented as `build` without its first (client) parameter, for help() and editors."""
    functools.update_wrapper(bound, build)
    signature = inspect.signature(build)
    bound.__signature__ = signature.replace(parameters=list(signature.parameters.values())[1:])  # type: ignore[attr-defined]
    del bound.__wrapped__
    return bound


class operation(Generic[P, R]):
    def __init__(self, build: Callable[Concatenate[Any, P], o.Call[R] | o.Put | o.Download | o.Flow[R]]) -> None:
        self.build = build
        self.__doc__ = build.__doc__

    @overload
    def __get__(self, client: None, owner: type) -> operation[P, R]: ...
    @overload
    def __get__(self, client: SyncRunner, owner: type) -> Callable[P, R]: ...
    @overload
    def __get__(self, client: AsyncRunner, owner: type) -> Callable[P, Awaitable[R]]: ...

    def __get__(self, client: Any, owner: type) -> Any:
        if client is None:
            return self

        def bound(*args: Any, **kwargs: Any) -> Any:
            return client.drive(self.build(client, *args, **kwargs))

        return _without_client(self.build, bound)


class pages(Generic[T]):
    """`iter_x(limit=100, **filters)`: the items of a list route, page after page."""

    def __init__(self, paged: o.Paged[Any, T]) -> None:
        self.paged = paged

    @overload
    def __get__(self, client: None, owner: type) -> pages[T]: ...
    @overload
    def __get__(self, client: SyncRunner, owner: type) -> Callable[..., Iterator[T]]: ...
    @overload
    def __get__(self, client: AsyncRunner, owner: type) -> Callable[..., AsyncIterator[T]]: ...

    def __get__(self, client: Any, owner: type) -> Any:
        if client is None:
            return self

        def iterate(limit: int = 100, **filters: Any) -> Any:
            return client.iterate(self.paged, limit, filters)

        return iterate


class Operations:
    """Every call of the API, for `Client` (answers) and `AsyncClient` (awaitables) alike."""

    health = operation(o.health)
    list_jobs = operation(o.list_jobs)
    iter_jobs = pages(o.JOBS)
    get_job = operation(o.get_job)
    wait_for_job = operation(o.wait_for_job)
    list_api_keys = operation(o.list_api_keys)
    create_api_key = operation(o.create_api_key)
    revoke_api_key = operation(o.revoke_api_key)

    create_upload_url = operation(o.create_upload_url)
    put_to_storage = operation(o.put_to_storage)
    process_upload = operation(o.process_upload)
    upload_form = operation(o.upload_form)
    upload_package = operation(o.upload_package)
    list_packages = operation(o.list_packages)
    iter_packages = pages(o.PACKAGES)
    get_package = operation(o.get_package)
    delete_package = operation(o.delete_package)

    list_sessions = operation(o.list_sessions)
    iter_sessions = pages(o.SESSIONS)
    launch = operation(o.launch)
    create_session = launch
    get_session = operation(o.get_session)
    update_session = operation(o.update_session)

    list_dispatches = operation(o.list_dispatches)
    iter_dispatches = pages(o.DISPATCHES)
    create_dispatch = operation(o.create_dispatch)
    get_dispatch = operation(o.get_dispatch)
    revoke_dispatch = operation(o.revoke_dispatch)
    generate_dispatch_zip = operation(o.generate_dispatch_zip)
    download_dispatch_zip = operation(o.download_dispatch_zip)

    post_statements = operation(o.post_statements)
    list_statements = operation(o.list_statements)
    iter_statements = pages(o.STATEMENT_PAGES)
    get_statement = operation(o.get_statement)
    xapi_actors = operation(o.xapi_actors)
    xapi_activities = operation(o.xapi_activities)
    list_lrs_credentials = operation(o.list_lrs_credentials)
    create_lrs_credential = operation(o.create_lrs_credential)
    delete_lrs_credential = operation(o.delete_lrs_credential)
