"""The retry policy: 429 honouring Retry-After, 5xx and connection errors with jittered exponential backoff."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from allure_connect.errors import TransportError, error_from_response, retry_after_seconds

T = TypeVar("T")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class RetryableResponse(Exception):
    """An answer worth another try; carries it so the last one becomes the typed error."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def check(response: httpx.Response) -> httpx.Response:
    """The response if 2xx/3xx; otherwise raise (retryable, or the typed error at once)."""
    if response.status_code in RETRY_STATUSES:
        response.read()
        raise RetryableResponse(response)
    if response.is_error:
        response.read()
        raise error_from_response(response)
    return response


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
            "retry": retry_if_exception_type((RetryableResponse, httpx.TransportError)),
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
        """The async twin of `call`."""
        try:
            return await AsyncRetrying(**self._options())(send)
        except RetryableResponse as last:
            raise error_from_response(last.response) from None
        except httpx.TransportError as last:
            raise TransportError(f"{type(last).__name__}: {last}") from last
