"""`GET /api/docs`: the Scalar API reference over `/api/docs/openapi`, with no internet needed.

Configured for this product: the guide first, Bearer keys first, and none of Scalar's own hosted
services offered (AI agent, SDK/MCP generation, deploy, developer tools).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, send_file

from config.settings import PROJECT_ROOT

blp = Blueprint("docs_ui", __name__)
SCALAR_DIST = PROJECT_ROOT / "node_modules" / "@scalar" / "api-reference" / "dist" / "browser"
SCALAR_BUNDLE = SCALAR_DIST / "standalone.js"
FAVICON = Path(__file__).parent / "static" / "favicon.svg"

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Allure Connect API</title>
  <link rel="icon" type="image/svg+xml" href="/api/docs/static/favicon.svg">
  <meta name="viewport" content="width=device-width, initial-scale=1">
</head>
<body>
  <script id="api-reference" data-url="/api/docs/openapi"
    data-configuration='{"withDefaultFonts": false, "telemetry": false, "showDeveloperTools": "never",
      "showToolbar": "never", "agent": {"disabled": true}, "mcp": {"disabled": true},
      "authentication": {"preferredSecurityScheme": "bearerAuth"}, "favicon": "/api/docs/static/favicon.svg"}'></script>
  <script src="/api/docs/static/scalar.js"></script>
</body>
</html>
"""


@blp.get("/api/docs")
def scalar_page() -> Response:
    return Response(PAGE, mimetype="text/html")


@blp.get("/api/docs/static/scalar.js")
def scalar_bundle() -> Response:
    if not Path(SCALAR_BUNDLE).exists():
        abort(404)
    return send_file(SCALAR_BUNDLE, mimetype="text/javascript", max_age=86400)


@blp.get("/api/docs/static/favicon.svg")
def favicon() -> Response:
    return send_file(FAVICON, mimetype="image/svg+xml", max_age=86400)
