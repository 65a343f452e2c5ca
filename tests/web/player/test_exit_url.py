"""`redirect_on_exit_url`: validated by the sessions API, signed into the launch, handed to the player page."""

from __future__ import annotations

from urllib.parse import urlsplit

import jwt
import pytest

from tests.fixtures.player import GOLF_12, GOLF_2004, config_of
from web.player import tokens

EXIT = "https://lms.example.com/courses/42/done?from=allure&x=%3Cb%3E#top"


def test_the_exit_url_is_accepted_echoed_and_reaches_the_player_config(player, tenant):
    package_id = player.package(tenant, GOLF_12)
    opened = player.open(tenant, package_id, redirect_on_exit_url=EXIT)
    assert opened["redirect_on_exit_url"] == EXIT
    launched = player.launch(opened["launch_url"])
    assert launched.config["exit_url"] == EXIT


def test_without_an_exit_url_the_player_keeps_its_closing_page(player, tenant):
    opened = player.open(tenant, player.package(tenant, GOLF_2004))
    assert opened["redirect_on_exit_url"] is None
    assert player.launch(opened["launch_url"]).config["exit_url"] is None


@pytest.mark.parametrize("mode", ["review", "browse"])
def test_review_and_browse_launches_take_it_too(player, tenant, mode):
    package_id = player.package(tenant, GOLF_12)
    player.open(tenant, package_id)  # review needs an existing session
    opened = player.open(tenant, package_id, mode=mode, redirect_on_exit_url="http://127.0.0.1:8080/back")
    assert player.launch(opened["launch_url"]).config["exit_url"] == "http://127.0.0.1:8080/back"


def test_a_plain_http_url_of_exactly_2000_characters_is_accepted(player, tenant):
    url = "http://partner.example/" + "a" * (2000 - len("http://partner.example/"))
    opened = player.open(tenant, player.package(tenant, GOLF_12), redirect_on_exit_url=url)
    assert opened["redirect_on_exit_url"] == url


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JavaScript://%0aalert(1)", "data:text/html,<script>alert(1)</script>", "ftp://x",
    "/x", "//evil.example/x", "https:evil.example", "https://", "https://user:pw@host/", "https://user@host/",
    "https://host/" + "a" * (2001 - len("https://host/")), "https://host/a b", "https://host/\nx",
    "https://host:99999/", "https://h\u00f6st.example/", "https://host/caf\u00e9", "", 42,
])  # fmt: skip
def test_a_bad_exit_url_is_a_400_in_the_envelope_and_opens_nothing(player, client, tenant, url):
    package_id = player.package(tenant, GOLF_12)
    body = {"package_id": package_id, "user_id": "exit-refused", "redirect_on_exit_url": url}
    response = client.post("/api/v1/sessions", json=body, headers=tenant.headers)
    assert response.status_code == 400, response.json
    error = response.json["error"]
    assert error["code"] == "VALIDATION_ERROR" and response.json["request_id"]
    assert "redirect_on_exit_url" in error["details"]["fieldErrors"]
    listed = client.get("/api/v1/sessions?user_id=exit-refused", headers=tenant.headers)
    assert listed.json["sessions"] == []


def test_the_2001_character_refusal_says_what_the_limit_is(player, client, tenant):
    body = {"package_id": player.package(tenant, GOLF_12), "user_id": "learner-1",
            "redirect_on_exit_url": "https://host/" + "a" * 1988}  # fmt: skip
    response = client.post("/api/v1/sessions", json=body, headers=tenant.headers)
    assert response.status_code == 400
    assert "2000" in response.json["error"]["details"]["fieldErrors"]["redirect_on_exit_url"][0]


def test_the_exit_url_cannot_be_changed_in_the_launch_link(player, client, tenant, settings):
    opened = player.open(tenant, player.package(tenant, GOLF_12), redirect_on_exit_url=EXIT)
    token = urlsplit(opened["launch_url"]).path.rsplit("/", 1)[1]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["rx"] == EXIT
    forged = jwt.encode({**claims, "rx": "https://evil.example/"}, "not-the-key", algorithm="HS256")
    refused = client.get(opened["launch_url"].replace(token, forged), headers={"Accept": "application/json"})
    assert refused.status_code == 403 and refused.json["error"]["code"] == "LAUNCH_TOKEN_INVALID"
    # The genuine link still works, and the player key it hands out carries the same URL.
    launched = player.launch(opened["launch_url"])
    assert tokens.verify(settings.secret_key, launched.key, tokens.PLAYER).exit_url == EXIT


def test_the_url_in_the_player_page_cannot_break_out_of_its_script(player, client, tenant):
    hostile = "https://host/</script><script>alert(1)</script>"
    opened = player.open(tenant, player.package(tenant, GOLF_12), redirect_on_exit_url=hostile.replace(" ", ""))
    launched = player.launch(opened["launch_url"])
    page = client.get(f"{launched.origin}/player/s/{launched.session_id}?k={launched.key}").get_data(as_text=True)
    assert "</script><script>alert(1)" not in page
    assert config_of(page)["exit_url"] == hostile
