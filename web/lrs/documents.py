"""Document resources (State, Activity Profile, Agent Profile): ETags, preconditions, merges.

Pure helpers for xAPI 2.0 §4.1.4 (Concurrency) and §4.1.6.2 (Document Merge). The web layer
loads the stored document, calls `check_preconditions`, then `merge_json` for POST.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum

from web import safe_json


class Resource(StrEnum):
    """The three document resources."""

    STATE = "state"
    ACTIVITY_PROFILE = "activity_profile"
    AGENT_PROFILE = "agent_profile"


@dataclass(frozen=True)
class DocumentError(Exception):
    """A document request the LRS refuses, with the HTTP status the spec asks for."""

    status: int
    code: str
    message: str


def compute_etag(content: bytes) -> str:
    """The quoted SHA-1 hex digest of a document's bytes (xAPI 1.0.3 Communication 3.1)."""
    return '"' + hashlib.sha1(content).hexdigest() + '"'


def _tags(header: str) -> list[str]:
    """Split an If-Match / If-None-Match header into opaque tags without W/ or quotes."""
    tags = []
    for raw in header.split(","):
        tag = raw.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        tags.append(tag.strip('"'))
    return [tag for tag in tags if tag]


def check_preconditions(*, method: str, resource: Resource, current_etag: str | None,
                        if_match: str | None, if_none_match: str | None,
                        version: str) -> None:
    """Apply RFC 7232 preconditions and the xAPI rules for unconditional PUTs.

    Args:
        method: PUT, POST or DELETE.
        resource: which document resource is written.
        current_etag: the stored document's ETag, or None when there is no document.
        if_match: the If-Match header, if any.
        if_none_match: the If-None-Match header, if any.
        version: the request's X-Experience-API-Version.

    Raises:
        DocumentError: 412 when a precondition fails; 409 for a PUT without preconditions
            over an existing document; 400 for such a PUT to a profile under xAPI 1.0.x
            (which requires clients to send one). State PUTs may overwrite freely in 1.0.x.
    """
    current = current_etag.strip('"') if current_etag else None
    if if_match is not None:
        tags = _tags(if_match)
        if current is None or not ("*" in tags or current in tags):
            raise DocumentError(412, "PRECONDITION_FAILED", "If-Match does not match the document")
    if if_none_match is not None:
        tags = _tags(if_none_match)
        if current is not None and ("*" in tags or current in tags):
            raise DocumentError(412, "PRECONDITION_FAILED", "the document already exists")
    if method != "PUT" or if_match is not None or if_none_match is not None:
        return
    legacy = version.startswith("1.")
    if resource is Resource.STATE and legacy:
        return
    if current is not None:
        raise DocumentError(
            409, "CONFLICT",
            "the document exists: send If-Match with its ETag, or If-None-Match: * to create",
        )
    if legacy:
        raise DocumentError(400, "PRECONDITION_REQUIRED",
                            "a profile PUT needs an If-Match or If-None-Match header")


def is_json_type(content_type: str | None) -> bool:
    """Whether a Content-Type is application/json (parameters ignored)."""
    return (content_type or "").split(";")[0].strip().lower() == "application/json"


def parse_json_object(content: bytes) -> dict:
    """Decode a JSON object document.

    Raises:
        DocumentError: 400 when the bytes are not a JSON object.
    """
    try:
        value = safe_json.loads(content)
    except (UnicodeDecodeError, ValueError):
        raise DocumentError(400, "INVALID_JSON", "the document is not valid JSON") from None
    if not isinstance(value, dict):
        raise DocumentError(400, "INVALID_JSON", "the document is not a JSON object")
    return value


def merge_json(existing: bytes, existing_type: str | None, incoming: bytes,
               incoming_type: str | None) -> bytes:
    """Merge a POSTed JSON document into a stored one (top-level keys are overwritten).

    Raises:
        DocumentError: 400 when either side is not a JSON object of type application/json.
    """
    if not is_json_type(existing_type) or not is_json_type(incoming_type):
        raise DocumentError(400, "NOT_JSON",
                            "POST merges only application/json documents into JSON documents")
    merged = parse_json_object(existing)
    merged.update(parse_json_object(incoming))
    return json.dumps(merged, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
