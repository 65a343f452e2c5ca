"""Persistence: SQLAlchemy models (one module per aggregate), engine and migrations."""

from pathlib import Path

from models import (  # noqa: F401  (register tables on Base.metadata)
    cmi5,
    dispatches,
    jobs,
    packages,
    sessions,
    tenants,
    webhooks,
    xapi,
    xapi_launch,
    xapi_rollups,
)
from models.base import Base

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

__all__ = ["Base", "MIGRATIONS_DIR"]
