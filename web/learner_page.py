"""What a learner's browser is shown when the player, its content or a dispatch refuses: a page, not JSON.

Programs that ask for JSON (`Accept: application/json` preferred over HTML, or `?format=json`) get
the API's error envelope instead.
"""

from __future__ import annotations

from flask import Response, render_template, request

from web.errors import envelope, request_id

TITLE = "This course cannot be opened"
ASK_AGAIN = ("Go back to the site that sent you and open the course from there again. If this keeps happening, "
             "tell them the code and request below.")


def wants_json() -> bool:
    """True for API-style calls: JSON preferred over HTML, or `?format=json`."""
    if request.args.get("format") == "json":
        return True
    accept = request.accept_mimetypes
    return accept["application/json"] > accept["text/html"]


def refusal(status: int, code: str, message: str, hint: str = ASK_AGAIN,
            details: dict[str, object] | None = None) -> Response:  # fmt: skip
    """The refusal as the caller wants it, never cached; the page loads nothing and runs nothing."""
    if wants_json():
        response = envelope(status, code, message, details or {})
    else:
        html = render_template("learner/refused.html", title=TITLE, message=message, hint=hint, code=code,
                               request_id=request_id())  # fmt: skip
        response = Response(html, status=status, mimetype="text/html")
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
