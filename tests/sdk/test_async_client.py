"""The async client against the live service: upload with progress, launch, pages, typed errors."""

from __future__ import annotations

import asyncio
import zipfile
from pathlib import Path

import pytest
from allure_connect import AsyncClient, NotFound

from tests.fixtures.platform import LiveStack, TenantKey
from tests.fixtures.xapi import statement

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


def test_async_dispatches_keys_lrs_and_statements(
    sdk_stack: LiveStack, tenant_key: TenantKey, golf: Path, tmp_path: Path
):
    async def scenario() -> None:
        async with AsyncClient(sdk_stack.base_url, tenant_key.key, tenant_id=tenant_key.tenant_id) as api:
            accepted = await api.upload_form(golf)
            job = await api.wait_for_job(accepted.job_id)
            package_id = str(job.result["package_id"])
            assert [j.id async for j in api.iter_jobs(limit=1)] == [accepted.job_id]

            dispatch = await api.create_dispatch(package_id, "Partner B", registration_limit=5)
            assert (await api.get_dispatch(dispatch.id)).registration_limit == 5
            assert [d.id async for d in api.iter_dispatches(limit=1)] == [dispatch.id]
            target = await api.download_dispatch_zip(dispatch.id, tmp_path / "b.zip")
            with zipfile.ZipFile(target) as archive:
                assert "imsmanifest.xml" in archive.namelist()
            assert (await api.revoke_dispatch(dispatch.id)).status == "revoked"

            key = await api.create_api_key(["read"])
            assert key.id in {k.id for k in (await api.list_api_keys(limit=100)).api_keys}
            assert (await api.revoke_api_key(key.id)).revoked_at is not None

            credential = await api.create_lrs_credential(name="async LRS")
            assert [c.id for c in (await api.list_lrs_credentials()).credentials] == [credential.id]
            assert (await api.delete_lrs_credential(credential.id)).revoked_at is not None

            ids = await api.post_statements([statement(actor=f"a{n}@example.com") for n in range(3)], batch_size=2)
            assert sorted([s["id"] async for s in api.iter_statements(limit=2)]) == sorted(ids)
            assert (await api.get_statement(ids[0]))["id"] == ids[0]
            with pytest.raises(NotFound) as caught:
                await api.get_dispatch("missing")
            assert caught.value.code == "DISPATCH_NOT_FOUND" and caught.value.request_id

    asyncio.run(scenario())
