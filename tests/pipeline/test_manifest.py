"""Manifest extraction: every corpus package, hostile XML, and the details the player relies on."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from pipeline.errors import PipelineError
from pipeline.manifest import ManifestResult, cmi5, extract_manifest
from pipeline.manifest.from_zip import manifest_from_zip
from pipeline.manifest.hrefs import join_base, resolve_href, with_parameters
from pipeline.package_type import IMPORTED_TYPES
from pipeline.zip_validation import validate_zip
from tests.fixtures import hostile_zips
from tests.fixtures.corpus import CORPUS

# (standard, edition, sco_count) for packages that import; an error code for those that must not.
EXPECTED: dict[str, tuple[str, str | None, int] | str] = {
    "scorm12/emp_ContentPackagingWithMetadata_SCORM12.zip": ("scorm12", None, 1),
    "scorm12/golf_ContentPackagingOneFilePerSCO_SCORM12.zip": ("scorm12", None, 0),
    "scorm12/golf_RuntimeBasicCalls_SCORM12.zip": ("scorm12", None, 1),
    "scorm12/moodle_RuntimeMinimumCalls_SCORM12-mini.zip": ("scorm12", None, 9),
    "scorm12/moodle_RuntimeMinimumCalls_SCORM12.zip": ("scorm12", None, 18),
    "scorm12/moodle_singlesco_scorm12.zip": ("scorm12", None, 1),
    "scorm12/moodle_singlescobasic.zip": ("scorm12", None, 1),
    "scorm12/moodle_validscorm.zip": ("scorm12", None, 0),
    "scorm12/invalid_emp_MalformedXml_SCORM12.zip": "MANIFEST_INVALID_XML",
    "scorm12/invalid_emp_MissingRequiredFields_SCORM12.zip": "MANIFEST_INVALID",
    "scorm12/invalid_moodle_badscorm.zip": "MANIFEST_NOT_FOUND",
    "scorm12/invalid_moodle_invalid.zip": "MANIFEST_NOT_FOUND",
    "scorm12/invalid_moodle_singlescobasic_missingorg.zip": "MANIFEST_INVALID",
    "scorm2004/adlcts_LMSTestPackage_DMI.zip": ("scorm2004", "4th", 4),
    "scorm2004/adlcts_LMSTestPackage_SX-05.zip": ("scorm2004", "4th", 1),
    "scorm2004/emp_ContentPackagingNoSchemaVersion_SCORM20042ndEdition.zip": ("scorm2004", "2nd", 1),
    "scorm2004/golf_ContentPackagingMetadata_SCORM20043rdEdition.zip": ("scorm2004", "3rd", 1),
    "scorm2004/golf_ContentPackagingSingleSCO_SCORM20042ndEdition.zip": ("scorm2004", "2nd", 1),
    "scorm2004/golf_SequencingForcedSequential_SCORM20043rdEdition.zip": ("scorm2004", "3rd", 5),
    "scorm2004/golf_SequencingPostTestRollup4thEd_SCORM20044thEdition.zip": ("scorm2004", "4th", 5),
    "scorm2004/golf_SequencingRandomTest_SCORM20043rdEdition.zip": ("scorm2004", "3rd", 5),
    "scorm2004/invalid_emp_InvalidMissingOrgIdentifier_SCORM20043rdEdition.zip": "MANIFEST_INVALID",
    "scorm2004/moodle_RuntimeBasicCalls_SCORM20043rdEdition.zip": ("scorm2004", "3rd", 1),
    "aicc/emp_aicc.zip": ("aicc", "3.0", 1),  # edition: the .crs Version
    "aicc/emp_aicc_complex.zip": ("aicc", "1.0", 3),
    "aicc/moodle_validaicc.zip": "AICC_FILES_MISSING",  # a lone .cst: no course, nothing to launch
    "tincan/emp_xapi_basic_course.zip": ("tincan", None, 1),
    "tincan/rustici_GolfExample_TCAPI.zip": ("tincan", None, 1),
    "tincan/rustici_JsTetris_TCAPI.zip": ("tincan", None, 1),
    "cmi5/catapult_lts_101-one-thousand-aus.zip": ("cmi5", None, 1001),
    "cmi5/catapult_multi_au_framed.zip": ("cmi5", None, 8),
    "cmi5/xml/101-one-thousand-aus.xml": ("cmi5", None, 1001),
    "cmi5/xml/201-1-iris-course-id.xml": "CMI5_ID_NOT_IRI",
    "cmi5/xml/205-3-duplicated-au.xml": "CMI5_DUPLICATE_ID",
    "cmi5/xml/207-1-invalid-courseStructure.xml": "CMI5_SCHEMA_INVALID",
    "cmi5/invalid_catapult_lts_201-1-iris-course-id.zip": "CMI5_ID_NOT_IRI",
    "cmi5/invalid_catapult_lts_203-1-relative-url-no-reference.zip": "CMI5_AU_FILE_MISSING",
    "cmi5/invalid_catapult_lts_207-1-invalid-courseStructure.zip": "CMI5_SCHEMA_INVALID",
    "cmi5/invalid_catapult_lts_209-1-not-a-zip.zip": "NOT_A_ZIP",
    "cmi5/invalid_catapult_lts_210-1-no-cmi5-xml.zip": "MANIFEST_NOT_FOUND",
}
CLEAR_CODES = {
    "NOT_A_ZIP", "ZIP_INVALID", "ZIP_TRUNCATED", "MANIFEST_NOT_FOUND", "MANIFEST_INVALID_XML", "MANIFEST_INVALID",
    "MANIFEST_UNSAFE_XML", "MANIFEST_TOO_LARGE", "UNSUPPORTED_PACKAGE_TYPE",
}  # fmt: skip


def corpus_files() -> list[str]:
    files = sorted(CORPUS.glob("*/*.zip")) + sorted(CORPUS.glob("cmi5/xml/*.xml"))
    return [str(path.relative_to(CORPUS)) for path in files]


def expectation(relative: str) -> tuple[str, str | None, int] | str | None:
    """The table's entry, else what SOURCES.md states for the folder and name."""
    if relative in EXPECTED:
        return EXPECTED[relative]
    name = relative.rsplit("/", 1)[-1]
    return None if name.startswith("invalid_") else "import"


def inspect(path: Path) -> ManifestResult:
    if path.suffix == ".xml":  # a bare cmi5 course structure, as the import job reads one
        return cmi5.bare_course_structure(path, 5 * 1024 * 1024)  # type: ignore[return-value]
    return manifest_from_zip(path, validate_zip(path, supported_types=IMPORTED_TYPES), 5 * 1024 * 1024,
                             fallback_title=path.stem)  # fmt: skip


def load(relative: str) -> ManifestResult:
    return inspect(CORPUS / relative)


def parse(xml: str | bytes, files: set[str] | None = None) -> ManifestResult:
    data = xml.encode() if isinstance(xml, str) else xml
    return extract_manifest(data, files if files is not None else {"index.html", "a/b.html"})


def failure(xml: str | bytes) -> PipelineError:
    with pytest.raises(PipelineError) as caught:
        parse(xml)
    return caught.value


def items(result: ManifestResult) -> dict[str, dict]:
    return {item["identifier"]: item for item in result.iter_items()}


class TestCorpus:
    def test_corpus_listing_should_cover_every_standard(self):
        folders = {name.split("/")[0] for name in corpus_files()}
        assert {"scorm12", "scorm2004", "cmi5", "tincan", "aicc"} <= folders

    @pytest.mark.parametrize("relative", corpus_files())
    def test_corpus_package_should_import_or_fail_with_clear_code(self, relative):
        expected = expectation(relative)
        try:
            result = load(relative)
        except PipelineError as error:
            assert expected != "import" and not isinstance(expected, tuple), f"{relative} failed: {error.code}"
            assert error.code == expected if expected else error.code in CLEAR_CODES
            assert error.message
            json.dumps(error.details)
            return
        assert expected == "import" or isinstance(expected, tuple), f"{relative} imported but must fail"
        summary = result.to_dict()
        if isinstance(expected, tuple):
            assert (summary["standard"], summary["edition"], summary["sco_count"]) == expected
        json.dumps(summary)

    # (TinCan and cmi5 packages: tests/pipeline/test_tincan_manifest.py, test_cmi5_manifest.py)
    @pytest.mark.parametrize("relative", [name for name, expected in EXPECTED.items() if isinstance(expected, tuple)
                                          and name.split("/")[0] not in ("tincan", "cmi5")])  # fmt: skip
    def test_corpus_import_should_launch_a_packaged_file(self, relative):
        result = load(relative)
        if relative.endswith("validscorm.zip"):
            assert result.launch_path is None
            return
        assert result.launch_path
        assert result.title
        assert result.launch_item in items(result)


class TestDecisions:
    def test_manifest_with_only_declaration_should_import_empty_with_warning(self):
        result = load("scorm12/moodle_validscorm.zip")
        assert (result.standard, result.sco_count, result.launch_path, result.organizations) == ("scorm12", 0, None, [])
        assert result.title == "moodle_validscorm"
        assert [w["code"] for w in result.warnings] == ["MANIFEST_EMPTY"]

    def test_manifest_without_schemaversion_should_guess_2004_edition_with_warning(self):
        result = load("scorm2004/emp_ContentPackagingNoSchemaVersion_SCORM20042ndEdition.zip")
        assert "SCHEMAVERSION_MISSING" in [w["code"] for w in result.warnings]

    def test_manifest_with_missing_launch_file_should_warn_not_fail(self):
        result = load("scorm2004/adlcts_LMSTestPackage_SX-05.zip")
        codes = [w["code"] for w in result.warnings]
        assert codes.count("LAUNCH_FILE_MISSING") == 1
        assert "RESOURCE_FILES_MISSING" in codes

    def test_manifest_in_subfolder_should_name_the_subfolder(self):
        with pytest.raises(PipelineError) as caught:
            load("scorm12/invalid_moodle_badscorm.zip")
        assert caught.value.details["found_in_subfolder"] == "badscorm/imsmanifest.xml"

    def test_malformed_manifest_should_name_the_line(self):
        with pytest.raises(PipelineError) as caught:
            load("scorm12/invalid_emp_MalformedXml_SCORM12.zip")
        assert caught.value.details["line"] == 27
        assert "line 27" in caught.value.message

    def test_organization_without_identifier_should_name_the_element(self):
        with pytest.raises(PipelineError) as caught:
            load("scorm2004/invalid_emp_InvalidMissingOrgIdentifier_SCORM20043rdEdition.zip")
        assert caught.value.details["element"] == "organization"
        assert "Minimal Course" in caught.value.message


class TestScorm12Details:
    def test_golf_one_file_per_sco_should_keep_asset_items_launchable(self):
        result = load("scorm12/golf_ContentPackagingOneFilePerSCO_SCORM12.zip")
        quiz = items(result)["playing_quiz_item"]
        assert (quiz["scorm_type"], quiz["launchable"]) == ("asset", True)
        assert quiz["launch_href"].endswith("?questions=Playing")
        assert items(result)["playing_item"]["launchable"] is False

    def test_external_metadata_and_datafromlms_should_be_read(self):
        result = load("scorm12/emp_ContentPackagingWithMetadata_SCORM12.zip")
        assert items(result)["i1"]["data_from_lms"] == "RANDOM"
        assert items(result)["i1"]["isvisible"] is True

    def test_scorm12_item_extensions_should_be_typed(self):
        result = parse("""<manifest identifier="m" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
            xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
          <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
          <organizations default="o"><organization identifier="o"><title> Course
             Title </title>
            <item identifier="i1" identifierref="r1" isvisible="false" parameters="?x=1">
              <title>One</title>
              <adlcp:prerequisites type="aicc_script">i0 &amp; i2</adlcp:prerequisites>
              <adlcp:masteryscore>80</adlcp:masteryscore>
              <adlcp:maxtimeallowed>00:30:00</adlcp:maxtimeallowed>
              <adlcp:timelimitaction>Exit, Message</adlcp:timelimitaction>
              <adlcp:datafromlms>launch=1</adlcp:datafromlms>
            </item></organization></organizations>
          <resources><resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="index.html?a=b"/>
          </resources></manifest>""")
        item = items(result)["i1"]
        assert result.title == "Course Title"
        assert item["prerequisites"] == {"type": "aicc_script", "expression": "i0 & i2"}
        assert (item["mastery_score"], item["max_time_allowed"]) == (80.0, "00:30:00")
        assert (item["time_limit_action"], item["data_from_lms"]) == ("exit,message", "launch=1")
        assert (item["isvisible"], item["launch_href"]) == (False, "index.html?a=b&x=1")

    def test_invalid_masteryscore_should_warn_and_be_ignored(self):
        result = parse("""<manifest xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
          <organizations><organization identifier="o"><title>T</title>
          <item identifier="i"><title>I</title><adlcp:masteryscore>high</adlcp:masteryscore></item>
          </organization></organizations><resources/></manifest>""")
        assert items(result)["i"]["mastery_score"] is None
        assert "MANIFEST_VALUE_INVALID" in [w["code"] for w in result.warnings]


class TestScorm2004Details:
    def test_dmi_should_read_completion_threshold_shared_data_and_launch_data(self):
        result = load("scorm2004/adlcts_LMSTestPackage_DMI.zip")
        first, second = items(result)["activity_1"], items(result)["activity_2"]
        assert first["completion_threshold"] == 0.8
        assert first["completion_threshold_detail"] == {"completed_by_measure": True, "min_progress_measure": 0.8}
        assert second["completion_threshold"] == 1.0
        assert [m["target_id"] for m in first["shared_data"]] == ["tarID1", "tarID2", "tarID3", "tarID4"]
        assert first["shared_data"][1]["write_shared_data"] is False
        assert first["time_limit_action"] == "continue,message"
        assert first["presentation"] == {"hide_lms_ui": ["suspendAll"]}
        assert len(second["data_from_lms"]) == 4000
        assert first["launch_href"] == "resources/DMImplementationTest1.htm?tc=DMI&act=1"

    def test_sequencing_collection_should_merge_under_local_elements(self):
        result = load("scorm2004/golf_SequencingForcedSequential_SCORM20043rdEdition.zip")
        etiquette = items(result)["etuqiette_item"]["sequencing"]
        assert etiquette["id_ref"] == "common_seq_rules"
        assert etiquette["rollup_rules"] == {"objective_measure_weight": 0.0}
        assert etiquette["delivery_controls"] == {"completion_set_by_content": True, "objective_set_by_content": True}
        rule = etiquette["sequencing_rules"]["pre_condition"][0]
        assert (rule["condition_combination"], rule["action"]) == ("any", "disabled")
        assert rule["conditions"][0] == {
            "referenced_objective": "previous_sco_satisfied", "operator": "not", "condition": "satisfied",
        }  # fmt: skip
        primary = etiquette["objectives"]["primary"]
        assert primary["map_info"][0]["read_satisfied_status"] is True
        assert result.default_org()["sequencing"] == {"control_mode": {"choice": True, "flow": True}}
        assert result.default_org()["objectives_global_to_system"] is False

    def test_local_objectives_should_replace_collection_objectives(self):
        result = load("scorm2004/adlcts_LMSTestPackage_SX-05.zip")
        activity = items(result)["activity_5"]["sequencing"]
        assert activity["objectives"]["primary"]["objective_id"] == "PRIMARYOBJ"
        assert "FAKEPRIMARYOBJ" in json.dumps(result.sequencing_collection)

    def test_random_test_should_keep_randomization_limits_and_rollup(self):
        result = load("scorm2004/golf_SequencingRandomTest_SCORM20043rdEdition.zip")
        post = items(result)["posttest_item"]["sequencing"]
        assert post["randomization_controls"] == {"randomization_timing": "onEachNewAttempt", "reorder_children": True}
        assert post["limit_conditions"] == {"attempt_limit": 2}
        assert len(post["sequencing_rules"]["post_condition"]) == 3
        first_rollup = post["rollup_rules"]["rules"][0]
        assert (first_rollup["child_activity_set"], first_rollup["condition_combination"]) == ("any", "any")
        assert items(result)["test_1"]["isvisible"] is False
        assert items(result)["test_1"]["launch_href"] == "shared/launchpage.html?content=assessment1"
        assert result.launch_item == "playing_item"

    def test_fourth_edition_should_keep_adl_objectives_and_progress_weight(self):
        result = load("scorm2004/golf_SequencingPostTestRollup4thEd_SCORM20044thEdition.zip")
        playing = items(result)["playing_item"]
        assert playing["completion_threshold"] is None
        assert playing["completion_threshold_detail"] == {"progress_weight": 0.5}
        adl = playing["sequencing"]["adl_objectives"][0]
        assert adl["map_info"][0]["write_completion_status"] is True
        assert result.default_org()["shared_data_global_to_system"] is False

    def test_scaled_passing_score_and_duration_limit_should_be_derived(self):
        result = parse("""<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
            xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
          <metadata><schemaversion>2004 3rd Edition</schemaversion></metadata>
          <organizations default="o"><organization identifier="o"><title>T</title>
            <item identifier="i" identifierref="r"><title>I</title>
              <adlcp:completionThreshold>0.75</adlcp:completionThreshold>
              <imsss:sequencing>
                <imsss:limitConditions attemptAbsoluteDurationLimit="PT1H"/>
                <imsss:objectives><imsss:primaryObjective objectiveID="p" satisfiedByMeasure="true">
                  <imsss:minNormalizedMeasure>0.6</imsss:minNormalizedMeasure>
                </imsss:primaryObjective></imsss:objectives>
              </imsss:sequencing></item>
          </organization></organizations>
          <resources><resource identifier="r" adlcp:scormType="sco" href="index.html"/></resources></manifest>""")
        item = items(result)["i"]
        assert (item["scaled_passing_score"], item["max_time_allowed"]) == (0.6, "PT1H")
        assert item["completion_threshold"] == 0.75

    def test_xml_base_should_prefix_hrefs_and_files(self):
        result = parse("""<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
              xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" xml:base="a/">
          <metadata><schemaversion>2004 4th Edition</schemaversion></metadata>
          <organizations default="o"><organization identifier="o"><title>T</title>
            <item identifier="i" identifierref="r" parameters="#start"><title>I</title></item>
          </organization></organizations>
          <resources xml:base="x/../"><resource identifier="r" adlcp:scormType="sco" href="b.html">
            <file href="b.html"/></resource></resources></manifest>""")
        assert result.launch_path == "a/b.html#start"
        assert result.resources[0]["files"] == ["a/b.html"]
        assert result.warnings == []


class TestInvalidManifests:
    @pytest.mark.parametrize(
        ("xml", "element"),
        [
            ("<manifest><organizations/><resources/></manifest>", "organizations"),
            ("<root/>", "root"),
            ('<manifest><organizations><organization identifier="o"><title>T</title><item identifier="i" '
             'identifierref="missing"><title>I</title></item></organization></organizations><resources/></manifest>',
             "item"),
            ('<manifest><organizations><organization identifier="o"><title>T</title><item identifier="i"><title>I'
             '</title></item><item identifier="i"><title>J</title></item></organization></organizations></manifest>',
             "item"),
            ('<manifest><organizations><organization identifier="o"><title>T</title><item><title>I</title></item>'
             "</organization></organizations></manifest>", "item"),
            ('<manifest><organizations><organization identifier="o"><title>T</title></organization></organizations>'
             '<resources><resource identifier="r"/><resource identifier="r"/></resources></manifest>', "resource"),
            ('<manifest xmlns:imsss="http://www.imsglobal.org/xsd/imsss"><organizations><organization identifier="o">'
             '<title>T</title><item identifier="i"><title>I</title><imsss:sequencing IDRef="nope"/></item>'
             "</organization></organizations></manifest>", "imsss:sequencing"),
        ],
    )  # fmt: skip
    def test_structurally_invalid_manifest_should_fail_invalid_naming_element(self, xml, element):
        error = failure(xml)
        assert error.code == "MANIFEST_INVALID"
        assert error.details["element"] == element

    def test_not_well_formed_manifest_should_fail_invalid_xml(self):
        error = failure("<manifest>\n<organizations>\n</manifest>")
        assert error.code == "MANIFEST_INVALID_XML"
        assert error.details["line"] == 3


class TestHostileXml:
    def test_xxe_manifest_should_fail_unsafe(self):
        error = failure('<?xml version="1.0"?><!DOCTYPE m [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                        "<manifest><organizations><organization identifier='o'><title>&xxe;</title>"
                        "</organization></organizations></manifest>")
        assert error.code == "MANIFEST_UNSAFE_XML"

    def test_parameter_entity_manifest_should_fail_unsafe(self):
        error = failure('<!DOCTYPE m [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]><manifest/>')
        assert error.code == "MANIFEST_UNSAFE_XML"

    def test_billion_laughs_manifest_should_fail_unsafe_fast(self):
        entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
        xml = f'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY l0 "lol">{entities}]><manifest>&l9;</manifest>'
        started = time.monotonic()
        assert failure(xml).code == "MANIFEST_UNSAFE_XML"
        assert time.monotonic() - started < 1

    def test_utf16_entity_declaration_should_fail_unsafe(self):
        xml = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE m [<!ENTITY x "y">]><manifest/>'
        assert failure(xml.encode("utf-16")).code == "MANIFEST_UNSAFE_XML"

    def test_10mb_manifest_should_fail_too_large(self):
        xml = b"<manifest>" + b" " * (10 * 1024 * 1024) + b"</manifest>"
        error = failure(xml)
        assert error.code == "MANIFEST_TOO_LARGE"
        assert error.details["limit"] == 5 * 1024 * 1024

    @pytest.mark.parametrize(
        ("build", "code"),
        [
            (hostile_zips.many_attributes, "MANIFEST_TOO_MANY_ATTRIBUTES"),
            (hostile_zips.deep_nesting, "MANIFEST_TOO_DEEP"),
            (lambda: hostile_zips.deep_nesting(100), "MANIFEST_TOO_DEEP"),  # deeper than ours, not libxml2's
            (hostile_zips.many_elements, "MANIFEST_TOO_MANY_ELEMENTS"),
            (hostile_zips.huge_text, "MANIFEST_TEXT_TOO_LARGE"),
        ],
    )
    def test_manifest_beyond_shape_limits_should_fail_with_its_code(self, build, code, tmp_path):
        path = tmp_path / "hostile.zip"
        path.write_bytes(build())
        with pytest.raises(PipelineError) as caught:
            inspect(path)
        assert caught.value.code == code
        assert caught.value.details["max"] > 0

    def test_huge_attribute_value_should_fail_text_too_large(self):
        error = failure(MINIMAL.replace('identifier="m"', f'identifier="m" version="{"9" * 100_000}"'))
        assert error.code == "MANIFEST_TEXT_TOO_LARGE"
        assert error.details["limit"] == "attribute_value_chars"

    def test_many_namespace_declarations_should_parse(self):
        declarations = " ".join(f'xmlns:n{index}="urn:n{index}"' for index in range(20_000))
        items = "".join(f'<item identifier="i{index}" identifierref="r"><title>I</title></item>'
                        for index in range(3000))  # fmt: skip
        xml = MINIMAL.replace('identifier="m"', f'identifier="m" {declarations}')
        xml = xml.replace("</organization>", items + "</organization>")
        assert parse(xml).standard == "scorm12"

    def test_collection_entry_copied_into_many_items_should_fail_too_complex(self):
        objectives = "".join(f'<imsss:objective objectiveID="o{index}"/>' for index in range(1000))
        items = "".join(f'<item identifier="i{index}"><title>I</title><imsss:sequencing IDRef="big"/></item>'
                        for index in range(200))  # fmt: skip
        xml = (f'<manifest xmlns:imsss="http://www.imsglobal.org/xsd/imsss"><organizations><organization '
               f'identifier="o"><title>T</title>{items}</organization></organizations><imsss:sequencingCollection>'
               f'<imsss:sequencing ID="big"><imsss:objectives>{objectives}</imsss:objectives></imsss:sequencing>'
               "</imsss:sequencingCollection></manifest>")  # fmt: skip
        error = failure(xml)
        assert error.code == "MANIFEST_TOO_COMPLEX"
        assert error.details["id_ref"] == "big"

    def test_repeated_warnings_should_be_capped_with_a_count(self):
        maps = "".join(f'<adlcp:map targetID="t{index}" readSharedData="maybe"/>' for index in range(60))
        xml = (MINIMAL.replace("adlcp_rootv1p2", "adlcp_v1p3")
               .replace("<title>I</title>", f"<title>I</title><adlcp:data>{maps}</adlcp:data>")
               .replace("<schemaversion>1.2", "<schemaversion>2004 4th Edition"))  # fmt: skip
        warnings = parse(xml).warnings
        assert sum(1 for warning in warnings if warning["code"] == "MANIFEST_VALUE_INVALID") == 50
        omitted = [warning for warning in warnings if warning["code"] == "WARNINGS_OMITTED"]
        assert [warning["details"] for warning in omitted] == [
            {"warning_code": "MANIFEST_VALUE_INVALID", "omitted": 10}
        ]

    @pytest.mark.parametrize(
        ("href", "reason"),
        [
            ("https://evil.example/course.html", "external_url"),
            ("http://evil.example/course.html", "external_url"),
            ("//evil.example/course.html", "external_url"),
            ("\\\\evil.example\\course.html", "external_url"),
            ("javascript:alert(document.domain)", "script_or_other_scheme"),
            (" JaVaScRiPt:alert(1)", "script_or_other_scheme"),
            ("java&#9;script:alert(1)", "script_or_other_scheme"),  # browsers drop tabs and newlines
            ("java&#10;script:alert(1)", "script_or_other_scheme"),
            ("data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;", "script_or_other_scheme"),
            ("vbscript:msgbox(1)", "script_or_other_scheme"),
            ("file:///etc/passwd", "script_or_other_scheme"),
        ],
    )
    def test_launch_href_absolute_or_script_should_fail_refused(self, href, reason):
        error = failure(MINIMAL.replace('href="index.html"', f'href="{href}"'))
        assert error.code == "MANIFEST_LAUNCH_URL_REFUSED"
        assert (error.details["item"], error.details["resource"], error.details["reason"]) == ("i", "r", reason)

    def test_absolute_xml_base_should_fail_refused(self):
        error = failure(MINIMAL.replace("<resources>", '<resources xml:base="https://evil.example/">'))
        assert error.code == "MANIFEST_LAUNCH_URL_REFUSED"
        assert error.details["href"] == "https://evil.example/index.html"

    def test_script_like_parameters_should_stay_in_the_query(self):
        result = parse(MINIMAL.replace('identifierref="r"', 'identifierref="r" parameters="javascript:alert(1)"'))
        assert result.launch_path == "index.html?javascript:alert(1)"

    def test_external_resource_no_item_launches_should_import(self):
        extra = '<resource identifier="web" type="webcontent" adlcp:scormtype="asset" href="https://example.org/"/>'
        result = parse(MINIMAL.replace("</resources>", extra + "</resources>"))
        assert result.launch_path == "index.html"

    def test_external_dtd_should_not_be_fetched(self):
        result = parse('<!DOCTYPE manifest SYSTEM "http://127.0.0.1:9/never.dtd">' + MINIMAL)
        assert result.launch_path == "index.html"


MINIMAL = """<manifest identifier="m" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>Café</title>
    <item identifier="i" identifierref="r"><title>I</title></item></organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="index.html"/></resources>
</manifest>"""


class TestTolerance:
    @pytest.mark.parametrize(
        "data",
        [
            b"\xef\xbb\xbf" + b'<?xml version="1.0" encoding="UTF-8"?>' + MINIMAL.encode(),
            MINIMAL.encode(),
            b'<?xml version = "1.0" ?>\r\n' + MINIMAL.replace("\n", "\r\n").encode(),
            b"\xef\xbb\xbf\r\n  " + b'<?xml version="1.0"?>' + MINIMAL.encode(),
            ('<?xml version="1.0" encoding="UTF-16"?>' + MINIMAL).encode("utf-16"),
        ],
        ids=["bom", "no-declaration", "spaced-declaration-crlf", "whitespace-before-declaration", "utf16"],
    )
    def test_manifest_with_odd_prolog_should_parse(self, data):
        result = parse(data)
        assert (result.title, result.launch_path, result.sco_count) == ("Café", "index.html", 1)

    def test_windows_1252_manifest_labelled_utf8_should_parse_with_warning(self):
        data = ('<?xml version="1.0" encoding="UTF-8"?>' + MINIMAL).encode("cp1252")
        result = parse(data)
        assert result.title == "Café"
        assert "XML_ENCODING_FALLBACK" in [w["code"] for w in result.warnings]

    def test_mixed_case_scormtype_and_missing_namespaces_should_parse(self):
        result = parse('<manifest><organizations default="o"><organization identifier="o"><title>T</title>'
                       '<item identifier="i" identifierref="r"><title>I</title></item></organization></organizations>'
                       '<resources><resource identifier="r" SCORMTYPE="sco" href="index.html"/></resources></manifest>')
        assert (result.standard, result.sco_count) == ("scorm12", 1)
        assert "SCHEMAVERSION_MISSING" in [w["code"] for w in result.warnings]

    @pytest.mark.parametrize(
        ("schemaversion", "standard", "edition"),
        [("1.2", "scorm12", None), ("CAM 1.3", "scorm2004", "2nd"), ("2004 3rd Edition", "scorm2004", "3rd"),
         ("2004 4th Edition", "scorm2004", "4th"), (" 2004  4th  edition ", "scorm2004", "4th")],
    )  # fmt: skip
    def test_schemaversion_should_decide_standard_and_edition(self, schemaversion, standard, edition):
        result = parse(MINIMAL.replace("<schemaversion>1.2<", f"<schemaversion>{schemaversion}<"))
        assert (result.standard, result.edition) == (standard, edition)


class TestHrefs:
    @pytest.mark.parametrize(
        ("url", "parameters", "expected"),
        [
            ("a.html", "?x=1", "a.html?x=1"),
            ("a.html?y=2", "?x=1", "a.html?y=2&x=1"),
            ("a.html?y=2", "&x=1", "a.html?y=2&x=1"),
            ("a.html", "&x=1", "a.html?x=1"),
            ("a.html", "x=1", "a.html?x=1"),
            ("a.html", "#p2", "a.html#p2"),
            ("a.html#p1", "#p2", "a.html#p1"),
            ("a.html#p1", "?x=1", "a.html?x=1#p1"),
            ("a.html", "  ", "a.html"),
        ],
    )
    def test_with_parameters_should_follow_cam_rules(self, url, parameters, expected):
        assert with_parameters(url, parameters) == expected

    def test_href_resolution_should_never_leave_the_root(self):
        assert resolve_href(join_base("a/", "../../"), "../../etc/passwd") == "etc/passwd"
        assert resolve_href(join_base(None, "https://cdn.example/x/"), "a.html") == "https://cdn.example/x/a.html"
