"""`/content/...`: files streamed from storage for a browser holding a launch of that package only."""

from __future__ import annotations

import zipfile

import pytest

from tests.fixtures.player import GOLF_12, GOLF_2004
from web.player import tokens


@pytest.fixture
def golf(player, tenant):
    opened, launched = player.start(tenant, GOLF_12)
    return opened, launched.origin + launched.config["content"]  # content answers on its tenant's origin


def member(name: str) -> bytes:
    with zipfile.ZipFile(GOLF_12) as archive:
        return archive.read(name)


def test_file_is_served_with_type_etag_cache_and_nosniff(client, golf):
    _, base = golf
    response = client.get(base + "shared/launchpage.html")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, max-age=3600"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["ETag"].startswith('"')
    assert response.data == member("shared/launchpage.html")


def test_bytes_are_served_exactly_as_stored(client, golf):
    _, base = golf
    # A Windows-1252 file with CRLF line ends: no re-encoding on the way.
    assert client.get(base + "shared/scormfunctions.js").data == member("shared/scormfunctions.js")
    assert client.get(base + "Playing/playing.jpg").headers["Content-Type"] == "image/jpeg"


def test_matching_etag_answers_304_without_a_body(client, golf):
    _, base = golf
    etag = client.get(base + "shared/style.css").headers["ETag"]
    cached = client.get(base + "shared/style.css", headers={"If-None-Match": etag})
    assert (cached.status_code, cached.data, cached.headers["ETag"]) == (304, b"", etag)
    assert client.get(base + "shared/style.css", headers={"If-None-Match": '"other"'}).status_code == 200


def test_byte_ranges_for_media(client, golf):
    _, base = golf
    whole = member("Playing/playing.jpg")
    part = client.get(base + "Playing/playing.jpg", headers={"Range": "bytes=10-109"})
    assert (part.status_code, part.headers["Content-Range"], part.data) == (
        206, f"bytes 10-109/{len(whole)}", whole[10:110])
    tail = client.get(base + "Playing/playing.jpg", headers={"Range": "bytes=-50"})
    assert (tail.status_code, tail.data) == (206, whole[-50:])
    open_end = client.get(base + "Playing/playing.jpg", headers={"Range": f"bytes={len(whole) - 5}-"})
    assert open_end.data == whole[-5:]
    beyond = client.get(base + "Playing/playing.jpg", headers={"Range": f"bytes={len(whole)}-"})
    assert (beyond.status_code, beyond.headers["Content-Range"]) == (416, f"bytes */{len(whole)}")
    etag = part.headers["ETag"]
    stale = client.get(base + "Playing/playing.jpg", headers={"Range": "bytes=0-9", "If-Range": '"old"'})
    assert (stale.status_code, len(stale.data)) == (200, len(whole))
    fresh = client.get(base + "Playing/playing.jpg", headers={"Range": "bytes=0-9", "If-Range": etag})
    assert (fresh.status_code, fresh.data) == (206, whole[:10])


def test_head_has_headers_and_no_body(client, golf):
    _, base = golf
    response = client.head(base + "Playing/playing.jpg")
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == len(member("Playing/playing.jpg"))
    assert response.data == b""


@pytest.mark.parametrize("path", ["Playing/", "Playing", "shared/nothing.js", "./", "../imsmanifest.xml"])
def test_directories_and_unknown_files_are_404_never_listed(client, golf, path):
    _, base = golf
    page = client.get(base + path)  # inside the player's frame, the learner reads a page
    assert page.status_code == 404 and page.mimetype == "text/html" and b"This course cannot be opened" in page.data
    response = client.get(base + path, headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["error"]["code"] == "NOT_FOUND"


def test_missing_forged_or_expired_credentials_are_403(client, settings, golf):
    opened, base = golf
    origin, token = base.split("/content/t/")[0], base.split("/content/t/")[1].split("/")[0]
    claims = tokens.verify(settings.secret_key, token, tokens.CONTENT)
    expired = tokens._encode(settings.secret_key, {"typ": "content", "tid": claims.tenant_id,
                                                  "pid": claims.package_id, "ver": 1},
                             tokens.timedelta(seconds=-1))  # fmt: skip
    launch_kind = tokens.mint_player(settings.secret_key, session_id=opened["session"]["id"],
                                     tenant_id=claims.tenant_id, package_id=claims.package_id, version=1,
                                     attempt=1)  # fmt: skip
    for bad in (token[:-3] + "abc", expired, launch_kind, "x"):
        response = client.get(f"{origin}/content/t/{bad}/shared/launchpage.html",
                              headers={"Accept": "application/json"})
        assert (response.status_code, response.json["error"]["code"]) == (403, "FORBIDDEN")


def test_package_url_needs_that_packages_launch_cookie(player, app, client, tenant):
    golf_id = player.package(tenant, GOLF_12)
    other_id = player.package(tenant, GOLF_2004)
    player.launch(player.open(tenant, golf_id)["launch_url"])  # the client now holds golf's cookie
    origin = player.origin(tenant)
    assert client.get(f"{origin}/content/{golf_id}/v1/imsmanifest.xml").status_code == 200
    assert client.get(f"{origin}/content/{golf_id}/v1/imsmanifest.xml").headers["Content-Type"].endswith("xml")
    assert client.get(f"{origin}/content/{golf_id}/v2/imsmanifest.xml").status_code == 404
    assert client.get(f"{origin}/content/{golf_id}/latest/imsmanifest.xml").status_code == 404
    assert client.get(f"{origin}/content/{other_id}/v1/imsmanifest.xml").status_code == 403
    assert app.test_client().get(f"{origin}/content/{golf_id}/v1/imsmanifest.xml").status_code == 403
