"""Low-level checks on a ZIP file's bytes, done before `zipfile` parses the central directory.

Reading the End Of Central Directory record ourselves lets the pipeline refuse
a text file named `.zip`, a truncated upload or an archive announcing a million
entries without first building a `ZipInfo` for each of them.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from typing import BinaryIO

from pipeline.errors import PipelineError

LOCAL_HEADER = b"PK\x03\x04"
EOCD = b"PK\x05\x06"
SPANNED = b"PK\x07\x08"
ZIP64_LOCATOR = b"PK\x06\x07"
ZIP64_EOCD = b"PK\x06\x06"
_EOCD_SIZE = 22
_MAX_COMMENT = 0xFFFF
_SNIFF_BYTES = 64 * 1024
_BARE_DESCRIPTORS = (
    (re.compile(rb"<\s*(?:\w+:)?courseStructure[\s>]"), "cmi5"),
    (re.compile(rb"<\s*(?:\w+:)?tincan[\s>]"), "tincan"),
    (re.compile(rb"<\s*(?:\w+:)?manifest[\s>]"), "scorm"),
)


@dataclass(frozen=True)
class CentralDirectory:
    """Where the central directory lies and how many entries it announces."""

    entry_count: int
    size: int
    offset: int
    eocd_position: int

    @property
    def data_end(self) -> int:
        """An upper bound for the end of the last entry's data (the CD follows it)."""
        return self.eocd_position - self.size


def check_magic(fp: BinaryIO, file_size: int) -> None:
    """Refuse anything that does not start like a ZIP archive.

    Args:
        fp: the upload, opened in binary mode.
        file_size: its size in bytes.

    Raises:
        PipelineError: `NOT_A_ZIP`, or `UNSUPPORTED_PACKAGE_TYPE` for a bare
            cmi5/TinCan course structure uploaded without its ZIP.
    """
    fp.seek(0)
    head = fp.read(_SNIFF_BYTES)
    if head[:4] in (LOCAL_HEADER, EOCD, SPANNED):
        return
    if file_size == 0:
        raise PipelineError("NOT_A_ZIP", "The uploaded file is empty; expected a ZIP package.", {"size": 0})
    for pattern, kind in _BARE_DESCRIPTORS:
        if pattern.search(head):
            if kind == "scorm":
                raise PipelineError(
                    "NOT_A_ZIP",
                    "The upload is a bare imsmanifest.xml; upload the ZIP holding it and the course files.",
                    {"detected": "bare_xml_manifest"},
                )
            raise PipelineError(
                "UNSUPPORTED_PACKAGE_TYPE",
                f"The upload is a bare {kind} course structure; {kind} packages are not supported yet.",
                {"detected_type": kind, "bare_xml": True},
            )
    raise PipelineError(
        "NOT_A_ZIP",
        "The uploaded file is not a ZIP archive (its content does not start with a ZIP signature).",
        {"size": file_size},
    )


def read_central_directory(fp: BinaryIO, file_size: int) -> CentralDirectory:
    """Find and decode the (ZIP64) End Of Central Directory record.

    Args:
        fp: the upload, opened in binary mode.
        file_size: its size in bytes.

    Returns:
        The announced entry count and central directory position.

    Raises:
        PipelineError: `ZIP_TRUNCATED` when the record is missing or points past the end.
    """
    tail_size = min(file_size, _EOCD_SIZE + _MAX_COMMENT)
    fp.seek(file_size - tail_size)
    tail = fp.read(tail_size)
    pos = tail.rfind(EOCD)
    if pos < 0 or pos + _EOCD_SIZE > len(tail):
        raise _truncated("the end of central directory record is missing")
    eocd_position = file_size - tail_size + pos
    _, _, _, count, cd_size, cd_offset, _ = struct.unpack_from("<HHHHIIH", tail, pos + 4)
    if count == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
        count, cd_size, cd_offset = _read_zip64(fp, eocd_position, file_size)
    if cd_size > eocd_position or cd_offset > eocd_position:
        raise _truncated("the central directory lies beyond the end of the file")
    return CentralDirectory(count, cd_size, cd_offset, eocd_position)


def _read_zip64(fp: BinaryIO, eocd_position: int, file_size: int) -> tuple[int, int, int]:
    """Read entry count, CD size and CD offset from the ZIP64 records."""
    if eocd_position < 20:
        raise _truncated("the ZIP64 locator is missing")
    fp.seek(eocd_position - 20)
    locator = fp.read(20)
    if locator[:4] != ZIP64_LOCATOR:
        raise _truncated("the ZIP64 locator is missing")
    record_offset = struct.unpack_from("<Q", locator, 8)[0]
    if record_offset + 56 > file_size:
        raise _truncated("the ZIP64 end of central directory lies beyond the end of the file")
    fp.seek(record_offset)
    record = fp.read(56)
    if record[:4] != ZIP64_EOCD:
        raise _truncated("the ZIP64 end of central directory record is missing")
    _, count, cd_size, cd_offset = struct.unpack_from("<QQQQ", record, 24)
    return count, cd_size, cd_offset


def _truncated(reason: str) -> PipelineError:
    return PipelineError(
        "ZIP_TRUNCATED",
        f"The ZIP archive is truncated or damaged: {reason}. Upload the complete file again.",
        {"reason": reason},
    )
