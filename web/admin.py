"""rq-dashboard at `/admin/rq`, for operators holding an admin key of an operator tenant.

A browser keeps the operator's Basic credentials and would send them with any request to this
origin, including one a page of another site (course content above all) makes. So the dashboard
answers only requests the browser says come from itself or from the operator's own hand
(`Sec-Fetch-Site: same-origin` or `none`), before looking at credentials. Clients that send no
`Sec-Fetch-Site` (curl, older browsers) are refused when they send an `Origin` of another host.
"""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

import rq_dashboard
from flask import Flask, Response, request
from rq_dashboard.web import setup_rq_connection

from config.settings import Settings
from models.tenants import Tenant, find_active_key
from web.auth import presented_key
from web.services import db

REALM = 'Basic realm="Allure Connect admin", charset="UTF-8"'


def _credential() -> str | None:
    """A key from Bearer/X-API-Key, or the password of HTTP Basic (what a browser can send)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:]).decode()
        except ValueError:
            return None
        return decoded.partition(":")[2] or None
    return presented_key()


def _is_operator(secret: str | None) -> bool:
    if not secret:
        return False
    key = find_active_key(db(), secret)
    if key is None or "admin" not in key.scope_set:
        return False
    tenant = db().get(Tenant, key.tenant_id)
    return bool(tenant and tenant.is_operator)


def _cross_site() -> bool:
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = request.headers.get("Origin")
    # Compared by host: behind a TLS-terminating proxy this process may see http for https.
    return origin is not None and urlsplit(origin).netloc.lower() != request.host.lower()


def _guard() -> Response | None:
    if _cross_site():
        return Response("The dashboard answers only its own pages; open it directly.", 403,
                        {"Content-Type": "text/plain", "Cache-Control": "no-store"})  # fmt: skip
    if _is_operator(_credential()):
        return None
    return Response(
        "An admin API key of an operator tenant is required.",
        401,
        {"WWW-Authenticate": REALM, "Content-Type": "text/plain"},
    )


def init_app(app: Flask, settings: Settings) -> None:
    app.config.from_object(rq_dashboard.default_settings)
    app.config["RQ_DASHBOARD_REDIS_URL"] = [settings.redis_connection_url]
    if _guard not in rq_dashboard.blueprint.before_request_funcs.get(None, []):
        rq_dashboard.blueprint.before_request(_guard)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix="/admin/rq")
    with app.app_context():
        setup_rq_connection(app)
