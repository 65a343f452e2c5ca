"""The LMS's judgement of one SCO from its committed CMI (SCORM 1.2 and 2004 rules)."""

from __future__ import annotations

import pytest

from web.player.status import LaunchRules, ScoStatus, derive, exit_value, session_seconds


class TestScorm12:
    @pytest.mark.parametrize(
        ("lesson_status", "finished", "expected"),
        [
            ("passed", False, ("completed", "passed")),
            ("failed", False, ("completed", "failed")),
            ("completed", False, ("completed", "unknown")),
            ("browsed", False, ("incomplete", "unknown")),
            ("incomplete", False, ("incomplete", "unknown")),
            ("not attempted", False, ("incomplete", "unknown")),
            ("not attempted", True, ("completed", "unknown")),
        ],
    )
    def test_lesson_status_maps_to_completion_and_success(self, lesson_status, finished, expected):
        status = derive("1.2", {"cmi.core.lesson_status": lesson_status}, LaunchRules(), launched=True,
                        finished=finished)  # fmt: skip
        assert (status.completion, status.success) == expected

    def test_never_launched_sco_is_not_attempted(self):
        status = derive("1.2", {}, LaunchRules(), launched=False, finished=False)
        assert (status.completion, status.success, status.attempted) == ("not_attempted", "unknown", False)

    @pytest.mark.parametrize(("raw", "success"), [("80", "passed"), ("79.5", "failed")])
    def test_mastery_score_decides_whatever_the_sco_wrote(self, raw, success):
        cmi = {"cmi.core.lesson_status": "completed", "cmi.core.score.raw": raw}
        status = derive("1.2", cmi, LaunchRules(mastery_score=80), launched=True, finished=True)
        assert (status.completion, status.success) == ("completed", success)

    def test_mastery_score_without_credit_does_not_judge(self):
        cmi = {"cmi.core.lesson_status": "completed", "cmi.core.score.raw": "10"}
        status = derive("1.2", cmi, LaunchRules(mastery_score=80, credit="no-credit"), launched=True, finished=True)
        assert status.success == "unknown"

    def test_not_attempted_finished_with_score_is_completed_then_judged(self):
        cmi = {"cmi.core.lesson_status": "not attempted", "cmi.core.score.raw": "90"}
        status = derive("1.2", cmi, LaunchRules(mastery_score=80), launched=True, finished=True)
        assert (status.completion, status.success) == ("completed", "passed")

    def test_score_is_scaled_over_its_range(self):
        cmi = {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "13", "cmi.core.score.min": "0",
               "cmi.core.score.max": "100"}  # fmt: skip
        status = derive("1.2", cmi, LaunchRules(), launched=True, finished=False)
        assert status.score == {"raw": 13.0, "min": 0.0, "max": 100.0, "scaled": 0.13}


class TestScorm2004:
    def test_completion_threshold_overrides_the_sco(self):
        cmi = {"cmi.completion_status": "completed", "cmi.progress_measure": "0.5"}
        status = derive("2004", cmi, LaunchRules(completion_threshold=0.8), launched=True, finished=False)
        assert (status.completion, status.progress) == ("incomplete", 0.5)
        cmi = {"cmi.completion_status": "incomplete", "cmi.progress_measure": "0.8"}
        assert derive("2004", cmi, LaunchRules(completion_threshold=0.8), launched=True, finished=False).completion == (
            "completed"
        )

    def test_completed_by_measure_without_a_progress_measure_is_not_completed(self):
        # CTS CO-04c: the SCO says completed, but with completedByMeasure only a measure may complete it.
        rules = LaunchRules(completion_threshold=None, completed_by_measure=True)
        status = derive("2004", {"cmi.completion_status": "completed"}, rules, launched=True, finished=True)
        assert status.completion == "incomplete"
        rules = LaunchRules(completion_threshold=0.0, completed_by_measure=True)
        status = derive("2004", {"cmi.completion_status": "completed"}, rules, launched=True, finished=True)
        assert status.completion == "incomplete"
        cmi = {"cmi.completion_status": "incomplete", "cmi.progress_measure": "0"}
        assert derive("2004", cmi, rules, launched=True, finished=True).completion == "completed"

    @pytest.mark.parametrize(("scaled", "success"), [("0.7", "passed"), ("0.69", "failed")])
    def test_scaled_passing_score_overrides_the_sco(self, scaled, success):
        cmi = {"cmi.success_status": "unknown", "cmi.score.scaled": scaled, "cmi.score.raw": "7"}
        status = derive("2004", cmi, LaunchRules(scaled_passing_score=0.7), launched=True, finished=False)
        assert status.success == success
        assert status.score == {"scaled": float(scaled), "raw": 7.0}

    def test_unknown_completion_after_launch_is_incomplete(self):
        assert derive("2004", {"cmi.completion_status": "unknown"}, LaunchRules(), launched=True,
                      finished=False).completion == "incomplete"  # fmt: skip
        assert derive("2004", {}, LaunchRules(), launched=False, finished=False).completion == "not_attempted"

    def test_status_round_trips_through_a_dict(self):
        status = ScoStatus("completed", "passed", {"scaled": 0.9}, 1.0)
        assert ScoStatus.from_dict(status.as_dict()) == status


def test_session_seconds_and_exit_read_the_editions_elements():
    assert session_seconds("1.2", {"cmi.core.session_time": "0000:01:30"}) == 90
    assert session_seconds("2004", {"cmi.session_time": "PT1M30S"}) == 90
    assert session_seconds("2004", {"cmi.session_time": "garbage"}) == 0
    assert exit_value("1.2", {"cmi.core.exit": "suspend"}) == "suspend"
    assert exit_value("2004", {}) == ""
