"""multipart/mixed bodies for statements with attachments (xAPI 2.0 §4.1.3, Data 2.4.11).

`parse_statement_body` splits a request into its JSON part and attachment parts and checks
the part rules; `match_attachments` ties the parts to the statements' attachment metadata
(hashes, fileUrl-less attachments, no excess parts); `build_multipart` writes the GET response.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field

_HASHES = {56: "sha224", 64: "sha256", 96: "sha384", 128: "sha512"}


class MultipartError(ValueError):
    """The body breaks a multipart or attachment rule (the request gets 400)."""


@dataclass
class Part:
    """One body part: lower-cased header names and the raw content."""

    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""

    @property
    def content_type(self) -> str:
        """The part's media type without parameters, lower-cased."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def boundary_of(content_type: str) -> str:
    """Return the `boundary` parameter of a multipart Content-Type.

    Raises:
        MultipartError: when there is no boundary.
    """
    for param in content_type.split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "boundary" and value.strip().strip('"'):
            return value.strip().strip('"')
    raise MultipartError("multipart/mixed needs a boundary parameter")


def split_parts(body: bytes, boundary: str) -> list[Part]:
    """Split a multipart body (RFC 2046 §5.1.1); the preamble and epilogue are ignored.

    Raises:
        MultipartError: when the body has no closing delimiter or a part has no header block.
    """
    delimiter = b"--" + boundary.encode("latin-1")
    if not (body.startswith(delimiter) or b"\n" + delimiter in body):
        raise MultipartError("the body does not contain the boundary")
    chunks = (b"\r\n" + body).split(b"\r\n" + delimiter)
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        raise MultipartError("the multipart body is not terminated by its closing delimiter")
    parts = []
    for chunk in chunks[1:-1]:
        # The rest of the delimiter line (transport padding) ends at the first CRLF.
        _, newline, rest = chunk.partition(b"\r\n")
        if not newline:
            raise MultipartError("a body part is empty")
        parts.append(_parse_part(rest))
    return parts


def _parse_part(raw: bytes) -> Part:
    """Split one part into its header block and content."""
    if raw.startswith(b"\r\n"):
        head, content = b"", raw[2:]
    else:
        head, separator, content = raw.partition(b"\r\n\r\n")
        if not separator:
            raise MultipartError("a body part has no blank line after its headers")
    headers: dict[str, str] = {}
    for line in head.decode("latin-1").split("\r\n"):
        name, colon, value = line.partition(":")
        if not colon:
            raise MultipartError("a body part has a malformed header line")
        headers[name.strip().lower()] = value.strip()
    return Part(headers, content)


def parse_statement_body(body: bytes, content_type: str) -> tuple[bytes, list[Part]]:
    """Return the statement JSON bytes and the attachment parts of a multipart request.

    Raises:
        MultipartError: no boundary, a first part that is not application/json, or an
            attachment part without X-Experience-API-Hash or with a non-binary encoding.
    """
    parts = split_parts(body, boundary_of(content_type))
    if not parts or parts[0].content_type != "application/json":
        raise MultipartError("the first part must be the statements as application/json")
    for part in parts[1:]:
        if not part.headers.get("x-experience-api-hash"):
            raise MultipartError("every attachment part needs an X-Experience-API-Hash header")
        encoding = part.headers.get("content-transfer-encoding", "binary").lower()
        if encoding != "binary":
            raise MultipartError("attachment parts must use Content-Transfer-Encoding: binary")
    return parts[0].content, parts[1:]


def digest(content: bytes, sha2: str) -> str:
    """Hash `content` with the SHA-2 variant whose hex length matches `sha2`."""
    algorithm = _HASHES.get(len(sha2), "sha256")
    return hashlib.new(algorithm, content).hexdigest()


def match_attachments(statements: list[dict], parts: list[Part]) -> dict[str, Part]:
    """Check parts against the statements' attachment metadata.

    Every attachment without a fileUrl needs a part whose X-Experience-API-Hash equals its
    sha2 and whose content hashes to it; every part must belong to an attachment.

    Returns:
        The parts by lower-cased sha2.

    Raises:
        MultipartError: a missing, excess, or corrupt part.
    """
    by_hash: dict[str, Part] = {}
    for part in parts:
        declared = part.headers["x-experience-api-hash"].lower()
        if digest(part.content, declared) != declared:
            raise MultipartError("an attachment's content does not match its X-Experience-API-Hash")
        by_hash[declared] = part
    wanted: set[str] = set()
    referenced: set[str] = set()
    for statement in statements:
        for attachment in _attachments(statement):
            sha2 = str(attachment.get("sha2", "")).lower()
            referenced.add(sha2)
            if "fileUrl" not in attachment:
                wanted.add(sha2)
    if wanted - by_hash.keys():
        raise MultipartError("an attachment without fileUrl has no matching body part")
    if by_hash.keys() - referenced:
        raise MultipartError("a body part does not belong to any attachment")
    return by_hash


def _attachments(statement: dict) -> list[dict]:
    """Attachments of a statement and of its SubStatement."""
    found = list(statement.get("attachments") or [])
    obj = statement.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        found.extend(obj.get("attachments") or [])
    return [item for item in found if isinstance(item, dict)]


def missing_raw_attachments(statements: list[dict]) -> bool:
    """Whether a JSON-only request carries attachments that have no fileUrl."""
    return any("fileUrl" not in item for statement in statements for item in _attachments(statement))


def build_multipart(json_body: bytes, attachments: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """Write a multipart/mixed response.

    Args:
        json_body: the statement or StatementResult JSON.
        attachments: (content type, sha2, content) for each attachment to include.

    Returns:
        The body and its boundary.
    """
    boundary = "xapi-" + uuid.uuid4().hex
    delimiter = b"--" + boundary.encode()
    chunks = [delimiter, b"\r\nContent-Type: application/json\r\n\r\n", json_body]
    for content_type, sha2, content in attachments:
        head = (
            f"\r\n--{boundary}\r\nContent-Type: {content_type}\r\n"
            f"Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {sha2}\r\n\r\n"
        )
        chunks += [head.encode("latin-1"), content]
    chunks.append(b"\r\n" + delimiter + b"--\r\n")
    return b"".join(chunks), boundary
