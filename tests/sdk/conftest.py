"""One live gunicorn + worker stack per module for the SDK and CLI tests, a tenant and a client per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from allure_connect import Client
from flask import Flask

from config.settings import Settings
from tests.fixtures.corpus import CORPUS
from tests.fixtures.platform import LiveStack, TenantKey, start_stack

GOLF = CORPUS / "scorm12" / "golf_RuntimeBasicCalls_SCORM12.zip"


@pytest.fixture(scope="module")
def sdk_stack(base_settings: Settings) -> Iterator[LiveStack]:
    stack = start_stack(base_settings)
    yield stack
    stack.stop()


@pytest.fixture
def tight_stack(app: Flask, settings: Settings) -> Iterator[LiveStack]:
    """A stack that allows two reads per window, for the 429 tests of both SDKs."""
    stack = start_stack(settings, web_workers=1, with_worker=False, extra_env={"AC_RATE_LIMIT_READ": "2"})
    yield stack
    stack.stop()


@pytest.fixture
def tenant_key(app: Flask, make_tenant: Callable[..., TenantKey]) -> TenantKey:
    return make_tenant()


@pytest.fixture
def sdk(sdk_stack: LiveStack, tenant_key: TenantKey) -> Iterator[Client]:
    with Client(sdk_stack.base_url, tenant_key.key, tenant_id=tenant_key.tenant_id) as client:
        yield client


@pytest.fixture
def golf() -> Path:
    return GOLF
