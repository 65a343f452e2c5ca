"""Ralph's LRS (`ralph.api:app`) with its filesystem backend writing in append mode.

Runs inside Ralph's own virtualenv (never the project's): `bench.xapi` serves it with
`uvicorn bench.ralph_app:app --app-dir <repo> --workers 1`. Ralph 5.1.0's FS data backend
writes in "create" mode by default, so every write after the first fails because the file
exists; appending is what an LRS needs.
"""

from __future__ import annotations

from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

from ralph.api import app  # noqa: E402 - the backend must be patched before the app is built

__all__ = ["app"]
