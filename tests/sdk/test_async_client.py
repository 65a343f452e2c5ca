"""The async client against the live service: upload with progress, launch, pages, typed errors."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from allure_connect import AsyncClient, NotFound

from tests.fixtures.platform import LiveStack, TenantKey

pytestmark = pytest.mark.xdist_group("sdk")


def test_async_upload_launch_and_pages(sdk_stack: LiveStack, tenant_key: TenantKey, golf: Path):
    async def scenario() -> None:
        sent: list[int] = []
        async with AsyncClient(sdk_stack.base_url, tenant_key.key, tenant_id=tenant_key.tenant_id) as api:
            package = await api.upload_package(golf, progress=lambda done, _total: sent.append(done))
            assert sent[-1] == golf.stat().st_size
            launched = await asyncio.gather(*(api.launch(package.id, f"u{n}") for n in range(3)))
            listed = [s.id async for s in api.iter_sessions(limit=2)]
            assert sorted(listed) == sorted(item.session.id for item in launched)
            assert [p.id async for p in api.iter_packages(limit=1)] == [package.id]
            with pytest.raises(NotFound) as caught:
                await api.get_package("missing")
            assert caught.value.code == "PACKAGE_NOT_FOUND" and caught.value.request_id

    asyncio.run(scenario())
