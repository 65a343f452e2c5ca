"""`/api/v1/sessions/{id}/...` for cmi5 sessions: the registration and course tree, AU launches, waive, abandon."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError

from models.sessions import LearnerSession, get_for_tenant
from web.auth import current_tenant_id
from web.cmi5 import lms, service
from web.errors import ApiError
from web.lrs.service import request_rollup
from web.player.tokens import MODES, NORMAL
from web.services import db, services

blp = Blueprint("cmi5", __name__, url_prefix="/api/v1/sessions", description="cmi5 sessions")


class AuRefSchema(Schema):
    au_id = fields.String(validate=validate.Length(min=1, max=2048),
                          metadata={"description": "The AU's id in cmi5.xml"})
    au_index = fields.Integer(validate=validate.Range(min=0),
                              metadata={"description": "The AU's position in cmi5.xml (0 first), instead of au_id"})

    @validates_schema
    def _one(self, data: dict[str, Any], **_: Any) -> None:
        if ("au_id" in data) == ("au_index" in data):
            raise SchemaError("Give au_id or au_index.", "au_id")


class WaiveSchema(AuRefSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500),
                           metadata={"description": "Why the AU is waived (cmi5 reason extension)"})


class AuLaunchSchema(AuRefSchema):
    mode = fields.String(load_default=NORMAL, validate=validate.OneOf(MODES),
                         metadata={"description": "normal, browse or review (the cmi5 launchMode)"})
    return_url = fields.Url(load_default=None, allow_none=True, schemes={"http", "https"},
                            validate=validate.Length(max=2000),
                            metadata={"description": "The AU's returnURL (where it sends the learner at exit)"})


class AuLaunchedSchema(Schema):
    url = fields.String(required=True, metadata={"description": "The AU's launch URL (open it once)"})
    launch_method = fields.String(required=True, metadata={"description": "AnyWindow or OwnWindow"})
    cmi5_session_id = fields.String(required=True)
    registration = fields.String(required=True)


class AbandonSchema(Schema):
    cmi5_session_id = fields.String(load_default=None, allow_none=True,
                                    metadata={"description": "One AU session to end; every open one when left out"})


class AbandonedSchema(Schema):
    abandoned = fields.List(fields.String(), required=True)


class WaivedSchema(Schema):
    statement_id = fields.String(required=True)
    registration = fields.String(required=True)


class Cmi5StateSchema(Schema):
    registration = fields.String(required=True)
    actor = fields.Dict(required=True)
    course = fields.Dict(required=True, metadata={"description": "The course tree: blocks and AUs with status"})
    satisfied = fields.List(fields.String(), required=True, metadata={"description": "Satisfied block/course ids"})


def _learner(session_id: str) -> LearnerSession:
    learner = get_for_tenant(db(), session_id, current_tenant_id())
    if learner is None:
        raise ApiError(404, "SESSION_NOT_FOUND", "Session not found")
    db().refresh(learner, with_for_update=True)
    return learner


def _commit(tenant_id: str) -> None:
    db().commit()
    request_rollup(db(), services().redis, tenant_id)


@blp.route("/<string:session_id>/cmi5")
class Cmi5State(MethodView):
    @blp.doc(operationId="getCmi5Registration")
    @blp.response(200, Cmi5StateSchema)
    def get(self, session_id: str) -> dict[str, Any]:
        """Get a cmi5 session's registration and course tree

        The cmi5 registration of the session's current attempt (the xAPI `context.registration`
        of its statements), the actor, and the course's blocks and AUs with each AU's status.

        ```bash
        curl -H "Authorization: Bearer $KEY" "$BASE/api/v1/sessions/SESSION_ID/cmi5"
        ```
        """
        learner = _learner(session_id)
        course = service.course_of(db(), learner)
        registration = lms.registration_for(db(), learner, course)
        body = {"registration": registration.id, "actor": registration.actor,
                "course": service.tree(db(), learner, course), "satisfied": list(registration.satisfied or [])}
        _commit(learner.tenant_id)
        return body


@blp.route("/<string:session_id>/au-launch")
class AuLaunch(MethodView):
    @blp.doc(operationId="launchCmi5Au")
    @blp.arguments(AuLaunchSchema)
    @blp.response(200, AuLaunchedSchema)
    def post(self, args: dict[str, Any], session_id: str) -> dict[str, Any]:
        """Launch one AU of a cmi5 session directly

        Prepares a launch of one AU (writes `LMS.LaunchData` and the `launched` statement) and
        answers the AU's own launch URL, with `endpoint`, `fetch`, `actor`, `registration` and
        `activityId`, for platforms that open AUs themselves instead of the player's course tree.
        Opening it ends (abandons) the registration's sessions still open.

        ```bash
        curl -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \\
          -X POST "$BASE/api/v1/sessions/SESSION_ID/au-launch" -d '{"au_index": 0}'
        ```
        """
        learner = _learner(session_id)
        course = service.course_of(db(), learner)
        index = service.au_index(course, args.get("au_id"), args.get("au_index"))
        prepared = service.launch_au(db(), learner, index, args["mode"], args.get("return_url"))
        _commit(learner.tenant_id)
        return {"url": prepared.url, "launch_method": prepared.launch_method,
                "cmi5_session_id": prepared.session_id, "registration": prepared.registration}


@blp.route("/<string:session_id>/waive")
class Waive(MethodView):
    @blp.doc(operationId="waiveCmi5Au")
    @blp.arguments(WaiveSchema)
    @blp.response(200, WaivedSchema)
    def post(self, args: dict[str, Any], session_id: str) -> dict[str, Any]:
        """Waive an AU of a cmi5 session

        Records `waived` for the AU in the session's registration (cmi5 9.3.7), which then counts
        as satisfied: blocks and the course whose moveOn is then met get `satisfied`. An AU
        already satisfied cannot be waived (409 `AU_ALREADY_SATISFIED`).

        ```bash
        curl -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \\
          -X POST "$BASE/api/v1/sessions/SESSION_ID/waive" -d '{"au_index": 0, "reason": "Tested Out"}'
        ```
        """
        learner = _learner(session_id)
        course = service.course_of(db(), learner)
        index = service.au_index(course, args.get("au_id"), args.get("au_index"))
        try:
            statement = lms.waive(db(), learner, course, index, args["reason"])
        except lms.AlreadySatisfied:
            db().rollback()
            raise ApiError(409, "AU_ALREADY_SATISFIED", "The AU is already satisfied; it cannot be waived.") from None
        _commit(learner.tenant_id)
        return {"statement_id": statement["id"], "registration": statement["context"]["registration"]}


@blp.route("/<string:session_id>/abandon")
class Abandon(MethodView):
    @blp.doc(operationId="abandonCmi5Sessions")
    @blp.arguments(AbandonSchema, required=False)
    @blp.response(200, AbandonedSchema)
    def post(self, args: dict[str, Any] | None, session_id: str) -> dict[str, Any]:
        """Abandon a cmi5 session's open AU sessions

        Ends AU sessions that never sent `terminated` (all, or the one named), recording
        `abandoned` with the time since launch; their LRS credentials stop working.

        ```bash
        curl -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \\
          -X POST "$BASE/api/v1/sessions/SESSION_ID/abandon" -d '{}'
        ```
        """
        learner = _learner(session_id)
        ended = service.abandon_open(db(), learner, (args or {}).get("cmi5_session_id"))
        _commit(learner.tenant_id)
        return {"abandoned": ended}
