"""The dispatch player: `/player/dispatch/<token>`, opened by a dispatch ZIP inside another LMS.

Everything that limits a dispatch is decided here, on the server: the token's
signature, the dispatch's revocation and expiry, the launching page's origin
against the allowed domains, and the registration limit. An admitted learner
gets the regular player page (their session of the owning tenant, marked with
the dispatch) plus `dispatch_bridge.js`, which reports the session's status to
the launcher over postMessage; refusals are an HTML page that says why, or the
JSON envelope for API-style calls.

`GET /player/dispatch/status/<session>?k=` gives the bridge that status; it is
authorised by the player key of the session, like the runtime endpoints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, make_response, render_template, request

from models.base import isoformat
from models.dispatches import MAX_LEARNER_ID, Dispatch, DispatchRefused, DispatchStatus, register_learner
from models.sessions import LearnerSession
from web.dispatches import refusals
from web.dispatches.domains import OriginCheck, check_origin
from web.dispatches.refusals import Refusal
from web.dispatches.service import keyring
from web.dispatches.tokens import TokenError, verify_token
from web.errors import ApiError
from web.origins import content_tenant, moves_to_content_origin, require_tenant
from web.player import standards
from web.player import tokens as player_tokens
from web.player.package_info import load
from web.player.views import SECURITY_HEADERS, frame_ancestors, player_config
from web.services import db, settings
from web.sessions.service import open_session
from web.webhooks import events as webhook_events

blp = Blueprint(
    "dispatch_player",
    __name__,
    url_prefix="/player/dispatch",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

STATUS_POLL_SECONDS = 20
MAX_LEARNER_NAME = 255


@dataclass(frozen=True)
class Launch:
    """An admitted dispatch launch."""

    dispatch: Dispatch
    learner: LearnerSession
    origin: OriginCheck


@blp.get("/<string:token>")
def dispatch_player(token: str) -> Response:
    """Admit the host LMS's learner and show them the course."""
    try:
        launch = admit(token)
    except Refusal as refusal:
        return refusals.respond(refusal)
    package = load(db(), launch.learner.package_id, launch.learner.package_version)
    if package is None:
        return refusals.respond(refusals.not_found())
    key = _player_key(launch.learner)
    bridge = {
        "parentOrigin": launch.origin.origin,
        "statusUrl": f"/player/dispatch/status/{launch.learner.id}?k={key}",
        "pollSeconds": STATUS_POLL_SECONDS,
        "timeBaseline": launch.learner.time_spent_seconds,
    }
    own_page = standards.of(package.standard).dispatch_page
    if own_page:
        response = own_page(launch.learner, package, key, bridge)
    else:
        html = render_template(
            "dispatches/player.html",
            title=package.title,
            config=player_config(launch.learner, package, key),
            bridge=bridge,
        )
        response = make_response(html)
    response.headers.update(SECURITY_HEADERS)
    response.headers["Content-Security-Policy"] = frame_ancestors(framing_sources(launch.dispatch.allowed_domains))
    return response


def framing_sources(allowed_domains: list[str] | None) -> list[str]:
    """CSP sources for the dispatch's allowed domains, any port and scheme of this page's (empty list: anyone).

    Ports are not part of an allowed domain; IPv6 literals cannot be written in CSP, so they are left out.
    """
    if not allowed_domains:
        return ["*"]
    return [f"{domain}:*" for domain in allowed_domains if ":" not in domain]


@moves_to_content_origin("dispatch_player.dispatch_player")
def dispatch_tenant(token: str) -> str | Response:
    """The tenant of the dispatch a token names, or the refusal page of a token that names none."""
    try:
        return _dispatch_for(token).tenant_id
    except Refusal as refusal:
        return refusals.respond(refusal)


def admit(token: str) -> Launch:
    """Run every check of a launch and open the learner's session; commits on success.

    Raises:
        Refusal: the first check that failed, in the order token, dispatch, state,
            origin, learner, limit.
    """
    dispatch = _dispatch_for(token)
    if content_tenant() != dispatch.tenant_id:
        raise refusals.not_found()  # only on its tenant's content origin
    _refuse_unusable(dispatch)
    origin = check_origin(request.headers.get("Origin"), request.headers.get("Referer"), dispatch.allowed_domains)
    if not origin.allowed:
        raise refusals.domain_refused(origin.origin, origin.verdict.value)
    learner_id, learner_name = _learner()
    try:
        admission = register_learner(db(), dispatch, learner_id, learner_name, origin.origin)
    except DispatchRefused as refused:
        db().rollback()
        raise _refusal_for(refused.status, refused.dispatch) from None
    try:
        learner, _created = open_session(
            db(), dispatch.tenant_id, dispatch.package_id, learner_id, learner_name, dispatch_id=dispatch.id
        )
    except ApiError:
        db().rollback()
        raise refusals.not_found() from None
    if admission.new:
        webhook_events.registration_taken(db(), dispatch)
    webhook_events.session_launched(db(), learner)
    db().commit()
    return Launch(dispatch, learner, origin)


@blp.get("/status/<string:session_id>")
def session_status(session_id: str) -> Response:
    """The derived status of a dispatch session, for the bridge (authorised by the player key)."""
    try:
        claims = player_tokens.verify(settings().secret_key, request.args.get("k"), player_tokens.PLAYER)
    except player_tokens.TokenError as err:
        raise ApiError(403, err.code, err.message) from None
    require_tenant(claims.tenant_id)
    learner = db().get(LearnerSession, session_id)
    if claims.session_id != session_id or learner is None or learner.dispatch_id is None:
        raise ApiError(404, "SESSION_NOT_FOUND", "Session not found")
    response = make_response(status_body(learner))
    response.headers.update(SECURITY_HEADERS)
    return response


def status_body(learner: LearnerSession) -> dict[str, Any]:
    """What the launcher needs to report to its host LMS."""
    score = learner.score or {}
    return {
        "completion_status": learner.completion_status,
        "success_status": learner.success_status,
        "score": {name: score.get(name) for name in ("raw", "min", "max", "scaled")},
        "time_spent_seconds": learner.time_spent_seconds,
        "updated_at": isoformat(learner.updated_at),
    }


def _dispatch_for(token: str) -> Dispatch:
    try:
        dispatch_id = verify_token(token, keyring(settings()))
    except TokenError as err:
        raise refusals.token_invalid(err.code) from None
    dispatch = db().get(Dispatch, str(dispatch_id))
    if dispatch is None:
        raise refusals.not_found()
    return dispatch


def _refuse_unusable(dispatch: Dispatch) -> None:
    # A full dispatch still admits its returning learners: that is decided at registration.
    state = dispatch.status()
    if state in (DispatchStatus.REVOKED, DispatchStatus.EXPIRED):
        raise _refusal_for(state, dispatch)


def _refusal_for(state: DispatchStatus, dispatch: Dispatch) -> Refusal:
    if state is DispatchStatus.REVOKED:
        return refusals.revoked()
    if state is DispatchStatus.EXPIRED:
        return refusals.expired(isoformat(dispatch.expires_at))
    return refusals.limit_reached(dispatch.registration_limit, dispatch.registration_count)


def _learner() -> tuple[str, str | None]:
    learner_id = (request.args.get("learner_id") or "").strip()
    if not learner_id:
        raise refusals.learner_required()
    if len(learner_id) > MAX_LEARNER_ID:
        raise refusals.learner_id_too_long(MAX_LEARNER_ID)
    name = " ".join((request.args.get("learner_name") or "").split())[:MAX_LEARNER_NAME]
    return learner_id, name or None


def _player_key(learner: LearnerSession) -> str:
    return player_tokens.mint_player(
        settings().secret_key,
        session_id=learner.id,
        tenant_id=learner.tenant_id,
        package_id=learner.package_id,
        version=learner.package_version,
        attempt=learner.attempt,
    )
