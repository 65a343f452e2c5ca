"""AICC course files and HACP data: the INI and CSV dialects tools write, the course structure, refusals."""

from __future__ import annotations

import json

import pytest

from pipeline.errors import PipelineError
from pipeline.manifest.aicc import extract_aicc
from pipeline.manifest.aicc_csv import parse_csv
from pipeline.manifest.aicc_ini import parse_ini, write_ini
from pipeline.package_type import IMPORTED_TYPES, detect_package
from web.player import aicc_cmi

CRS = "[Course]\r\nCourse_ID=C1\r\nCourse_Title=My course\r\nVersion=3.5\r\n[Course_Description]\r\nAbout it.\r\n"
AU = ('"system_id","type","file_name","mastery_score","max_time_allowed","time_limit_action","core_vendor",'
      '"web_launch"\n')
DES = '"system_id","developer_id","title","description"\n'


def course(files: dict[str, str | bytes], extra_names: set[str] | None = None):
    data = {name: value.encode() if isinstance(value, str) else value for name, value in files.items()}
    names = set(data) | (extra_names or set())
    return extract_aicc(names, lambda name: data[name], fallback_title="upload")


def refusal(files: dict[str, str | bytes]) -> PipelineError:
    with pytest.raises(PipelineError) as caught:
        course(files)
    return caught.value


def items(result) -> dict[str, dict]:
    return {item["identifier"]: item for item in result.iter_items()}


class TestIni:
    def test_groups_and_keys_are_case_and_space_insensitive(self):
        doc = parse_ini("  [ core ]  \n  Lesson_Location   =   p 2  \nLESSON_STATUS=Passed\n[Core Lesson]\nx")
        assert doc.get("Core", "lesson_location") == "p 2"
        assert doc.get("CORE", "Lesson_Status") == "Passed"
        assert doc.text("core_lesson") == "x"

    def test_bom_crlf_cr_comments_quotes_and_keys_before_any_group(self):
        doc = parse_ini(b'\xef\xbb\xbfversion=2.0\r\n; a comment\r[Core]\rScore="85"\r\n# another\r\nnot a pair\r\n')
        assert doc.get("", "version") == "2.0"
        assert doc.get("core", "score") == "85"
        assert set(doc.groups["core"]) == {"score"}

    def test_missing_groups_read_as_empty(self):
        doc = parse_ini("")
        assert doc.get("core", "lesson_status") == "" and doc.text("core_lesson") == "" and not doc.has("core")

    def test_unknown_groups_and_keys_are_kept_aside_and_repeated_keys_last_wins(self):
        doc = parse_ini("[Vendor_Stuff]\nfoo=1\n[Core]\nWhatever=2\nScore=1\nScore=2")
        assert doc.get("vendor_stuff", "foo") == "1" and doc.get("core", "score") == "2"

    def test_free_text_group_keeps_equals_brackets_and_line_breaks(self):
        text = "a=b\r\n[not a group: 1,2]\r\n\r\n  indented"
        doc = parse_ini(f"[Core_Lesson]\r\n{text}\r\n[Core]\r\nTime=00:00:01")
        assert doc.text("core_lesson") == text
        assert doc.get("core", "time") == "00:00:01"

    def test_long_values_are_kept_whole(self):
        long = "x" * 70_000
        doc = parse_ini(f"[Core]\nLesson_Location={long}\n[Core_Lesson]\n{long}")
        assert doc.get("core", "lesson_location") == long and doc.text("core_lesson") == long

    def test_windows_1252_bytes_are_read(self):
        assert parse_ini("[Course]\nCourse_Title=Caf\xe9".encode("cp1252")).get("course", "course_title") == "Café"

    def test_writer_puts_one_element_per_line_and_text_groups_as_written(self):
        text = write_ini([("Core", {"Lesson_Location": "a\r\nb", "Score": ""}), ("Core_Lesson", "l1\r\nl2"),
                          ("Core_Vendor", "")])  # fmt: skip
        assert text == "[Core]\r\nLesson_Location=a b\r\nScore=\r\n[Core_Lesson]\r\nl1\r\nl2\r\n[Core_Vendor]"
        back = parse_ini(text)
        assert back.get("core", "lesson_location") == "a b" and back.text("core_lesson") == "l1\r\nl2"


class TestCsv:
    def test_quoted_and_bare_fields_spaces_bom_and_header_case(self):
        table = parse_csv('\ufeff"System_ID", Type ,"File_Name"\r\n"A1",  lesson, "a, b.html"\r\nA2,test,c.html\r\n')
        assert table.header == ["system_id", "type", "file_name"]
        assert table.rows == [["A1", "lesson", "a, b.html"], ["A2", "test", "c.html"]]

    def test_short_rows_are_padded_and_blank_and_comment_lines_skipped(self):
        table = parse_csv('"block","member","member"\n\n; comment\n"ROOT","A1"\n,,\n')
        assert table.rows == [["ROOT", "A1", ""]]
        assert table.columns("member") == [1, 2]

    def test_empty_file_is_an_empty_table(self):
        assert parse_csv(b"").header == [] and parse_csv(b"").records() == []


class TestCourse:
    def test_minimal_course_imports_as_aicc_with_aus_shaped_like_scos(self):
        result = course({"c.crs": CRS, "c.au": AU + '"A1","lesson","index.html","80","00:30:00","E,M","vend",""',
                         "c.des": DES + '"A1","d","First AU","Desc"', "c.cst": '"block","member"\n"ROOT","A1"',
                         "index.html": ""})  # fmt: skip
        assert (result.standard, result.sco_count, result.title, result.launch_path) == ("aicc", 1, "My course",
                                                                                        "index.html")
        assert result.warnings == []
        item = items(result)["A1"]
        assert (item["scorm_type"], item["title"], item["mastery_score"]) == ("sco", "First AU", 80.0)
        assert (item["max_time_allowed"], item["time_limit_action"], item["data_from_lms"]) == (
            "00:30:00", "exit,message", "vend")
        stored = result.to_dict()
        assert stored["label"] == "AICC" and stored["aicc"]["course"]["description"] == "About it."
        assert stored["aicc"]["aus"][0]["file_name"] == "index.html"
        json.dumps(stored)

    def test_file_names_match_in_any_case(self):
        result = course({"COURSE.CRS": CRS, "Course.Au": AU + "A1,,index.html,,,,,", "course.DES": DES,
                         "COURSE.cst": "block,member\nroot,a1", "index.html": ""})  # fmt: skip
        assert result.aicc["files"] == {"crs": "COURSE.CRS", "au": "Course.Au", "des": "course.DES",
                                        "cst": "COURSE.cst"}  # fmt: skip
        assert list(items(result)) == ["A1"]

    def test_blocks_nest_and_prerequisites_come_from_the_pre_file(self):
        aus = AU + "A1,,a.html,,,,,\nA2,,b.html,,,,,\nA3,,c.html,,,,,"
        result = course({"c.crs": CRS, "c.au": aus, "c.des": DES + "B1,,Block one,\nA2,,Two,",
                         "c.cst": "block,member,member\nROOT,A1,B1\nB1,A2,A3",
                         "c.pre": "structure_element,prerequisite\nB1,A1\nA3,A2\nA3,A1",
                         "a.html": "", "b.html": "", "c.html": ""})  # fmt: skip
        tree = result.organizations[0]["items"]
        assert [node["identifier"] for node in tree] == ["A1", "B1"]
        assert [child["identifier"] for child in tree[1]["children"]] == ["A2", "A3"]
        assert tree[1]["title"] == "Block one" and not tree[1]["launchable"]
        assert items(result)["A3"]["prerequisites"] == {"type": "aicc_script", "expression": "(A2) & (A1)"}
        assert result.aicc["blocks"] == [{"system_id": "B1", "title": "Block one", "description": None,
                                          "members": ["A2", "A3"]}]  # fmt: skip

    def test_missing_des_and_cst_are_warnings_and_aus_keep_their_order(self):
        result = course({"c.crs": CRS, "c.au": AU + "Z9,,z.html,,,,,\nA1,,a.html,,,,,", "z.html": "", "a.html": ""})
        assert [item["identifier"] for item in result.organizations[0]["items"]] == ["Z9", "A1"]
        assert sorted(w["details"]["file"] for w in result.warnings) == [".cst", ".des"]
        assert items(result)["Z9"]["title"] == "Z9"

    def test_cycles_and_unplaced_aus_still_give_every_au_once(self):
        result = course({"c.crs": CRS, "c.au": AU + "A1,,a.html,,,,,\nA2,,a.html,,,,,", "c.des": DES,
                         "c.cst": "block,member\nROOT,B1\nB1,B2\nB2,B1\nB2,A1", "a.html": ""})  # fmt: skip
        assert sorted(items(result)) == ["A1", "A2", "B1", "B2"]
        assert "AICC_AU_UNPLACED" in [w["code"] for w in result.warnings]

    def test_external_url_is_kept_with_web_launch_and_missing_file_warns(self):
        result = course({"c.crs": CRS, "c.des": DES, "c.cst": "block,member\nROOT,A1\nROOT,A2",
                         "c.au": AU + 'A1,,https://courses.example.org/au1/start.html,,,,,"lang=en"\n'
                                      "A2,,missing.html,,,,,"})  # fmt: skip
        aus = {au["system_id"]: au for au in result.aicc["aus"]}
        assert aus["A1"]["url"] == "https://courses.example.org/au1/start.html?lang=en" and aus["A1"]["external"]
        assert [w["code"] for w in result.warnings] == ["LAUNCH_FILE_MISSING"]
        assert result.launch_path == "https://courses.example.org/au1/start.html?lang=en" or result.launch_path is None

    def test_unknown_columns_and_keys_are_ignored_and_bad_numbers_dropped(self):
        result = course({"c.crs": CRS + "[Weird]\nx=1\n", "c.des": DES, "c.cst": "block,member\nROOT,A1",
                         "c.au": '"SYSTEM_ID","Extra","FILE_NAME","MASTERY_SCORE"\nA1,?,a.html,lots',
                         "a.html": ""})  # fmt: skip
        assert items(result)["A1"]["mastery_score"] is None


class TestRefusals:
    def test_lone_cst_is_refused_naming_what_is_missing(self):
        error = refusal({"moodle.cst": '"block","member"\r\n"root","A0"'})
        assert error.code == "AICC_FILES_MISSING"
        assert error.details["missing"] == [".crs", ".au"]

    def test_several_courses_are_refused(self):
        assert refusal({"a.crs": CRS, "b.crs": CRS, "a.au": AU}).code == "AICC_MULTIPLE_COURSES"

    @pytest.mark.parametrize("row", ["A1,,,,,,,", "A1,,javascript:alert(1),,,,,", ",,a.html,,,,,"])
    def test_au_without_launchable_file_or_id_is_refused(self, row):
        error = refusal({"c.crs": CRS, "c.au": AU + row})
        assert error.code in ("AICC_AU_INVALID", "AICC_LAUNCH_URL_REFUSED")
        assert error.message

    def test_repeated_system_id_is_refused(self):
        assert refusal({"c.crs": CRS, "c.au": AU + "A1,,a.html,,,,,\na1,,b.html,,,,,"}).code == "AICC_AU_INVALID"

    def test_au_file_without_system_id_column_is_refused(self):
        assert refusal({"c.crs": CRS, "c.au": "id,file\nA1,a.html"}).code == "AICC_AU_INVALID"

    def test_course_zipped_with_its_folder_is_named_in_the_refusal(self):
        with pytest.raises(PipelineError) as caught:
            detect_package(["course/x.crs", "course/x.au"], IMPORTED_TYPES)
        assert caught.value.code == "MANIFEST_NOT_FOUND"
        assert caught.value.details["found_in_subfolder"] == "course/x.crs"

    @pytest.mark.parametrize(
        ("version_line", "edition"),
        [("Version=3.5", "3.5"), ("version =  2.2 ", "2.2"), ("VERSION=4.0", "4.0"), ("Version=4", "4"),
         ("Version=", None), ("", None), ("Version=AICC CMI001 v3.5", None), ("Version=1.2.3.4", None),
         ("Version=" + "9" * 9, None)],
    )  # fmt: skip
    def test_edition_is_the_crs_version_when_it_is_a_short_dotted_number(self, version_line, edition):
        crs = CRS.replace("Version=3.5", version_line)
        result = course({"c.crs": crs, "c.au": AU + "A1,,index.html,,,,,", "index.html": ""})
        assert result.edition == edition
        assert result.to_dict()["edition"] == edition
        # The raw value is kept whatever it is.
        assert result.aicc["course"]["version"] == (version_line.partition("=")[2].strip() or None)

    def test_detection_prefers_the_course_file_and_import_accepts_aicc(self):
        kind, descriptor, _ = detect_package(["x.au", "x.CRS", "x.cst"], IMPORTED_TYPES)
        assert (kind, descriptor) == ("aicc", "x.CRS")


class TestHacpData:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("incomplete,suspend", ("incomplete", "suspend")),
            ("i,s", ("incomplete", "suspend")),
            (" I , S ", ("incomplete", "suspend")),
            ("passed,logout", ("passed", "logout")),
            ("c", ("completed", None)),
            ("Not Attempted", ("not attempted", None)),
            ("b,", ("browsed", None)),
            ("pending", (None, None)),
            ("f,t", ("failed", "time-out")),
        ],
    )
    def test_lesson_status_words_letters_and_flags(self, value, expected):
        assert aicc_cmi.status_and_exit(value) == expected

    def test_put_param_maps_core_groups_to_scorm_12_elements(self):
        data = ("[CORE]\r\n  lesson_location = 12 \r\nLesson_Status=I,S\r\nScore= 85 , 100 , 0\r\n"
                "Time=0000:01:05.50\r\n"
                "Student_ID=hacker\r\nUnknown=1\r\n[Core_Lesson]\r\nstate=a=b\r\n[Comments]\r\nhello\r\n"
                "[Objectives_Status]\r\nJ_ID.1=o1\r\nJ_Status.1=p\r\nJ_Score.1=90\r\n[Student_Preferences]\r\n"
                "Audio=0\r\nLanguage=fr\r\n[Mystery]\r\nx=y")  # fmt: skip
        assert aicc_cmi.put_param(data) == {
            "cmi.core.lesson_location": "12", "cmi.core.lesson_status": "incomplete", "cmi.core.exit": "suspend",
            "cmi.core.score.raw": "85", "cmi.core.score.max": "100", "cmi.core.score.min": "0",
            "cmi.core.session_time": "0000:01:05.50", "cmi.suspend_data": "state=a=b", "cmi.comments": "hello",
            "cmi.objectives.0.id": "o1", "cmi.objectives.0.status": "passed", "cmi.objectives.0.score.raw": "90",
            "cmi.student_preference.audio": "0", "cmi.student_preference.language": "fr",
        }  # fmt: skip

    def test_put_param_without_core_header_reads_its_elements_as_core(self):
        assert aicc_cmi.put_param("lesson_status=c\r\nlesson_location=x") == {
            "cmi.core.lesson_status": "completed", "cmi.core.exit": "", "cmi.core.lesson_location": "x"}

    def test_put_param_with_missing_groups_or_bad_values_sets_nothing_wrong(self):
        assert aicc_cmi.put_param("") == {}
        assert aicc_cmi.put_param("[Core]\nScore=lots\nTime=soon\nLesson_Status=pending") == {"cmi.core.exit": ""}

    def test_get_param_round_trips_long_core_lesson_and_serves_server_values(self):
        long = "k=v;" * 20_000
        cmi = {"cmi.core.lesson_location": "9", "cmi.core.lesson_status": "incomplete", "cmi.suspend_data": long,
               "cmi.core.score.raw": "50", "cmi.objectives.0.id": "o1", "cmi.objectives.0.status": "failed"}
        text = aicc_cmi.get_param(cmi, aicc_cmi.Learner("u1", "Doe, Jane", entry="resume", total_seconds=3661,
                                                        course_id="C1", core_vendor="cv", mastery_score=80.0))
        doc = parse_ini(text)
        assert doc.get("core", "student_id") == "u1" and doc.get("core", "student_name") == "Doe, Jane"
        assert doc.get("core", "lesson_status") == "incomplete,resume"
        assert (doc.get("core", "time"), doc.get("core", "score"), doc.get("core", "credit")) == (
            "0001:01:01.00", "50", "credit")
        assert doc.text("core_lesson") == long and doc.text("core_vendor") == "cv"
        assert doc.get("evaluation", "course_id") == "C1" and doc.get("student_data", "mastery_score") == "80"
        assert doc.get("objectives_status", "j_status.1") == "failed"

    def test_put_objectives_updates_by_id_and_put_interactions_append(self):
        cmi = {"cmi.objectives.0.id": "o1", "cmi.interactions.0.id": "q0"}
        objectives = aicc_cmi.put_objectives(cmi, "objective_id,score,status\no1,70,f\no2,,i\n,1,p")
        assert objectives == {"cmi.objectives.0.id": "o1", "cmi.objectives.0.score.raw": "70",
                              "cmi.objectives.0.status": "failed", "cmi.objectives.1.id": "o2",
                              "cmi.objectives.1.status": "incomplete"}  # fmt: skip
        interactions = aicc_cmi.put_interactions(cmi, "interaction_id,result\nq1,W\nq2,C")
        assert interactions == {"cmi.interactions.1.id": "q1", "cmi.interactions.1.result": "W",
                                "cmi.interactions.2.id": "q2", "cmi.interactions.2.result": "C"}  # fmt: skip
