"""Server-side validation of runtime commits against the SCORM 1.2 and 2004 data models."""

from __future__ import annotations

import pytest

from web.player.cmi_rules import SCORM12, SCORM2004, check_commit, flatten, pattern_of


def commit12(**core: object) -> dict:
    return {"cmi": {"core": {"lesson_status": "incomplete", "score": {"raw": "", "min": "", "max": "100"}, **core}}}


class TestFlatten:
    def test_flatten_with_indexed_objects_and_lists_gives_dotted_paths(self):
        nested = {"cmi": {"interactions": {"0": {"id": "q1", "objectives": [{"id": "o"}]}}}}
        assert flatten(nested) == {"cmi.interactions.0.id": "q1", "cmi.interactions.0.objectives.0.id": "o"}

    def test_pattern_of_indexed_element_replaces_indices(self):
        assert pattern_of("cmi.interactions.12.correct_responses.3.pattern") == (
            "cmi.interactions.n.correct_responses.n.pattern"
        )


class TestScorm12:
    def test_commit_as_scorm_again_renders_it_is_accepted(self):
        body = {
            "cmi": {
                "suspend_data": "abc", "launch_data": "ld", "comments": "", "comments_from_lms": "",
                "core": {
                    "student_id": "u", "student_name": "n", "lesson_location": "3", "credit": "credit",
                    "lesson_status": "passed", "entry": "resume", "lesson_mode": "normal", "exit": "suspend",
                    "session_time": "00:10:00", "score": {"raw": "95", "min": "0", "max": "100"},
                    "total_time": "01:10:00",
                },
                "objectives": {"0": {"id": "o1", "status": "passed", "score": {"raw": "5", "min": "", "max": ""}}},
                "student_data": {"mastery_score": "80", "max_time_allowed": "", "time_limit_action": ""},
                "student_preference": {"audio": "", "language": "", "speed": "", "text": ""},
                "interactions": {"0": {"id": "q1", "time": "12:00:00", "type": "choice", "weighting": "1",
                                       "student_response": "a", "result": "correct", "latency": "0000:00:05.5",
                                       "objectives": {"0": {"id": "o1"}},
                                       "correct_responses": {"0": {"pattern": "a"}}}},
            },
            "commitSequence": 4,
        }  # fmt: skip
        result = check_commit(SCORM12, body)
        assert result.ok, result.message
        assert result.values["cmi.core.lesson_status"] == "passed"
        assert result.values["cmi.interactions.0.latency"] == "0000:00:05.5"
        # Read-only elements are the server's: never taken from a commit.
        assert "cmi.core.student_id" not in result.values
        assert "cmi.core.total_time" not in result.values

    @pytest.mark.parametrize(
        ("core", "element", "code"),
        [
            ({"lesson_status": "bogus"}, "cmi.core.lesson_status", "405"),
            ({"score": {"raw": "abc"}}, "cmi.core.score.raw", "405"),
            ({"score": {"raw": "101"}}, "cmi.core.score.raw", "405"),
            ({"exit": "normal"}, "cmi.core.exit", "405"),
            ({"session_time": "PT1H"}, "cmi.core.session_time", "405"),
            ({"lesson_location": "x" * 256}, "cmi.core.lesson_location", "405"),
            ({"frobnicate": "1"}, "cmi.core.frobnicate", "401"),
            ({"lesson_status": ["passed"]}, "cmi.core.lesson_status.0", "401"),
        ],
    )
    def test_commit_with_bad_value_fails_with_runtime_error_code(self, core, element, code):
        result = check_commit(SCORM12, commit12(**core))
        assert (result.ok, result.error_code, result.element) == (False, code, element)
        assert result.values == {}

    def test_suspend_data_of_64000_characters_is_accepted_and_one_more_is_not(self):
        assert check_commit(SCORM12, {"cmi": {"suspend_data": "x" * 64_000}}).ok
        too_long = check_commit(SCORM12, {"cmi": {"suspend_data": "x" * 64_001}})
        assert (too_long.ok, too_long.error_code) == (False, "405")

    def test_number_values_are_accepted_as_their_text(self):
        result = check_commit(SCORM12, commit12(score={"raw": 87.5}))
        assert result.values["cmi.core.score.raw"] == "87.5"

    def test_boolean_value_is_a_type_mismatch(self):
        assert check_commit(SCORM12, commit12(lesson_location=True)).error_code == "405"

    def test_body_without_cmi_is_a_general_error(self):
        assert check_commit(SCORM12, {"foo": 1}).error_code == "101"
        assert check_commit(SCORM12, ["cmi"]).error_code == "101"


class TestScorm2004:
    def body(self, **cmi: object) -> dict:
        return {"cmi": {"completion_status": "incomplete", "success_status": "unknown", **cmi}}

    def test_full_commit_with_adl_data_is_accepted(self):
        body = self.body(
            location="12", progress_measure="0.5", session_time="PT1H2M3.25S", exit="suspend",
            score={"scaled": "-0.5", "raw": "250", "min": "", "max": ""},
            comments_from_learner={"0": {"comment": "{lang=en-US}fine", "location": "p1",
                                         "timestamp": "2024-03-01T10:00:00.5+01:00"}},
            interactions={"0": {"id": "urn:x:q1", "type": "long-fill-in", "learner_response": "y" * 5000,
                                "result": "-12.5", "latency": "PT5S", "timestamp": "2024-03-01"}},
            learner_preference={"audio_level": "1", "language": "", "delivery_speed": "1", "audio_captioning": "0"},
        )  # fmt: skip
        body["adl"] = {"data": {"0": {"id": "notes", "store": "hello"}}, "nav": {"request": "continue"}}
        result = check_commit(SCORM2004, body)
        assert result.ok, result.message
        assert result.values["adl.data.0.store"] == "hello"
        assert "adl.data.0.id" not in result.values
        assert result.values["cmi.score.raw"] == "250"

    @pytest.mark.parametrize(
        ("cmi", "element", "code"),
        [
            ({"completion_status": "passed"}, "cmi.completion_status", "406"),
            ({"success_status": "completed"}, "cmi.success_status", "406"),
            ({"score": {"scaled": "1.5"}}, "cmi.score.scaled", "407"),
            ({"progress_measure": "-0.1"}, "cmi.progress_measure", "407"),
            ({"session_time": "01:00:00"}, "cmi.session_time", "406"),
            ({"session_time": "PT"}, "cmi.session_time", "406"),
            ({"location": "x" * 1001}, "cmi.location", "406"),
            ({"suspend_data": "x" * 64_001}, "cmi.suspend_data", "406"),
            ({"interactions": {"0": {"type": "essay"}}}, "cmi.interactions.0.type", "406"),
            ({"interactions": {"0": {"result": "wrong"}}}, "cmi.interactions.0.result", "406"),
            ({"comments_from_learner": {"0": {"timestamp": "yesterday"}}}, "cmi.comments_from_learner.0.timestamp",
             "406"),
            ({"core": {"lesson_status": "passed"}}, "cmi.core.lesson_status", "401"),
        ],
    )  # fmt: skip
    def test_commit_with_bad_value_fails_with_runtime_error_code(self, cmi, element, code):
        result = check_commit(SCORM2004, self.body(**cmi))
        assert (result.ok, result.error_code, result.element) == (False, code, element)

    def test_body_without_cmi_is_a_general_error(self):
        assert check_commit(SCORM2004, {"cmi": "x"}).error_code == "351"

    def test_keyword_elements_sent_by_a_client_are_ignored(self):
        result = check_commit(SCORM2004, self.body(interactions={"_count": "3"}))
        assert result.ok
        assert "cmi.interactions._count" not in result.values


class TestRepeatChecker:
    def test_successive_commits_get_the_same_verdicts_as_a_full_check(self):
        from web.player.commit_check import RepeatChecker

        checker = RepeatChecker(size=2)
        base = commit12(lesson_location="1", score={"raw": "50"})
        base["cmi"]["interactions"] = {"0": {"id": "q1", "type": "choice", "student_response": "a"}}
        steps = [
            base,
            {**base, "cmi": {**base["cmi"], "suspend_data": "x"}},
            {**base, "cmi": {**base["cmi"], "core": {"lesson_status": "bogus"}}},
            {**base, "cmi": {**base["cmi"], "interactions": {"0": {"type": "essay"}}}},
            base,
        ]
        for body in steps:
            assert checker.check(SCORM12, "state-1", body) == check_commit(SCORM12, body)
        assert checker.check(SCORM12, "state-2", ["not", "a", "commit"]).error_code == "101"
