"""`/api/v1/sessions`: open a learner session with its launch link, list, read and update sessions."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from models.base import isoformat, utcnow
from models.packages import Package
from models.sessions import LearnerSession, get_for_tenant, latest_sco_state, sco_states
from web.auth import current_tenant_id
from web.cmi5 import service as cmi5_service
from web.errors import ApiError
from web.pagination import paginate, pagination_block
from web.player import cmi_rules
from web.player.package_info import EDITIONS
from web.player.timefmt import format_duration, parse_duration
from web.services import db, settings
from web.sessions import schemas
from web.sessions.service import launch_link, open_session, session_body
from web.webhooks import events as webhook_events

blp = Blueprint("sessions", __name__, url_prefix="/api/v1/sessions", description="Learner sessions and launches")


def _tenant_session(session_id: str, *, lock: bool = False) -> LearnerSession:
    learner = get_for_tenant(db(), session_id, current_tenant_id())
    if learner is None:
        raise ApiError(404, "SESSION_NOT_FOUND", "Session not found")
    if lock:
        db().refresh(learner, with_for_update=True)
    return learner


@blp.route("")
class Sessions(MethodView):
    @blp.arguments(schemas.SessionCreateSchema)
    @blp.response(201, schemas.SessionCreatedSchema)
    @blp.doc(operationId="createSession")
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Open a learner's session on a package and get a launch link

        Returns the learner's existing session for the package (a new one the
        first time, or a new attempt with `new_attempt`) and a signed launch URL
        that expires after a few minutes (5 by default) and works once. Opening
        it in a browser starts the player. With `mode` `review` or `browse` the
        learner sees the course without anything being recorded. With
        `redirect_on_exit_url` the learner returns to your site when they leave
        the course (after their data is saved).

        ```bash
        curl -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \\
          -X POST "$BASE/api/v1/sessions" \\
          -d '{"package_id": "PACKAGE_ID", "user_id": "learner-1", "user_name": "Doe, Jane"}'
        ```
        """
        learner, _created = open_session(
            db(), current_tenant_id(), args["package_id"], args["user_id"], args.get("user_name"),
            new_attempt=args["new_attempt"],
        )  # fmt: skip
        registration = cmi5_service.registration_id(db(), learner)
        db().commit()
        package = db().get(Package, learner.package_id)
        mode = args["mode"]
        exit_url = args.get("redirect_on_exit_url")
        link = launch_link(settings(), learner, mode, args.get("launch_ttl_seconds"), exit_url)
        return {"session": session_body(learner, package), "launch_url": link.url,
                "launch_url_expires_at": isoformat(link.expires_at), "mode": mode,
                "redirect_on_exit_url": exit_url, "registration": registration}

    @blp.arguments(schemas.SessionListArgsSchema, location="query")
    @blp.response(200, schemas.SessionListSchema)
    @blp.doc(operationId="listSessions")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List learner sessions

        Filter by `package_id`, `user_id`, `completion_status` or `success_status`; each session
        carries its progress (`completion_status`, `success_status`, `score`, `time_spent_seconds`).

        ```bash
        curl -H "Authorization: Bearer $KEY" "$BASE/api/v1/sessions?package_id=PACKAGE_ID&completion_status=completed"
        ```
        """
        query = select(LearnerSession).where(LearnerSession.tenant_id == current_tenant_id())
        for name in ("package_id", "user_id", "completion_status", "success_status"):
            if name in args:
                query = query.where(getattr(LearnerSession, name) == args[name])
        query = query.order_by(LearnerSession.created_at.desc(), LearnerSession.id)
        rows, total = paginate(db(), query, args["page"], args["limit"])
        packages = {p.id: p for p in db().scalars(select(Package).where(Package.id.in_({r.package_id for r in rows})))}
        return {
            "sessions": [session_body(row, packages.get(row.package_id)) for row in rows],
            "pagination": pagination_block(args["page"], args["limit"], total),
        }


@blp.route("/<string:session_id>")
class SessionById(MethodView):
    @blp.response(200, schemas.SessionEnvelopeSchema)
    @blp.doc(operationId="getSession")
    def get(self, session_id: str) -> dict[str, Any]:
        """Get a session with its CMI data

        The learner's progress and the SCORM run-time data the content stored, per SCO.

        ```bash
        curl -H "Authorization: Bearer $KEY" "$BASE/api/v1/sessions/SESSION_ID"
        ```
        """
        learner = _tenant_session(session_id)
        package = db().get(Package, learner.package_id)
        return {"session": session_body(learner, package, detail=True, states=sco_states(db(), learner))}

    @blp.arguments(schemas.SessionUpdateSchema)
    @blp.response(200, schemas.SessionUpdatedSchema)
    @blp.doc(operationId="updateSession")
    def put(self, args: dict[str, Any], session_id: str) -> dict[str, Any]:
        """Update a session's CMI data and progress

        `cmi_data` (flat elements of the package's SCORM edition) and
        `suspend_data` are stored on the session's current SCO; the statuses and
        score given replace the derived ones until the learner's next commit;
        `session_time` is added to the time spent as one learner session.

        ```bash
        curl -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \\
          -X PUT "$BASE/api/v1/sessions/SESSION_ID" \\
          -d '{"completion_status": "completed", "score": {"raw": 90, "min": 0, "max": 100}}'
        ```
        """
        learner = _tenant_session(session_id, lock=True)
        package = db().get(Package, learner.package_id)
        edition = EDITIONS.get(package.standard or "", "1.2") if package else "1.2"
        _update_cmi(learner, edition, args)
        before = (learner.completion_status, learner.success_status)
        if "completion_status" in args:
            learner.completion_status = args["completion_status"]
        if "success_status" in args:
            learner.success_status = args["success_status"]
        if "score" in args:
            learner.score = {key: value for key, value in args["score"].items() if value is not None}
        if "session_time" in args:
            seconds = parse_duration(args["session_time"]) or 0.0
            learner.time_spent_seconds += seconds
            learner.session_time = format_duration(seconds)
        learner.updated_at = utcnow()
        webhook_events.session_status_changed(db(), learner, before)
        db().commit()
        return {"success": True, "session_id": learner.id, "updated_at": isoformat(learner.updated_at)}


def _update_cmi(learner: LearnerSession, edition: str, args: dict[str, Any]) -> None:
    flat = dict(args.get("cmi_data") or {})
    if "suspend_data" in args:
        flat["cmi.suspend_data"] = args["suspend_data"]
    if not flat:
        return
    check = cmi_rules.check_flat(edition, flat)
    if not check.ok:
        raise ApiError(400, "VALIDATION_ERROR", "Validation failed",
                       {"fieldErrors": {f"cmi_data.{check.element}": [check.message]}, "scorm_error": check.error_code})
    item = learner.current_item or next(iter(learner.progress or {}), None)
    state = latest_sco_state(db(), learner, item, lock=True) if item else None
    if state is None:
        raise ApiError(409, "CONFLICT", "The learner has not launched a SCO of this attempt yet: no CMI to update.")
    state.cmi = {**(state.cmi or {}), **check.values}
