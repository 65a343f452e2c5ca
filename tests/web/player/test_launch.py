"""Launch links and the attempt credential: single use, forgery, scope to one session and attempt."""

from __future__ import annotations

import jwt

from tests.fixtures.player import GOLF_12, cmi12
from web.player import tokens

# A program asking for the envelope; a browser gets the refusal page.
JSON = {"Accept": "application/json"}


def launch_path(body: dict) -> str:
    """The launch link as handed out: absolute, on the tenant's content origin."""
    return body["launch_url"]


def test_launch_link_opens_the_player_once(player, client, tenant):
    opened = player.open(tenant, player.package(tenant, GOLF_12))
    first = client.get(launch_path(opened))
    assert first.status_code == 303
    assert first.headers["Location"] == f"/player/s/{opened['session']['id']}"
    cookie = first.headers.getlist("Set-Cookie")
    assert any("HttpOnly" in c and f"Path=/player/s/{opened['session']['id']}" in c for c in cookie)
    again = client.get(launch_path(opened), headers=JSON)
    assert (again.status_code, again.json["error"]["code"]) == (403, "LAUNCH_TOKEN_USED")


BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_a_learner_opening_a_used_expired_or_forged_link_reads_a_page_saying_what_to_do(player, client, settings,
                                                                                      tenant):  # fmt: skip
    opened = player.open(tenant, player.package(tenant, GOLF_12))
    client.get(launch_path(opened))
    claims = jwt.decode(launch_path(opened).rsplit("/", 1)[-1], options={"verify_signature": False})
    expired = tokens.mint_launch(settings.secret_key, session_id=claims["sid"], tenant_id=claims["tid"],
                                 package_id=claims["pid"], attempt=1, ttl_seconds=-5)  # fmt: skip
    origin = player.origin(tenant)
    for url, status, words in ((launch_path(opened), 403, "opens the course once"),
                               (f"{origin}/player/launch/{expired}", 410, "works for a few minutes only"),
                               (f"{origin}/player/launch/forged", 403, "Go back to the site that sent you")):
        page = client.get(url, headers=BROWSER)
        text = page.get_data(as_text=True)
        assert (page.status_code, page.mimetype) == (status, "text/html"), url
        assert words in text and "site that sent you" in text and "request" in text
        assert page.headers["Cache-Control"] == "no-store"
        assert "default-src 'none'" in page.headers["Content-Security-Policy"]


def test_player_page_reloads_with_the_cookie_and_not_without(player, client, app, tenant):
    opened = player.open(tenant, player.package(tenant, GOLF_12))
    page_path = player.origin(tenant) + client.get(launch_path(opened)).headers["Location"]
    assert client.get(page_path).status_code == 200
    assert client.get(page_path).status_code == 200  # a reload during the attempt
    stranger = app.test_client()
    denied = stranger.get(page_path, headers=JSON)
    assert (denied.status_code, denied.json["error"]["code"]) == (403, "LAUNCH_TOKEN_INVALID")


def test_forged_or_foreign_launch_tokens_are_refused(player, client, settings, tenant):
    opened = player.open(tenant, player.package(tenant, GOLF_12))
    token = launch_path(opened).rsplit("/", 1)[-1]
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload[:-2]}xx.{signature}"
    claims = jwt.decode(token, options={"verify_signature": False})
    other_key = jwt.encode(claims, "another-secret-that-is-long-enough-32b", algorithm="HS256")
    player_key = tokens.mint_player(settings.secret_key, session_id=claims["sid"], tenant_id=claims["tid"],
                                    package_id=claims["pid"], version=1, attempt=1)  # fmt: skip
    for forged in (tampered, other_key, player_key, "not-a-token"):
        response = client.get(f"{player.origin(tenant)}/player/launch/{forged}", headers=JSON)
        assert (response.status_code, response.json["error"]["code"]) == (403, "LAUNCH_TOKEN_INVALID"), forged


def test_expired_launch_token_is_refused_with_its_own_code(player, client, settings, tenant):
    opened = player.open(tenant, player.package(tenant, GOLF_12))
    claims = jwt.decode(launch_path(opened).rsplit("/", 1)[-1], options={"verify_signature": False})
    expired = tokens.mint_launch(settings.secret_key, session_id=claims["sid"], tenant_id=claims["tid"],
                                 package_id=claims["pid"], attempt=1, ttl_seconds=-5)  # fmt: skip
    response = client.get(f"{player.origin(tenant)}/player/launch/{expired}", headers=JSON)
    assert (response.status_code, response.json["error"]["code"]) == (410, "LAUNCH_TOKEN_EXPIRED")


def test_runtime_needs_the_attempt_key_not_an_api_key(player, client, tenant):
    opened, launched = player.start(tenant, GOLF_12)
    delivery = player.deliver(launched)
    path = delivery["commit_url"].split("?")[0]
    stranger = client.application.test_client()
    response = stranger.post(path, json=cmi12(1), headers=tenant.headers)
    assert (response.status_code, response.json["error"]["code"]) == (403, "LAUNCH_TOKEN_INVALID")


def test_key_of_one_session_does_not_open_another(player, client, tenant):
    _, mine = player.start(tenant, GOLF_12, "u1")
    theirs = player.open(tenant, player.package(tenant, GOLF_12), "u2")["session"]["id"]
    for path in (f"/player/s/{theirs}?k={mine.key}", f"/player/s/{theirs}/state?k={mine.key}"):
        assert client.get(mine.origin + path).status_code == 403
    response = client.post(f"{mine.origin}/player/s/{theirs}/deliver?k={mine.key}", json={"item": "item_1"})
    assert response.status_code == 403


def test_new_attempt_retires_the_previous_attempts_key(player, client, tenant):
    opened, launched = player.start(tenant, GOLF_12)
    delivery = player.deliver(launched)
    player.open(tenant, opened["session"]["package_id"], new_attempt=True)
    stale = player.commit(delivery, cmi12(1, lesson_location="9"))
    assert (stale.status_code, stale.json["error"]["code"]) == (403, "LAUNCH_TOKEN_INVALID")
    assert client.get(f"{launched.origin}/player/s/{opened['session']['id']}?k={launched.key}").status_code == 403


def test_browser_opening_a_used_link_reads_a_page_saying_why(player, client, tenant):
    opened = player.open(tenant, player.package(tenant, GOLF_12))
    client.get(launch_path(opened))
    page = client.get(launch_path(opened), headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 403
    assert page.headers["Content-Type"].startswith("text/html")
    assert "LAUNCH_TOKEN_USED" in page.get_data(as_text=True)
    assert page.headers["X-Content-Type-Options"] == "nosniff"
