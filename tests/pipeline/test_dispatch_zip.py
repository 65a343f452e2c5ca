"""Tests of the dispatch ZIP stage: a valid, deterministic SCORM 1.2 stub package."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from pipeline.dispatch_zip import ADLCP_NS, IMSCP_NS, build_dispatch_zip
from pipeline.errors import PipelineError

TOKEN = "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
BASE = "https://app.allureconnect.com"
NS = {"cp": IMSCP_NS, "adlcp": ADLCP_NS}


def build(**overrides: object) -> tuple[bytes, object]:
    kwargs = {"title": "Partner Training", "launch_base_url": BASE, "token": TOKEN} | overrides
    out = io.BytesIO()
    info = build_dispatch_zip(out, **kwargs)
    return out.getvalue(), info


def manifest_of(data: bytes) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        return etree.fromstring(archive.read("imsmanifest.xml"), parser)


def config_of(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        script = archive.read("dispatch-config.js").decode("ascii")
    match = re.fullmatch(r"window\.AllureDispatchConfig = (\{.*\});\n", script)
    assert match, script
    return json.loads(match.group(1))


class TestDispatchZipPackage:
    def test_dispatch_zip_default_inputs_is_scorm12_package_with_one_sco(self):
        data, _ = build()
        root = manifest_of(data)
        assert root.tag == f"{{{IMSCP_NS}}}manifest"
        assert root.findtext("cp:metadata/cp:schema", namespaces=NS) == "ADL SCORM"
        assert root.findtext("cp:metadata/cp:schemaversion", namespaces=NS) == "1.2"
        orgs = root.find("cp:organizations", NS)
        org = orgs.find("cp:organization", NS)
        assert orgs.get("default") == org.get("identifier")
        items = org.findall("cp:item", NS)
        assert len(items) == 1
        resources = root.findall("cp:resources/cp:resource", NS)
        scos = [r for r in resources if r.get(f"{{{ADLCP_NS}}}scormtype") == "sco"]
        assert len(resources) == len(scos) == 1
        assert items[0].get("identifierref") == scos[0].get("identifier")
        assert scos[0].get("href") == "index.html"
        assert scos[0].get("type") == "webcontent"

    def test_dispatch_zip_manifest_files_are_all_in_the_archive(self):
        data, info = build()
        root = manifest_of(data)
        listed = {f.get("href") for f in root.iterfind(".//cp:file", NS)}
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            assert archive.testzip() is None
        assert listed | {"imsmanifest.xml"} == names == set(info.entries)
        assert info.entries[0] == "imsmanifest.xml"

    def test_dispatch_zip_manifest_has_double_quoted_utf8_declaration(self):
        data, _ = build()
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            head = archive.read("imsmanifest.xml")[:60]
        assert head.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')

    def test_dispatch_zip_config_names_player_url_and_service_origin(self):
        data, info = build()
        config = config_of(data)
        assert config == {"playerUrl": f"{BASE}/player/dispatch/{TOKEN}", "serviceOrigin": BASE}
        assert info.player_url == config["playerUrl"]
        assert info.service_origin == BASE

    def test_dispatch_zip_launch_page_loads_config_then_launcher(self):
        data, _ = build()
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            page = archive.read("index.html").decode("utf-8")
        assert page.index('src="dispatch-config.js"') < page.index('src="dispatch.js"')
        assert "<title>Partner Training</title>" in page

    def test_dispatch_zip_launcher_defines_no_global_api(self):
        # Content inside the player looks for window.API up the frames: the stub must not shadow it.
        data, _ = build()
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            script = archive.read("dispatch.js").decode("utf-8")
        assert "window.API =" not in script
        assert "var API" not in script
        assert script.lstrip().startswith("/*")


class TestDispatchZipInputs:
    def test_dispatch_zip_same_inputs_give_same_bytes(self):
        first, info1 = build()
        second, info2 = build()
        assert first == second
        assert info1 == info2
        assert info1.sha256 == hashlib.sha256(first).hexdigest()
        assert info1.size_bytes == len(first)

    def test_dispatch_zip_path_output_matches_stream_output(self, tmp_path: Path):
        data, _ = build()
        target = tmp_path / "dispatch.zip"
        info = build_dispatch_zip(target, title="Partner Training", launch_base_url=BASE, token=TOKEN)
        assert target.read_bytes() == data
        assert info.size_bytes == target.stat().st_size
        assert not list(tmp_path.glob("*.part"))

    def test_dispatch_zip_other_token_changes_identifier_and_url(self):
        first, info1 = build()
        second, info2 = build(token=TOKEN + "x")
        assert info1.manifest_identifier != info2.manifest_identifier
        assert first != second

    def test_dispatch_zip_explicit_identifier_is_used(self):
        data, info = build(identifier="AC-DISPATCH-1234")
        assert manifest_of(data).get("identifier") == "AC-DISPATCH-1234" == info.manifest_identifier

    def test_dispatch_zip_hostile_title_is_escaped_everywhere(self):
        title = 'A <script>alert("x")</script> & \x00\x07 B'
        data, _ = build(title=title)
        root = manifest_of(data)
        expected = 'A <script>alert("x")</script> & B'
        assert root.findtext("cp:organizations/cp:organization/cp:title", namespaces=NS) == expected
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            page = archive.read("index.html").decode("utf-8")
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; B" in page

    @pytest.mark.parametrize(
        ("base", "origin", "player"),
        [
            (
                "https://App.Example.com:443/",
                "https://app.example.com",
                "https://app.example.com/player/dispatch/",
            ),
            ("http://127.0.0.1:5000", "http://127.0.0.1:5000", "http://127.0.0.1:5000/player/dispatch/"),
            ("https://example.com/lms/", "https://example.com", "https://example.com/lms/player/dispatch/"),
            ("http://bücher.de", "http://xn--bcher-kva.de", "http://xn--bcher-kva.de/player/dispatch/"),
        ],
    )
    def test_dispatch_zip_base_url_is_normalised_to_browser_origin(self, base, origin, player):
        _, info = build(launch_base_url=base)
        assert info.service_origin == origin
        assert info.player_url == player + TOKEN

    @pytest.mark.parametrize(
        "overrides",
        [
            {"title": "   "},
            {"launch_base_url": "ftp://example.com"},
            {"launch_base_url": "/relative/path"},
            {"launch_base_url": "https://example.com/?q=1"},
            {"launch_base_url": "https://user:pw@example.com"},
            {"token": ""},
            {"token": "a/b.c"},
            {"token": "a b.c"},
            {"token": 'a.b.c"><script>'},
            {"identifier": "1-starts-with-digit"},
            {"identifier": "has space"},
        ],
    )
    def test_dispatch_zip_unsafe_input_should_fail(self, overrides):
        with pytest.raises(PipelineError) as caught:
            build(**overrides)
        assert caught.value.code == "DISPATCH_INVALID_INPUT"
        assert caught.value.details["field"] in overrides


class TestDispatchZipThroughIngestion:
    """The stub as our own ingestion stages see it: any LMS should import it the same way."""

    def test_dispatch_zip_passes_zip_validation_and_manifest_extraction(self, tmp_path: Path):
        from pipeline.manifest.from_zip import manifest_from_zip
        from pipeline.zip_validation import ZipLimits, validate_zip

        path = tmp_path / "dispatch.zip"
        build_dispatch_zip(path, title="Partner Training", launch_base_url=BASE, token=TOKEN)
        limits = ZipLimits()
        report = validate_zip(path, limits)
        assert report.descriptor == "imsmanifest.xml"
        manifest = manifest_from_zip(path, report, limits.max_manifest_bytes).to_dict()
        assert manifest["standard"] == "scorm12"
        assert manifest["label"] == "SCORM 1.2"
        assert manifest["title"] == "Partner Training"
        assert manifest["sco_count"] == 1
        assert manifest["launch_path"] == "index.html"
        assert manifest["warnings"] == []
        (item,) = manifest["organizations"][0]["items"]
        assert (item["scorm_type"], item["launchable"], item["mastery_score"]) == ("sco", True, None)
