"""Guards on raw request input that would otherwise fail deep down as a 500.

Postgres text and JSONB cannot hold a NUL character, and a lone UTF-16
surrogate (which JSON's `\\ud800` escapes can produce) cannot be encoded for the
driver at all, so such text must be refused at the door (404 for a path, 400
for a field) instead of reaching the database. Every JSON body the API reads (webargs and
`request.get_json`) goes through `web.safe_json`: too deep a document is malformed (400).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from flask import Flask, Request
from flask.json.provider import DefaultJSONProvider
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.routing import PathConverter, UnicodeConverter

from web import safe_json
from web.errors import ApiError

BAD_TEXT_MESSAGE = "Must be valid UTF-8 text without NUL characters."
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class NulFreeStringConverter(UnicodeConverter):
    """The default `<name>` converter, refusing NUL: such a path matches no route (404)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Keep the `{min,max}` quantifier: flask-smorest documents lengths from it.
        self.regex = self.regex.replace("[^/]", r"[^/\x00]", 1)


class NulFreePathConverter(PathConverter):
    """`<path:name>`, refusing NUL."""

    regex = r"[^/\x00][^\x00]*?"
    part_isolating = False


def install_converters(app: Flask) -> None:
    """Make every route's string and path parameters NUL-free (call before registering routes)."""
    app.url_map.converters["default"] = NulFreeStringConverter
    app.url_map.converters["string"] = NulFreeStringConverter
    app.url_map.converters["path"] = NulFreePathConverter


def unstorable(text: str) -> bool:
    """True when the database cannot store `text` (a NUL or a lone surrogate)."""
    return _UNSTORABLE.search(text) is not None


def bad_text_fields(data: Any, prefix: str = "") -> list[str]:
    """Dotted names of the fields (or keys) of `data` holding text the database cannot store."""
    found: list[str] = []
    if isinstance(data, str):
        return [prefix or "_schema"] if unstorable(data) else []
    if isinstance(data, Mapping):
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if unstorable(str(key)):
                found.append(name)
            found.extend(bad_text_fields(value, name))
    elif isinstance(data, list | tuple):
        for index, value in enumerate(data):
            found.extend(bad_text_fields(value, f"{prefix}.{index}" if prefix else str(index)))
    return found


class ArgumentsParser(FlaskParser):
    """webargs parser of every API blueprint: 400 on bad input, unstorable text refused, deep JSON malformed."""

    DEFAULT_VALIDATION_STATUS = 400

    def _raw_load_json(self, req: Request) -> Any:
        # webargs' own reader calls json.loads directly; TooDeep is a JSONDecodeError, so webargs answers 400.
        if not is_json_request(req):
            if req.get_data(cache=True).strip():
                # Without the header the body would be ignored and every field reported missing.
                raise ApiError(400, "BAD_REQUEST", "Send JSON bodies with the header Content-Type: application/json.",
                               {"content_type": req.content_type or None})
            return core.missing
        return safe_json.loads(req.get_data(cache=True))

    def pre_load(self, location_data: Mapping[str, Any], *, schema: ma.Schema, req: Request, location: str) -> Any:
        bad = _bad_text_fields_at(req, location, location_data)
        if bad:
            raise ma.ValidationError({name: [BAD_TEXT_MESSAGE] for name in bad})
        return location_data


def _bad_text_fields_at(req: Request, location: str, location_data: Any) -> list[str]:
    multi = {"query": req.args, "querystring": req.args, "form": req.form}.get(location)
    if multi is not None:
        # Every value of a repeated name counts, not only the first one the schema reads.
        return [key for key, values in multi.lists() if unstorable(key) or any(unstorable(v) for v in values)]
    return bad_text_fields(location_data if location_data is not core.missing else {})


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, where too deep a document is malformed (400) rather than a crash."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return safe_json.loads(s, **kwargs)
