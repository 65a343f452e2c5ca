"""rq-dashboard at `/admin/rq`, for operators holding an admin key of an operator tenant."""

from __future__ import annotations

import base64

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


def _guard() -> Response | None:
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
