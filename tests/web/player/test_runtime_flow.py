"""The runtime through the player endpoints: deliver, commit, stale and late commits, time, attempts, rollup."""

from __future__ import annotations

from typing import Any

from tests.fixtures.player import CORPUS, FORCED, GOLF_12, GOLF_2004, MULTI_12, POSTTEST, cmi12

ASSETS_12 = CORPUS / "scorm12" / "golf_ContentPackagingOneFilePerSCO_SCORM12.zip"
RANDOM = CORPUS / "scorm2004" / "golf_SequencingRandomTest_SCORM20043rdEdition.zip"


def cmi2004(seq: int, *, terminate: bool = False, abandon: bool = False, **cmi: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"cmi": {"completion_status": "incomplete", "success_status": "unknown", **cmi},
                            "commitSequence": seq}  # fmt: skip
    if terminate:
        body["terminate"] = True
    if abandon:
        body["abandon"] = True
    return body


class TestValidation:
    def test_bad_value_is_refused_with_the_runtime_error_code_and_nothing_is_stored(self, player, tenant):
        opened, launched = player.start(tenant, GOLF_12)
        delivery = player.deliver(launched)
        player.commit(delivery, cmi12(1, lesson_location="2"))
        refused = player.commit(delivery, cmi12(2, lesson_location="3", lesson_status="done"))
        assert refused.status_code == 400
        assert refused.json["error"]["code"] == "CMI_INVALID"
        assert refused.json["error"]["details"] == {"element": "cmi.core.lesson_status", "scorm_error": 405}
        stored = player.session(tenant, opened["session"]["id"])["cmi_data"]
        assert stored["cmi.core.lesson_location"] == "2"

    def test_2004_type_and_range_errors_use_2004_codes(self, player, tenant):
        _, launched = player.start(tenant, GOLF_2004)
        delivery = player.deliver(launched)
        assert player.commit(delivery, cmi2004(1, success_status="won")).json["error"]["details"]["scorm_error"] == 406
        assert player.commit(delivery, cmi2004(2, score={"scaled": "3"})).json["error"]["details"]["scorm_error"] == 407

    def test_malformed_body_is_bad_request(self, player, client, tenant):
        _, launched = player.start(tenant, GOLF_12)
        delivery = player.deliver(launched)
        response = client.post(delivery["commit_url"], data="{cmi", content_type="text/plain")
        assert (response.status_code, response.json["error"]["code"]) == (400, "BAD_REQUEST")
        assert player.commit(delivery, {"cmi": []}).json["error"]["details"]["scorm_error"] == 101


class TestOrderingAndTime:
    def test_stale_and_post_finish_commits_are_ignored_and_time_counts_once(self, player, tenant):
        opened, launched = player.start(tenant, GOLF_12)
        delivery = player.deliver(launched)
        assert player.commit(delivery, cmi12(2, lesson_location="2", session_time="0000:00:30")).json[
            "outcome"] == "stored"
        assert player.commit(delivery, cmi12(1, lesson_location="1")).json["outcome"] == "stale"
        # scorm-again 1.2 still takes calls after LMSFinish: a later-numbered commit can arrive first.
        assert player.commit(delivery, cmi12(4, lesson_location="after-finish")).json["outcome"] == "stored"
        final = cmi12(3, terminate=True, lesson_location="3", session_time="0000:01:00", exit="suspend")
        assert player.commit(delivery, final, beacon=True).json["outcome"] == "stored"
        assert player.commit(delivery, cmi12(5, lesson_location="later")).json["outcome"] == "closed"
        session = player.session(tenant, opened["session"]["id"])
        assert session["cmi_data"]["cmi.core.lesson_location"] == "3"
        assert (session["time_spent_seconds"], session["session_time"]) == (60, "PT1M")

        # The next learner session adds its own time, once; its first commits repeat the running value.
        second = player.deliver(launched)
        assert second["cmi"]["cmi"]["core"]["total_time"] == "0000:01:00.00"
        for seq in (6, 7):
            player.commit(second, cmi12(seq, session_time="0000:00:45"))
        assert player.session(tenant, opened["session"]["id"])["time_spent_seconds"] == 60
        player.commit(second, cmi12(8, terminate=True, session_time="0000:00:45"), beacon=True)
        assert player.session(tenant, opened["session"]["id"])["time_spent_seconds"] == 105

    def test_repeated_progress_commits_are_stored_in_order(self, player, tenant):
        # From the second commit on, a process stores a known SCO state by its one-statement path.
        opened, launched = player.start(tenant, GOLF_12)
        delivery = player.deliver(launched)
        for seq in (1, 2, 3):
            answer = player.commit(delivery, cmi12(seq, lesson_location=str(seq), suspend_data=f"s{seq}"))
            assert answer.json["outcome"] == "stored"
        assert player.commit(delivery, cmi12(3, lesson_location="again")).json["outcome"] == "stale"
        final_state = cmi12(4, lesson_status="passed", lesson_location="3", suspend_data="s3")
        assert player.commit(delivery, final_state).json["outcome"] == "stored"  # a status change
        session = player.session(tenant, opened["session"]["id"])
        assert (session["cmi_data"]["cmi.core.lesson_location"], session["cmi_data"]["cmi.suspend_data"]) == ("3", "s3")
        assert (session["completion_status"], session["success_status"]) == ("completed", "passed")

    def test_commit_of_an_older_launch_is_stale(self, player, tenant):
        _, launched = player.start(tenant, GOLF_12)
        first = player.deliver(launched)
        player.deliver(launched)
        assert player.commit(first, cmi12(9, lesson_location="old")).json["outcome"] == "stale"

    def test_page_closing_save_is_replaced_by_the_scos_own_finish(self, player, tenant):
        opened, launched = player.start(tenant, GOLF_12)
        delivery = player.deliver(launched)
        abandon = cmi12(3, lesson_location="5", session_time="0000:00:10")
        abandon["abandon"] = True
        assert player.commit(delivery, abandon, beacon=True).json["outcome"] == "stored"
        assert player.session(tenant, opened["session"]["id"])["time_spent_seconds"] == 10
        finish = cmi12(3, terminate=True, lesson_location="5", exit="suspend", session_time="0000:00:20")
        assert player.commit(delivery, finish, beacon=True).json["outcome"] == "stored"
        session = player.session(tenant, opened["session"]["id"])
        assert session["time_spent_seconds"] == 20
        assert player.deliver(launched)["cmi"]["cmi"]["core"]["entry"] == "resume"

    def test_abandoned_launch_is_closed_by_the_next_delivery_and_keeps_its_data(self, player, tenant):
        opened, launched = player.start(tenant, GOLF_12)
        delivery = player.deliver(launched)
        player.commit(delivery, cmi12(1, lesson_location="4", suspend_data="s", session_time="0000:00:15"))
        again = player.deliver(launched)
        core = again["cmi"]["cmi"]["core"]
        # entry "" is the runtime's default (loadFromJSON skips empty values).
        assert (core.get("entry"), core["lesson_location"], again["cmi"]["cmi"]["suspend_data"]) == (None, "4", "s")
        assert player.session(tenant, opened["session"]["id"])["time_spent_seconds"] == 15


class TestAttempts2004:
    def test_suspend_resumes_and_normal_exit_starts_a_new_sco_attempt(self, player, tenant):
        opened, launched = player.start(tenant, GOLF_2004)
        delivery = player.deliver(launched)
        assert delivery["cmi"]["cmi"]["completion_status"] == "unknown"
        player.commit(delivery, cmi2004(1, terminate=True, exit="suspend", location="3", suspend_data="d"))
        resumed = player.deliver(launched)["cmi"]["cmi"]
        assert (resumed["entry"], resumed["location"], resumed["suspend_data"]) == ("resume", "3", "d")
        second = player.deliver(launched)  # the last session was abandoned: same attempt, entry ""
        player.commit(second, cmi2004(1, terminate=True, exit="normal", completion_status="completed",
                                      location="9", session_time="PT2S"))  # fmt: skip
        fresh = player.deliver(launched)["cmi"]["cmi"]
        assert (fresh["entry"], fresh.get("location"), fresh["total_time"]) == ("ab-initio", None, "PT0S")
        session = player.session(tenant, opened["session"]["id"])
        assert session["activities"][0]["sco_attempt"] == 2
        assert session["time_spent_seconds"] == 2


    def deliver_as(self, player, launched, attempt: str) -> dict[str, Any]:
        response = player.client.post(launched.url("deliver"), json={"item": launched.config["resume"],
                                                                     "attempt": attempt})  # fmt: skip
        assert response.status_code == 200, response.json
        delivery = dict(response.json)
        delivery["commit_url"] = launched.origin + delivery["commit_url"]
        return delivery

    def test_a_sco_suspended_by_suspend_all_resumes_with_its_data(self, player, tenant):
        # CTS DMB Act1V6/V7: the sequencer resumed the activity; the SCO's cmi.exit was not "suspend".
        _, launched = player.start(tenant, GOLF_2004)
        delivery = player.deliver(launched)
        player.commit(delivery, cmi2004(1, terminate=True, suspend_data="visit=7", session_time="P29D"))
        resumed = self.deliver_as(player, launched, "resume")["cmi"]["cmi"]
        # 29 days
        assert (resumed["entry"], resumed["suspend_data"], resumed["total_time"]) == ("resume", "visit=7", "PT696H")
        assert resumed["completion_status"] == "incomplete"

    def test_the_sequencers_new_attempt_starts_afresh_even_after_a_suspend(self, player, tenant):
        # SN DB.2: the sequencer began a new attempt (the suspended one was ended, e.g. by exitAll).
        opened, launched = player.start(tenant, GOLF_2004)
        delivery = player.deliver(launched)
        player.commit(delivery, cmi2004(1, terminate=True, exit="suspend", suspend_data="d"))
        fresh = self.deliver_as(player, launched, "new")["cmi"]["cmi"]
        assert (fresh["entry"], fresh.get("suspend_data")) == ("ab-initio", None)
        assert player.session(tenant, opened["session"]["id"])["activities"][0]["sco_attempt"] == 2

    def test_an_unknown_attempt_word_is_no_word(self, player, tenant):
        _, launched = player.start(tenant, GOLF_2004)
        delivery = player.deliver(launched)
        player.commit(delivery, cmi2004(1, terminate=True, exit="suspend", suspend_data="d"))
        resumed = self.deliver_as(player, launched, "sideways")["cmi"]["cmi"]
        assert (resumed["entry"], resumed["suspend_data"]) == ("resume", "d")

class TestCourseStatus:
    def finish(self, player, launched, item: str, seq: int, **cmi: Any) -> None:
        delivery = player.deliver(launched, item)
        answer = player.commit(delivery, cmi2004(seq, terminate=True, exit="suspend", **cmi), beacon=True)
        assert answer.json["outcome"] == "stored", answer.json

    def test_forced_sequential_course_completes_when_every_sco_is_satisfied(self, player, tenant):
        opened, launched = player.start(tenant, FORCED)
        items = launched.config["order"]
        for seq, item in enumerate(items[:-1], start=1):
            self.finish(player, launched, item, seq, completion_status="completed", success_status="passed")
            assert player.session(tenant, opened["session"]["id"])["completion_status"] == "incomplete"
        self.finish(player, launched, items[-1], 9, completion_status="completed", success_status="failed",
                    score={"scaled": "0.4", "raw": "40"})  # fmt: skip
        session = player.session(tenant, opened["session"]["id"])
        assert (session["completion_status"], session["success_status"]) == ("completed", "failed")
        assert session["score"]["scaled"] is None  # every activity's measure weight is 0: no course score

    def test_post_test_alone_decides_the_course_and_its_score(self, player, tenant):
        opened, launched = player.start(tenant, POSTTEST)
        self.finish(player, launched, "playing_item", 1, completion_status="completed", progress_measure="1")
        assert player.session(tenant, opened["session"]["id"])["completion_status"] == "incomplete"
        self.finish(player, launched, "assessment_item", 2, completion_status="completed", success_status="passed",
                    score={"scaled": "0.8", "raw": "80", "min": "0", "max": "100"})  # fmt: skip
        session = player.session(tenant, opened["session"]["id"])
        assert (session["completion_status"], session["success_status"]) == ("completed", "passed")
        assert session["score"]["scaled"] == 0.8

    def test_random_post_test_scores_the_most_recently_finished_test(self, player, tenant):
        opened, launched = player.start(tenant, RANDOM)
        for seq, item in enumerate(("playing_item", "etuqiette_item", "handicapping_item", "havingfun_item"), 1):
            self.finish(player, launched, item, seq, completion_status="completed")
        self.finish(player, launched, "test_3", 5, completion_status="completed", success_status="failed",
                    score={"scaled": "0.4"})  # fmt: skip
        first = player.session(tenant, opened["session"]["id"])
        assert (first["completion_status"], first["success_status"], first["score"]["scaled"]) == (
            "incomplete", "failed", 0.4)
        # The retry draws another test; the course score is the one it wrote to the global, not an average.
        self.finish(player, launched, "test_1", 6, completion_status="completed", success_status="passed",
                    score={"scaled": "0.9"})  # fmt: skip
        session = player.session(tenant, opened["session"]["id"])
        assert (session["completion_status"], session["success_status"], session["score"]["scaled"]) == (
            "completed", "passed", 0.9)

    def test_multi_sco_12_course_completes_when_every_sco_finished(self, player, tenant):
        opened, launched = player.start(tenant, MULTI_12)
        for seq, item in enumerate(launched.config["order"], start=1):
            delivery = player.deliver(launched, item)
            player.commit(delivery, {"cmi": {"core": {"lesson_status": "not attempted"}}, "commitSequence": seq,
                                     "terminate": True}, beacon=True)  # fmt: skip
        session = player.session(tenant, opened["session"]["id"])
        assert session["completion_status"] == "completed"
        assert {a["completion_status"] for a in session["activities"]} == {"completed"}

    def test_package_of_assets_completes_as_they_are_opened(self, player, tenant):
        opened, launched = player.start(tenant, ASSETS_12)
        order = launched.config["order"]
        assert len(order) > 1
        first = player.deliver(launched, order[0])
        assert (first["sco"], first["commit_url"], first["cmi"]) == (False, None, None)
        assert player.session(tenant, opened["session"]["id"])["completion_status"] == "incomplete"
        for item in order[1:]:
            player.deliver(launched, item)
        assert player.session(tenant, opened["session"]["id"])["completion_status"] == "completed"

    def test_unknown_item_is_404(self, player, client, tenant):
        _, launched = player.start(tenant, GOLF_12)
        response = client.post(launched.url("deliver"), json={"item": "nope"})
        assert (response.status_code, response.json["error"]["code"]) == (404, "ITEM_NOT_FOUND")


class TestXapiStatements:
    def test_session_progress_is_reported_as_xapi_statements(self, player, app, tenant):
        from sqlalchemy import select

        from models.xapi import XapiStatement

        opened, launched = player.start(tenant, GOLF_12)
        delivery = player.deliver(launched)
        final = cmi12(1, terminate=True, lesson_status="passed", session_time="0000:00:42",
                      score={"raw": "90", "min": "0", "max": "100"})  # fmt: skip
        player.commit(delivery, final, beacon=True)
        sid = opened["session"]["id"]
        with app.extensions["allure"].sessions() as session:
            rows = session.scalars(select(XapiStatement).where(XapiStatement.registration == sid)
                                   .order_by(XapiStatement.pk)).all()  # fmt: skip
        verbs = [row.verb_id.rsplit("/", 1)[-1] for row in rows]
        assert verbs == ["launched", "initialized", "completed", "passed", "terminated"]
        course = f"http://127.0.0.1:3000/packages/{opened['session']['package_id']}"
        assert rows[0].activity_id == course and rows[-1].activity_id == course + "/items/item_1"
        assert {row.tenant_id for row in rows} == {tenant.tenant_id}
        assert rows[3].score_scaled == 0.9
