"""The API's blueprints: one module per resource, each exposing `blp` (one line per resource)."""

from __future__ import annotations

MODULES: tuple[str, ...] = (
    "web.health.resources",
    "web.jobs.resources",
    "web.keys.resources",
    "web.packages.resources",
    "web.sessions.resources",
    "web.dispatches.resources",
    "web.xapi.resources",
    "web.webhooks.resources",
    "web.cmi5.api",
)

# Plain Flask blueprints (HTML pages, runtime endpoints): not part of the OpenAPI document.
PLAIN_MODULES: tuple[str, ...] = (
    "web.docs.resources",
    "web.player.views",
    "web.player.hacp",
    "web.player.content",
    "web.dispatches.launch",
    "web.lrs.resources",
    "web.cmi5.views",
)

# Standards whose player differs from SCORM's: each module registers how (web.player.standards).
PLAYER_STANDARDS: tuple[str, ...] = ("web.player.tincan", "web.player.hacp", "web.cmi5.views")
