"""Every corpus package through the real API, storage and worker."""

from __future__ import annotations

import zipfile

import pytest

from pipeline.package_type import IMPORTED_TYPES
from pipeline.zip_validation import validate_zip
from tests.fixtures.corpus import CORPUS, corpus_files, expectation


@pytest.mark.parametrize("relative", corpus_files())
def test_corpus_package_through_api_should_import_or_fail_clearly(ingest, tenant, relative):
    path = CORPUS / relative
    expected = expectation(relative)
    # Bare cmi5 XML course structures are uploaded under a .zip name, as a confused user would.
    job = ingest.import_bytes(tenant, path.read_bytes(), path.stem + ".zip")
    packages_prefix = f"tenants/{tenant.tenant_id}/packages/"
    if expected == "import" or isinstance(expected, tuple):
        assert job["status"] == "succeeded", job["error"]
        result = job["result"]
        if isinstance(expected, tuple):
            assert (result["standard"], result["edition"], result["sco_count"]) == expected
        _assert_published(ingest, tenant, path, result)
        return
    assert job["status"] == "failed", job
    assert job["error"]["code"] == (expected or job["error"]["code"]) and job["error"]["message"]
    assert ingest.stored_keys(packages_prefix) == []
    assert ingest.client.get("/api/v1/packages", headers=tenant.headers).json["count"] == 0


def _assert_published(ingest, tenant, path, result):
    package_id = result["package_id"]
    prefix = f"tenants/{tenant.tenant_id}/packages/{package_id}/v1/"
    if path.suffix == ".xml":  # a bare cmi5 course structure: its AUs live elsewhere, nothing is stored
        assert ingest.stored_keys(prefix) == [] and result["file_count"] == 0
        return
    report = validate_zip(path, supported_types=IMPORTED_TYPES)
    assert ingest.stored_keys(prefix) == sorted(prefix + name for name in report.names)
    assert result["file_count"] == len(report.entries)
    assert result["file_size_bytes"] == report.total_uncompressed
    body = ingest.client.get(f"/api/v1/packages/{package_id}", headers=tenant.headers).json
    assert body["metadata"]["sco_count"] == result["sco_count"]
    assert body["standard"] == result["standard"]
    storage = ingest.app.extensions["allure"].storage
    with zipfile.ZipFile(path) as archive:
        descriptor = report.info(report.descriptor)  # imsmanifest.xml, tincan.xml, ...
        assert b"".join(storage.open(prefix + report.descriptor)) == archive.read(descriptor)
