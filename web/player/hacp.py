"""The AICC HACP endpoint (`POST /player/hacp` on the tenant's content origin) and the AU launch URL.

An AU of an AICC package is delivered by the player like a SCORM 1.2 SCO (a SCO
state, a launch number); its URL gets `AICC_SID` (a `hacp_sessions` id) and
`AICC_URL` (this endpoint). The AU then posts form fields `command`,
`session_id`, `version` and `aicc_data`; commands and field names are matched
case-insensitively, as clients spell them every way:

- `GetParam`: the learner's data (`aicc_cmi.get_param`).
- `PutParam`, `PutObjectives`, `PutInteractions`, `PutComments`: merged into the
  SCO state's CMI and stored through the runtime's commit path (`commits.store_commit`),
  so status, rollup, time and every listener of session changes work as for SCORM.
- `ExitAU`: the final commit of the delivery (its time added, the launch closed).

Answers are HACP text (`error=0\\r\\nerror_text=Successful\\r\\naicc_data=...`,
`text/plain`) with HTTP 200 whatever the HACP error, as clients read the body:
`1` invalid command (also a body over 1 MB), `3` invalid session id (unknown,
expired, another tenant's, an earlier attempt's or launch's, a Put after ExitAU);
only the codes CMI001 defines are used. Courses hosted
elsewhere post here from their own origin, so this route alone answers CORS,
preflight included, for any origin and without credentials: the session id in
the body is the only credential.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, Response, request
from sqlalchemy import select

from models.sessions import LearnerSession, ScoState, latest_sco_state
from web.origins import content_origin, content_tenant
from web.player import aicc_cmi, commits, hacp_sessions, standards, tokens
from web.player.hacp_sessions import HacpSession
from web.player.package_info import PackageInfo, load
from web.player.runtime import Delivery, RuntimeProblem
from web.player.timefmt import parse_timespan_12
from web.services import db, services, settings

blp = Blueprint("hacp", __name__, url_prefix="/player/hacp")
STANDARD = "aicc"
PATH = "/player/hacp"
MAX_BODY_BYTES = 1024 * 1024
_PUTS = {
    "putparam": lambda cmi, data: aicc_cmi.put_param(data),
    "putobjectives": aicc_cmi.put_objectives,
    "putinteractions": aicc_cmi.put_interactions,
    "putcomments": aicc_cmi.put_comments,
}
_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Max-Age": "600",
}
_PER_LAUNCH = ("cmi.core.session_time", "cmi.core.exit")
_SAFE_HEADER_LIST = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-, ")


class HacpError(Exception):
    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


def launch_href(learner: LearnerSession, package: PackageInfo, delivery: Delivery, mode: str) -> str:
    """The AU's URL with `AICC_SID` and `AICC_URL` appended (a fresh HACP session for this delivery)."""
    session = HacpSession(
        tenant_id=learner.tenant_id, session_id=learner.id, attempt=learner.attempt, package_id=package.package_id,
        version=package.version, item_id=delivery.item_id, mode=mode,
        state_id=delivery.state_id if mode == tokens.NORMAL else None, launch=delivery.launch,
    )  # fmt: skip
    sid = hacp_sessions.mint(services().redis, session, settings().aicc_session_ttl_seconds)
    query = urlencode({"AICC_SID": sid, "AICC_URL": content_origin(learner.tenant_id) + PATH})
    head, hash_sep, fragment = delivery.href.partition("#")
    joiner = "&" if "?" in head else "?"
    return f"{head}{'' if head.endswith(('?', '&')) else joiner}{query}{hash_sep}{fragment}"


# An AICC AU talks HACP, not window.API: its URL carries the session id and the HACP URL.
standards.register(STANDARD, standards.PlayerStandard(sco_href=launch_href))


@blp.route("", methods=["POST", "OPTIONS"], provide_automatic_options=False)
def hacp() -> Response:
    """One HACP command."""
    if request.method == "OPTIONS":
        return _preflight()
    try:
        fields = _fields()
        command = fields.get("command", "").strip().casefold()
        if command not in (*_PUTS, "getparam", "exitau"):
            raise HacpError(1, "Invalid Command")
        sid = fields.get("session_id", "").strip()
        session = _session(sid)
        package = load(db(), session.package_id, session.version)
        if package is None:
            raise HacpError(3, "Invalid Session ID")
        if command == "getparam":
            return _answer(0, "Successful", _get_param(session, package))
        _store(session, sid, package, command, fields.get("aicc_data", ""))
        return _answer(0, "Successful")
    except HacpError as err:
        return _answer(err.code, err.text)


def _fields() -> dict[str, str]:
    # Form-encoded, as HACP says; some clients send it as text/plain to avoid a CORS preflight.
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BODY_BYTES:
        raise HacpError(1, "Invalid Command: the request is too large")
    try:
        pairs = parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True)
    except ValueError:
        raise HacpError(1, "Invalid Command") from None
    pairs += list(request.args.items(multi=True))
    fields: dict[str, str] = {}
    for key, value in pairs:
        fields.setdefault(key.strip().casefold(), value)
    return fields


def _session(sid: str) -> HacpSession:
    session = hacp_sessions.find(services().redis, sid)
    # Another tenant's id is unknown here: its content origin is the only place it works.
    if session is None or content_tenant() != session.tenant_id.lower():
        raise HacpError(3, "Invalid Session ID")
    return session


def _learner(session: HacpSession) -> LearnerSession:
    learner = db().get(LearnerSession, session.session_id)
    if learner is None or learner.tenant_id != session.tenant_id or learner.attempt != session.attempt:
        raise HacpError(3, "Invalid Session ID")
    return learner


def _get_param(session: HacpSession, package: PackageInfo) -> str:
    learner = _learner(session)
    item = package.items.get(session.item_id) or {}
    cmi, entry, total = _stored(session, learner)
    aicc = (package.manifest.get("aicc") or {}).get("course") or {}
    return aicc_cmi.get_param(cmi, aicc_cmi.Learner(
        student_id=learner.user_id, student_name=learner.user_name or learner.user_id,
        credit="credit" if session.mode == tokens.NORMAL else "no-credit", lesson_mode=session.mode,
        entry=entry, total_seconds=total, course_id=aicc.get("course_id"), core_vendor=item.get("data_from_lms"),
        mastery_score=item.get("mastery_score"), max_time_allowed=item.get("max_time_allowed"),
        time_limit_action=item.get("time_limit_action"),
    ))  # fmt: skip


def _stored(session: HacpSession, learner: LearnerSession) -> tuple[dict[str, str], str, float]:
    """The AU's stored CMI, its entry and its accumulated time."""
    if session.state_id is not None:
        state = db().get(ScoState, session.state_id)
        if state is None or state.session_id != learner.id:
            raise HacpError(3, "Invalid Session ID")
        entry = "ab-initio" if state.launch_count <= 1 and not state.total_seconds else ""
        # The previous launch's exit decides, until this launch sets its own.
        previous_exit = state.exit if state.commit_seq == 0 else ""
        return dict(state.cmi or {}), "resume" if previous_exit == "suspend" else entry, state.total_seconds
    if session.mode == tokens.REVIEW:
        state = latest_sco_state(db(), learner, session.item_id)
        if state is not None and state.launch_count:
            return dict(state.cmi or {}), "resume" if state.exit == "suspend" else "", state.total_seconds
    return {}, "ab-initio", 0.0


def _store(session: HacpSession, sid: str, package: PackageInfo, command: str, aicc_data: str) -> None:
    if session.state_id is None:
        return  # review and browse: the AU hears success, nothing is kept
    learner = _learner(session)
    row = db().execute(select(ScoState.cmi, ScoState.commit_seq).where(ScoState.id == session.state_id)).first()
    db().rollback()  # read only: the commit path opens its own transactions
    current = dict(row.cmi or {}) if row is not None else {}
    if row is not None and row.commit_seq == 0:
        # This launch's first Put: the previous launch's time and exit are not this one's.
        for element in _PER_LAUNCH:
            current.pop(element, None)
    updates = _PUTS[command](current, aicc_data) if command in _PUTS else {}
    values = aicc_cmi.merged(current, updates)
    if command != "exitau" and parse_timespan_12(values.get("cmi.core.session_time")) is None:
        values.pop("cmi.core.session_time", None)
    final = commits.TERMINATE if command == "exitau" else None
    sequence = hacp_sessions.next_sequence(services().redis, sid)
    commit = commits.Commit(learner.id, session.attempt, session.state_id, session.launch, sequence, values, final)
    try:
        result = commits.store_commit(db(), package, commit)
    except RuntimeProblem:
        raise HacpError(3, "Invalid Session ID") from None
    if result.outcome == "closed":
        raise HacpError(3, "Invalid Session ID: the AU has exited")
    if result.outcome == "stale":
        raise HacpError(3, "Invalid Session ID: a newer launch of this AU has started")


def _answer(code: int, text: str, aicc_data: str | None = None) -> Response:
    body = f"error={code}\r\nerror_text={text}\r\n"
    if aicc_data is not None:
        body += f"aicc_data={aicc_data}\r\n"
    response = Response(body, status=200, mimetype="text/plain")
    response.headers.update(_CORS)
    response.headers["Cache-Control"] = "no-store"
    return response


def _preflight() -> Response:
    response = Response(status=204)
    response.headers.update(_CORS)
    asked = request.headers.get("Access-Control-Request-Headers", "")
    # Echo what the client asks for (XMLHttpRequest adds its own headers); never anything odd.
    allowed = asked if asked and set(asked.lower()) <= _SAFE_HEADER_LIST else "Content-Type"
    response.headers["Access-Control-Allow-Headers"] = allowed
    return response
