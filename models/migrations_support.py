"""What Flask-Migrate needs from a "db": our engine and metadata (no Flask-SQLAlchemy models)."""

from __future__ import annotations

from sqlalchemy import Engine, MetaData

from models.base import Base


class MigrationTarget:
    """Quacks like Flask-SQLAlchemy's `db` for Flask-Migrate's env.py."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.metadata: MetaData = Base.metadata
        self.metadatas = {None: Base.metadata}

    def get_engine(self) -> Engine:
        return self.engine
