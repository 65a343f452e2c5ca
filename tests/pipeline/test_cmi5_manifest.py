"""The cmi5 course structure stage on the corpus's CATAPULT courses: what imports, and each refusal's code."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from pipeline.errors import PipelineError
from pipeline.manifest.cmi5 import bare_course_structure, extract_cmi5
from pipeline.zip_validation import validate_zip
from tests.fixtures.corpus import CORPUS

CMI5 = CORPUS / "cmi5"
NS = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"


def from_zip(path: Path):
    with zipfile.ZipFile(path) as archive:
        return extract_cmi5(archive.read("cmi5.xml"), set(archive.namelist()))


def structure(au_url: str, *, au_id: str = "https://example.com/au/1", extra: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<courseStructure xmlns="{NS}">
  <course id="https://example.com/course"><title><langstring lang="en">C</langstring></title>
    <description><langstring lang="en">D</langstring></description></course>
  <au id="{au_id}" moveOn="Passed" masteryScore="0.8" launchMethod="OwnWindow" {extra}>
    <title><langstring lang="en">AU</langstring></title><description><langstring lang="en">d</langstring></description>
    <url>{au_url}</url><launchParameters> p=1 </launchParameters><entitlementKey>k</entitlementKey>
  </au>
</courseStructure>""".encode()


def test_a_multi_au_course_imports_with_its_aus():
    result = from_zip(CMI5 / "catapult_multi_au_framed.zip")
    stored = result.to_dict()
    assert stored["standard"] == "cmi5" and stored["sco_count"] == 8
    assert stored["title"] == "Introduction to Geology - Multi AU at Root"
    first = stored["cmi5"]["aus"][0]
    assert first["launch_path"] == "index.html?pages=1&complete=launch"
    assert (first["move_on"], first["launch_method"], first["mastery_score"]) == ("CompletedOrPassed", "AnyWindow",
                                                                                  None)
    assert stored["launch_path"] == first["launch_path"]
    assert [node["type"] for node in stored["cmi5"]["structure"]] == ["au"] * 8


def test_au_attributes_are_kept():
    result = extract_cmi5(structure("https://cdn.example.com/au.html?x=1"), set(), bare=True)
    au = result.aus[0]
    assert (au["move_on"], au["mastery_score"], au["launch_method"]) == ("Passed", 0.8, "OwnWindow")
    assert (au["launch_parameters"], au["entitlement_key"], au["external"]) == ("p=1", "k", True)
    assert result.launch_path is None


def test_a_bare_course_structure_with_absolute_urls_imports(tmp_path: Path):
    path = tmp_path / "cmi5.xml"
    path.write_bytes((CMI5 / "xml" / "101-one-thousand-aus.xml").read_bytes())
    result = bare_course_structure(path, 5 * 1024 * 1024)
    assert result is not None and len(result.aus) == 1001


@pytest.mark.parametrize(("name", "code"), [
    ("xml/201-1-iris-course-id.xml", "CMI5_ID_NOT_IRI"),
    ("xml/205-3-duplicated-au.xml", "CMI5_DUPLICATE_ID"),
    ("xml/207-1-invalid-courseStructure.xml", "CMI5_SCHEMA_INVALID"),
])  # fmt: skip
def test_invalid_bare_course_structures_are_refused_with_their_code(name: str, code: str):
    with pytest.raises(PipelineError) as refused:
        extract_cmi5((CMI5 / name).read_bytes(), set(), bare=True)
    assert refused.value.code == code


@pytest.mark.parametrize(("name", "code"), [
    ("invalid_catapult_lts_201-1-iris-course-id.zip", "CMI5_ID_NOT_IRI"),
    ("invalid_catapult_lts_203-1-relative-url-no-reference.zip", "CMI5_AU_FILE_MISSING"),
    ("invalid_catapult_lts_207-1-invalid-courseStructure.zip", "CMI5_SCHEMA_INVALID"),
])  # fmt: skip
def test_invalid_cmi5_zips_are_refused_with_their_code(name: str, code: str):
    with pytest.raises(PipelineError) as refused:
        from_zip(CMI5 / name)
    assert refused.value.code == code


@pytest.mark.parametrize(("name", "code"), [
    ("invalid_catapult_lts_209-1-not-a-zip.zip", "NOT_A_ZIP"),
    ("invalid_catapult_lts_210-1-no-cmi5-xml.zip", "MANIFEST_NOT_FOUND"),
])  # fmt: skip
def test_packages_that_are_no_cmi5_zip_are_refused_before_parsing(name: str, code: str):
    with pytest.raises(PipelineError) as refused:
        validate_zip(CMI5 / name, supported_types=("scorm", "cmi5"))
    assert refused.value.code == code


@pytest.mark.parametrize(("url", "bare", "code"), [
    ("index.html", True, "CMI5_RELATIVE_URL_WITHOUT_PACKAGE"),
    ("https://example.com/au.html?endpoint=http://evil.example/lrs", True, "CMI5_AU_URL_RESERVED_PARAMETER"),
    ("http://example.com index.html", True, "CMI5_AU_URL_INVALID"),
    ("javascript:alert(1)", True, "CMI5_AU_URL_INVALID"),
    ("missing.html", False, "CMI5_AU_FILE_MISSING"),
])  # fmt: skip
def test_au_url_rules(url: str, bare: bool, code: str):
    with pytest.raises(PipelineError) as refused:
        extract_cmi5(structure(url), {"index.html"}, bare=bare)
    assert refused.value.code == code


def test_mastery_score_out_of_range_breaks_the_schema():
    with pytest.raises(PipelineError) as refused:
        extract_cmi5(structure("https://example.com/a", extra="").replace(b'masteryScore="0.8"', b'masteryScore="1.5"'),
                     set(), bare=True)  # fmt: skip
    assert refused.value.code == "CMI5_SCHEMA_INVALID"
