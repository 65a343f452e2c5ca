"""Glue between stages 1 and 2: read a validated package's manifest (and metadata files) from its ZIP."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.manifest.aicc import STANDARD as AICC
from pipeline.manifest.aicc import extract_aicc
from pipeline.manifest.cmi5 import Cmi5Result, extract_cmi5
from pipeline.manifest.extract import extract_manifest
from pipeline.manifest.lom import MAX_METADATA_BYTES
from pipeline.manifest.result import ManifestResult
from pipeline.manifest.tincan import TincanResult, extract_tincan
from pipeline.zip_members import read_member
from pipeline.zip_validation import ZipReport


def manifest_from_zip(
    zip_path: str | Path, report: ZipReport, max_manifest_bytes: int, fallback_title: str | None = None
) -> ManifestResult | TincanResult | Cmi5Result:
    """Extract the descriptor (imsmanifest.xml, cmi5.xml, tincan.xml, AICC files) of a package `validate_zip` accepted.

    Args:
        zip_path: the validated ZIP.
        report: its `ZipReport` (descriptor, kept names).
        max_manifest_bytes: the manifest size limit, enforced on the bytes actually read.
        fallback_title: title when the manifest gives none (the upload's file name).

    Returns:
        The parsed manifest.

    Raises:
        PipelineError: as `extract_manifest`, or `ZIP_ENTRY_CORRUPT`.
    """
    if report.package_type == AICC:
        return extract_aicc(report.names, _reader(zip_path, report, max_manifest_bytes), fallback_title)
    info = report.info(report.descriptor)
    if info is None:
        raise PipelineError("MANIFEST_NOT_FOUND", f"{report.descriptor} is not in the package.", {})
    data = read_member(zip_path, info, max_manifest_bytes, "MANIFEST_TOO_LARGE")
    if report.package_type == "cmi5":
        return extract_cmi5(data, report.names, max_bytes=max_manifest_bytes)
    if report.package_type == "tincan":
        return extract_tincan(data, report.names, name=report.descriptor, fallback_title=fallback_title,
                              max_bytes=max_manifest_bytes)  # fmt: skip

    return extract_manifest(
        data,
        report.names,
        _reader(zip_path, report, MAX_METADATA_BYTES),
        name=report.descriptor,
        fallback_title=fallback_title,
        max_bytes=max_manifest_bytes,
    )


def _reader(zip_path: str | Path, report: ZipReport, max_bytes: int) -> Callable[[str], bytes]:
    """Reads one of the package's files, refusing one beyond `max_bytes`."""

    def read_file(name: str) -> bytes:
        member = report.info(name)
        if member is None:
            raise PipelineError("METADATA_FILE_MISSING", f"{name} is not in the package.", {"file": name})
        code = "MANIFEST_TOO_LARGE" if report.package_type == AICC else "METADATA_TOO_LARGE"
        return read_member(zip_path, member, max_bytes, code)

    return read_file
