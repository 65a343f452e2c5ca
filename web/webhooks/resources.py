"""`/api/v1/webhooks`: endpoints receiving signed events, their secrets, test pings and deliveries."""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from models.base import isoformat, utcnow
from models.webhook_events import record_test_event, wake_after_commit
from models.webhooks import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint, endpoint_body
from web.api import ErrorEnvelopeSchema
from web.auth import current_tenant_id
from web.errors import ApiError
from web.pagination import PageArgsSchema, paginate, pagination_block
from web.services import db, settings
from web.webhooks.schemas import (
    DeliveryArgsSchema,
    DeliveryListSchema,
    DeliverySchema,
    RotatedSecretSchema,
    RotateSecretSchema,
    TestEventSchema,
    WebhookCreatedSchema,
    WebhookCreateSchema,
    WebhookListSchema,
    WebhookSchema,
    WebhookUpdateSchema,
)
from workers.webhook_http import refused_address
from workers.webhooks import disable

blp = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks", description="Webhooks")
NOT_FOUND_DOC = {"schema": ErrorEnvelopeSchema, "description": "WEBHOOK_NOT_FOUND: unknown or another tenant's"}
MAX_ENDPOINTS = 20
MAX_TRIES_SHOWN = 20


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` + base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _own(webhook_id: str) -> WebhookEndpoint:
    endpoint = db().get(WebhookEndpoint, webhook_id) if len(webhook_id) <= 36 else None
    if endpoint is None or endpoint.tenant_id != current_tenant_id():
        raise ApiError(404, "WEBHOOK_NOT_FOUND", "Webhook not found", {"webhook_id": webhook_id})
    return endpoint


def _refuse_private_literal(url: str) -> None:
    """A URL naming a private address outright is refused now (names are checked again at each send)."""
    host = urlsplit(url).hostname or ""
    try:
        refused = refused_address(host)
    except ValueError:
        return  # a name, not an address
    if refused and not settings().webhooks_allow_private_networks:
        raise ApiError(400, "VALIDATION_ERROR", "Validation failed",
                       {"fieldErrors": {"url": ["Private, loopback and link-local addresses are not allowed."]}})


def _delivery_body(delivery: WebhookDelivery, tries: list[WebhookAttempt]) -> dict[str, Any]:
    return {
        "id": delivery.id, "event_id": delivery.event_id, "event_type": delivery.event_type,
        "status": delivery.status, "attempts": delivery.attempts, "response_status": delivery.response_status,
        "duration_ms": delivery.duration_ms, "error": delivery.error,
        "next_attempt_at": isoformat(delivery.next_attempt_at) if delivery.status == DeliveryStatus.PENDING else None,
        "created_at": isoformat(delivery.created_at), "delivered_at": isoformat(delivery.delivered_at),
        "tries": [{"number": t.number, "at": isoformat(t.at), "response_status": t.response_status,
                   "duration_ms": t.duration_ms, "error": t.error, "response_excerpt": t.response_excerpt,
                   "next_attempt_at": isoformat(t.next_attempt_at)} for t in tries],
    }  # fmt: skip


def _tries(delivery_ids: list[str]) -> dict[str, list[WebhookAttempt]]:
    found: dict[str, list[WebhookAttempt]] = {i: [] for i in delivery_ids}
    query = select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(delivery_ids)).order_by(WebhookAttempt.id)
    for attempt in db().scalars(query):
        found[attempt.delivery_id].append(attempt)
    return {key: value[-MAX_TRIES_SHOWN:] for key, value in found.items()}


@blp.route("")
class Webhooks(MethodView):
    @blp.doc(operationId="listWebhooks")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, WebhookListSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List the tenant's webhook endpoints

        Secrets are never listed: a secret is shown once, when created or rotated.

        ```bash
        curl -H "Authorization: Bearer $KEY" "$BASE/api/v1/webhooks"
        ```
        """
        query = (select(WebhookEndpoint).where(WebhookEndpoint.tenant_id == current_tenant_id())
                 .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id))  # fmt: skip
        rows, total = paginate(db(), query, args["page"], args["limit"])
        return {"webhooks": [endpoint_body(e) for e in rows],
                "pagination": pagination_block(args["page"], args["limit"], total)}  # fmt: skip

    @blp.doc(operationId="createWebhook")
    @blp.arguments(WebhookCreateSchema)
    @blp.response(201, WebhookCreatedSchema)
    @blp.alt_response(409, schema=ErrorEnvelopeSchema, description="LIMIT_REACHED: 20 endpoints per tenant")
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create a webhook endpoint (its signing secret is returned once)

        Events of the listed types are POSTed to `url` as JSON with the Standard Webhooks headers
        `webhook-id` (the event id, the same on every retry), `webhook-timestamp` and
        `webhook-signature` (HMAC-SHA256 with the `whsec_` secret answered here). A failing
        receiver is retried with growing delays for about three days.

        ```bash
        curl -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" -X POST "$BASE/api/v1/webhooks" \\
          -d '{"url": "https://partner.example/hooks", "events": ["package.import.succeeded", "session.completed"]}'
        ```
        """
        _refuse_private_literal(body["url"])
        tenant_id = current_tenant_id()
        count = len(db().scalars(select(WebhookEndpoint.id).where(WebhookEndpoint.tenant_id == tenant_id)).all())
        if count >= MAX_ENDPOINTS:
            raise ApiError(409, "LIMIT_REACHED", f"A tenant has at most {MAX_ENDPOINTS} webhook endpoints.")
        endpoint = WebhookEndpoint(tenant_id=tenant_id, url=body["url"], events=sorted(set(body["events"])),
                                   enabled=body["enabled"], description=body["description"], secret=new_secret())
        db().add(endpoint)
        db().flush()
        answer = {**endpoint_body(endpoint), "secret": endpoint.secret}
        db().commit()
        return answer


@blp.route("/<string:webhook_id>")
class WebhookById(MethodView):
    @blp.doc(operationId="getWebhook")
    @blp.response(200, WebhookSchema)
    @blp.alt_response(404, **NOT_FOUND_DOC)
    def get(self, webhook_id: str) -> dict[str, Any]:
        """Get a webhook endpoint

        ```bash
        curl -H "Authorization: Bearer $KEY" "$BASE/api/v1/webhooks/WEBHOOK_ID"
        ```
        """
        return endpoint_body(_own(webhook_id))

    @blp.doc(operationId="updateWebhook")
    @blp.arguments(WebhookUpdateSchema)
    @blp.response(200, WebhookSchema)
    @blp.alt_response(404, **NOT_FOUND_DOC)
    def patch(self, body: dict[str, Any], webhook_id: str) -> dict[str, Any]:
        """Change a webhook endpoint's URL, events, description, or enable / disable it

        Disabling fails its pending deliveries (retry them one by one if needed); enabling again
        clears an automatic disable.

        ```bash
        curl -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" -X PATCH \\
          "$BASE/api/v1/webhooks/WEBHOOK_ID" -d '{"enabled": false}'
        ```
        """
        endpoint = _own(webhook_id)
        if "url" in body:
            _refuse_private_literal(body["url"])
            endpoint.url = body["url"]
        if "events" in body:
            endpoint.events = sorted(set(body["events"]))
        if "description" in body:
            endpoint.description = body["description"]
        if body.get("enabled") is True and not endpoint.enabled:
            endpoint.enabled, endpoint.disabled_reason, endpoint.failing_since = True, None, None
        elif body.get("enabled") is False and endpoint.enabled:
            disable(db(), endpoint, "Disabled through the API.")
        endpoint.updated_at = utcnow()
        db().flush()
        answer = endpoint_body(endpoint)
        db().commit()
        return answer

    @blp.doc(operationId="deleteWebhook")
    @blp.response(204)
    @blp.alt_response(404, **NOT_FOUND_DOC)
    def delete(self, webhook_id: str) -> None:
        """Delete a webhook endpoint and its delivery history

        ```bash
        curl -H "Authorization: Bearer $KEY" -X DELETE "$BASE/api/v1/webhooks/WEBHOOK_ID"
        ```
        """
        db().delete(_own(webhook_id))
        db().commit()


@blp.route("/<string:webhook_id>/rotate-secret")
class WebhookRotate(MethodView):
    @blp.doc(operationId="rotateWebhookSecret")
    @blp.arguments(RotateSecretSchema)
    @blp.response(200, RotatedSecretSchema)
    @blp.alt_response(404, **NOT_FOUND_DOC)
    def post(self, body: dict[str, Any], webhook_id: str) -> dict[str, Any]:
        """Rotate the signing secret; the previous one keeps signing for an overlap period

        During `overlap_seconds` (default a day, at most 7 days) each message carries two
        signatures in `webhook-signature`, one per secret, so the receiver can switch at leisure.

        ```bash
        curl -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" -X POST \\
          "$BASE/api/v1/webhooks/WEBHOOK_ID/rotate-secret" -d '{"overlap_seconds": 3600}'
        ```
        """
        endpoint = _own(webhook_id)
        overlap = body["overlap_seconds"]
        endpoint.previous_secret = endpoint.secret if overlap else None
        endpoint.previous_secret_expires_at = utcnow() + timedelta(seconds=overlap) if overlap else None
        endpoint.secret = new_secret()
        expires = isoformat(endpoint.previous_secret_expires_at)
        answer = {"secret": endpoint.secret, "previous_secret_expires_at": expires}
        db().commit()
        return answer


@blp.route("/<string:webhook_id>/test")
class WebhookTest(MethodView):
    @blp.doc(operationId="testWebhook")
    @blp.response(202, TestEventSchema)
    @blp.alt_response(404, **NOT_FOUND_DOC)
    def post(self, webhook_id: str) -> dict[str, Any]:
        """Send a `webhook.test` event to this endpoint (a ping)

        The delivery is listed under the endpoint's deliveries like any other.

        ```bash
        curl -H "Authorization: Bearer $KEY" -X POST "$BASE/api/v1/webhooks/WEBHOOK_ID/test"
        ```
        """
        endpoint = _own(webhook_id)
        event_id = record_test_event(db(), endpoint)
        db().flush()
        delivery_id = db().scalar(select(WebhookDelivery.id).where(WebhookDelivery.event_id == event_id))
        db().commit()
        return {"event_id": event_id, "delivery_id": delivery_id}


@blp.route("/<string:webhook_id>/deliveries")
class WebhookDeliveries(MethodView):
    @blp.doc(operationId="listWebhookDeliveries")
    @blp.arguments(DeliveryArgsSchema, location="query")
    @blp.response(200, DeliveryListSchema)
    @blp.alt_response(404, **NOT_FOUND_DOC)
    def get(self, args: dict[str, Any], webhook_id: str) -> dict[str, Any]:
        """List an endpoint's deliveries, newest first, with each try

        Each delivery is one event for this endpoint: its status (`pending`, `succeeded`,
        `failed`), the last answer's code, duration and error, the next try, and its tries.

        ```bash
        curl -H "Authorization: Bearer $KEY" "$BASE/api/v1/webhooks/WEBHOOK_ID/deliveries?status=failed"
        ```
        """
        endpoint = _own(webhook_id)
        query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
        if "status" in args:
            query = query.where(WebhookDelivery.status == args["status"])
        query = query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id)
        rows, total = paginate(db(), query, args["page"], args["limit"])
        tries = _tries([d.id for d in rows])
        return {"deliveries": [_delivery_body(d, tries[d.id]) for d in rows],
                "pagination": pagination_block(args["page"], args["limit"], total)}  # fmt: skip


@blp.route("/<string:webhook_id>/deliveries/<string:delivery_id>/retry")
class WebhookDeliveryRetry(MethodView):
    @blp.doc(operationId="retryWebhookDelivery")
    @blp.response(202, DeliverySchema)
    @blp.alt_response(404, schema=ErrorEnvelopeSchema, description="WEBHOOK_NOT_FOUND or DELIVERY_NOT_FOUND")
    def post(self, webhook_id: str, delivery_id: str) -> dict[str, Any]:
        """Send a delivery again now (same event id), whatever its status

        ```bash
        curl -H "Authorization: Bearer $KEY" -X POST \\
          "$BASE/api/v1/webhooks/WEBHOOK_ID/deliveries/DELIVERY_ID/retry"
        ```
        """
        endpoint = _own(webhook_id)
        delivery = db().get(WebhookDelivery, delivery_id) if len(delivery_id) <= 36 else None
        if delivery is None or delivery.endpoint_id != endpoint.id:
            raise ApiError(404, "DELIVERY_NOT_FOUND", "Delivery not found", {"delivery_id": delivery_id})
        delivery.status, delivery.next_attempt_at, delivery.claimed_until = DeliveryStatus.PENDING, utcnow(), None
        wake_after_commit(db())
        db().flush()
        answer = _delivery_body(delivery, _tries([delivery.id])[delivery.id])
        db().commit()
        return answer
