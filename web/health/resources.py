"""`GET /api/health`: database, Redis and storage checks, no authentication, answered within seconds."""

from __future__ import annotations

import threading

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from models.base import isoformat, utcnow
from web.health.probes import HealthProbes
from web.services import services

_BUILD = threading.Lock()
blp = Blueprint("health", __name__, url_prefix="/api/health", description="Service health")


class ChecksSchema(Schema):
    database = fields.Boolean(required=True)
    redis = fields.Boolean(required=True)
    storage = fields.Boolean(required=True)


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"example": "healthy"})
    service = fields.String(required=True)
    version = fields.String(required=True)
    timestamp = fields.String(required=True)
    checks = fields.Nested(ChecksSchema, required=True)


def _probes() -> HealthProbes:
    # Built on first use in each web process: its threads must not exist before gunicorn forks.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with _BUILD:
        if "allure_health" not in app.extensions:
            svc = services()
            app.extensions["allure_health"] = HealthProbes(svc.engine, svc.redis, svc.storage,
                                                           svc.settings.health_timeout)
        return app.extensions["allure_health"]


@blp.route("")
class Health(MethodView):
    @blp.doc(security=[])
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, schema=HealthSchema, description="A dependency is down")
    @blp.doc(operationId="getHealth")
    def get(self) -> tuple[dict[str, object], int]:
        """Service health

        No key needed. `status` is `healthy` (200) when the database, Redis and storage all answer
        within a couple of seconds, `unhealthy` (503) otherwise, with each check's result in
        `checks`. Point load balancers and uptime checks here.

        ```bash
        curl "$BASE/api/health"
        ```
        """
        svc = services()
        checks = _probes().run()
        healthy = all(checks.values())
        body = {
            "status": "healthy" if healthy else "unhealthy",
            "service": svc.settings.service_name,
            "version": svc.settings.version,
            "timestamp": isoformat(utcnow()),
            "checks": checks,
        }
        return body, 200 if healthy else 503
