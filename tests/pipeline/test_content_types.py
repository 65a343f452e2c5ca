"""Content types chosen for package files."""

from __future__ import annotations

import pytest

from pipeline.content_types import DEFAULT_CONTENT_TYPE, content_type_for


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("index.html", "text/html"),
        ("shared/scormfunctions.js", "text/javascript"),
        ("data/course.json", "application/json"),
        ("media/intro.MP4", "video/mp4"),
        ("media/intro.webm", "video/webm"),
        ("media/captions.vtt", "text/vtt"),
        ("fonts/open-sans.woff2", "font/woff2"),
        ("img/diagram.svg", "image/svg+xml"),
        ("imsmanifest.xml", "application/xml"),
        ("adlcp_rootv1p2.xsd", "application/xml"),
        ("legacy/movie.swf", "application/x-shockwave-flash"),
        ("Playing/par.JPG", "image/jpeg"),
        ("style.css", "text/css"),
        ("audio/voice.mp3", "audio/mpeg"),
    ],
)
def test_content_type_for_known_extension_should_match_table(name, expected):
    assert content_type_for(name) == expected


def test_content_type_for_unknown_extension_should_be_octet_stream():
    assert content_type_for("README") == DEFAULT_CONTENT_TYPE
    assert content_type_for("data.unknownext") == DEFAULT_CONTENT_TYPE


def test_content_type_for_text_should_not_force_a_charset():
    assert "charset" not in content_type_for("shared/scormfunctions.js")
