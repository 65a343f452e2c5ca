"""Statement Resource of the standard LRS: PUT, POST and GET of `/xapi/statements`.

xAPI 2.0 §4.1.6.1. Bodies are `application/json` or `multipart/mixed` (attachments,
signatures); answers use xAPI status codes, with errors in the project's envelope.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from flask import Response, url_for

from web import safe_json
from web.errors import ApiError
from web.lrs import launch_credentials, multipart
from web.lrs.credentials import LrsClient, authority_for
from web.lrs.datatypes import is_uuid
from web.lrs.formats import format_statement, parse_accept_language
from web.lrs.multipart import MultipartError, Part
from web.lrs.params import ParamError, StatementParams, check_known, encode_cursor, parse_statement_params
from web.lrs.request import LrsRequest, bad_request
from web.lrs.service import StatementsInvalid, StoreError, request_rollup, submit_statements
from web.lrs.signature import SignatureError, check_signatures
from web.lrs.store_query import StatementRow, find_statements, get_statement, load_attachments
from web.services import db, services, settings


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def read_body(lrs: LrsRequest) -> tuple[Any, dict[str, Part]]:
    """Decode the statements of a PUT/POST and check their attachment parts.

    Raises:
        ApiError: 400 for an unsupported Content-Type, bad multipart, bad JSON, missing or
            excess attachment parts, or a bad signature.
    """
    parts: list[Part] = []
    if lrs.media_type == "multipart/mixed":
        try:
            raw, parts = multipart.parse_statement_body(lrs.body, lrs.content_type)
        except MultipartError as err:
            raise bad_request(str(err), "INVALID_MULTIPART") from None
    elif lrs.media_type in ("application/json", ""):
        raw = lrs.body
    else:
        raise bad_request("Statements are sent as application/json or multipart/mixed", "UNSUPPORTED_MEDIA_TYPE")
    try:
        value = safe_json.loads(raw, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError):
        raise bad_request("The body is not valid JSON", "INVALID_JSON") from None
    statements = value if isinstance(value, list) else [value]
    if not all(isinstance(item, dict) for item in statements):
        return value, {}
    try:
        if lrs.media_type == "multipart/mixed":
            by_hash = multipart.match_attachments(statements, parts)
            check_signatures(statements, by_hash)
            return value, by_hash
        if multipart.missing_raw_attachments(statements):
            raise MultipartError("attachments without fileUrl must be sent as multipart/mixed")
    except (MultipartError, SignatureError) as err:
        raise bad_request(str(err), "INVALID_ATTACHMENTS") from None
    return value, {}


def _store(lrs: LrsRequest, client: LrsClient, statements: list[Any], parts: dict[str, Part],
           single: bool) -> list[str]:
    """Validate, store and commit; schedule the rollup."""
    session = db()
    launch_credentials.check_statements(session, client, statements, lrs.version or "2.0.0")
    try:
        result = submit_statements(session, client.tenant_id, statements,
                                   authority=authority_for(client.key, settings().public_base_url),
                                   version=lrs.version or "2.0.0", parts=parts, single=single)
    except StatementsInvalid as err:
        session.rollback()
        raise ApiError(400, "VALIDATION_ERROR", "Statement validation failed", err.details()) from None
    except StoreError as err:
        session.rollback()
        raise ApiError(err.status, err.code, err.message, err.details) from None
    session.commit()
    if result.inserted:
        request_rollup(session, services().redis, client.tenant_id)
    return result.ids


def _statement_id(lrs: LrsRequest) -> str:
    """The statementId parameter of a PUT (the only parameter PUT takes)."""
    try:
        check_known(lrs.args, {"statementId"})
    except ParamError as err:
        raise bad_request(str(err), "INVALID_PARAMETER") from None
    value = lrs.args.get("statementId")
    if value is None:
        raise bad_request("PUT needs a statementId parameter", "INVALID_PARAMETER")
    if not is_uuid(value):
        raise bad_request("statementId must be a UUID", "INVALID_PARAMETER")
    return value.lower()


def put_statement(lrs: LrsRequest, client: LrsClient) -> Response:
    """PUT with statementId: store one statement (204)."""
    statement_id = _statement_id(lrs)
    value, parts = read_body(lrs)
    if not isinstance(value, dict):
        raise bad_request("PUT takes a single statement object", "INVALID_JSON")
    if "id" in value and str(value["id"]).lower() != statement_id:
        raise bad_request("The statement id differs from the statementId parameter", "ID_MISMATCH")
    _store(lrs, client, [{**value, "id": statement_id}], parts, single=True)
    return Response(status=204)


def post_statements(lrs: LrsRequest, client: LrsClient) -> Response:
    """POST one statement or an array: 200 with the ids."""
    if lrs.args:
        raise bad_request(f"Unknown parameter {next(iter(lrs.args))}", "INVALID_PARAMETER")
    value, parts = read_body(lrs)
    statements = value if isinstance(value, list) else [value]
    if not statements:
        raise bad_request("The batch is empty", "INVALID_JSON")
    ids = _store(lrs, client, statements, parts, single=not isinstance(value, list))
    return Response(json.dumps(ids), status=200, mimetype="application/json")


def get_statements(lrs: LrsRequest, client: LrsClient) -> Response:
    """GET one statement (statementId / voidedStatementId) or a StatementResult page."""
    try:
        params = parse_statement_params(lrs.args)
    except ParamError as err:
        raise bad_request(str(err), "INVALID_PARAMETER") from None
    languages = parse_accept_language(lrs.headers.get("Accept-Language"))
    params.scope = launch_credentials.read_scope(client)
    if params.statement_id:
        launch_credentials.check_statement_read(db(), client, params.statement_id)
        row = get_statement(db(), client.tenant_id, params.statement_id, params.voided)
        if row is None:
            raise ApiError(404, "NOT_FOUND", "Statement not found")
        body = _render(row, params, languages)
        response = _respond(client, body, [json.loads(row.document)], params.attachments)
        response.last_modified = row.stored
        return response
    rows, more = find_statements(db(), client.tenant_id, params)
    parts = [_render(row, params, languages) for row in rows]
    more_url = _more_url(lrs, rows[-1]) if more else ""
    body = '{"statements":[' + ",".join(parts) + '],"more":' + json.dumps(more_url) + "}"
    documents = [json.loads(row.document) for row in rows] if params.attachments else []
    return _respond(client, body, documents, params.attachments)


def _render(row: StatementRow, params: StatementParams, languages: list[str]) -> str:
    """A stored statement as JSON text in the requested format."""
    if params.format == "exact":
        return row.document
    return json.dumps(format_statement(json.loads(row.document), params.format, languages), ensure_ascii=False)


def _respond(client: LrsClient, body: str, documents: list[dict], attachments: bool) -> Response:
    """application/json, or multipart/mixed with the attachments the statements name."""
    if not attachments:
        return Response(body, status=200, mimetype="application/json")
    hashes = [a["sha2"] for d in documents for a in _attachments_of(d) if "sha2" in a]
    content = load_attachments(db(), client.tenant_id, hashes)
    payload, boundary = multipart.build_multipart(body.encode("utf-8"), content)
    return Response(payload, status=200, content_type=f"multipart/mixed; boundary={boundary}")


def _attachments_of(statement: dict) -> list[dict]:
    """A statement's attachments and those of its SubStatement."""
    found = list(statement.get("attachments") or [])
    obj = statement.get("object") or {}
    if obj.get("objectType") == "SubStatement":
        found += obj.get("attachments") or []
    return found


def _more_url(lrs: LrsRequest, last: StatementRow) -> str:
    """The relative IRL of the next page: the same query with a cursor after `last`."""
    args = {key: value for key, value in lrs.args.items() if key != "cursor"}
    args["cursor"] = encode_cursor(last.stored, last.pk)
    return url_for("lrs.statements") + "?" + urlencode(args)
