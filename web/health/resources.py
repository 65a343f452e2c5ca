"""`GET /api/health`: database, Redis and storage checks, no authentication."""

from __future__ import annotations

import logging

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import text

from models.base import isoformat, utcnow
from web.services import services

log = logging.getLogger(__name__)
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


def _check(name: str, probe: object) -> bool:
    try:
        probe()  # type: ignore[operator]
        return True
    except Exception as err:  # a health check reports failures, it never raises them
        log.warning("health check %s failed: %s", name, type(err).__name__)
        return False


def _database() -> None:
    with services().engine.connect() as conn:
        conn.execute(text("SELECT 1"))


@blp.route("")
class Health(MethodView):
    @blp.doc(security=[])
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, schema=HealthSchema, description="A dependency is down")
    def get(self) -> tuple[dict[str, object], int]:
        """Service health"""
        svc = services()
        checks = {
            "database": _check("database", _database),
            "redis": _check("redis", svc.redis.ping),
            "storage": _check("storage", svc.storage.ping),
        }
        healthy = all(checks.values())
        body = {
            "status": "healthy" if healthy else "unhealthy",
            "service": svc.settings.service_name,
            "version": svc.settings.version,
            "timestamp": isoformat(utcnow()),
            "checks": checks,
        }
        return body, 200 if healthy else 503
