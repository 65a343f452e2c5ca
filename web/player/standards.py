"""What a content standard changes in the player, registered by that standard's own module.

The SCORM player is the default. web.player.tincan, web.player.hacp and web.cmi5.views register what
their standard does differently, so a new standard adds its module rather than a branch in
web.player.views or web.dispatches.launch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response

from models.sessions import LearnerSession
from web.player.package_info import PackageInfo
from web.player.runtime import Delivery
from web.player.tokens import Claims

# (learner, package, claims of the player key, the player key) -> the page
PageView = Callable[[LearnerSession, PackageInfo, Claims, str], Response]
# (learner, package, the player key, the dispatch bridge's settings) -> the page inside a dispatch
DispatchPageView = Callable[[LearnerSession, PackageInfo, str, dict[str, Any]], Response]
# (learner, package, the delivery, the launch mode) -> the URL the content frame opens
ScoHref = Callable[[LearnerSession, PackageInfo, Delivery, str], str]


@dataclass(frozen=True)
class PlayerStandard:
    page: PageView | None = None  # its own player page, in place of the SCORM one
    dispatch_page: DispatchPageView | None = None  # its own page inside a dispatch
    sco_href: ScoHref | None = None  # where a delivered SCO opens, when not at its plain href
    records_launch: bool = True  # the launch link records xAPI `launched` (cmi5's LMS records its own)


SCORM = PlayerStandard()
_REGISTERED: dict[str, PlayerStandard] = {}


def register(standard: str, behaviour: PlayerStandard) -> None:
    _REGISTERED[standard] = behaviour


def of(standard: str | None) -> PlayerStandard:
    return _REGISTERED.get(standard or "", SCORM)
