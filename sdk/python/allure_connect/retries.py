"""The retry policy: 429 honouring Retry-After, 5xx and connection errors with jittered exponential backoff.

Any call is tried again after a 429 or a 503 (the service refused it before doing anything) or when the
connection could not be made; other 5xx and broken connections only for the idempotent methods, where a
second try cannot do the work twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from allure_connect.errors import TransportError, error_from_response, retry_after_seconds

T = TypeVar("T")
RETRY_ALWAYS = frozenset({429, 503})
RETRY_IDEMPOTENT = frozenset({500, 502, 504})
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class RetryableResponse(Exception):
    """An answer worth another try; carries it so the last one becomes the typed error."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def check(response: httpx.Response) -> httpx.Response:
    """The response if 2xx/3xx; otherwise raise (retryable, or the typed error at once)."""
    status, method = response.status_code, response.request.method
    if status in RETRY_ALWAYS or (status in RETRY_IDEMPOTENT and method in IDEMPOTENT):
        response.read()
        raise RetryableResponse(response)
    if response.is_error:
        response.read()
        raise error_from_response(response)
    return response


def worth_retrying(error: BaseException) -> bool:
    if isinstance(error, RetryableResponse | httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return True
    return isinstance(error, httpx.TransportError) and error.request.method in IDEMPOTENT


class RetryPolicy:
    def __init__(self, max_attempts: int = 5, max_wait: float = 120.0, backoff: float = 0.5) -> None:
        self.max_attempts = max_attempts
        self.max_wait = max_wait
        self._backoff = wait_exponential_jitter(multiplier=backoff, max=30)

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RetryableResponse):
            advised = retry_after_seconds(error.response.headers)
            if advised is not None:
                # The window resets on a whole second: a little over the advice avoids a second 429.
                return min(advised + 0.25, self.max_wait)
        return min(self._backoff(state), self.max_wait)

    def _options(self) -> dict[str, object]:
        return {
            "stop": stop_after_attempt(self.max_attempts),
            "wait": self._wait,
            "retry": retry_if_exception(worth_retrying),
            "reraise": True,
        }

    def retrying(self) -> Retrying:
        return Retrying(**self._options())

    def call(self, send: Callable[[], T]) -> T:
        """`send()` until it returns, the error is final, or the attempts run out."""
        try:
            return self.retrying()(send)
        except RetryableResponse as last:
            raise error_from_response(last.response) from None
        except httpx.TransportError as last:
            raise TransportError(f"{type(last).__name__}: {last}") from last

    async def acall(self, send: Callable[[], Awaitable[T]]) -> T:
        """The async twin of `call`; `send` may be a lambda answering a coroutine."""

        async def attempt() -> T:
            # tenacity awaits only what it recognises as a coroutine function.
            return await send()

        try:
            return await AsyncRetrying(**self._options())(attempt)
        except RetryableResponse as last:
            raise error_from_response(last.response) from None
        except httpx.TransportError as last:
            raise TransportError(f"{type(last).__name__}: {last}") from last
