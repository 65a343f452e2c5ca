"""`/content/...`: a package version's files, streamed from storage to a browser holding its launch.

Two forms, one handler:
- `/content/t/{content-token}/{path}`: the player's form. The signed token in
  the path names tenant, package and version, so relative links inside the
  content keep working and no cookie is needed (frames of other sites).
- `/content/{package}/v{n}/{path}`: the package's own URL (`launch_url` in the
  packages API), for a browser holding that package's content cookie.

Responses carry the stored Content-Type, an ETag (a version never changes, so
the tag is derived from the version and the file's size: no storage round
trip for a 304), byte ranges for video, private caching and `nosniff`. Small
files are kept in a per-process memory cache; large ones stream from storage.
Directories are never listed; unknown files are 404; a missing or wrong
credential is 403. Files answer only on their tenant's content origin (`web.origins`).
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Iterator

from flask import Blueprint, Response, request

from pipeline.errors import ObjectNotFound, StorageError
from web import learner_page
from web.errors import ApiError
from web.origins import require_tenant
from web.player import file_cache, tokens
from web.player.package_info import PackageInfo, load
from web.player.tokens import Claims, TokenError
from web.services import db, services, settings

blp = Blueprint("content", __name__, url_prefix="/content")


@blp.errorhandler(ApiError)
def _refusal(err: ApiError) -> Response:
    """A refused page of a course is shown to the learner inside the player's frame: a page, not JSON."""
    return learner_page.refusal(err.status, err.code, err.message, details=err.details)
_RANGE = re.compile(r"^bytes=(\d{0,18})-(\d{0,18})$", re.ASCII)  # ASCII digits, few enough for int()
_VERSION = re.compile(r"^v(\d{1,6})$")
MAX_AGE = 3600


@blp.route("/t/<string:token>/<path:path>", methods=["GET", "HEAD"])
def by_token(token: str, path: str) -> Response:
    """A file of the package version the token names."""
    try:
        claims = tokens.verify(settings().secret_key, token, tokens.CONTENT)
    except TokenError:
        raise ApiError(403, "FORBIDDEN", "This content needs a valid launch.") from None
    return _serve(claims.package_id, claims.version or 0, claims, path)


@blp.route("/<string:package_id>/<string:version>/<path:path>", methods=["GET", "HEAD"])
def by_cookie(package_id: str, version: str, path: str) -> Response:
    """A file of a package version, for a browser with that package's content cookie."""
    match = _VERSION.match(version)
    if match is None:
        raise ApiError(404, "NOT_FOUND", "Resource not found")
    try:
        claims = tokens.verify(settings().secret_key, request.cookies.get(tokens.content_cookie_name(package_id)),
                               tokens.CONTENT)  # fmt: skip
    except TokenError:
        raise ApiError(403, "FORBIDDEN", "This content needs a valid launch.") from None
    if claims.package_id != package_id:
        raise ApiError(403, "FORBIDDEN", "This content needs a valid launch.")
    return _serve(package_id, int(match.group(1)), claims, path)


def _serve(package_id: str, version: int, claims: Claims, path: str) -> Response:
    require_tenant(claims.tenant_id)  # another tenant's content never answers on this tenant's origin
    package = load(db(), package_id, version)
    if package is None or package.tenant_id != claims.tenant_id:
        raise ApiError(404, "NOT_FOUND", "Resource not found")
    name = _normalise(path)
    entry = package.files.get(name) if name else None
    if entry is None:
        raise ApiError(404, "NOT_FOUND", "Resource not found")  # directories and unknown names alike
    size, content_type = entry
    etag = _etag(package, name, size)
    headers = _headers(content_type, etag)
    if _not_modified(etag):
        return Response(status=304, headers=headers)
    span = _range(size, etag)
    if span == "invalid":
        headers["Content-Range"] = f"bytes */{size}"
        return Response(status=416, headers=headers)
    if span is None:
        return _stream(package, name, 0, size, 200, headers)
    start, end = span
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return _stream(package, name, start, end - start + 1, 206, headers)


def _normalise(path: str) -> str | None:
    # Browsers resolve dot segments before sending; a raw `..` is a crafted request. Normalising keeps
    # `a/./b` and `a//b` on one key.
    if path.endswith("/") or ".." in path.split("/"):
        return None
    cleaned = posixpath.normpath("/" + path).lstrip("/")
    return None if cleaned in ("", ".") else cleaned


def _etag(package: PackageInfo, name: str, size: int) -> str:
    digest = hashlib.blake2b(f"{package.package_id}/{package.version}/{name}".encode(), digest_size=8).hexdigest()
    return f'"{digest}-{size:x}"'


def _headers(content_type: str, etag: str) -> dict[str, str]:
    # Bytes go out as stored, with no charset added: a page's own <meta charset> (golf files are
    # Windows-1252) must keep deciding how it is read.
    return {
        "Content-Type": content_type or "application/octet-stream",
        "ETag": etag,
        "Accept-Ranges": "bytes",
        "Cache-Control": f"private, max-age={MAX_AGE}",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }


def _not_modified(etag: str) -> bool:
    wanted = request.headers.get("If-None-Match", "")
    return any(tag.strip() in (etag, "*", "W/" + etag) for tag in wanted.split(",")) if wanted else False


def _range(size: int, etag: str) -> tuple[int, int] | str | None:
    header = request.headers.get("Range")
    if not header or request.method == "HEAD":
        return None
    if_range = request.headers.get("If-Range")
    if if_range and if_range.strip() != etag:
        return None  # the client's copy is another version: send the whole file
    match = _RANGE.match(header.strip())
    if match is None or size == 0:
        return None  # multiple ranges or another unit: send the whole file (RFC 9110 allows it)
    first, last = match.groups()
    if first == "":
        if last == "":
            return "invalid"
        length = min(int(last), size)
        return (size - length, size - 1) if length else "invalid"
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        return "invalid"
    return start, end


def _stream(package: PackageInfo, name: str, offset: int, length: int, status: int,
            headers: dict[str, str]) -> Response:  # fmt: skip
    headers["Content-Length"] = str(length)
    if request.method == "HEAD" or length == 0:
        return Response(status=status, headers=headers)
    key = package.prefix + name
    size = package.files[name][0]
    if file_cache.files.cacheable(size):
        data = file_cache.files.get(key)
        if data is None:
            data = _read_whole(key, size)
            file_cache.files.put(key, data)
        return Response(data[offset : offset + length], status=status, headers=headers)
    return Response(_guarded(_open(key, offset, length)), status=status, headers=headers, direct_passthrough=True)


def _read_whole(key: str, size: int) -> bytes:
    try:
        return b"".join(_open(key, 0, size))
    except ObjectNotFound:
        raise ApiError(404, "NOT_FOUND", "Resource not found") from None
    except StorageError:
        raise ApiError(503, "SERVICE_UNAVAILABLE", "Content storage is unavailable; try again.") from None


def _open(key: str, offset: int, length: int) -> Iterator[bytes]:
    try:
        return services().storage.open(key, offset=offset, length=length)
    except ObjectNotFound:
        raise ApiError(404, "NOT_FOUND", "Resource not found") from None
    except StorageError:
        raise ApiError(503, "SERVICE_UNAVAILABLE", "Content storage is unavailable; try again.") from None


def _guarded(chunks: Iterator[bytes]) -> Iterator[bytes]:
    # Once headers are sent a storage failure can only cut the body short; the client sees a short read.
    try:
        yield from chunks
    except StorageError:
        return
