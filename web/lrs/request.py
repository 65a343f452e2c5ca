"""The effective request of the standard LRS: headers, version, and Alternate Request Syntax.

xAPI 1.0.3 lets a client POST `?method=PUT|GET|...` with the headers, parameters and body
packed into an `application/x-www-form-urlencoded` form (Communication 1.3); xAPI 2.0 forbids
it. `build_request` turns either form into one `LrsRequest` the views read instead of
`flask.request`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from flask import request
from werkzeug.datastructures import Headers

from web.errors import ApiError

_VERSION = re.compile(r"^(1\.0(\.\d+)?|2\.0(\.\d+)?)$")
_HEADER_FIELDS = ("Authorization", "X-Experience-API-Version", "Content-Type", "Content-Length",
                  "If-Match", "If-None-Match")
_ALTERNATE_METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE")
SUPPORTED_VERSIONS = ["1.0.0", "1.0.1", "1.0.2", "1.0.3", "2.0.0"]


@dataclass
class LrsRequest:
    """What a view needs from the request, alternate syntax already unpacked."""

    method: str
    args: dict[str, str]
    headers: Headers
    body: bytes
    content_type: str
    version: str | None = None
    alternate: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def media_type(self) -> str:
        """The Content-Type without parameters, lower-cased."""
        return self.content_type.split(";")[0].strip().lower()

    @property
    def legacy(self) -> bool:
        """Whether the client speaks xAPI 1.0.x."""
        return bool(self.version and self.version.startswith("1."))


def bad_request(message: str, code: str = "BAD_REQUEST", details: dict | None = None) -> ApiError:
    """A 400 in the envelope."""
    return ApiError(400, code, message, details)


def response_version(version: str | None, default: str) -> str:
    """The X-Experience-API-Version an LRS answers with: the latest patch of the client's line."""
    if version and version.startswith("1."):
        return "1.0.3"
    if version and version.startswith("2."):
        return "2.0.0"
    return default


def build_request() -> LrsRequest:
    """Read `flask.request` (or its alternate-syntax form) into an `LrsRequest`.

    Raises:
        ApiError: 400 for a malformed alternate-syntax request.
    """
    args = {key: value for key, value in request.args.items(multi=False)}
    version = request.headers.get("X-Experience-API-Version")
    if "method" not in args:
        return LrsRequest(request.method, args, Headers(request.headers), request.get_data(),
                          request.headers.get("Content-Type", ""), version)
    return _alternate(args, version)


def _alternate(args: dict[str, str], header_version: str | None) -> LrsRequest:
    """Unpack an Alternate Request Syntax POST (xAPI 1.0.3 Communication 1.3)."""
    method = args.pop("method").upper()
    if request.method != "POST":
        raise bad_request("Alternate Request Syntax must be sent as a POST")
    if args:
        raise bad_request("Alternate Request Syntax takes every parameter in the form body")
    if method not in _ALTERNATE_METHODS:
        raise bad_request("Alternate Request Syntax names an unknown method")
    media = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if media != "application/x-www-form-urlencoded":
        raise bad_request("Alternate Request Syntax needs an application/x-www-form-urlencoded body")
    form = dict(parse_qsl(request.get_data().decode("utf-8", "replace"), keep_blank_values=True))
    headers = Headers(request.headers)
    for name in _HEADER_FIELDS:
        if name in form:
            headers[name] = form.pop(name)
    content = form.pop("content", None)
    if method in ("PUT", "POST") and content is None:
        raise bad_request("Alternate Request Syntax needs the document in a 'content' form field")
    version = headers.get("X-Experience-API-Version", header_version)
    if version and version.startswith("2."):
        raise bad_request("xAPI 2.0 does not allow the Alternate Request Syntax")
    content_type = headers.get("Content-Type", "")
    if content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
        content_type = "application/json"
    return LrsRequest(method, form, headers, (content or "").encode("utf-8"), content_type, version,
                      alternate=True)


def check_version(lrs: LrsRequest) -> None:
    """Every resource but About needs a supported X-Experience-API-Version header."""
    if not lrs.version:
        raise bad_request("The X-Experience-API-Version header is required", "VERSION_REQUIRED")
    if not _VERSION.match(lrs.version):
        raise bad_request(f"xAPI version {lrs.version} is not supported", "VERSION_UNSUPPORTED",
                          {"supported": SUPPORTED_VERSIONS})
