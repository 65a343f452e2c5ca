"""Paginated lists (`page` >= 1, `limit` 1..100): when to ask for the next page, for both clients."""

from __future__ import annotations

import math


def has_next_page(page: int, items: int, total_pages: int | None, limit: int) -> bool:
    """Whether a page after `page` may hold items; without a total a short page is the last one."""
    if not items:
        return False
    last = total_pages if total_pages is not None else (page if items < limit else page + 1)
    return page < last


def pages_from_count(count: int, limit: int) -> int:
    return math.ceil(count / limit)
