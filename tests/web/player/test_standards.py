"""Each standard beyond SCORM registers its player behaviour when the app starts (web.routes.PLAYER_STANDARDS)."""

from __future__ import annotations

from pipeline.package_type import IMPORTED_TYPES
from web.player import standards


def test_every_imported_standard_but_scorm_registers_what_it_changes(app):
    registered = {name: standards.of(name) for name in IMPORTED_TYPES if name != "scorm"}
    assert all(behaviour is not standards.SCORM for behaviour in registered.values()), registered
    assert registered["tincan"].page and registered["tincan"].dispatch_page
    assert registered["aicc"].sco_href and registered["aicc"].page is None
    assert registered["cmi5"].page and not registered["cmi5"].records_launch


def test_scorm_editions_use_the_default_player():
    assert standards.of("scorm12") is standards.SCORM and standards.of("scorm2004") is standards.SCORM
    assert standards.of(None).records_launch
