"""cmi5 identifiers (verbs, categories, extensions, activity types) and the LMS's own activity ids."""

from __future__ import annotations

import hashlib

ADL = "http://adlnet.gov/expapi/verbs/"
W3ID_ADL = "https://w3id.org/xapi/adl/verbs/"
LAUNCHED, INITIALIZED, COMPLETED = ADL + "launched", ADL + "initialized", ADL + "completed"
PASSED, FAILED, TERMINATED, VOIDED = ADL + "passed", ADL + "failed", ADL + "terminated", ADL + "voided"
ABANDONED, WAIVED, SATISFIED = W3ID_ADL + "abandoned", W3ID_ADL + "waived", W3ID_ADL + "satisfied"
AU_VERBS = (INITIALIZED, COMPLETED, PASSED, FAILED, TERMINATED)
LMS_VERBS = (LAUNCHED, ABANDONED, WAIVED, SATISFIED)
MOVE_ON_VERBS = (COMPLETED, PASSED, FAILED)

CATEGORY_CMI5 = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
CATEGORY_MOVEON = "https://w3id.org/xapi/cmi5/context/categories/moveon"
EXT = "https://w3id.org/xapi/cmi5/context/extensions/"
EXT_SESSION, EXT_MASTERY, EXT_LAUNCH_MODE = EXT + "sessionid", EXT + "masteryscore", EXT + "launchmode"
EXT_LAUNCH_URL, EXT_MOVE_ON, EXT_LAUNCH_PARAMETERS = EXT + "launchurl", EXT + "moveon", EXT + "launchparameters"
EXT_REASON = "https://w3id.org/xapi/cmi5/result/extensions/reason"
TYPE_BLOCK = "https://w3id.org/xapi/cmi5/activitytype/block"
TYPE_COURSE = "https://w3id.org/xapi/cmi5/activitytype/course"

LAUNCH_DATA = "LMS.LaunchData"
LEARNER_PREFERENCES = "cmi5LearnerPreferences"
MODES = {"normal": "Normal", "browse": "Browse", "review": "Review"}


def activity_id(base_url: str, package_id: str, kind: str, publisher_id: str = "") -> str:
    """The LMS's activity id of a course, block or AU (cmi5 8.1.5: not the publisher's id, stable per package)."""
    digest = hashlib.sha256(publisher_id.encode()).hexdigest()[:24]
    suffix = "" if kind == "course" else f"/{digest}"
    return f"{base_url.rstrip('/')}/cmi5/activities/{package_id}/{kind}{suffix}"


def actor_for(base_url: str, user_id: str) -> dict:
    """The xAPI Agent a learner's cmi5 statements use (cmi5 9.2: an account)."""
    return {"objectType": "Agent", "account": {"homePage": base_url.rstrip("/"), "name": user_id}}
