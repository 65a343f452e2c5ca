"""ZIP validation against hostile archives built here and against the real corpus."""

from __future__ import annotations

import os
import stat
import struct
import zipfile
from pathlib import Path

import pytest

from pipeline.errors import PipelineError
from pipeline.zip_members import iter_member, read_member
from pipeline.zip_validation import ZipLimits, validate_zip
from tests.fixtures.corpus import CORPUS

MANIFEST = b'<?xml version="1.0"?><manifest identifier="m"/>'


def build_zip(path: Path, entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    """A ZIP holding `entries` (name -> bytes), in order."""
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def patch(path: Path, old: bytes, new: bytes) -> None:
    """Replace bytes in place everywhere (local header and central directory alike)."""
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new))


def patch_headers(path: Path, offset_local: int | None, offset_central: int, fmt: str, value: int) -> None:
    """Overwrite one field in every local header and central directory record."""
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", offset_local), (b"PK\x01\x02", offset_central)):
        if offset is None:
            continue
        pos = data.find(signature)
        while pos >= 0:
            struct.pack_into(fmt, data, pos + offset, value)
            pos = data.find(signature, pos + 4)
    path.write_bytes(bytes(data))


def rejection(path: Path, limits: ZipLimits | None = None) -> PipelineError:
    with pytest.raises(PipelineError) as caught:
        validate_zip(path, limits)
    return caught.value


class TestValidZips:
    def test_validate_zip_with_golf_package_should_keep_every_file(self):
        report = validate_zip(CORPUS / "scorm12" / "golf_RuntimeBasicCalls_SCORM12.zip")
        assert report.package_type == "scorm"
        assert report.descriptor == "imsmanifest.xml"
        assert "shared/launchpage.html" in report.names
        assert report.total_uncompressed == sum(entry.info.file_size for entry in report.entries)
        assert report.warnings == []

    def test_validate_zip_with_directory_entries_should_skip_them(self):
        report = validate_zip(CORPUS / "scorm12" / "moodle_singlescobasic.zip")
        assert all(not name.endswith("/") for name in report.names)
        assert "Etiquette/Course.html" in report.names

    def test_validate_zip_with_macos_clutter_should_ignore_it(self, tmp_path):
        path = build_zip(tmp_path / "p.zip", {
            "imsmanifest.xml": MANIFEST, "__MACOSX/._imsmanifest.xml": b"x", "a/.DS_Store": b"x", "a/b.html": b"x",
        })  # fmt: skip
        report = validate_zip(path)
        assert report.names == {"imsmanifest.xml", "a/b.html"}
        assert sorted(report.ignored) == ["__MACOSX/._imsmanifest.xml", "a/.DS_Store"]
        assert [w["code"] for w in report.warnings] == ["ZIP_ENTRIES_IGNORED"]

    def test_validate_zip_with_backslashes_and_inner_dots_should_normalise_names(self, tmp_path):
        path = build_zip(tmp_path / "p.zip", {
            "imsmanifest.xml": MANIFEST, "shared\\launch.html": b"x", "a/./b/../c.html": b"x",
        })  # fmt: skip
        assert validate_zip(path).names == {"imsmanifest.xml", "shared/launch.html", "a/c.html"}

    def test_validate_zip_with_flagged_utf8_name_should_decode_it_silently(self, tmp_path):
        path = build_zip(tmp_path / "p.zip", {"imsmanifest.xml": MANIFEST, "café.html": b"x"})
        report = validate_zip(path)
        assert "café.html" in report.names
        assert report.warnings == []

    def test_validate_zip_with_cp437_name_should_decode_it_and_warn(self, tmp_path):
        path = build_zip(tmp_path / "p.zip", {"imsmanifest.xml": MANIFEST, "cafX.html": b"x"})
        patch(path, b"cafX.html", b"caf\x82.html")  # 0x82 is 'é' in CP437; no UTF-8 flag
        report = validate_zip(path)
        assert "café.html" in report.names
        assert [w["code"] for w in report.warnings] == ["ZIP_NAMES_CP437"]

    def test_validate_zip_with_unflagged_utf8_name_should_read_it_as_utf8(self, tmp_path):
        path = build_zip(tmp_path / "p.zip", {"imsmanifest.xml": MANIFEST, "cafXY.html": b"x"})
        patch(path, b"cafXY.html", "café.html".encode())
        report = validate_zip(path)
        assert "café.html" in report.names
        assert [w["code"] for w in report.warnings] == ["ZIP_NAMES_UTF8_UNFLAGGED"]

    def test_validate_zip_with_nfd_name_should_store_it_as_nfc(self, tmp_path):
        path = build_zip(tmp_path / "p.zip", {"imsmanifest.xml": MANIFEST, "cafe\u0301.html": b"x"})
        assert "caf\u00e9.html" in validate_zip(path).names

    def test_validate_zip_with_uppercase_manifest_should_accept_it_with_warning(self, tmp_path):
        path = build_zip(tmp_path / "p.zip", {"IMSManifest.xml": MANIFEST})
        report = validate_zip(path)
        assert report.descriptor == "IMSManifest.xml"
        assert [w["code"] for w in report.warnings] == ["MANIFEST_NAME_CASE"]


class TestHostileZips:
    def test_validate_zip_with_text_file_named_zip_should_fail_not_a_zip(self, tmp_path):
        path = tmp_path / "course.zip"
        path.write_text("# Not a zip\nJust markdown.\n")
        assert rejection(path).code == "NOT_A_ZIP"

    def test_validate_zip_with_empty_file_should_fail_not_a_zip(self, tmp_path):
        path = tmp_path / "course.zip"
        path.write_bytes(b"")
        assert rejection(path).code == "NOT_A_ZIP"

    def test_validate_zip_with_corpus_markdown_named_zip_should_fail_not_a_zip(self):
        assert rejection(CORPUS / "cmi5" / "invalid_catapult_lts_209-1-not-a-zip.zip").code == "NOT_A_ZIP"

    @pytest.mark.parametrize("keep", [0.5, 0.98])
    def test_validate_zip_with_truncated_archive_should_fail_truncated(self, tmp_path, keep):
        path = build_zip(tmp_path / "p.zip", {"imsmanifest.xml": MANIFEST, "big.bin": os.urandom(200_000)})
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * keep)])
        assert rejection(path).code == "ZIP_TRUNCATED"

    @pytest.mark.parametrize("name", ["../evil.html", "a/../../evil.html", "..\\evil.html"])
    def test_validate_zip_with_zip_slip_should_fail_path_traversal(self, tmp_path, name):
        path = build_zip(tmp_path / "p.zip", {"imsmanifest.xml": MANIFEST, name: b"x"})
        error = rejection(path)
        assert error.code == "ZIP_PATH_TRAVERSAL"
        assert error.details["entry"] == name

    @pytest.mark.parametrize("name", ["/etc/passwd", "C:\\Windows\\evil.dll", "c:/evil.html"])
    def test_validate_zip_with_absolute_path_should_fail_absolute_path(self, tmp_path, name):
        path = build_zip(tmp_path / "p.zip", {"imsmanifest.xml": MANIFEST, name: b"x"})
        assert rejection(path).code == "ZIP_ABSOLUTE_PATH"

    def test_validate_zip_with_control_character_name_should_fail_invalid_name(self, tmp_path):
        path = build_zip(tmp_path / "p.zip", {"imsmanifest.xml": MANIFEST, "a\x01b.html": b"x"})
        assert rejection(path).code == "ZIP_INVALID_NAME"

    @pytest.mark.parametrize("char", ["\u202e", "\u202a", "\u2066", "\u2069", "\u200b", "\u200f", "\ufeff",
                                      "\u2028", "\u2029", "\u0085", "\u00ad", "\u061c"])  # fmt: skip
    def test_validate_zip_with_invisible_character_name_should_fail_invalid_name(self, tmp_path, char):
        path = build_zip(tmp_path / "p.zip", {"imsmanifest.xml": MANIFEST, f"invoice{char}lmth.exe": b"x"})
        error = rejection(path)
        assert error.code == "ZIP_INVALID_NAME"
        assert error.details["character"] == f"U+{ord(char):04X}"

    def test_validate_zip_with_accented_and_emoji_names_should_keep_them(self, tmp_path):
        path = build_zip(tmp_path / "p.zip", {"imsmanifest.xml": MANIFEST, "leçon/été 📘.html": b"x"})
        assert "leçon/été 📘.html" in validate_zip(path).names

    @pytest.mark.parametrize("segment", ["a" * 256, "é" * 128, "📘" * 64 + ".htm"])
    def test_validate_zip_with_segment_over_255_bytes_should_fail_name_too_long(self, tmp_path, segment):
        path = build_zip(tmp_path / "p.zip", {"imsmanifest.xml": MANIFEST, f"assets/{segment}/index.html": b"x"})
        error = rejection(path)
        assert error.code == "ZIP_NAME_TOO_LONG"
        assert error.details["limit"] == "segment_bytes" and error.details["value"] > 255

    def test_validate_zip_with_255_byte_segment_should_pass(self, tmp_path):
        name = "a" * 250 + ".html"
        path = build_zip(tmp_path / "p.zip", {"imsmanifest.xml": MANIFEST, name: b"x"})
        assert name in validate_zip(path).names

    def test_validate_zip_with_name_longer_than_key_room_should_fail_name_too_long(self, tmp_path):
        name = "/".join(["d" * 200] * 5) + "/index.html"  # 1,011 bytes: every segment fits, the key does not
        path = build_zip(tmp_path / "p.zip", {"imsmanifest.xml": MANIFEST, name: b"x"})
        error = rejection(path, ZipLimits(max_name_bytes=1024 - 100))
        assert error.code == "ZIP_NAME_TOO_LONG"
        assert error.details["limit"] == "path_bytes" and error.details["max"] == 924

    def test_validate_zip_with_symlink_entry_should_fail_symlink(self, tmp_path):
        path = tmp_path / "p.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("imsmanifest.xml", MANIFEST)
            link = zipfile.ZipInfo("shared/passwd")
            link.create_system = 3
            link.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(link, "/etc/passwd")
        error = rejection(path)
        assert error.code == "ZIP_SYMLINK"
        assert error.details["entry"] == "shared/passwd"

    def test_validate_zip_with_encrypted_entry_should_fail_encrypted(self, tmp_path):
        path = build_zip(tmp_path / "p.zip", {"imsmanifest.xml": MANIFEST})
        patch_headers(path, 6, 8, "<H", 0x1)  # general purpose flag bit 0: encrypted
        assert rejection(path).code == "ZIP_ENCRYPTED"

    def test_validate_zip_with_deflate64_entry_should_fail_unsupported_compression(self, tmp_path):
        path = build_zip(tmp_path / "p.zip", {"imsmanifest.xml": MANIFEST})
        patch_headers(path, 8, 10, "<H", 9)  # method 9 = Deflate64
        assert rejection(path).code == "ZIP_UNSUPPORTED_COMPRESSION"

    def test_validate_zip_with_bomb_by_ratio_should_fail_ratio_exceeded(self, tmp_path):
        path = tmp_path / "bomb.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            archive.writestr("imsmanifest.xml", MANIFEST)
            with archive.open("zeros.bin", "w") as member:
                for _ in range(64):
                    member.write(bytes(1024 * 1024))
        assert path.stat().st_size < 200_000
        error = rejection(path)
        assert error.code == "ZIP_RATIO_EXCEEDED"
        assert error.details["ratio"] > 200

    def test_validate_zip_with_bomb_by_total_should_fail_too_large(self, tmp_path):
        # Headers announcing ~8 GiB from a few bytes: rejected on the announced total.
        path = build_zip(tmp_path / "p.zip", {"imsmanifest.xml": MANIFEST, "a.bin": b"a", "b.bin": b"b"})
        patch_headers(path, 22, 24, "<I", 0xFFFFFFF0)  # uncompressed size of every entry
        error = rejection(path)
        assert error.code == "ZIP_TOO_LARGE"
        assert error.details["uncompressed_bytes"] > 4 * 1024**3

    def test_validate_zip_with_total_above_configured_limit_should_fail_too_large(self, tmp_path):
        path = build_zip(tmp_path / "p.zip", {"imsmanifest.xml": MANIFEST, "r.bin": os.urandom(300_000)})
        assert rejection(path, ZipLimits(max_total_uncompressed=200_000)).code == "ZIP_TOO_LARGE"

    def test_validate_zip_with_100000_tiny_entries_should_fail_too_many_entries(self, tmp_path):
        path = tmp_path / "many.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr("imsmanifest.xml", MANIFEST)
            for index in range(100_000):
                archive.writestr(f"f/{index}.txt", b"")
        error = rejection(path)
        assert error.code == "ZIP_TOO_MANY_ENTRIES"
        assert error.details == {"entries": 100_001, "limit": 20_000}

    def test_validate_zip_with_overlapping_entries_should_fail_overlapping(self, tmp_path):
        path = build_zip(tmp_path / "p.zip", {"imsmanifest.xml": MANIFEST, "b.html": b"x" * 100})
        data = bytearray(path.read_bytes())
        second = data.find(b"PK\x01\x02", data.find(b"PK\x01\x02") + 4)
        struct.pack_into("<I", data, second + 42, 0)  # both entries now share the same data
        path.write_bytes(bytes(data))
        assert rejection(path).code == "ZIP_OVERLAPPING_ENTRIES"

    @pytest.mark.parametrize("names", [("Index.html", "index.html"), ("caf\u00e9.html", "cafe\u0301.html")])
    def test_validate_zip_with_colliding_names_should_fail_name_collision(self, tmp_path, names):
        path = build_zip(tmp_path / "p.zip", {"imsmanifest.xml": MANIFEST, names[0]: b"1", names[1]: b"2"})
        error = rejection(path)
        assert error.code == "ZIP_NAME_COLLISION"
        assert len(error.details["entries"]) == 2

    def test_validate_zip_with_10mb_manifest_should_fail_manifest_too_large(self, tmp_path):
        manifest = b"<manifest>" + b"<!-- " + os.urandom(5 * 1024 * 1024).hex().encode() + b" --></manifest>"
        path = build_zip(tmp_path / "p.zip", {"imsmanifest.xml": manifest}, zipfile.ZIP_STORED)
        error = rejection(path)
        assert error.code == "MANIFEST_TOO_LARGE"
        assert error.details["size"] > 10 * 1024 * 1024


class TestDescriptors:
    def test_validate_zip_without_manifest_should_fail_manifest_not_found(self):
        error = rejection(CORPUS / "scorm12" / "invalid_moodle_invalid.zip")
        assert error.code == "MANIFEST_NOT_FOUND"
        assert "found_in_subfolder" not in error.details

    def test_validate_zip_with_manifest_in_subfolder_should_name_it(self):
        error = rejection(CORPUS / "scorm12" / "invalid_moodle_badscorm.zip")
        assert error.code == "MANIFEST_NOT_FOUND"
        assert error.details["found_in_subfolder"] == "badscorm/imsmanifest.xml"
        assert "badscorm" in error.message

    @pytest.mark.parametrize(
        ("entries", "detected"),
        [
            ({"cmi5.xml": b"<courseStructure/>"}, "cmi5"),
            ({"tincan.xml": b"<tincan/>"}, "tincan"),
            ({"course.crs": b"[Course]", "course.au": b"x", "course.des": b"x"}, "aicc"),
            ({"moodle.cst": b"x"}, "aicc"),
        ],
    )
    def test_validate_zip_with_other_standard_should_fail_unsupported(self, tmp_path, entries, detected):
        error = rejection(build_zip(tmp_path / "p.zip", entries))
        assert error.code == "UNSUPPORTED_PACKAGE_TYPE"
        assert error.details["detected_type"] == detected

    def test_validate_zip_with_manifest_and_tincan_should_prefer_scorm(self, tmp_path):
        path = build_zip(tmp_path / "p.zip", {"tincan.xml": b"<tincan/>", "imsmanifest.xml": MANIFEST})
        assert validate_zip(path).package_type == "scorm"

    def test_validate_zip_with_cmi5_when_supported_should_report_type(self, tmp_path):
        path = build_zip(tmp_path / "p.zip", {"cmi5.xml": b"<courseStructure/>"})
        report = validate_zip(path, supported_types=("scorm", "cmi5"))
        assert (report.package_type, report.descriptor) == ("cmi5", "cmi5.xml")

    def test_validate_zip_with_bare_cmi5_xml_should_fail_unsupported(self):
        error = rejection(CORPUS / "cmi5" / "xml" / "101-one-thousand-aus.xml")
        assert error.code == "UNSUPPORTED_PACKAGE_TYPE"
        assert error.details["detected_type"] == "cmi5"


class TestReadingEntries:
    def test_read_member_with_small_manifest_should_return_bytes(self, tmp_path):
        path = build_zip(tmp_path / "p.zip", {"imsmanifest.xml": MANIFEST})
        report = validate_zip(path)
        assert read_member(path, report.info("imsmanifest.xml"), 1024, "MANIFEST_TOO_LARGE") == MANIFEST

    def test_read_member_above_limit_should_fail_with_given_code(self, tmp_path):
        path = build_zip(tmp_path / "p.zip", {"imsmanifest.xml": MANIFEST})
        report = validate_zip(path)
        with pytest.raises(PipelineError) as caught:
            read_member(path, report.info("imsmanifest.xml"), 10, "MANIFEST_TOO_LARGE")
        assert caught.value.code == "MANIFEST_TOO_LARGE"

    def test_iter_member_with_understated_header_size_should_fail_corrupt(self, tmp_path):
        # The header says 16 bytes; the data holds 1 MiB. Only counted bytes are trusted.
        path = build_zip(tmp_path / "p.zip", {"imsmanifest.xml": MANIFEST, "x.bin": bytes(1024 * 1024)})
        data = bytearray(path.read_bytes())
        for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
            pos = data.rfind(signature)
            struct.pack_into("<I", data, pos + offset, 16)
        path.write_bytes(bytes(data))
        report = validate_zip(path)
        with zipfile.ZipFile(path) as archive, pytest.raises(PipelineError) as caught:
            b"".join(iter_member(archive, report.info("x.bin")))
        assert caught.value.code == "ZIP_ENTRY_CORRUPT"

    def test_iter_member_with_damaged_data_should_fail_corrupt(self, tmp_path):
        payload = os.urandom(50_000).hex().encode()
        path = build_zip(tmp_path / "p.zip", {"imsmanifest.xml": MANIFEST, "x.txt": payload})
        report = validate_zip(path)
        info = report.info("x.txt")
        data = bytearray(path.read_bytes())
        start = info.header_offset + 30 + len(info.orig_filename) + 200
        data[start : start + 64] = bytes(64)
        path.write_bytes(bytes(data))
        with zipfile.ZipFile(path) as archive, pytest.raises(PipelineError) as caught:
            b"".join(iter_member(archive, info))
        assert caught.value.code == "ZIP_ENTRY_CORRUPT"
