"""A per-process memory cache of small published files (a package version's files never change).

Course pages, scripts, styles and most images are small and asked for by every
learner; keeping them in memory spares a storage round trip per request. Large
files (video, audio) are never cached: they stream from storage, in ranges.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

MAX_FILE_BYTES = 512 * 1024
MAX_TOTAL_BYTES = 32 * 1024 * 1024


class FileCache:
    """A byte-bounded LRU of storage key → content, safe across threads."""

    def __init__(self, max_file: int = MAX_FILE_BYTES, max_total: int = MAX_TOTAL_BYTES) -> None:
        self.max_file = max_file
        self.max_total = max_total
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._total = 0
        self._lock = threading.Lock()

    def cacheable(self, size: int) -> bool:
        return size <= self.max_file

    def get(self, key: str) -> bytes | None:
        with self._lock:
            data = self._entries.get(key)
            if data is not None:
                self._entries.move_to_end(key)
            return data

    def put(self, key: str, data: bytes) -> None:
        if len(data) > self.max_file:
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = data
            self._total += len(data)
            while self._total > self.max_total and self._entries:
                _old, evicted = self._entries.popitem(last=False)
                self._total -= len(evicted)


files = FileCache()
