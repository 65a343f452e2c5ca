"""Reading entries of a validated ZIP: whole small files, or streamed chunks with real byte counts.

`zipfile` never returns more bytes than an entry's header announces and checks
the CRC at the end, so a lying header shows up here as `ZIP_ENTRY_CORRUPT`;
decompression and CRC errors never escape as vendor exceptions.
"""

from __future__ import annotations

import lzma
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from pipeline.errors import PipelineError

MiB = 1024 * 1024


def read_member(path: str | Path, info: zipfile.ZipInfo, max_bytes: int, too_large_code: str) -> bytes:
    """Read one small entry (a descriptor, a metadata file) fully, refusing more than `max_bytes`.

    Args:
        path: the ZIP file.
        info: the entry's `ZipInfo` from the report.
        max_bytes: the most bytes accepted, whatever the header says.
        too_large_code: error code when the entry is larger (`MANIFEST_TOO_LARGE`).

    Returns:
        The entry's bytes.

    Raises:
        PipelineError: `too_large_code`, or `ZIP_ENTRY_CORRUPT` when the data does not decompress.
    """
    with zipfile.ZipFile(path) as archive:
        data = b"".join(iter_member(archive, info, max_bytes=max_bytes + 1))
    if len(data) > max_bytes:
        raise PipelineError(
            too_large_code,
            f"{info.orig_filename} is larger than {max_bytes} bytes.",
            {"entry": info.orig_filename, "limit": max_bytes},
        )
    return data


def iter_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, chunk_size: int = MiB, max_bytes: int | None = None
) -> Iterator[bytes]:
    """Stream an entry's decompressed bytes, counting them rather than trusting the header.

    Args:
        archive: an open `ZipFile` (one per thread when streaming in parallel).
        info: the entry.
        chunk_size: bytes per chunk.
        max_bytes: stop after this many bytes (the caller decides whether that is an error).

    Yields:
        Chunks of at most `chunk_size` bytes.

    Raises:
        PipelineError: `ZIP_ENTRY_CORRUPT` on a CRC, compression or truncation error,
            `ZIP_ENTRY_SIZE_MISMATCH` when the data is longer than its header says.
    """
    produced = 0
    try:
        with archive.open(info) as member:
            while max_bytes is None or produced < max_bytes:
                want = chunk_size if max_bytes is None else min(chunk_size, max_bytes - produced)
                chunk = member.read(want)
                if not chunk:
                    break
                produced += len(chunk)
                if produced > info.file_size:
                    raise PipelineError(
                        "ZIP_ENTRY_SIZE_MISMATCH",
                        f"The ZIP entry '{info.orig_filename}' holds more data than its header announces.",
                        {"entry": info.orig_filename},
                    )
                yield chunk
    except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, NotImplementedError, ValueError):
        raise _corrupt(info) from None
    except OSError as err:
        if err.errno is not None:
            raise  # a real I/O error is infrastructure, not a bad upload
        raise _corrupt(info) from None  # bz2 reports bad data as an OSError without errno


def _corrupt(info: zipfile.ZipInfo) -> PipelineError:
    return PipelineError(
        "ZIP_ENTRY_CORRUPT",
        f"The ZIP entry '{info.orig_filename}' is corrupt (bad CRC or compressed data).",
        {"entry": info.orig_filename},
    )
