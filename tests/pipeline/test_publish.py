"""Publishing a validated ZIP into real object storage (the test run's SeaweedFS bucket)."""

from __future__ import annotations

import os
import struct
import uuid
import zipfile

import pytest

from pipeline.errors import PipelineError
from pipeline.publish import publish, remove_prefix
from pipeline.zip_validation import validate_zip
from tests.fixtures.corpus import CORPUS

MANIFEST = b'<?xml version="1.0"?><manifest identifier="m"/>'


@pytest.fixture
def storage(app):
    return app.extensions["allure"].storage


@pytest.fixture
def prefix():
    return f"tenants/{uuid.uuid4()}/packages/{uuid.uuid4()}/v1/"


def test_publish_corpus_package_should_store_every_file_with_type_and_size(storage, prefix):
    path = CORPUS / "scorm12" / "golf_RuntimeBasicCalls_SCORM12.zip"
    report = validate_zip(path)
    progress: list[tuple[int, int]] = []
    result = publish(path, report.entries, storage, prefix, max_total_bytes=10**9, workers=4,
                     progress=lambda done, total: progress.append((done, total)))  # fmt: skip
    assert sorted(storage.list_keys(prefix)) == sorted(prefix + name for name in report.names)
    assert result.total_bytes == report.total_uncompressed
    assert [f.name for f in result.files] == [e.name for e in report.entries]
    js = storage.stat(prefix + "shared/scormfunctions.js")
    assert js.content_type == "text/javascript"
    assert storage.stat(prefix + "imsmanifest.xml").content_type == "application/xml"
    with zipfile.ZipFile(path) as archive:
        assert b"".join(storage.open(prefix + "shared/scormfunctions.js")) == archive.read("shared/scormfunctions.js")
    assert progress[-1] == (result.total_bytes, report.total_uncompressed)
    assert remove_prefix(storage, prefix) == len(report.entries)
    assert list(storage.list_keys(prefix)) == []


def test_publish_empty_and_unicode_names_should_round_trip(storage, prefix, tmp_path):
    path = tmp_path / "p.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("imsmanifest.xml", MANIFEST)
        archive.writestr("empty.txt", b"")
        archive.writestr("média/été #1.html", b"<p>ok</p>")
    result = publish(path, validate_zip(path).entries, storage, prefix, max_total_bytes=10**6)
    assert {f.name: f.size for f in result.files} == {"imsmanifest.xml": len(MANIFEST), "empty.txt": 0,
                                                      "média/été #1.html": 9}  # fmt: skip
    assert b"".join(storage.open(prefix + "média/été #1.html")) == b"<p>ok</p>"
    remove_prefix(storage, prefix)


def test_publish_corrupt_entry_should_fail_with_code_not_storage_error(storage, prefix, tmp_path):
    path = tmp_path / "p.zip"
    payload = os.urandom(40_000).hex().encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", MANIFEST)
        archive.writestr("data.txt", payload)
    report = validate_zip(path)
    info = report.info("data.txt")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len("data.txt") + 100
    data[start : start + 64] = bytes(64)
    path.write_bytes(bytes(data))
    with pytest.raises(PipelineError) as caught:
        publish(path, report.entries, storage, prefix, max_total_bytes=10**9)
    assert caught.value.code == "ZIP_ENTRY_CORRUPT"
    remove_prefix(storage, prefix)
    assert list(storage.list_keys(prefix)) == []


def test_publish_entry_shorter_than_header_should_fail_size_mismatch(storage, prefix, tmp_path):
    # Stored (uncompressed) data of 1,000 bytes whose headers claim 1,000,000: the CRC still matches the data.
    path = tmp_path / "p.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("imsmanifest.xml", MANIFEST)
        archive.writestr("x.bin", b"x" * 1000)
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        pos = data.rfind(signature)
        struct.pack_into("<I", data, pos + offset, 1_000_000)
    path.write_bytes(bytes(data))
    report = validate_zip(path)
    with pytest.raises(PipelineError) as caught:
        publish(path, report.entries, storage, prefix, max_total_bytes=10**9)
    assert caught.value.code in ("ZIP_ENTRY_SIZE_MISMATCH", "ZIP_ENTRY_CORRUPT")
    remove_prefix(storage, prefix)


def test_publish_beyond_real_byte_budget_should_fail_too_large(storage, prefix, tmp_path):
    path = tmp_path / "p.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("imsmanifest.xml", MANIFEST)
        archive.writestr("a.bin", os.urandom(50_000))
    with pytest.raises(PipelineError) as caught:
        publish(path, validate_zip(path).entries, storage, prefix, max_total_bytes=10_000, workers=1)
    assert caught.value.code == "ZIP_TOO_LARGE"
    remove_prefix(storage, prefix)


@pytest.mark.parametrize("prefix_value", ["tenants/", "tenants/t/", "tenants/t/packages/p", ""])
def test_remove_prefix_too_broad_should_refuse(storage, prefix_value):
    with pytest.raises(ValueError):
        remove_prefix(storage, prefix_value)
