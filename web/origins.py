"""Two kinds of origin: the API origin and one content origin per tenant, told apart by the Host.

Course content is code written by whoever uploaded the package. It runs on its tenant's
content origin (`AC_CONTENT_ORIGIN_TEMPLATE`, e.g. `https://t-{tenant}.content.example.com`;
`http://t-{tenant}.localhost:PORT` by default, which browsers resolve to loopback), never
where an operator's or a partner's credentials live:

- On a content origin only the player (`/player/...`) and package content (`/content/...`)
  answer, and only for that origin's tenant, plus the LRS (`/xapi/...`) for that tenant's
  launch credentials; anything else is `421 MISDIRECTED_REQUEST`.
- On any other Host (the API origin) the player and content are refused the same way,
  except a launch link or a dispatch player URL made before content origins existed: those
  redirect (307) to their tenant's content origin, so links and dispatch ZIPs already handed
  out keep working.
- API-origin responses may not be framed (`X-Frame-Options: DENY`, `frame-ancestors 'none'`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, Response, g, redirect, request

from web.errors import ApiError
from web.services import settings

PLACEHOLDER = "{tenant}"
_MARKER = "tenantplaceholder0"
CONTENT_AREAS = frozenset({"player", "content"})
# Answered on both kinds of origin: the LRS, which on a content origin takes only that tenant's
# launch credentials (`web.lrs.launch_credentials`), so launched xAPI content reaches it same-origin.
SHARED_AREAS = frozenset({"xapi"})
_LABEL = r"(?P<tenant>[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)"
Mover = Callable[[str], "str | Response"]
_MOVERS: dict[str, Mover] = {}
NO_FRAMING = "frame-ancestors 'none'"


@dataclass(frozen=True)
class ContentOrigins:
    """The content origin template, checked, and the Host pattern it makes."""

    template: str
    hosts: re.Pattern[str]

    def origin(self, tenant_id: str) -> str:
        """`scheme://host[:port]` of a tenant's content origin."""
        return self.template.replace(PLACEHOLDER, tenant_id.lower())

    def tenant_of(self, host: str) -> str | None:
        """The tenant label of a content Host (port ignored), or None for any other Host."""
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        match = self.hosts.match(name.strip().lower().rstrip("."))
        return match.group("tenant") if match else None


@lru_cache(maxsize=8)
def parse_template(template: str) -> ContentOrigins:
    """Check a content origin template and compile its Host pattern.

    Raises:
        ValueError: not an http(s) origin, or `{tenant}` is not inside the first host label.
    """
    template = template.strip().rstrip("/")
    parts = urlsplit(template.replace(PLACEHOLDER, _MARKER))
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query or parts.fragment:
        raise ValueError(f"content origin template {template!r} must be an http(s) origin with no path")
    if "@" in parts.netloc or template.count(PLACEHOLDER) != 1:
        raise ValueError(f"content origin template {template!r} must name {PLACEHOLDER} once and hold no credentials")
    first, _, rest = parts.hostname.partition(".")
    if _MARKER not in first or not rest:
        raise ValueError(f"content origin template {template!r} must put {PLACEHOLDER} in the first host label")
    prefix, _, suffix = first.partition(_MARKER)
    pattern = re.compile("^" + re.escape(prefix) + _LABEL + re.escape(suffix + "." + rest) + "$")
    return ContentOrigins(template, pattern)


def origins() -> ContentOrigins:
    return parse_template(settings().content_origins)


def content_origin(tenant_id: str) -> str:
    """The origin a tenant's launch links, player and content URLs use."""
    return origins().origin(tenant_id)


def content_tenant() -> str | None:
    """The tenant whose content origin this request arrived on (None on the API origin)."""
    return g.get("content_tenant")


def require_tenant(tenant_id: str) -> None:
    """Refuse a player or content resource of another tenant than this content origin's.

    Raises:
        ApiError: 404, as for a resource that does not exist.
    """
    if content_tenant() != tenant_id.lower():
        raise ApiError(404, "NOT_FOUND", "Resource not found")


def _area() -> str:
    return request.path.lstrip("/").split("/", 1)[0]


def route_by_host() -> Response | None:
    """before_request: keep each kind of route on its own kind of origin."""
    tenant = origins().tenant_of(request.host)
    g.content_tenant = tenant
    in_content_area = _area() in CONTENT_AREAS
    if tenant is not None and not in_content_area and _area() not in SHARED_AREAS:
        raise ApiError(421, "MISDIRECTED_REQUEST", "This origin serves course content only: use the API origin.")
    if tenant is None and in_content_area:
        moved = _moved_link()
        if moved is None:
            raise ApiError(421, "MISDIRECTED_REQUEST", "Course content is served on its tenant's content origin.")
        if isinstance(moved, Response):
            return moved
        return redirect(content_origin(moved) + request.full_path.rstrip("?"), code=307)
    return None


def moves_to_content_origin(endpoint: str) -> Callable[[Mover], Mover]:
    """Register how a link-shaped content route opened on the API origin finds its tenant.

    The function gets the route's `token` and answers the tenant id (the request is redirected
    to that tenant's content origin), a refusal response, or raises an ApiError.
    """

    def register(mover: Mover) -> Mover:
        _MOVERS[endpoint] = mover
        return mover

    return register


def _moved_link() -> str | Response | None:
    """The tenant of a launch link or dispatch player URL opened on the API origin, or why it cannot open."""
    mover = _MOVERS.get(request.endpoint or "")
    return mover(str((request.view_args or {}).get("token", ""))) if mover else None


def frame_guard(response: Response) -> Response:
    """after_request: nothing of the API origin may be framed by anyone."""
    if content_tenant() is None:
        response.headers["X-Frame-Options"] = "DENY"
        policy = response.headers.get("Content-Security-Policy")
        if not policy:
            response.headers["Content-Security-Policy"] = NO_FRAMING
        elif "frame-ancestors" not in policy:
            response.headers["Content-Security-Policy"] = f"{policy}; {NO_FRAMING}"
    return response


def init_app(app: Flask) -> None:
    cfg = app.extensions["allure"].settings
    content = parse_template(cfg.content_origins)  # a bad template stops the start
    if content.tenant_of(urlsplit(cfg.public_base_url).netloc) is not None:
        raise ValueError(f"PUBLIC_BASE_URL {cfg.public_base_url!r} is a content origin of {cfg.content_origins!r}")
    app.before_request(route_by_host)
    app.after_request(frame_guard)
