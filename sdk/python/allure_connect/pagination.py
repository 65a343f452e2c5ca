"""Iterators over the API's paginated lists (`page` >= 1, `limit` 1..100)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")

# One page of items and how many pages there are in all (None when unknown: stop at a short page).
PageFetcher = Callable[[int], tuple[list[T], int | None]]


def iterate_pages(fetch: PageFetcher[T], limit: int) -> Iterator[T]:
    page = 1
    while True:
        items, total_pages = fetch(page)
        yield from items
        last = total_pages if total_pages is not None else (page if len(items) < limit else page + 1)
        if not items or page >= last:
            return
        page += 1


def pages_from_count(count: int, limit: int) -> int:
    return math.ceil(count / limit)
