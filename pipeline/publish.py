"""Stage 3 of ingestion: stream a validated package's files into object storage.

Input: the ZIP on local disk, the entries kept by `validate_zip`, a storage
and the version's prefix (`tenants/{t}/packages/{p}/v{n}/`). Output: the file
list and the byte count actually written. Entries are decompressed and
uploaded by a small thread pool, each thread reading through its own `ZipFile`
handle; at most one part per thread is in memory, never the whole ZIP. Bytes
are counted as they stream, because ZIP headers can lie.
"""

from __future__ import annotations

import threading
import zipfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from pipeline.content_types import content_type_for
from pipeline.errors import PipelineError, StorageError
from pipeline.storage import PART_SIZE, Storage
from pipeline.zip_members import iter_member
from pipeline.zip_validation import KeptEntry

DEFAULT_WORKERS = 6
DEFAULT_MEMORY_BUDGET = 96 * 1024 * 1024
_CHUNK = 1024 * 1024
# minio's put_object uploads this many parts of a multipart object at once.
_CLIENT_PARALLEL_PARTS = 3
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PublishedFile:
    """One stored file: its package-relative name, size and content type."""

    name: str
    size: int
    content_type: str


@dataclass
class PublishResult:
    """What `publish` stored under the prefix."""

    files: list[PublishedFile]
    total_bytes: int


class _Budget:
    """Real bytes written across threads, refused past the limit."""

    def __init__(self, limit: int, total: int, progress: Progress | None) -> None:
        self.limit = limit
        self.total = total
        self.used = 0
        self.progress = progress
        self._lock = threading.Lock()

    def add(self, count: int) -> None:
        with self._lock:
            self.used += count
            used = self.used
        if used > self.limit:
            raise PipelineError(
                "ZIP_TOO_LARGE",
                f"The package expands to more than {self.limit} bytes.",
                {"limit": self.limit},
            )

    def report(self) -> None:
        if self.progress is not None:
            self.progress(self.used, self.total)


class _EntryReader:
    """A file-like view of an entry's decompressed bytes, for `Storage.put_stream`.

    Errors raised while the storage client reads are kept in `error`, because the
    storage adapter turns any exception it sees into a `StorageError`.
    """

    def __init__(self, chunks: Iterator[bytes], entry: KeptEntry, budget: _Budget) -> None:
        self._chunks = chunks
        self._entry = entry
        self._budget = budget
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._done = False
        self.count = 0
        self.error: PipelineError | None = None

    def read(self, size: int = -1) -> bytes:
        try:
            while not self._done and (size < 0 or self._pending_size < size):
                self._pull()
        except PipelineError as err:
            self.error = err
            raise
        data = b"".join(self._pending)
        self._pending.clear()
        if 0 <= size < len(data):
            data, rest = data[:size], data[size:]
            self._pending.append(rest)
        self._pending_size = sum(len(part) for part in self._pending)
        return data

    def _pull(self) -> None:
        chunk = next(self._chunks, None)
        if chunk is None:
            self._done = True
            self._check_complete()
            return
        self.count += len(chunk)
        self._budget.add(len(chunk))
        self._pending.append(chunk)
        self._pending_size += len(chunk)

    def _check_complete(self) -> None:
        if self.count != self._entry.info.file_size:
            raise PipelineError(
                "ZIP_ENTRY_SIZE_MISMATCH",
                f"The ZIP entry '{self._entry.name}' holds {self.count} bytes, not the {self._entry.info.file_size} "
                "its header announces.",
                {"entry": self._entry.name},
            )


class _MemoryBudget:
    """Bounds the bytes that uploads in flight may hold, whatever the thread count.

    The storage client reads a whole object (up to one part) into memory and, for
    multipart uploads, keeps several parts in flight; six threads uploading large
    files at once would hold hundreds of megabytes. Each upload first reserves
    what it may hold, so peak memory stays flat however big the package is.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.available = limit
        self._cond = threading.Condition()

    @staticmethod
    def cost(size: int) -> int:
        if size <= PART_SIZE:
            return 2 * size + _CHUNK  # the joined object plus the chunks it was joined from
        return (_CLIENT_PARALLEL_PARTS + 2) * PART_SIZE  # parts uploading, one being read, one joining

    def acquire(self, cost: int) -> int:
        cost = min(cost, self.limit)
        with self._cond:
            self._cond.wait_for(lambda: self.available >= cost)
            self.available -= cost
        return cost

    def release(self, cost: int) -> None:
        with self._cond:
            self.available += cost
            self._cond.notify_all()


def publish(
    zip_path: str | Path,
    entries: Sequence[KeptEntry],
    storage: Storage,
    prefix: str,
    *,
    max_total_bytes: int,
    workers: int = DEFAULT_WORKERS,
    progress: Progress | None = None,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
) -> PublishResult:
    """Upload every entry under `prefix` with its content type.

    Args:
        zip_path: the validated ZIP.
        entries: `ZipReport.entries`.
        storage: the object store.
        prefix: the version's key prefix, ending in '/'.
        max_total_bytes: refuse when the real bytes exceed this (headers can lie).
        workers: parallel uploads.
        progress: called as `progress(bytes_done, bytes_announced)` after each file.
        memory_budget: bytes that uploads in flight may hold together (see `_MemoryBudget`).

    Returns:
        The stored files (in archive order) and their total size.

    Raises:
        PipelineError: a corrupt entry, or more data than announced or allowed.
        StorageError: storage failed (the caller removes what was stored).
    """
    if not prefix.endswith("/"):
        raise ValueError("prefix must end with '/'")
    budget = _Budget(max_total_bytes, sum(entry.info.file_size for entry in entries), progress)
    memory = _MemoryBudget(memory_budget)
    handles = _Handles(Path(zip_path))
    stop = threading.Event()

    def upload(entry: KeptEntry) -> PublishedFile:
        if stop.is_set():
            raise _Cancelled()
        reader = _EntryReader(iter_member(handles.get(), entry.info, _CHUNK), entry, budget)
        content_type = content_type_for(entry.name)
        held = memory.acquire(memory.cost(entry.info.file_size))
        try:
            storage.put_stream(prefix + entry.name, reader, entry.info.file_size, content_type)
        except StorageError:
            if reader.error is not None:
                raise reader.error from None
            raise
        finally:
            memory.release(held)
        budget.report()
        return PublishedFile(entry.name, reader.count, content_type)

    try:
        with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="publish") as pool:
            futures = [pool.submit(upload, entry) for entry in entries]
            wait(futures, return_when=FIRST_EXCEPTION)
            if any(f.done() and not f.cancelled() and f.exception() is not None for f in futures):
                stop.set()
                pool.shutdown(wait=True, cancel_futures=True)
                _raise_first(futures)
            files = [future.result() for future in futures]
    finally:
        handles.close()
    return PublishResult(files=files, total_bytes=sum(item.size for item in files))


def _raise_first(futures: list[Future[PublishedFile]]) -> None:
    """Re-raise the first real failure (a cancelled sibling is not one)."""
    for future in futures:
        if future.cancelled() or not future.done():
            continue
        error = future.exception()
        if error is not None and not isinstance(error, _Cancelled):
            raise error


class _Cancelled(Exception):
    """A queued upload skipped because another one failed."""


class _Handles:
    """One `ZipFile` per thread: a shared handle would serialise every read behind its lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._all: list[zipfile.ZipFile] = []
        self._lock = threading.Lock()

    def get(self) -> zipfile.ZipFile:
        archive = getattr(self._local, "archive", None)
        if archive is None:
            archive = zipfile.ZipFile(self.path)
            self._local.archive = archive
            with self._lock:
                self._all.append(archive)
        return archive

    def close(self) -> None:
        with self._lock:
            for archive in self._all:
                archive.close()
            self._all.clear()


def remove_prefix(storage: Storage, prefix: str) -> int:
    """Delete every object under a version (or package) prefix; returns how many were removed."""
    if not prefix.endswith("/") or prefix.count("/") < 4:
        raise ValueError(f"refusing to delete a prefix this broad: {prefix!r}")
    return storage.delete_prefix(prefix)
