"""SCORM 1.2 prerequisites (AICC script): the expression language and their enforcement at delivery."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.fixtures.player import cmi12
from web.player.prerequisites import met, status_word

STATUSES = {"a": "passed", "b": "completed", "c": "incomplete", "d": "failed", "e": "not attempted"}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("", True), (None, True), ("a", True), ("b", True), ("c", False), ("a & b", True), ("a & c", False),
        ("c | a", True), ("~c", True), ("~(a & b)", False), ("d = failed", True), ('d = "f"', True),
        ("c <> incomplete", False), ("e = n", True), ("2*{a, b, c}", True), ("3*{a,b,c}", False),
        ("(a | c) & ~e", True), ("unknown & a", True), ("a &", True), ("((a)", True),
    ],
)  # fmt: skip
def test_expression_is_evaluated_against_lesson_statuses(expression, expected):
    assert met(expression, STATUSES) is expected


def test_status_words_accept_initials_and_quotes():
    assert [status_word(w) for w in ("P", '"completed"', "not attempted", "i")] == [
        "passed", "completed", "not attempted", "incomplete"]


def package_with_prerequisites() -> bytes:
    manifest = """<?xml version="1.0"?>
<manifest identifier="prq" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>Prerequisites</title>
    <item identifier="intro" identifierref="r1"><title>Intro</title></item>
    <item identifier="quiz" identifierref="r2"><title>Quiz</title>
      <adlcp:prerequisites type="aicc_script">intro</adlcp:prerequisites></item>
  </organization></organizations>
  <resources>
    <resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="intro.html"/>
    <resource identifier="r2" type="webcontent" adlcp:scormtype="sco" href="quiz.html"/>
  </resources>
</manifest>"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", manifest)
        archive.writestr("intro.html", "<html><body>intro</body></html>")
        archive.writestr("quiz.html", "<html><body>quiz</body></html>")
    return buffer.getvalue()


def test_item_opens_only_once_its_prerequisites_are_met(player, ingest, client, tenant):
    job = ingest.import_bytes(tenant, package_with_prerequisites(), "prerequisites.zip")
    assert job["status"] == "succeeded", job
    launched = player.launch(player.open(tenant, job["result"]["package_id"])["launch_url"])
    assert launched.config["available"] == {"intro": True, "quiz": False}
    refused = client.post(launched.url("deliver"), json={"item": "quiz"})
    assert (refused.status_code, refused.json["error"]["code"]) == (409, "ITEM_UNAVAILABLE")
    intro = player.deliver(launched, "intro")
    player.commit(intro, cmi12(1, terminate=True, lesson_status="completed"), beacon=True)
    quiz = player.deliver(launched, "quiz")
    assert quiz["item"] == "quiz" and quiz["available"] == {"intro": True, "quiz": True}
