"""`tincan.xml`: the corpus packages, and refusals of bad descriptors with their codes."""

from __future__ import annotations

import json

import pytest

from pipeline.errors import PipelineError
from pipeline.manifest.from_zip import manifest_from_zip
from pipeline.manifest.tincan import TincanResult, extract_tincan
from pipeline.package_type import IMPORTED_TYPES
from pipeline.zip_validation import validate_zip
from tests.fixtures.corpus import CORPUS
from tests.pipeline.test_zip_validation import build_zip

NS = 'xmlns="http://projecttincan.com/tincan.xsd"'
FILES = {"index.html", "a/start.html"}


def tincan(activities: str, root: str = "tincan") -> bytes:
    return f'<?xml version="1.0" encoding="utf-8"?><{root} {NS}><activities>{activities}</activities></{root}>'.encode()


def activity(activity_id: str = "http://example.com/course", launch: str | None = "index.html", extra: str = "") -> str:
    launch_xml = f"<launch lang='en-us'>{launch}</launch>" if launch is not None else ""
    return f'<activity id="{activity_id}" type="http://adlnet.gov/expapi/activities/course">{extra}{launch_xml}</activity>'


def parse(data: bytes, files: set[str] = FILES) -> TincanResult:
    return extract_tincan(data, files, fallback_title="upload")


def refusal(data: bytes) -> PipelineError:
    with pytest.raises(PipelineError) as caught:
        parse(data)
    json.dumps(caught.value.details)
    return caught.value


@pytest.mark.parametrize("name", sorted(path.name for path in (CORPUS / "tincan").glob("*.zip")))
def test_every_corpus_package_imports_with_its_launch_activity(name):
    path = CORPUS / "tincan" / name
    report = validate_zip(path, supported_types=IMPORTED_TYPES)
    result = manifest_from_zip(path, report, 1024 * 1024, fallback_title=path.stem)
    assert isinstance(result, TincanResult) and report.descriptor == "tincan.xml"
    stored = result.to_dict()
    assert stored["standard"] == "tincan" and stored["launch_path"] in report.names and stored["title"]
    assert [a["id"] for a in stored["activities"] if a["launchable"]] == [stored["launch_activity"]]
    assert result.warnings == []
    json.dumps(stored)


def test_golf_reads_names_descriptions_and_launch():
    path = CORPUS / "tincan" / "rustici_GolfExample_TCAPI.zip"  # its tincan.xml starts with a BOM
    result = manifest_from_zip(path, validate_zip(path, supported_types=IMPORTED_TYPES), 1024 * 1024)
    [golf] = result.activities
    assert golf["name"] == {"": "Tin Can Golf Example"} and golf["description"] == {
        "en-US": "An overview of the sport of golf."}
    assert (golf["launch"], golf["launch_lang"], golf["type"]) == ("index.html", "en-us",
                                                                   "http://adlnet.gov/expapi/activities/course")
    assert (result.title, result.description) == ("Tin Can Golf Example", "An overview of the sport of golf.")


class TestDecisions:
    def test_title_prefers_us_english_and_texts_are_collapsed(self):
        names = "<name lang='fr'>Cours</name><name lang='en-US'>  The\n  Course </name><name lang='en-GB'>Other</name>"
        result = parse(tincan(activity(extra=names + "<description lang='de'>Kurs</description>")))
        assert result.title == "The Course" and result.description == "Kurs"
        assert result.activities[0]["name"] == {"fr": "Cours", "en-US": "The Course", "en-GB": "Other"}

    def test_untitled_package_takes_the_upload_name(self):
        assert parse(tincan(activity())).title == "upload"

    def test_definition_only_activities_are_listed_but_the_launch_is_the_one_with_launch(self):
        question, course = activity("http://example.com/q1", None), activity("http://example.com/c", "a/start.html")
        result = parse(tincan(question + course))
        assert (result.launch_activity, result.launch_path) == ("http://example.com/c", "a/start.html")
        assert [a["launchable"] for a in result.activities] == [False, True]

    def test_several_launches_play_the_first_with_a_warning(self):
        result = parse(tincan(activity("http://example.com/a") + activity("http://example.com/b", "a/start.html")))
        assert result.launch_activity == "http://example.com/a"
        assert [w["code"] for w in result.warnings] == ["TINCAN_SEVERAL_LAUNCHES"]

    def test_missing_launch_file_is_a_warning(self):
        result = parse(tincan(activity(launch="missing.html?x=1#top")))
        assert result.launch_path == "missing.html?x=1#top"
        assert [w["code"] for w in result.warnings] == ["LAUNCH_FILE_MISSING"]

    def test_launch_keeps_query_and_backslashes_become_slashes(self):
        assert parse(tincan(activity(launch="a\\start.html?lang=en"))).launch_path == "a/start.html?lang=en"

    def test_namespace_and_case_do_not_matter(self):
        data = b'<TinCan><Activities><Activity id="urn:x:1"><Launch>index.html</Launch></Activity></Activities>'
        data += b"</TinCan>"
        assert parse(data).launch_activity == "urn:x:1"


class TestRefusals:
    @pytest.mark.parametrize(("data", "code", "element"), [
        (b"<manifest/>", "MANIFEST_INVALID", "tincan"),
        (b'<?xml version="1.0"?>', "MANIFEST_INVALID", "tincan"),
        (f"<tincan {NS}/>".encode(), "MANIFEST_INVALID", "activities"),
        (tincan(activity("")), "MANIFEST_INVALID", "activity"),
        (tincan(activity("not an iri")), "MANIFEST_INVALID", "activity"),
        (tincan(activity("course-1")), "MANIFEST_INVALID", "activity"),
        (tincan(activity() + activity(launch=None)), "MANIFEST_INVALID", "activity"),
        (tincan(activity(launch="https://evil.example/x.html")), "MANIFEST_LAUNCH_URL_REFUSED", "launch"),
        (tincan(activity(launch="//evil.example/x.html")), "MANIFEST_LAUNCH_URL_REFUSED", "launch"),
        (tincan(activity(launch="javascript:alert(1)")), "MANIFEST_LAUNCH_URL_REFUSED", "launch"),
        (tincan(activity(launch="../../other/index.html")), "MANIFEST_LAUNCH_URL_REFUSED", "launch"),
    ])  # fmt: skip
    def test_bad_descriptor_is_refused_with_its_code(self, data, code, element):
        error = refusal(data)
        assert (error.code, error.details.get("element")) == (code, element), error.message

    def test_no_launchable_activity_is_refused(self):
        error = refusal(tincan(activity(launch=None) + activity("http://example.com/2", launch="  ")))
        assert error.code == "TINCAN_NO_LAUNCH" and error.details == {"activities": 2}

    @pytest.mark.parametrize(("data", "code"), [
        (b"<tincan><activities><activity id='urn:a'>", "MANIFEST_INVALID_XML"),
        (b'<!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]><tincan>&x;</tincan>', "MANIFEST_UNSAFE_XML"),
    ])  # fmt: skip
    def test_unsafe_or_malformed_xml_is_refused(self, data, code):
        assert refusal(data).code == code

    def test_a_descriptor_over_the_limit_is_refused(self):
        with pytest.raises(PipelineError) as caught:
            extract_tincan(tincan(activity()), FILES, max_bytes=50)
        assert caught.value.code == "MANIFEST_TOO_LARGE"


class TestDetection:
    def test_tincan_zip_is_detected_and_imported_when_supported(self, tmp_path):
        path = build_zip(tmp_path / "p.zip", {"tincan.xml": tincan(activity()), "index.html": b"<html></html>"})
        report = validate_zip(path, supported_types=IMPORTED_TYPES)
        assert (report.package_type, report.descriptor) == ("tincan", "tincan.xml")
        assert manifest_from_zip(path, report, 1024 * 1024).launch_path == "index.html"

    def test_a_bad_tincan_zip_fails_the_import_with_the_parser_code(self, tmp_path):
        path = build_zip(tmp_path / "p.zip", {"tincan.xml": tincan(activity(launch=None))})
        with pytest.raises(PipelineError) as caught:
            manifest_from_zip(path, validate_zip(path, supported_types=IMPORTED_TYPES), 1024 * 1024)
        assert caught.value.code == "TINCAN_NO_LAUNCH"
