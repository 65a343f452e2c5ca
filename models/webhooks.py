"""Webhooks: a tenant's endpoints, the outbox of events and each event's delivery to each endpoint.

An event row is written in the transaction of the change it reports (models.webhook_events), with
one delivery row per endpoint that wants it: the delivery rows are the outbox the workers drain
(workers.webhooks), so an event of a committed change is never lost and one of a rolled-back
change never exists. Each try of a delivery is kept (`WebhookAttempt`) for the deliveries API.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, JSONType, TimestampMixin, UTCDateTime, UUIDStr, isoformat, new_id, utcnow

EVENT_TYPES = (
    "package.import.succeeded",
    "package.import.failed",
    "package.deleted",
    "dispatch.zip.ready",
    "dispatch.registration_limit_reached",
    "session.launched",
    "session.completed",
    "session.passed",
    "session.failed",
    "session.terminated",
    "webhook.endpoint.disabled",
)
# Sent only to the endpoint it tests (POST /webhooks/{id}/test), never subscribed to.
TEST_EVENT = "webhook.test"
MAX_URL = 2000
MAX_DESCRIPTION = 500


class DeliveryStatus:
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class WebhookEndpoint(TimestampMixin, Base):
    __tablename__ = "webhook_endpoints"

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True, nullable=False)
    url: Mapped[str] = mapped_column(String(MAX_URL), nullable=False)
    events: Mapped[list[str]] = mapped_column(JSONType, default=list, nullable=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    description: Mapped[str] = mapped_column(String(MAX_DESCRIPTION), default="", nullable=False)
    # `whsec_` + base64; the previous one still signs (a second signature) until it expires.
    secret: Mapped[str] = mapped_column(String(100), nullable=False)
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the current run of failed tries began (None: the last try succeeded).
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_reason: Mapped[str | None] = mapped_column(String(200))

    def secrets(self, now: datetime | None = None) -> list[str]:
        """The secrets that sign a message now: the current one, and the previous during its overlap."""
        now = now or utcnow()
        kept = [self.secret]
        if self.previous_secret and self.previous_secret_expires_at and self.previous_secret_expires_at > now:
            kept.append(self.previous_secret)
        return kept


class WebhookEvent(Base):
    __tablename__ = "webhook_events"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True, nullable=False)
    type: Mapped[str] = mapped_column(String(60), nullable=False)
    # The exact JSON body every try sends (so every try of one message signs the same bytes).
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


# Pending deliveries: the few rows the workers look at, found through a small partial index.
PENDING_WHERE = text("status = 'pending'")


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "next_attempt_at", postgresql_where=PENDING_WHERE,
              sqlite_where=PENDING_WHERE),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "created_at"),
    )  # fmt: skip

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False)
    event_id: Mapped[str] = mapped_column(ForeignKey("webhook_events.id", ondelete="CASCADE"), index=True,
                                          nullable=False)  # fmt: skip
    event_type: Mapped[str] = mapped_column(String(60), nullable=False)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    # A worker sending it holds it until then; a worker that died lets it go when this passes.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_status: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Only so one flush inserts an event before its deliveries (never loaded: lazy="raise").
    event: Mapped[WebhookEvent] = relationship(lazy="raise")


class WebhookAttempt(Base):
    """One try of a delivery: what the receiver answered (an excerpt), or why it failed."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True,
                                             nullable=False)  # fmt: skip
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    response_status: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    error: Mapped[str | None] = mapped_column(String(500))
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def endpoint_body(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """An endpoint as the API shows it (never its secret)."""
    return {
        "id": endpoint.id,
        "tenant_id": endpoint.tenant_id,
        "url": endpoint.url,
        "events": list(endpoint.events or []),
        "enabled": endpoint.enabled,
        "description": endpoint.description,
        "disabled_reason": endpoint.disabled_reason,
        "failing_since": isoformat(endpoint.failing_since),
        "previous_secret_expires_at": isoformat(endpoint.previous_secret_expires_at)
        if endpoint.previous_secret else None,
        "created_at": isoformat(endpoint.created_at),
        "updated_at": isoformat(endpoint.updated_at),
    }
