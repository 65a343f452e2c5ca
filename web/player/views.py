"""The learner's browser side: the launch link, the player page and the runtime endpoints.

- `GET /player/launch/{token}`: checks the signed launch token and claims it
  (single use), sets a cookie scoped to `/player/s/{session}` that lets the
  browser reload the player during the attempt, and redirects there.
- `GET /player/s/{session}`: the player page (table of contents, navigation,
  the content frame, scorm-again), for a browser with that cookie or `?k=`.
- `POST /player/s/{session}/deliver`, `/commit/{state}/{launch}`, `/state`:
  the runtime, authorised by the player key (`?k=` or the cookie), never by
  an API key; commits are JSON or, from `sendBeacon`, `text/plain`.
"""

from __future__ import annotations

import json
import time
from typing import Any

from flask import Blueprint, Response, make_response, redirect, render_template, request, send_from_directory

from config.settings import PROJECT_ROOT
from models.packages import Package
from models.sessions import LearnerSession
from web import learner_page, safe_json
from web.errors import ApiError, handle_api_error
from web.origins import moves_to_content_origin, require_tenant
from web.pagination import MAX_INT32
from web.player import (
    activity_tree,
    commit_check,
    commits,
    learner_objectives,
    runtime,
    standards,
    tokens,
    xapi_report,
)
from web.player.package_info import EDITIONS, PackageInfo, load
from web.player.tokens import Claims, TokenError
from web.services import db, services, settings
from web.webhooks import events as webhook_events

blp = Blueprint("player", __name__, url_prefix="/player", template_folder="templates", static_folder="static")
VENDOR_DIR = PROJECT_ROOT / "node_modules" / "scorm-again" / "dist"
# The non-minified bundles: patches/ fixes scorm-again there (a patch to minified code could not be kept).
VENDOR_FILES = {"scorm12.js", "scorm2004.js"}
VENDOR_SCRIPT = {"1.2": "scorm12.js", "2004": "scorm2004.js"}
AUTOCOMMIT_SECONDS = 5
MAX_COMMIT_BYTES = 2 * 1024 * 1024
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "Cache-Control": "no-store"}


# What the learner can do about a refusal, for the page; anything else gets learner_page.ASK_AGAIN.
_HINTS = {
    "LAUNCH_TOKEN_USED": "A launch link opens the course once. Go back to the site that sent you and open the "
                         "course from there again: it gives you a new link.",
    "LAUNCH_TOKEN_EXPIRED": "A launch link works for a few minutes only. Go back to the site that sent you and "
                            "open the course from there again: it gives you a new link.",
}


@blp.errorhandler(ApiError)
def _refusal(err: ApiError) -> Response:
    """A browser opening a link or a page reads a page; the runtime's calls (POST) get the envelope."""
    if request.method in ("GET", "HEAD"):
        return learner_page.refusal(err.status, err.code, err.message, _HINTS.get(err.code, learner_page.ASK_AGAIN),
                                    err.details)
    return handle_api_error(err)


def _token_error(err: TokenError) -> ApiError:
    status = 410 if err.code == "LAUNCH_TOKEN_EXPIRED" else 403
    return ApiError(status, err.code, err.message)


@blp.get("/launch/<string:token>")
def launch(token: str) -> Response:
    """Open a launch link: claim it once, then hand the browser its attempt credential."""
    secret = settings().secret_key
    try:
        claims = tokens.verify(secret, token, tokens.LAUNCH)
    except TokenError as err:
        raise _token_error(err) from None
    require_tenant(claims.tenant_id)
    learner = _attempt_session(claims)
    if not _claim_once(claims):
        raise ApiError(403, "LAUNCH_TOKEN_USED", "This launch link has already been used; ask for a new one.")
    package = db().get(Package, learner.package_id)
    if claims.records and standards.of(package.standard if package else None).records_launch:
        launched = xapi_report.statement(settings().public_base_url, learner, "launched",
                                         title=package.title if package else "")  # fmt: skip
        xapi_report.note(db(), launched, learner.tenant_id)
        webhook_events.session_launched(db(), learner)
        xapi_report.commit(db(), services().redis)
    return player_redirect(learner, mode=claims.mode, exit_url=claims.exit_url)


@moves_to_content_origin("player.launch")
def launch_tenant(token: str) -> str:
    """The tenant of a launch link opened on the API origin (a forged or expired one is refused there)."""
    try:
        return tokens.verify(settings().secret_key, token, tokens.LAUNCH).tenant_id
    except TokenError as err:
        raise _token_error(err) from None


def player_redirect(learner: LearnerSession, *, cookie: bool = True, mode: str = tokens.NORMAL,
                    exit_url: str | None = None) -> Response:  # fmt: skip
    """Redirect to the player page of a learner's current attempt, with its credential.

    With `cookie`, the key travels in a cookie scoped to the session's player
    path (first-party launches); without, in the URL (frames of another site,
    where cookies are not kept). `exit_url` rides in the player key, signed, to the player page.
    """
    key = tokens.mint_player(settings().secret_key, session_id=learner.id, tenant_id=learner.tenant_id,
                             package_id=learner.package_id, version=learner.package_version,
                             attempt=learner.attempt, mode=mode, exit_url=exit_url)  # fmt: skip
    target = f"/player/s/{learner.id}" + ("" if cookie else f"?k={key}")
    response = redirect(target, code=303)
    if cookie:
        content = tokens.mint_content(settings().secret_key, tenant_id=learner.tenant_id,
                                      package_id=learner.package_id, version=learner.package_version)  # fmt: skip
        _cookie(response, tokens.player_cookie_name(learner.id), key, f"/player/s/{learner.id}")
        # Also opens the package's own content URLs (/content/{package}/v{n}/...) to this browser.
        _cookie(response, tokens.content_cookie_name(learner.package_id), content, f"/content/{learner.package_id}/")
    response.headers.update({"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})
    return response


def _cookie(response: Response, name: str, value: str, path: str) -> None:
    response.set_cookie(name, value, max_age=int(tokens.PLAYER_TTL.total_seconds()), path=path, httponly=True,
                        samesite="Lax", secure=settings().content_origins.startswith("https"))  # fmt: skip


def _claim_once(claims: Claims) -> bool:
    # Redis is shared by every web process: SET NX makes the first opener the only one.
    ttl = max(claims.expires - int(time.time()), 1)
    return bool(services().redis.set(f"launch:used:{claims.jti}", "1", nx=True, ex=ttl + 60))


def _attempt_session(claims: Claims) -> LearnerSession:
    learner = db().get(LearnerSession, claims.session_id or "")
    if learner is None or learner.tenant_id != claims.tenant_id or learner.package_id != claims.package_id:
        raise ApiError(404, "SESSION_NOT_FOUND", "Session not found")
    if claims.attempt != learner.attempt:
        raise ApiError(403, "LAUNCH_TOKEN_INVALID", "This link belongs to an earlier attempt; ask for a new one.")
    return learner


def _player_claims(session_id: str) -> Claims:
    key = request.args.get("k") or request.cookies.get(tokens.player_cookie_name(session_id))
    try:
        claims = tokens.verify(settings().secret_key, key, tokens.PLAYER)
    except TokenError as err:
        raise _token_error(err) from None
    require_tenant(claims.tenant_id)
    if claims.session_id != session_id:
        raise ApiError(403, "LAUNCH_TOKEN_INVALID", "The launch credential is not valid for this session.")
    return claims


def _package(package_id: str, version: int) -> PackageInfo:
    info = load(db(), package_id, version)
    if info is None:
        raise ApiError(404, "PACKAGE_NOT_FOUND", "Package not found")
    return info


@blp.get("/s/<string:session_id>")
def player_page(session_id: str) -> Response:
    """The player page of a launched attempt."""
    claims = _player_claims(session_id)
    learner = _attempt_session(claims)
    key = request.args.get("k") or request.cookies.get(tokens.player_cookie_name(session_id)) or ""
    package = _package(learner.package_id, learner.package_version)
    own_page = standards.of(package.standard).page
    if own_page:
        response = own_page(learner, package, claims, key)
    else:
        config = player_config(learner, package, key, claims.mode, claims.exit_url)
        response = make_response(render_template("player.html", title=package.title, config=config))
    response.headers.update(SECURITY_HEADERS)
    response.headers["Content-Security-Policy"] = frame_ancestors(settings().player_frame_ancestors.split())
    return response


def frame_ancestors(sources: list[str]) -> str:
    """The player page's CSP: who may frame it (itself, plus the given CSP source expressions)."""
    return " ".join(["frame-ancestors", "'self'", *sources])


def player_config(learner: LearnerSession, package: PackageInfo, key: str, mode: str = tokens.NORMAL,
                  exit_url: str | None = None) -> dict[str, Any]:  # fmt: skip
    """Everything player.js needs, embedded in the page as JSON."""
    content = tokens.mint_content(settings().secret_key, tenant_id=package.tenant_id, package_id=package.package_id,
                                  version=package.version)  # fmt: skip
    base = f"/player/s/{learner.id}"
    return {
        "session": learner.id,
        "mode": mode,
        "title": package.title,
        "edition": package.edition,
        "runtime": {"deliver": f"{base}/deliver?k={key}", "state": f"{base}/state?k={key}", "key": key},
        "vendor": f"/player/vendor/{VENDOR_SCRIPT.get(package.edition, 'scorm2004.js')}",
        "content": f"/content/t/{content}/",
        "outline": activity_tree.outline(package.manifest),
        "root": activity_tree.root_entry(package.manifest) if package.sequenced else None,
        "items": {i: {"title": item.get("title") or i, "sco": activity_tree.is_sco(item)}
                  for i, item in package.items.items()},  # fmt: skip
        "order": list(package.order),
        "sequencing": activity_tree.sequencing_settings(package.manifest) if package.sequenced else None,
        "shared_data_global": activity_tree.shared_data_global(package.manifest),
        "resume": learner.current_item if learner.current_item in package.items else package.first_item(),
        "statuses": _statuses(learner),
        "available": runtime.availability(package, learner.progress or {}),
        "autocommit_seconds": AUTOCOMMIT_SECONDS,
        "exit_url": exit_url,
    }


def _claimed_package(session_id: str) -> tuple[Claims, PackageInfo]:
    claims = _player_claims(session_id)
    package = _package(claims.package_id, claims.version or 0)
    if package.standard not in EDITIONS:  # the SCORM runtime only: a TinCan launch reports to its LRS
        raise ApiError(404, "NOT_FOUND", "This launch has no SCORM runtime.")
    return claims, package


def _statuses(learner: LearnerSession) -> dict[str, str]:
    """Each item's completion as the server judged it (the table of contents shows it)."""
    return {item: (entry.get("status") or {}).get("completion", "") for item, entry in (learner.progress or {}).items()}


def _locked_learner(session_id: str, claims: Claims) -> LearnerSession:
    learner = runtime.lock_session(db(), session_id)
    if learner is None or learner.tenant_id != claims.tenant_id or claims.attempt != learner.attempt:
        raise ApiError(403, "LAUNCH_TOKEN_INVALID", "This launch is over: a newer attempt has started.")
    return learner


def _json_body() -> Any:
    # sendBeacon posts text/plain without custom headers: parse whatever arrives as JSON.
    raw = request.get_data(cache=False)
    if len(raw) > MAX_COMMIT_BYTES:
        raise ApiError(413, "PAYLOAD_TOO_LARGE", "Request body too large")
    try:
        return safe_json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "BAD_REQUEST", "Malformed JSON body") from None


@blp.post("/s/<string:session_id>/deliver")
def deliver(session_id: str) -> Response:
    """Open a learner session of one item: its content URL, initial CMI and commit URL."""
    body = _json_body()
    claims, package = _claimed_package(session_id)
    item_id = str((body.get("item") if isinstance(body, dict) else None) or "")
    if not claims.records:
        return _preview(session_id, claims, package, item_id)
    learner = _locked_learner(session_id, claims)
    try:
        delivery = runtime.deliver(db(), learner, package, item_id, _attempt_word(body))
    except runtime.RuntimeProblem as err:
        raise ApiError(409 if err.code == "ITEM_UNAVAILABLE" else 404, err.code, err.message) from None
    if isinstance(body, dict) and "state" in body:
        runtime.save_sequencing_state(learner, body["state"], body.get("ts"), delivery.item_id, package)
    xapi_report.commit(db(), services().redis)
    return _delivered(learner, package, delivery, f"{delivery.state_id}/{delivery.launch}")


def _attempt_word(body: Any) -> str | None:
    """The sequencer's `attempt` ("new" or "resume") in a delivery request; anything else is no word."""
    word = body.get("attempt") if isinstance(body, dict) else None
    return word if word in (runtime.NEW_ATTEMPT, runtime.RESUME_ATTEMPT) else None


def _preview(session_id: str, claims: Claims, package: PackageInfo, item_id: str) -> Response:
    """A delivery in review or browse mode: the same answer as `deliver`, with nothing written."""
    learner = _attempt_session(claims)
    try:
        delivery = runtime.preview(db(), learner, package, item_id, claims.mode)
    except runtime.RuntimeProblem as err:
        raise ApiError(404, err.code, err.message) from None
    return _delivered(learner, package, delivery, f"{claims.mode}/0", claims.mode)


def _delivered(learner: LearnerSession, package: PackageInfo, delivery: runtime.Delivery, commit_path: str,
               mode: str = tokens.NORMAL) -> Response:  # fmt: skip
    """The answer to a delivery: what to show, its CMI, where to commit, and the table of contents' state."""
    commit_url = f"/player/s/{learner.id}/commit/{commit_path}?k={_key(learner.id)}" if delivery.sco else None
    href = delivery.href
    sco_href = standards.of(package.standard).sco_href
    if sco_href and delivery.sco:
        href = sco_href(learner, package, delivery, mode)
    return _no_store({"item": delivery.item_id, "href": href, "sco": delivery.sco, "cmi": delivery.cmi,
                      "commit_url": commit_url, "statuses": _statuses(learner),
                      "available": runtime.availability(package, learner.progress or {})})  # fmt: skip


def _key(session_id: str) -> str:
    return request.args.get("k") or request.cookies.get(tokens.player_cookie_name(session_id)) or ""


@blp.post("/s/<string:session_id>/commit/<string:state_id>/<int:launch_no>")
def commit(session_id: str, state_id: str, launch_no: int) -> Response:
    """Store one runtime commit; answers scorm-again's `{"result", "errorCode"}`."""
    body = _json_body()
    claims, package = _claimed_package(session_id)
    check = commit_check.checker.check(package.edition, state_id, body)
    if not check.ok:
        raise ApiError(400, "CMI_INVALID", check.message,
                       {"element": check.element, "scorm_error": int(check.error_code)})  # fmt: skip
    if not claims.records:
        # Review and browse: the SCO runs as usual and hears success, but nothing is kept (RTE cmi.mode).
        return _no_store({"result": True, "errorCode": 0, "outcome": "not_recorded"})
    final = runtime.TERMINATE if body.get("terminate") is True else runtime.ABANDON if body.get("abandon") else None
    sequence = body.get("commitSequence")
    sequence = sequence if isinstance(sequence, int) and not isinstance(sequence, bool) else 0
    if abs(sequence) > MAX_INT32:  # the column is a 32-bit integer
        raise ApiError(400, "VALIDATION_ERROR", "Validation failed", {"fieldErrors": {"commitSequence": ["too large"]}})
    commit_ = commits.Commit(session_id, claims.attempt or 0, state_id, launch_no, sequence, check.values, final)
    try:
        result = commits.store_commit(db(), package, commit_)
    except commits.AttemptOver as err:
        raise ApiError(403, err.code, err.message) from None
    except runtime.RuntimeProblem as err:
        raise ApiError(404, err.code, err.message) from None
    return _no_store({"result": True, "errorCode": 0, "outcome": result.outcome})


@blp.post("/s/<string:session_id>/state")
def sequencing_state(session_id: str) -> Response:
    """Keep the browser sequencer's state and the current item (JSON or a `sendBeacon` text/plain body)."""
    body = _json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "BAD_REQUEST", "Expected a JSON object")
    claims, package = _claimed_package(session_id)
    if not claims.records:
        return _no_store({"result": True, "stored": False})
    learner = _locked_learner(session_id, claims)
    stored = runtime.save_sequencing_state(learner, body.get("state"), body.get("ts"), body.get("current"), package)
    db().commit()
    return _no_store({"result": True, "stored": stored})


@blp.get("/s/<string:session_id>/state")
def read_sequencing_state(session_id: str) -> Response:
    """The sequencer's saved state, read when the player starts (after the previous page's last save)."""
    claims, package = _claimed_package(session_id)
    learner = _attempt_session(claims)
    saved = learner.sequencing_state or {}
    current = learner.current_item if learner.current_item in package.items else package.first_item()
    state = learner_objectives.with_learner_globals(db(), learner, saved) if (
        package.edition == "2004" and learner_objectives.objectives_global(package.manifest)) else saved.get("state")
    return _no_store({"state": state, "current": current})


def _no_store(body: dict[str, Any]) -> Response:
    response = make_response(json.dumps(body, separators=(",", ":")))
    response.mimetype = "application/json"
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/ping", methods=["GET", "POST"])
def ping() -> Response:
    """A no-op runtime endpoint: reads a JSON body like a commit and touches nothing (health, load baselines)."""
    if request.method == "POST":
        _json_body()
    return _no_store({"result": True, "errorCode": 0})


@blp.get("/vendor/<string:name>")
def vendor(name: str) -> Response:
    """scorm-again's browser bundles, from the pinned npm package."""
    if name not in VENDOR_FILES:
        raise ApiError(404, "NOT_FOUND", "Resource not found")
    response = send_from_directory(VENDOR_DIR, name, mimetype="text/javascript", max_age=86400)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
