"""TinCan (xAPI) packages in the player: the launch by the TinCan launch convention, and progress from statements.

- Launch: the player page frames the package's launch file with the parameters of the
  Rustici launch guidelines (`endpoint`, `auth`, `actor`, `registration`, `activity_id`).
  `endpoint` is `/xapi/` on the tenant's content origin (the content's own origin, so no
  CORS); `auth` is a launch credential (`web.lrs.launch_credentials`) for this learner and
  this attempt's registration only, whose documents (State, Activity Profile) stay under the
  package's launch activity (statements may name any activity: content describes activities its
  tincan.xml does not list), expiring with the player key; `actor` is the learner as the player's SCORM statements name
  them (an account: homePage = the public base URL, name = the partner's user id).
- Registration: the session id for the first attempt (as `web.player.xapi_report` uses),
  a UUID derived from it for each later one, so a new attempt starts with no state.
- Progress: when a launch credential of this purpose stores statements, the session's status
  is derived again from every statement of this registration and learner about the launch
  activity, as SCORM Cloud derives a TinCan registration: `completed`, `passed`, `failed` (or
  `result.completion` true) complete it; the latest `passed`/`failed` decides success; the
  latest score of a completed/passed/failed/scored statement is the score; time is the larger of
  the summed `terminated` durations and the longest duration any statement reports. It is
  stored through `runtime.record`, the SCORM sessions' path (so the course-level statements,
  `completed_at` and whatever else follows session changes work alike).
- Review and browse launches get a credential of another purpose in a registration of their own:
  the content runs, its statements go to the LRS, and the session (and its state) is left as it was.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Response, make_response, render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.base import utcnow
from models.packages import Package, PackageVersion
from models.sessions import LearnerSession
from models.xapi import XapiStatement
from web.lrs import launch_credentials
from web.lrs.launch_credentials import LaunchClient
from web.lrs.normalize import agent_key
from web.origins import content_origin
from web.player import package_info, runtime, standards, tokens, xapi_report
from web.player.package_info import PackageInfo
from web.player.status import COMPLETED, FAILED, INCOMPLETE, NOT_ATTEMPTED, PASSED, UNKNOWN, ScoStatus
from web.player.timefmt import format_duration, parse_duration
from web.services import db as request_db
from web.services import settings
from web.webhooks import events as webhook_events

STANDARD = "tincan"
PURPOSE, PREVIEW_PURPOSE = "tincan", "tincan-preview"
VERBS = "http://adlnet.gov/expapi/verbs/"
COMPLETING = {VERBS + "completed", VERBS + "passed", VERBS + "failed"}
SCORING = COMPLETING | {VERBS + "scored"}
TERMINATED = VERBS + "terminated"
MAX_STATEMENTS = 5000  # read per derivation: far beyond what one registration's launch activity gets
_NAMESPACE = uuid.UUID("6f1c7c62-4a8e-4d55-9a55-3c1f2e0b7a10")  # registrations of later attempts


def build_info(package: Package, row: PackageVersion) -> PackageInfo:
    """A TinCan version as the player sees it: one item, the launch activity."""
    manifest = row.manifest or {}
    activity = manifest.get("launch_activity") or ""
    launch = next((a for a in manifest.get("activities", []) if a.get("id") == activity), {})
    item = {"identifier": activity, "title": launch.get("title") or row.title,
            "launch_href": manifest.get("launch_path"), "scorm_type": None, "launchable": True}
    return PackageInfo(
        package_id=package.id, tenant_id=package.tenant_id, version=row.version, title=row.title or package.title,
        standard=STANDARD, edition=STANDARD, prefix=row.storage_prefix, manifest=manifest, items={activity: item},
        order=(activity,), scos=(activity,),
        files={name: (int(size), content_type) for name, size, content_type in row.files or []},
    )  # fmt: skip


def is_tincan(package: PackageInfo) -> bool:
    return package.standard == STANDARD


def registration(learner: LearnerSession) -> str:
    """The xAPI registration of the learner's current attempt."""
    if learner.attempt <= 1:
        return learner.id
    return str(uuid.uuid5(_NAMESPACE, f"{learner.id}/{learner.attempt}"))


def actor(learner: LearnerSession) -> dict[str, Any]:
    return launch_credentials.account_actor(settings().public_base_url, learner.user_id, learner.user_name)


@dataclass(frozen=True)
class Launch:
    """What the player page frames: the content URL with the TinCan launch parameters."""

    url: str
    activity_id: str


@dataclass(frozen=True)
class PageGrant:
    """What the player key of the page allows: recording, the launch mode, the exit URL, its expiry (Unix time)."""

    records: bool
    mode: str
    exit_url: str | None
    expires: int

    @classmethod
    def of(cls, claims: tokens.Claims) -> PageGrant:
        return cls(claims.records, claims.mode, claims.exit_url, claims.expires)


def launch(db: Session, learner: LearnerSession, package: PackageInfo, grant: PageGrant) -> Launch:
    """Issue this page's launch credential and build the launch URL (the caller commits)."""
    activity_id = package.order[0]
    expires = max(grant.expires - int(utcnow().timestamp()), 60)
    # A review or browse launch runs in a registration of its own: it can neither change the
    # attempt's state (bookmarks) nor add statements the attempt's progress would count.
    launch_registration = registration(learner) if grant.records else str(uuid.uuid4())
    issued = launch_credentials.issue(
        db, learner.tenant_id, actor=actor(learner), registration=launch_registration,
        ttl=timedelta(seconds=expires), activity_prefix=activity_id, prefix_statements=False, session_id=learner.id,
        purpose=PURPOSE if grant.records else PREVIEW_PURPOSE,
    )  # fmt: skip
    origin = content_origin(learner.tenant_id)
    params = {"endpoint": f"{origin}/xapi/", "auth": issued.authorization,
              "actor": json.dumps(actor(learner), separators=(",", ":")), "registration": launch_registration,
              "activity_id": activity_id}  # fmt: skip
    content = tokens.mint_content(settings().secret_key, tenant_id=package.tenant_id, package_id=package.package_id,
                                  version=package.version)  # fmt: skip
    href = package.items[activity_id]["launch_href"] or ""
    separator = "&" if "?" in href.split("#")[0] else "?"
    path, hash_sep, fragment = href.partition("#")
    return Launch(f"/content/t/{content}/{path}{separator}{urlencode(params)}{hash_sep}{fragment}", activity_id)


def page(db: Session, learner: LearnerSession, package: PackageInfo, grant: PageGrant,
         template: str = "tincan_player.html", **context: Any) -> Response:  # fmt: skip
    """The player page of a TinCan attempt: the launch in a frame, an Exit button (commits).

    `template` and `context`: a page extending `tincan_player.html` (the dispatch player adds its bridge).
    """
    started = launch(db, learner, package, grant)
    if grant.records:
        learner = runtime.lock_session(db, learner.id) or learner
        learner.current_item, learner.launched_at = started.activity_id, utcnow()
        entry = (learner.progress or {}).get(started.activity_id) or {}
        if ScoStatus.from_dict(entry.get("status")).completion == NOT_ATTEMPTED:
            runtime.record(db, learner, package, started.activity_id, ScoStatus(INCOMPLETE), attempts=1,
                           suspended=False)  # fmt: skip
    db.commit()
    config = {"mode": grant.mode, "exit_url": grant.exit_url}
    return make_response(render_template(template, title=package.title, src=started.url, config=config, **context))


def derive(documents: list[dict[str, Any]]) -> tuple[ScoStatus, float]:
    """The status and seconds a registration's statements about its launch activity report (oldest first)."""
    completion, success, score = NOT_ATTEMPTED, UNKNOWN, {}
    terminated, longest = 0.0, 0.0
    for statement in documents:
        verb = (statement.get("verb") or {}).get("id")
        result = statement.get("result") if isinstance(statement.get("result"), dict) else {}
        completion = INCOMPLETE if completion == NOT_ATTEMPTED else completion
        if verb in COMPLETING or result.get("completion") is True:
            completion = COMPLETED
        if verb in (VERBS + "passed", VERBS + "failed"):
            success = PASSED if verb == VERBS + "passed" else FAILED
        if verb in SCORING and isinstance(result.get("score"), dict):
            score = {k: float(v) for k, v in result["score"].items()
                     if k in ("scaled", "raw", "min", "max") and isinstance(v, int | float)} or score  # fmt: skip
        seconds = parse_duration(result.get("duration")) or 0.0
        terminated += seconds if verb == TERMINATED else 0.0
        longest = max(longest, seconds)
    return ScoStatus(completion, success, score), max(terminated, longest)


def _verb(statement: Any) -> str | None:
    verb = statement.get("verb") if isinstance(statement, dict) else None
    return verb.get("id") if isinstance(verb, dict) else None


def _may_change_progress(statement: Any, activity_id: str | None) -> bool:
    """About the launch activity, or voiding a statement (that may have been about it)."""
    if not isinstance(statement, dict):
        return False
    obj = statement.get("object") if isinstance(statement.get("object"), dict) else {}
    verb = _verb(statement)
    about_launch = obj.get("objectType", "Activity") == "Activity" and obj.get("id") == activity_id
    return verb == VERBS + "voided" or about_launch


def on_statements(db: Session, client: LaunchClient, statements: list[dict[str, Any]]) -> None:
    """A launch stored statements: derive its session's progress again (in the same transaction)."""
    if not any(_may_change_progress(statement, client.activity_prefix) for statement in statements):
        return  # pages, interactions, other activities: the session row is not even locked
    learner = runtime.lock_session(db, client.session_id or "")
    if learner is None or learner.tenant_id != client.tenant_id or registration(learner) != client.registration:
        return  # an earlier attempt's launch: its statements stay in the LRS, the session has moved on
    package = package_info.load(db, learner.package_id, learner.package_version)
    if package is None or not is_tincan(package):
        return
    activity_id = package.order[0]
    rows = db.scalars(
        select(XapiStatement.document)
        .where(XapiStatement.tenant_id == learner.tenant_id, XapiStatement.registration == client.registration,
               XapiStatement.actor_key == agent_key(actor(learner)), XapiStatement.activity_id == activity_id,
               XapiStatement.voided.is_(False))
        .order_by(XapiStatement.stored, XapiStatement.pk).limit(MAX_STATEMENTS)
    )  # fmt: skip
    status, seconds = derive([json.loads(row) for row in rows])
    if status.completion == NOT_ATTEMPTED:
        status = ScoStatus(INCOMPLETE)  # launched: statements about other activities still mean attempted
    previous = float(((learner.progress or {}).get(activity_id) or {}).get("seconds") or 0.0)
    runtime.record(db, learner, package, activity_id, status, attempts=1, suspended=False)
    # This attempt's time replaces what it reported before; earlier attempts' time stays counted.
    progress = dict(learner.progress or {})
    progress[activity_id] = {**progress[activity_id], "seconds": seconds}
    learner.progress = progress
    learner.time_spent_seconds = max(learner.time_spent_seconds + seconds - previous, 0.0)
    if any(_verb(statement) == TERMINATED for statement in statements):
        webhook_events.session_terminated(db, learner)
    learner.session_time = format_duration(seconds)
    xapi_report.flush(db)


def _player_page(learner: LearnerSession, package: PackageInfo, claims: tokens.Claims, _key: str) -> Response:
    return page(request_db(), learner, package, PageGrant.of(claims))


def _dispatch_page(learner: LearnerSession, package: PackageInfo, key: str, bridge: dict[str, Any]) -> Response:
    grant = PageGrant(True, tokens.NORMAL, None, int(tokens.expires_at(key).timestamp()))
    return page(request_db(), learner, package, grant, "dispatches/tincan_player.html", bridge=bridge)


package_info.BUILDERS[STANDARD] = build_info
standards.register(STANDARD, standards.PlayerStandard(page=_player_page, dispatch_page=_dispatch_page))
launch_credentials.on_statements(PURPOSE, on_statements)
