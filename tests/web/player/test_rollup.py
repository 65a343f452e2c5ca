"""Course status rolled up from SCOs: SCORM 2004 rollup rules and the SCORM 1.2 convention."""

from __future__ import annotations

from web.player.rollup import Node, rollup_12, rollup_2004
from web.player.status import ScoStatus

DONE = ScoStatus("completed", "passed", {"scaled": 1.0})
COMPLETE = ScoStatus("completed", "unknown")
STARTED = ScoStatus("incomplete", "unknown")
NEW = ScoStatus()
FAILED = ScoStatus("completed", "failed", {"scaled": 0.2})

NO_SCORE = {"rollup_rules": {"objective_measure_weight": 0.0}}
CONTENT_ONLY = {"rollup_rules": {"rollup_objective_satisfied": False, "rollup_progress_completion": False,
                                 "objective_measure_weight": 0.0}}  # fmt: skip


def leaf(name: str, status: ScoStatus, sequencing: dict | None = None, attempts: int = 0) -> Node:
    return Node(name, sequencing or {}, [], status, attempts)


class TestDefaultRules:
    def forced_sequential(self, *statuses: ScoStatus) -> Node:
        return Node("org", {"control_mode": {"choice": True, "flow": True}},
                    [leaf(f"sco{i}", s, NO_SCORE) for i, s in enumerate(statuses)])  # fmt: skip

    def test_all_satisfied_and_completed_children_complete_and_satisfy_the_course(self):
        course = rollup_2004(self.forced_sequential(DONE, DONE, DONE))
        assert (course.completion, course.success, course.score) == ("completed", "passed", {})

    def test_partly_done_course_is_incomplete_and_unknown(self):
        course = rollup_2004(self.forced_sequential(DONE, STARTED, NEW))
        assert (course.completion, course.success) == ("incomplete", "unknown")

    def test_course_with_no_attempt_is_not_attempted(self):
        assert rollup_2004(self.forced_sequential(NEW, NEW)).completion == "not_attempted"

    def test_all_known_with_one_failure_is_not_satisfied(self):
        course = rollup_2004(self.forced_sequential(DONE, FAILED))
        assert (course.completion, course.success) == ("completed", "failed")

    def test_untracked_child_is_left_out(self):
        root = Node("org", {}, [leaf("a", DONE), leaf("b", NEW, {"delivery_controls": {"tracked": False}})])
        assert rollup_2004(root).completion == "completed"

    def test_single_sco_is_the_course(self):
        only = ScoStatus("completed", "passed", {"scaled": 0.9, "raw": 9, "max": 10})
        assert rollup_2004(Node("org", {}, [leaf("only", only)])) == only


class TestPostTest:
    def course(self, test: ScoStatus, *content: ScoStatus) -> Node:
        quiz = {"rollup_rules": {"rollup_objective_satisfied": True, "rollup_progress_completion": True,
                                 "objective_measure_weight": 1.0}}  # fmt: skip
        return Node("org", {}, [*(leaf(f"c{i}", s, CONTENT_ONLY) for i, s in enumerate(content)),
                                leaf("quiz", test, quiz)])  # fmt: skip

    def test_only_the_post_test_decides_completion_success_and_score(self):
        course = rollup_2004(self.course(ScoStatus("completed", "passed", {"scaled": 0.8}), STARTED, NEW))
        assert (course.completion, course.success, course.score) == ("completed", "passed", {"scaled": 0.8})

    def test_content_alone_does_not_complete_the_course(self):
        course = rollup_2004(self.course(NEW, DONE, DONE))
        assert (course.completion, course.success) == ("incomplete", "unknown")


class TestExplicitRules:
    def test_any_satisfied_or_attempt_limit_completes_the_course(self):
        posttest_seq = {
            "limit_conditions": {"attempt_limit": 2},
            "rollup_rules": {"rules": [
                {"child_activity_set": "any", "conditions": [{"condition": "satisfied"}], "action": "satisfied"},
                {"child_activity_set": "any", "conditions": [{"condition": "satisfied", "operator": "not"}],
                 "action": "notSatisfied"},
            ]},
        }  # fmt: skip
        root_seq = {"rollup_rules": {"rules": [
            {"child_activity_set": "any", "condition_combination": "any", "action": "completed",
             "conditions": [{"condition": "satisfied"}, {"condition": "attemptLimitExceeded"}]},
        ]}}  # fmt: skip
        content = Node("content", CONTENT_ONLY, [leaf("p", DONE), leaf("e", DONE)])
        posttest = Node("posttest", posttest_seq, [leaf("t1", FAILED, attempts=1), leaf("t2", NEW)])
        course = rollup_2004(Node("org", root_seq, [content, posttest]))
        assert (course.completion, course.success) == ("incomplete", "failed")
        posttest.children[1].status = ScoStatus("completed", "passed", {"scaled": 0.9})
        assert rollup_2004(Node("org", root_seq, [content, posttest])).success == "passed"

    def test_post_test_reads_the_score_of_the_most_recently_finished_test_from_a_global(self):
        score_map = {"target_objective_id": "g.course_score"}
        test_seq = {"objectives": {"primary": {"map_info": [
            {**score_map, "read_satisfied_status": False, "read_normalized_measure": False,
             "write_normalized_measure": True}]}}}  # fmt: skip
        posttest_seq = {
            "rollup_rules": {"rules": [
                {"child_activity_set": "any", "conditions": [{"condition": "satisfied"}], "action": "satisfied"}]},
            "objectives": {"primary": {"map_info": [
                {**score_map, "read_satisfied_status": False, "read_normalized_measure": True}]}},
        }  # fmt: skip

        def course(first: tuple[str, ScoStatus], second: tuple[str, ScoStatus]) -> ScoStatus:
            tests = {name: Node(name, test_seq, [], status, 1, changed_at=at)
                     for name, status, at in ((first[0], first[1], "2026-01-01T10:00"),
                                              (second[0], second[1], "2026-01-01T11:00"))}  # fmt: skip
            posttest = Node("posttest", posttest_seq, [tests["t1"], tests["t2"]])
            return rollup_2004(Node("org", {}, [posttest]))

        failed, passed = ScoStatus("completed", "failed", {"scaled": 0.4}), ScoStatus("completed", "passed",
                                                                                    {"scaled": 0.9})
        # The weighted average of the tests would say 0.65 either way; the global says who came last.
        assert course(("t1", failed), ("t2", passed)).score == {"scaled": 0.9}
        assert course(("t2", passed), ("t1", failed)).score == {"scaled": 0.4}
        assert course(("t1", failed), ("t2", passed)).success == "passed"

    def test_cluster_writes_its_rolled_up_satisfaction_for_others_to_read(self):
        wrapper_seq = {"rollup_rules": {"rules": [
            {"child_activity_set": "all", "conditions": [{"condition": "completed"}], "action": "satisfied"}]},
            "objectives": {"primary": {"map_info": [{"target_objective_id": "g.done",
                                                     "write_satisfied_status": True}]}}}  # fmt: skip
        reader_seq = {"objectives": {"primary": {"map_info": [{"target_objective_id": "g.done"}]}}}
        wrapper = Node("wrapper", wrapper_seq, [leaf("a", COMPLETE), leaf("b", COMPLETE)])
        reader = Node("reader", {}, [leaf("r", NEW, reader_seq)])
        root = rollup_2004(Node("org", {}, [wrapper, reader]))
        # The never-attempted reader is satisfied through the global (SN: read maps win), so the course is.
        assert root.success == "passed"

    def test_at_least_percent_rule_counts_true_children(self):
        rule = {"child_activity_set": "atLeastPercent", "minimum_percent": 0.5,
                "conditions": [{"condition": "completed"}], "action": "completed"}
        seq = {"rollup_rules": {"rules": [rule]}}
        root = Node("org", seq, [leaf("a", DONE), leaf("b", STARTED), leaf("c", NEW), leaf("d", COMPLETE)])
        assert rollup_2004(root).completion == "completed"

    def test_measure_rollup_weights_children(self):
        root = Node("org", {}, [leaf("a", ScoStatus("completed", "passed", {"scaled": 1.0}),
                                     {"rollup_rules": {"objective_measure_weight": 3.0}}),
                                leaf("b", ScoStatus("completed", "passed", {"scaled": 0.0}))])  # fmt: skip
        assert rollup_2004(root).score == {"scaled": 0.75}

    def test_satisfied_by_measure_uses_the_rolled_up_measure(self):
        seq = {"objectives": {"primary": {"satisfied_by_measure": True, "min_normalized_measure": 0.6}}}
        root = Node("org", seq, [leaf("a", ScoStatus("completed", "unknown", {"scaled": 0.7})),
                                 leaf("b", ScoStatus("completed", "unknown", {"scaled": 0.6}))])  # fmt: skip
        assert rollup_2004(root).success == "passed"

    def test_if_attempted_consideration_skips_unattempted_children(self):
        considered = {"rollup_considerations": {"required_for_completed": "ifAttempted",
                                                "required_for_incomplete": "ifAttempted"}}  # fmt: skip
        root = Node("org", {}, [leaf("a", COMPLETE), leaf("b", NEW, considered)])
        assert rollup_2004(root).completion == "completed"

    def test_if_not_skipped_consideration_asks_the_childs_skip_rules_now(self):
        # CTS T-01b: a post test satisfied by its own measure is skipped by its rule, so its module is completed
        # by the pre test alone (SN RB.1.4.2 evaluates the Skip rules during rollup).
        skip_if_satisfied = {"action": "skip", "condition_combination": "all",
                             "conditions": [{"condition": "satisfied"}]}  # fmt: skip
        posttest = {"sequencing_rules": {"pre_condition": [skip_if_satisfied]},
                    "objectives": {"primary": {"satisfied_by_measure": True, "min_normalized_measure": 0.6}},
                    "rollup_considerations": {"required_for_completed": "ifNotSkipped",
                                              "required_for_incomplete": "ifNotSkipped"}}  # fmt: skip
        scored = ScoStatus("completed", "unknown", {"scaled": 1.0})

        def module(*answers: ScoStatus) -> Node:
            return Node("module", {}, [leaf("pretest", COMPLETE),
                                       Node("posttest", posttest, [leaf(f"q{i}", s) for i, s in enumerate(answers)])])

        assert rollup_2004(module(scored, scored, NEW)).completion == "completed"  # 2/3 >= 0.6: skipped
        assert rollup_2004(module(scored, NEW, NEW)).completion == "incomplete"  # 1/3: counted, not complete


class TestCompletionByMeasure:
    """4th Ed. completion by measure and the completion/progress objective maps (CTS CO-02a, 03, 04a-c)."""

    @staticmethod
    def by_measure(minimum: float, weight: float = 1.0) -> dict:
        return {"completed_by_measure": True, "min_progress_measure": minimum, "progress_weight": weight}

    @staticmethod
    def primary_map(target: str, **flags: bool) -> dict:
        return {"objectives": {"primary": {"map_info": [{"target_objective_id": target, **flags}]}}}

    def test_a_cluster_rolls_up_the_weighted_progress_measure_and_completes_by_it(self):
        a = Node("a", {}, [], ScoStatus("incomplete", "unknown", progress=0.2), 1, threshold={"progress_weight": 3})
        b = Node("b", {}, [], ScoStatus("incomplete", "unknown", progress=1.0), 1)
        course = Node("org", {}, [Node("cluster", {}, [a, b], threshold=self.by_measure(0.4)),
                                  leaf("c", COMPLETE)])  # fmt: skip
        assert rollup_2004(course).completion == "completed"  # (0.2*3 + 1.0) / 4 = 0.4
        a.status = ScoStatus("incomplete", "unknown", progress=0.1)
        assert rollup_2004(course).completion == "incomplete"

    def test_a_progress_measure_read_completes_by_measure_whatever_completion_was_written(self):
        # CTS CO-02a: activity 1 writes incomplete and 0.8; activity 2 (min 0.5) reads both.
        writer = Node("a1", self.primary_map("g", write_completion_status=True, write_progress_measure=True),
                      [], ScoStatus("incomplete", "unknown", progress=0.8), 1)  # fmt: skip
        reader = Node("a2", self.primary_map("g"), [], ScoStatus(), 0, threshold=self.by_measure(0.5))
        other = Node("a3", self.primary_map("g"), [], ScoStatus(), 0)
        tracked = {"rollup_rules": {"rules": [{"child_activity_set": "all", "action": "completed",
                                               "conditions": [{"condition": "completed"}]}]}}  # fmt: skip
        assert rollup_2004(Node("org", tracked, [writer, reader])).completion == "incomplete"  # a1 itself
        assert rollup_2004(Node("org", tracked, [reader])).completion == "not_attempted"
        writer.status = ScoStatus("completed", "unknown", progress=0.8)
        assert rollup_2004(Node("org", tracked, [writer, reader, other])).completion == "completed"

    def test_completed_by_measure_without_a_measure_is_unknown_even_when_a_status_is_read(self):
        # CTS CO-04b: a completion status read does not count when completion is by measure.
        writer = Node("a1", self.primary_map("g", write_completion_status=True), [],
                      ScoStatus("completed", "unknown"), 1)  # fmt: skip
        reader = Node("a2", self.primary_map("g"), [], ScoStatus(), 0, threshold=self.by_measure(0.75))
        plain = Node("a3", self.primary_map("g"), [], ScoStatus(), 0)
        rule = {"rollup_rules": {"rules": [{"child_activity_set": "all", "action": "completed",
                                            "conditions": [{"condition": "completed"}]}]}}  # fmt: skip
        assert rollup_2004(Node("org", rule, [writer, plain])).completion == "completed"
        assert rollup_2004(Node("org", rule, [writer, plain, reader])).completion == "incomplete"


class TestScorm12Convention:
    def test_all_completed_with_one_pass_is_passed_and_scores_average(self):
        course = rollup_12([ScoStatus("completed", "unknown"), ScoStatus("completed", "passed", {"raw": 80,
                                                                                                 "scaled": 0.8}),
                            ScoStatus("completed", "passed", {"raw": 60, "scaled": 0.6})])  # fmt: skip
        assert (course.completion, course.success, course.score) == ("completed", "passed", {"scaled": 0.7, "raw": 70})

    def test_one_failure_fails_the_course(self):
        assert rollup_12([FAILED, STARTED]).success == "failed"

    def test_partly_done_course_is_incomplete(self):
        assert rollup_12([COMPLETE, NEW]).completion == "incomplete"
        assert rollup_12([NEW, NEW]).completion == "not_attempted"
        assert rollup_12([]).completion == "not_attempted"
