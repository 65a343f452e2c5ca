"""The CMI handed to the runtime at launch: entry, resume data and the manifest's launch values."""

from __future__ import annotations

import pytest

from web.player.initial_cmi import PreviousSession, ScoLaunch, build, entry_for, nest, starts_new_attempt

FIRST = PreviousSession()
SUSPENDED = PreviousSession(launched=True, exit="suspend", terminated=True)
NORMAL = PreviousSession(launched=True, exit="", terminated=True)
ABANDONED = PreviousSession(launched=True, exit="", terminated=False)


@pytest.mark.parametrize(
    ("edition", "previous", "entry", "new_attempt"),
    [
        ("1.2", FIRST, "ab-initio", False), ("1.2", SUSPENDED, "resume", False), ("1.2", NORMAL, "", False),
        ("2004", FIRST, "ab-initio", False), ("2004", SUSPENDED, "resume", False),
        ("2004", NORMAL, "ab-initio", True), ("2004", PreviousSession(True, "logout", True), "ab-initio", True),
        ("2004", ABANDONED, "", False), ("1.2", ABANDONED, "", False),
    ],
)  # fmt: skip
def test_entry_follows_how_the_last_session_ended(edition, previous, entry, new_attempt):
    assert entry_for(edition, previous) == entry
    assert starts_new_attempt(edition, previous) is new_attempt


def test_first_launch_12_has_learner_launch_data_and_mastery_score():
    cmi = build("1.2", learner_id="u-1", learner_name="Doe, Jane", previous=FIRST, stored={}, total_seconds=0,
                sco=ScoLaunch(launch_data="abc", mastery_score=80.0, max_time_allowed="0000:30:00",
                              time_limit_action="exit,message"))  # fmt: skip
    assert cmi == {"cmi": {
        "core": {"student_id": "u-1", "student_name": "Doe, Jane", "credit": "credit", "lesson_mode": "normal",
                 "entry": "ab-initio", "total_time": "0000:00:00.00", "lesson_status": "not attempted"},
        "launch_data": "abc",
        "student_data": {"mastery_score": "80", "max_time_allowed": "0000:30:00", "time_limit_action": "exit,message"},
    }}  # fmt: skip


def test_resume_12_brings_back_stored_data_but_not_session_values():
    stored = {"cmi.core.lesson_location": "7", "cmi.suspend_data": "page=7", "cmi.core.lesson_status": "incomplete",
              "cmi.core.exit": "suspend", "cmi.core.session_time": "0000:01:00", "cmi.core.score.raw": "0"}  # fmt: skip
    cmi = build("1.2", learner_id="u", learner_name="n", sco=ScoLaunch(), previous=SUSPENDED, stored=stored,
                total_seconds=90.5)  # fmt: skip
    core = cmi["cmi"]["core"]
    assert (core["entry"], core["lesson_location"], core["lesson_status"], core["total_time"]) == (
        "resume", "7", "incomplete", "0000:01:30.50")
    assert core["score"] == {"raw": "0"}  # zero survives loadFromJSON as text
    assert cmi["cmi"]["suspend_data"] == "page=7"
    assert "exit" not in core and "session_time" not in core


def test_first_launch_2004_sets_statuses_thresholds_and_limits():
    sco = ScoLaunch(launch_data="d", completion_threshold=0.75, scaled_passing_score=0.6,
                    max_time_allowed="PT1H", time_limit_action="continue,no message")  # fmt: skip
    cmi = build("2004", learner_id="u", learner_name="Jane", sco=sco, previous=FIRST, stored={}, total_seconds=0)
    body = cmi["cmi"]
    assert (body["entry"], body["completion_status"], body["success_status"]) == ("ab-initio", "unknown",
                                                                                  "unknown")  # fmt: skip
    assert (body["completion_threshold"], body["scaled_passing_score"], body["total_time"]) == ("0.75", "0.6", "PT0S")
    assert (body["max_time_allowed"], body["launch_data"], body["mode"], body["credit"]) == (
        "PT1H", "d", "normal", "credit")


def test_nest_puts_ids_then_types_first_and_indices_in_numeric_order():
    flat = {"cmi.interactions.10.id": "q10", "cmi.interactions.2.correct_responses.0.pattern": "a",
            "cmi.interactions.2.type": "choice", "cmi.interactions.2.id": "q2",
            "cmi.interactions.2.objectives.0.id": "o"}  # fmt: skip
    tree = nest(flat)
    assert list(tree["cmi"]["interactions"]) == ["2", "10"]
    assert list(tree["cmi"]["interactions"]["2"]) == ["id", "objectives", "type", "correct_responses"]
