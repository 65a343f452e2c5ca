"""Streaming a file from disk with a progress callback, for the presigned PUT."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

# Called with (bytes sent so far, total bytes).
Progress = Callable[[int, int], None]
CHUNK = 1024 * 1024


def stream_file(path: Path, progress: Progress | None, chunk_size: int = CHUNK) -> Iterator[bytes]:
    """The file's bytes in chunks; each attempt of a retried PUT starts a new stream from 0."""
    total = path.stat().st_size
    sent = 0
    if progress:
        progress(0, total)
    with path.open("rb") as handle:
        while chunk := handle.read(chunk_size):
            sent += len(chunk)
            yield chunk
            if progress:
                progress(sent, total)


async def astream_file(path: Path, progress: Progress | None, chunk_size: int = CHUNK) -> AsyncIterator[bytes]:
    """The async twin of `stream_file` (reads stay small: one chunk at a time)."""
    for chunk in stream_file(path, progress, chunk_size):
        yield chunk
