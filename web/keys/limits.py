"""How many API keys a tenant may hold and mint: a cap on active keys and on keys created per hour.

Each key has its own rate-limit window, so unlimited minting would multiply a tenant's allowance;
the tenant-wide window (web.ratelimit) bounds the traffic, these limits bound the keys themselves.
Both are counted in the database under a lock on the tenant's row, so concurrent creations cannot
overshoot them.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from config.settings import Settings
from models.base import utcnow
from models.tenants import ApiKey, Tenant
from web.errors import ApiError

WINDOW = timedelta(hours=1)
LIMIT_REACHED = "API_KEY_LIMIT_REACHED"
CREATION_RATE = "API_KEY_CREATION_RATE_EXCEEDED"


def check_can_create(session: Session, tenant_id: str, settings: Settings) -> None:
    """Raise 409 when the tenant holds its maximum of active keys, 429 when it minted its hourly maximum.

    Locks the tenant's row until the caller's transaction ends: call it right before creating the key.
    """
    session.execute(select(Tenant.id).where(Tenant.id == tenant_id).with_for_update())
    unexpired = or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > utcnow())
    active = session.scalar(select(func.count()).where(ApiKey.tenant_id == tenant_id, ApiKey.revoked_at.is_(None),
                                                       unexpired))
    if (active or 0) >= settings.max_keys_per_tenant:
        raise ApiError(409, LIMIT_REACHED, "The tenant holds its maximum of active API keys; revoke one first",
                       {"limit": settings.max_keys_per_tenant, "active": active})
    since = utcnow() - WINDOW
    recent = list(session.scalars(select(ApiKey.created_at).where(
        ApiKey.tenant_id == tenant_id, ApiKey.created_at > since).order_by(ApiKey.created_at)))
    if len(recent) >= settings.max_keys_created_per_hour:
        # The window frees a slot when the oldest key counted in it turns an hour old.
        retry_after = max(1, int((recent[0] + WINDOW - utcnow()).total_seconds()) + 1)
        raise ApiError(429, CREATION_RATE, "The tenant created its maximum of API keys this hour",
                       {"limit": settings.max_keys_created_per_hour, "window_seconds": int(WINDOW.total_seconds())},
                       headers={"Retry-After": str(retry_after)})
