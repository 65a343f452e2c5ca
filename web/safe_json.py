"""The one JSON parser for untrusted input: too deep or too big a document is malformed, never a crash.

The stdlib parser recurses once per nesting level, so `[` × 100,000 raises RecursionError, and a
document just under the interpreter's limit would still crash any recursive walk after it (validation,
normalisation, the NUL-text guard). Every body, query parameter or part that holds JSON goes through
`loads`, which refuses both with `TooDeep`, a `json.JSONDecodeError`: each caller's existing
`except ValueError` answers 400 in its own words.
"""

from __future__ import annotations

import json
from typing import Any

# Deeper than any statement, CMI commit or state document an honest client sends, and far below the
# interpreter's recursion limit, so recursive code after parsing has room to spare.
MAX_DEPTH = 64
DEEP_MESSAGE = f"Malformed JSON body: nested deeper than {MAX_DEPTH} levels"


class TooDeep(json.JSONDecodeError):
    """JSON nested beyond `MAX_DEPTH` (or beyond what the parser can recurse into)."""

    def __init__(self, doc: str) -> None:
        super().__init__(DEEP_MESSAGE, doc, 0)


class TooLarge(json.JSONDecodeError):
    """A JSON text longer than the caller allows."""

    def __init__(self, doc: str, limit: int) -> None:
        super().__init__(f"Malformed JSON body: longer than {limit} bytes", doc, 0)


def loads(data: str | bytes, *, max_bytes: int | None = None, **kwargs: Any) -> Any:
    """`json.loads` bounded in depth (and in size when `max_bytes` is given).

    Raises:
        json.JSONDecodeError: malformed, too deep (`TooDeep`) or too large (`TooLarge`).
        UnicodeDecodeError: bytes that are not UTF-8.
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise TooLarge("(not read)", max_bytes)
    text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
    try:
        value = json.loads(text, **kwargs)
    except RecursionError:
        raise TooDeep(text[:64]) from None
    if _deeper_than(value, MAX_DEPTH):
        raise TooDeep(text[:64])
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether containers nest more than `limit` levels; iterative, so it cannot recurse itself."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False
