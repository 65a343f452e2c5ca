"""Document resources (State, Activity Profile, Agent Profile), Activities, Agents, About.

xAPI 2.0 §4.1.6.2-7. Writes answer 204; a GET with an id returns the stored bytes with their
Content-Type, ETag and Last-Modified; a GET without an id lists ids (optionally `since`).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from sqlalchemy import select

from models.xapi import XapiActivity, XapiStatement
from web.errors import ApiError
from web.lrs import launch_credentials
from web.lrs import params as p
from web.lrs.credentials import LrsClient
from web.lrs.document_store import (
    DocumentError,
    DocumentKey,
    WriteRequest,
    delete_documents,
    get_document,
    list_ids,
    write_document,
)
from web.lrs.documents import Resource
from web.lrs.request import SUPPORTED_VERSIONS, LrsRequest, bad_request
from web.services import db

# Parameters of each document resource; the id parameter is the last one.
_PARAMS: dict[Resource, tuple[str, ...]] = {
    Resource.STATE: ("activityId", "agent", "registration", "since", "stateId"),
    Resource.ACTIVITY_PROFILE: ("activityId", "since", "profileId"),
    Resource.AGENT_PROFILE: ("agent", "since", "profileId"),
}


def _key(lrs: LrsRequest, client: LrsClient, resource: Resource) -> DocumentKey:
    """Validate a document request's parameters into its key."""
    names = _PARAMS[resource]
    p.check_known(lrs.args, set(names))
    activity = p.required_iri(lrs.args, "activityId") if "activityId" in names else ""
    agent = p.agent_param(lrs.args, "agent") if "agent" in names else ""
    registration = p.optional_uuid(lrs.args, "registration") or ""
    launch_credentials.check_document(client, resource, activity, agent or "", registration,
                                      writing=lrs.method not in ("GET", "HEAD"))
    return DocumentKey(client.tenant_id, resource, activity, agent or "", registration,
                       lrs.args.get(names[-1], ""))


def document_view(lrs: LrsRequest, client: LrsClient, resource: Resource) -> Response:
    """Dispatch a document request on its (effective) method."""
    try:
        key = _key(lrs, client, resource)
        since = p.optional_timestamp(lrs.args, "since")
    except p.ParamError as err:
        raise bad_request(str(err), "INVALID_PARAMETER") from None
    id_name = _PARAMS[resource][-1]
    if lrs.method in ("GET", "HEAD"):
        if key.doc_id:
            return _get_one(key)
        return Response(json.dumps(list_ids(db(), key, since)), mimetype="application/json")
    if since is not None:
        raise bad_request("since is only allowed when listing documents", "INVALID_PARAMETER")
    if lrs.method == "DELETE":
        if not key.doc_id and resource is not Resource.STATE:
            raise bad_request(f"{id_name} is required", "INVALID_PARAMETER")
        _commit(lambda: delete_documents(db(), key, lrs.headers.get("If-Match"), single=bool(key.doc_id)))
        return Response(status=204)
    if not key.doc_id:
        raise bad_request(f"{id_name} is required", "INVALID_PARAMETER")
    request = WriteRequest(lrs.method, lrs.body, lrs.content_type, lrs.headers.get("If-Match"),
                           lrs.headers.get("If-None-Match"), lrs.version or "2.0.0")
    _commit(lambda: write_document(db(), key, request))
    return Response(status=204)


def _commit(write: Any) -> None:
    """Run a write and commit, mapping document errors to their statuses."""
    session = db()
    try:
        write()
    except DocumentError as err:
        session.rollback()
        raise ApiError(err.status, err.code, err.message) from None
    session.commit()


def _get_one(key: DocumentKey) -> Response:
    """The stored document as it was sent, with its ETag and Last-Modified."""
    document = get_document(db(), key)
    if document is None:
        raise ApiError(404, "NOT_FOUND", "Document not found")
    response = Response(document.content, status=200, content_type=document.content_type)
    response.headers["ETag"] = document.etag
    response.last_modified = document.updated_at
    return response


def activity_view(lrs: LrsRequest, client: LrsClient) -> Response:
    """GET /activities: the canonical Activity (an id-only Activity when never defined)."""
    try:
        p.check_known(lrs.args, {"activityId"})
        activity_id = p.required_iri(lrs.args, "activityId")
    except p.ParamError as err:
        raise bad_request(str(err), "INVALID_PARAMETER") from None
    definition = db().scalar(select(XapiActivity.definition).where(
        XapiActivity.tenant_id == client.tenant_id, XapiActivity.activity_id == activity_id))
    body: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    if definition:
        body["definition"] = json.loads(definition)
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")


def agents_view(lrs: LrsRequest, client: LrsClient) -> Response:
    """GET /agents: the Person object combining what the LRS knows of an Agent."""
    try:
        p.check_known(lrs.args, {"agent"})
        key = p.agent_param(lrs.args, "agent")
    except p.ParamError as err:
        raise bad_request(str(err), "INVALID_PARAMETER") from None
    launch_credentials.check_agent(client, key)
    agent = p.agent_object(lrs.args)
    names = [agent["name"]] if isinstance(agent.get("name"), str) else []
    names += [name for name in _known_names(client.tenant_id, key) if name not in names]
    person: dict[str, Any] = {"objectType": "Person", "name": names}
    for ifi in ("mbox", "mbox_sha1sum", "openid", "account"):
        if ifi in agent:
            person[ifi] = [agent[ifi]]
    return Response(json.dumps(person, ensure_ascii=False), mimetype="application/json")


def _known_names(tenant_id: str, key: str | None) -> list[str]:
    """Names statements gave this actor (a few, most recent first)."""
    if key is None:
        return []
    rows = db().scalars(
        select(XapiStatement.actor_name)
        .where(XapiStatement.tenant_id == tenant_id, XapiStatement.actor_key == key,
               XapiStatement.actor_name.is_not(None))
        .order_by(XapiStatement.pk.desc()).limit(20))
    return list(dict.fromkeys(rows))


def about_view() -> Response:
    """GET /about: the versions this LRS speaks."""
    return Response(json.dumps({"version": SUPPORTED_VERSIONS, "extensions": {}}), mimetype="application/json")
