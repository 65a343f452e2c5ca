"""Workers' maintenance for cmi5: AU sessions silent past their credential's lifetime are abandoned (cmi5 9.3.6)."""

from __future__ import annotations

from models.db import transaction
from web.cmi5.lms import abandon_idle
from web.lrs.launch_credentials import DEFAULT_TTL
from workers.context import WorkerContext


def abandon_idle_sessions(services: WorkerContext) -> int:
    """One batch of idle AU sessions abandoned; their `abandoned` statements are written in the same transaction."""
    with transaction(services.engine) as session:
        return abandon_idle(session, services.settings.public_base_url, DEFAULT_TTL)
