"""The cmi5 player on the tenant's content origin.

- `POST /player/cmi5/fetch/{token}`: the AU's one-time fetch URL (cmi5 8.2): the first POST
  answers `{"auth-token"}`, a launch credential scoped to the AU session's actor,
  registration and activity; any later one `{"error-code", "error-text"}` (200, as the spec
  says); other methods 405 with the same JSON shape.
- `GET /player/s/{session}` of a cmi5 package renders `cmi5_page` (course tree, AU launches).
- `POST /player/cmi5/s/{session}/launch/{index}`: prepares one AU launch for the page.
- `GET /player/cmi5/s/{session}/returned`: the AU's `returnURL`, back to the course tree.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, make_response, render_template, request
from sqlalchemy import select

from models.cmi5 import ABANDONED, TERMINATED, Cmi5AuSession, Cmi5Registration
from models.sessions import LearnerSession
from web.cmi5 import launch, service
from web.errors import ApiError
from web.lrs import launch_credentials
from web.origins import content_origin, content_tenant
from web.player import standards, tokens
from web.player.package_info import PackageInfo
from web.player.tokens import Claims
from web.services import db

blp = Blueprint("cmi5_player", __name__, url_prefix="/player/cmi5", template_folder="templates",
                static_folder="static")
_JSON_HEADERS = {"Cache-Control": "no-store", "Access-Control-Allow-Origin": "*"}


def _fetch_answer(body: dict[str, Any], status: int = 200) -> Response:
    response = make_response(json.dumps(body), status)
    response.mimetype = "application/json"
    response.headers.update(_JSON_HEADERS)
    return response


@blp.route("/fetch/<string:token>", methods=["GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"])
def fetch_other(token: str) -> Response:
    """Only POST is allowed (cmi5 8.2.1): no caching of a token by a GET."""
    if request.method == "OPTIONS":
        response = _fetch_answer({}, 204)
        response.headers["Access-Control-Allow-Methods"] = "POST"
        return response
    response = _fetch_answer({"error-code": "2", "error-text": "The fetch URL takes POST only."}, 405)
    response.headers["Allow"] = "POST"
    return response


@blp.post("/fetch/<string:token>")
def fetch(token: str) -> Response:
    """Hand out the AU session's auth token, once."""
    session = db()
    au_session = session.scalar(select(Cmi5AuSession).where(Cmi5AuSession.fetch_hash == launch.fetch_hash(token))
                                .with_for_update())  # fmt: skip
    if au_session is None or au_session.tenant_id.lower() != content_tenant():
        return _fetch_answer({"error-code": "2", "error-text": "This fetch URL is not valid."})
    if au_session.fetch_used or au_session.state in (TERMINATED, ABANDONED):
        return _fetch_answer({"error-code": "1", "error-text": "The authorization token has already been returned."})
    registration = session.get(Cmi5Registration, au_session.registration_id)
    # No activity prefix: cmi5 allowed statements may be about any activity (a video, a question);
    # cmi5 defined ones are held to the AU's activityId by the cmi5 rules (web.cmi5.rules).
    credential = launch_credentials.issue(session, au_session.tenant_id, actor=registration.actor,
                                          registration=registration.id, session_id=au_session.id,
                                          purpose="cmi5")  # fmt: skip
    au_session.fetch_used = True
    au_session.credential_key = credential.id
    session.commit()
    return _fetch_answer({"auth-token": credential.token})


def cmi5_page(learner: LearnerSession, package: PackageInfo, claims: Claims, key: str) -> Response:
    """The course tree of a cmi5 session; each AU launches in the frame or its own window."""
    return _tree_page(learner, package, key, claims.mode, claims.exit_url, "cmi5_player.html")


def cmi5_dispatch_page(learner: LearnerSession, package: PackageInfo, key: str, bridge: dict[str, Any]) -> Response:
    """The course tree inside a dispatch, with the bridge that reports to the host LMS."""
    return _tree_page(learner, package, key, tokens.NORMAL, None, "dispatches/cmi5_player.html", bridge=bridge)


def _tree_page(learner: LearnerSession, package: PackageInfo, key: str, mode: str, exit_url: str | None,
               template: str, **context: Any) -> Response:  # fmt: skip
    course = service.course_of(db(), learner)
    base = f"/player/cmi5/s/{learner.id}"
    config = {"session": learner.id, "mode": mode, "launch": f"{base}/launch/", "key": key, "exit_url": exit_url,
              "tree": service.tree(db(), learner, course)}  # fmt: skip
    return make_response(render_template(template, title=package.title, config=config, **context))


# cmi5's LMS writes its own `launched` statement per AU launch (web.cmi5.launch).
standards.register("cmi5", standards.PlayerStandard(page=cmi5_page, dispatch_page=cmi5_dispatch_page,
                                                     records_launch=False))  # fmt: skip


def _claims(session_id: str) -> Claims:
    from web.player.views import _player_claims

    return _player_claims(session_id)


@blp.post("/s/<string:session_id>/launch/<int:index>")
def launch_from_player(session_id: str, index: int) -> Response:
    """Prepare one AU launch for the player page."""
    claims = _claims(session_id)
    learner = db().get(LearnerSession, session_id, with_for_update=True)
    if learner is None or learner.attempt != claims.attempt:
        raise ApiError(403, "LAUNCH_TOKEN_INVALID", "This launch is over: a newer attempt has started.")
    course = service.course_of(db(), learner)
    au = service.au_index(course, None, index)
    key = request.args.get("k") or ""
    return_url = f"{content_origin(learner.tenant_id)}/player/cmi5/s/{learner.id}/returned?k={key}"
    prepared = service.launch_au(db(), learner, au, claims.mode, return_url)
    db().commit()
    return _fetch_answer({"url": prepared.url, "launch_method": prepared.launch_method,
                          "session_id": prepared.session_id})  # fmt: skip


@blp.get("/s/<string:session_id>/returned")
def returned(session_id: str) -> Response:
    """The AU's returnURL: bring the learner back to the course tree (top window or opener)."""
    _claims(session_id)
    target = f"/player/s/{session_id}?k={request.args.get('k') or ''}"
    response = make_response(render_template("cmi5_returned.html", target=target))
    response.headers["Cache-Control"] = "no-store"
    return response


def player_key(session_id: str) -> str:
    return request.args.get("k") or request.cookies.get(tokens.player_cookie_name(session_id)) or ""
