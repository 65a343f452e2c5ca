"""The standard LRS endpoint at `/xapi` (Basic auth with per-tenant LRS credentials).

One view per resource dispatches on the effective method, so the 1.0.x Alternate Request
Syntax (a POST carrying `?method=`) reaches the same handlers. Every answer carries
`X-Experience-API-Version`; Statement Resource answers also carry
`X-Experience-API-Consistent-Through` (writes are synchronous, so it is "now").
Also registers `flask --app web lrs-credentials create --tenant ID --json`.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import click
from flask import Blueprint, Response, g, request

from models.tenants import Tenant
from web.cmi5 import guard as cmi5_guard
from web.errors import ApiError
from web.lrs import credentials, launch_credentials
from web.lrs.credentials import LrsClient
from web.lrs.datatypes import format_timestamp
from web.lrs.document_views import about_view, activity_view, agents_view, document_view
from web.lrs.documents import Resource
from web.lrs.request import LrsRequest, build_request, check_version, response_version
from web.lrs.statement_views import get_statements, post_statements, put_statement
from web.lrs.store import now_ms
from web.origins import content_tenant
from web.services import db, services, settings

blp = Blueprint("lrs", __name__, url_prefix="/xapi", cli_group="lrs-credentials")
ALL_METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"]
REALM = 'Basic realm="Allure Connect LRS", charset="UTF-8"'
# On a content origin the caller is launched content: a Basic challenge would make the browser
# hold the request for a login dialog (headless browsers hang); a launch scheme asks for nothing.
CONTENT_REALM = 'Launch realm="Allure Connect LRS"'
CONTENT_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, PUT, POST, DELETE",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, X-Experience-API-Version, If-Match, If-None-Match",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, X-Experience-API-Version, "
                                     "X-Experience-API-Consistent-Through",
    "Access-Control-Max-Age": "600",
}


@blp.before_request
def _authenticate() -> None:
    if request.endpoint == "lrs.about" or request.method == "OPTIONS":
        return
    lrs = build_request()
    g.lrs = lrs
    client = _client(lrs.headers.get("Authorization"))
    if client is None:
        raise ApiError(401, "UNAUTHORIZED", "Valid LRS credentials are required (HTTP Basic)",
                       headers={"WWW-Authenticate": CONTENT_REALM if content_tenant() else REALM})
    g.lrs_client = client
    check_version(lrs)
    cmi5_guard.before(lrs, client, request.endpoint)


def _client(header: str | None) -> LrsClient | None:
    """The caller: a launch credential, or (on the API origin only) a tenant's LRS credential.

    On a content origin only launch credentials of that origin's tenant are taken: content
    reaches its launch's LRS scope there, same-origin, and nothing else.
    """
    if launch_credentials.is_launch_header(header):
        client = launch_credentials.authenticate(db(), header)
        tenant = content_tenant()
        return client if client is not None and tenant in (None, client.tenant_id.lower()) else None
    return credentials.authenticate(db(), header) if content_tenant() is None else None


@blp.after_request
def _xapi_headers(response: Response) -> Response:
    response = cmi5_guard.after(response)
    if isinstance(g.get("lrs_client"), launch_credentials.LaunchClient):
        # Launched content reads its documents again in each session: a browser cache must not answer.
        response.headers.setdefault("Cache-Control", "no-store")
    if content_tenant():
        # Content hosted elsewhere (a cmi5 AU at an absolute URL) calls this origin's LRS: only launch
        # credentials work here, sent explicitly (no cookies), so any origin may ask.
        response.headers.update(CONTENT_CORS)
    lrs: LrsRequest | None = g.get("lrs")
    default = settings().xapi_default_version
    response.headers["X-Experience-API-Version"] = response_version(lrs.version if lrs else None, default)
    if request.endpoint == "lrs.statements":
        response.headers["X-Experience-API-Consistent-Through"] = format_timestamp(now_ms())
    return response


def _dispatch(handlers: dict[str, Callable[[LrsRequest, LrsClient], Response]]) -> Response:
    """Call the handler of the effective method (HEAD runs GET; the server drops the body)."""
    lrs: LrsRequest = g.lrs
    method = "GET" if lrs.method == "HEAD" else lrs.method
    handler = handlers.get(method)
    if handler is None:
        raise ApiError(405, "METHOD_NOT_ALLOWED", f"Method {lrs.method} not allowed on this resource")
    response = handler(lrs, g.lrs_client)
    if lrs.method == "HEAD" and lrs.alternate:
        response.set_data(b"")
    return response


@blp.route("/statements", methods=ALL_METHODS, endpoint="statements")
def statements() -> Response:
    """Statement Resource."""
    return _dispatch({"GET": get_statements, "PUT": put_statement, "POST": post_statements})


def _documents(resource: Resource) -> Callable[[LrsRequest, LrsClient], Response]:
    return lambda lrs, client: document_view(lrs, client, resource)


@blp.route("/activities/state", methods=ALL_METHODS, endpoint="state")
def state() -> Response:
    """State Resource."""
    handler = _documents(Resource.STATE)
    return _dispatch(dict.fromkeys(("GET", "PUT", "POST", "DELETE"), handler))


@blp.route("/activities/profile", methods=ALL_METHODS, endpoint="activity_profile")
def activity_profile() -> Response:
    """Activity Profile Resource."""
    handler = _documents(Resource.ACTIVITY_PROFILE)
    return _dispatch(dict.fromkeys(("GET", "PUT", "POST", "DELETE"), handler))


@blp.route("/agents/profile", methods=ALL_METHODS, endpoint="agent_profile")
def agent_profile() -> Response:
    """Agent Profile Resource."""
    handler = _documents(Resource.AGENT_PROFILE)
    return _dispatch(dict.fromkeys(("GET", "PUT", "POST", "DELETE"), handler))


@blp.route("/activities", methods=ALL_METHODS, endpoint="activities")
def activities() -> Response:
    """Activities Resource."""
    return _dispatch({"GET": activity_view})


@blp.route("/agents", methods=ALL_METHODS, endpoint="agents")
def agents() -> Response:
    """Agents Resource."""
    return _dispatch({"GET": agents_view})


@blp.route("/about", methods=["GET", "HEAD"], endpoint="about")
def about() -> Response:
    """About Resource (no authentication, no version header needed)."""
    return about_view()


@blp.cli.command("create")
@click.option("--tenant", "tenant_id", required=True)
@click.option("--name", default="", help="A label for the credential.")
@click.option("--json", "as_json", is_flag=True)
def create_credential(tenant_id: str, name: str, as_json: bool) -> None:
    """Create LRS credentials for a tenant; the secret is printed once, here."""
    with services().sessions.begin() as session:
        if session.get(Tenant, tenant_id) is None:
            raise click.ClickException(f"no tenant {tenant_id}")
        credential, secret = credentials.create_credential(session, tenant_id, name)
        key = credential.key
    if as_json:
        click.echo(json.dumps({"key": key, "secret": secret}))
    else:
        click.echo(f"key: {key}\nsecret: {secret}")
