"""Tests of the dispatch player route: every server-side check of a launch, and its session."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from sqlalchemy import update

from models.dispatches import Dispatch
from tests.fixtures.player import GOLF_12, ContentClient, config_of, content_client
from web import create_app
from web.dispatches.service import keyring
from web.dispatches.tokens import Keyring, issue_token

LMS = "https://lms.partner.com/mod/scorm/player.php?id=7"
PARTNER = ["partner.com", "*.partner.com"]
JSON = {"Accept": "application/json"}


def launch_path(token: str, learner_id: str | None = "host-learner-1", name: str = "Doe, Jane") -> str:
    query = "" if learner_id is None else f"?learner_id={learner_id}&learner_name={name}"
    return f"/player/dispatch/{token}{query}"


def bridge_config(page: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="allure-dispatch-config">(.*?)</script>', page, re.S)
    assert match, "the page has no dispatch bridge config"
    return json.loads(match.group(1))


@pytest.fixture
def client(app, tenant) -> ContentClient:
    """The dispatch player answers on the dispatch's tenant's content origin: paths go there."""
    return content_client(app, tenant.tenant_id)


@pytest.fixture
def course(player, tenant) -> str:
    """The golf SCORM 1.2 package, imported for the tenant through the real pipeline."""
    return player.package(tenant, GOLF_12)


@pytest.fixture
def dispatch(create_dispatch, tenant, course):
    """`dispatch(**fields)`: a dispatch of the golf course, created through the API."""

    def make(**fields: Any) -> dict[str, Any]:
        return create_dispatch(tenant, course, **fields)

    return make


def set_dispatch(app, dispatch_id: str, **values: object) -> None:
    with app.extensions["allure"].sessions.begin() as session:
        session.execute(update(Dispatch).where(Dispatch.id == dispatch_id).values(**values))


def count_of(client, tenant, dispatch_id: str) -> int:
    body = client.get(f"/api/v1/dispatches/{dispatch_id}", headers=tenant.headers).get_json()
    return body["dispatch"]["registration_count"]


class TestAdmitted:
    def test_launch_admitted_shows_player_with_bridge(self, client, dispatch):
        token = dispatch(allowed_domains=PARTNER)["token"]
        response = client.get(launch_path(token), headers={"Referer": LMS})
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        config = config_of(page)
        assert config["runtime"]["key"]
        assert config["content"].startswith("/content/t/")
        bridge = bridge_config(page)
        assert bridge["parentOrigin"] == "https://lms.partner.com"
        assert bridge["statusUrl"] == f"/player/dispatch/status/{config['session']}?k={config['runtime']['key']}"
        assert "/player/dispatch/static/dispatch_bridge.js" in page
        assert response.headers["Cache-Control"] == "no-store"
        assert "X-Frame-Options" not in response.headers

    def test_launch_session_appears_in_owner_sessions_api_with_dispatch_id(self, client, tenant, make_tenant, dispatch):
        created = dispatch()
        page = client.get(launch_path(created["token"]), headers={"Referer": LMS}).get_data(as_text=True)
        session_id = config_of(page)["session"]
        session = client.get(f"/api/v1/sessions/{session_id}", headers=tenant.headers).get_json()["session"]
        assert session["dispatch_id"] == created["id"]
        assert session["user_id"] == "host-learner-1"
        assert session["user_name"] == "Doe, Jane"
        listed = client.get(f"/api/v1/sessions?package_id={created['package_id']}", headers=tenant.headers)
        assert [s["id"] for s in listed.get_json()["sessions"]] == [session_id]
        other = make_tenant()
        assert client.get(f"/api/v1/sessions/{session_id}", headers=other.headers).status_code == 404

    def test_launch_returning_learner_resumes_same_session_and_counts_once(self, client, tenant, dispatch):
        created = dispatch(registration_limit=1)
        first = config_of(client.get(launch_path(created["token"])).get_data(as_text=True))
        again = client.get(launch_path(created["token"], name="Doe, Janet"))
        assert again.status_code == 200
        assert config_of(again.get_data(as_text=True))["session"] == first["session"]
        assert count_of(client, tenant, created["id"]) == 1

    def test_launch_learner_named_like_tenant_user_gets_separate_session(self, client, tenant, player, dispatch):
        created = dispatch()
        own = player.open(tenant, created["package_id"], user_id="host-learner-1")
        page = client.get(launch_path(created["token"])).get_data(as_text=True)
        assert config_of(page)["session"] != own["session"]["id"]

    def test_launch_unrestricted_without_referer_is_admitted_with_unknown_parent(self, client, dispatch):
        response = client.get(launch_path(dispatch()["token"]))
        assert response.status_code == 200
        assert bridge_config(response.get_data(as_text=True))["parentOrigin"] is None


class TestRefusedToken:
    def tampered_tokens(self, token: str, settings) -> dict[str, str]:
        header, payload, signature = token.split(".")
        claims = jwt.decode(token, options={"verify_signature": False})
        other_kid = Keyring.from_secrets({"other": "x" * 40}, "other")
        swapped = jwt.encode({**claims, "sub": str(uuid.uuid4())}, "y" * 40, algorithm="HS256",
                             headers={"kid": keyring(settings).current_kid})  # fmt: skip
        return {
            "flipped-signature": f"{header}.{payload}.{signature[:-3]}AAA",
            "other-dispatch-payload": f"{header}.{swapped.split('.')[1]}.{signature}",
            "forged-with-other-secret": swapped,
            "unknown-kid": issue_token(claims["sub"], other_kid),
            "garbage": "not-a-token",
            "alg-none": jwt.encode(claims, None, algorithm="none", headers={"kid": "x"}),
        }

    def test_launch_tampered_token_shows_error_page(self, client, settings, dispatch):
        for name, token in self.tampered_tokens(dispatch()["token"], settings).items():
            response = client.get(launch_path(token))
            assert response.status_code == 403, name
            assert response.mimetype == "text/html"
            page = response.get_data(as_text=True)
            assert "This course link is not valid" in page, name
            assert "DISPATCH_TOKEN_INVALID" in page

    def test_launch_tampered_token_api_call_gets_json_envelope(self, client, settings, dispatch):
        tokens = self.tampered_tokens(dispatch()["token"], settings)
        response = client.get(launch_path(tokens["flipped-signature"]), headers=JSON)
        assert response.status_code == 403
        body = response.get_json()
        assert body["error"]["code"] == "DISPATCH_TOKEN_INVALID"
        assert body["error"]["details"] == {"reason": "TOKEN_FORGED"}
        assert body["request_id"]
        unknown = client.get(launch_path(tokens["unknown-kid"]) + "&format=json").get_json()
        assert unknown["error"]["details"] == {"reason": "TOKEN_UNKNOWN_KEY"}

    def test_launch_valid_token_of_missing_dispatch_returns_not_found(self, client, settings):
        token = issue_token(uuid.uuid4(), keyring(settings))
        response = client.get(launch_path(token), headers=JSON)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "DISPATCH_NOT_FOUND"

    def test_launch_after_key_rotation_old_token_works_until_key_retired(self, client, tenant, settings, dispatch):
        created = dispatch()
        old_kid = keyring(settings).current_kid
        # Rotation: a new current key, the old one (the default, derived from SECRET_KEY) still accepted.
        rotated_settings = settings.with_overrides(
            dispatch_signing_keys=f"k2:{'n' * 40},{old_kid}:{settings.secret_key}"
        )
        rotated = content_client(create_app(rotated_settings), tenant.tenant_id)
        assert rotated.get(launch_path(created["token"])).status_code == 200
        fresh = rotated.get(f"/api/v1/dispatches/{created['id']}", headers=tenant.headers).get_json()
        new_token = fresh["dispatch"]["token"]
        assert jwt.get_unverified_header(new_token)["kid"] == "k2"
        assert rotated.get(launch_path(new_token, "host-learner-2")).status_code == 200
        # Retirement: the old key is dropped, its tokens read as signed by an unknown key.
        retired_app = create_app(settings.with_overrides(dispatch_signing_keys=f"k2:{'n' * 40}"))
        retired = content_client(retired_app, tenant.tenant_id)
        refused = retired.get(launch_path(created["token"]), headers=JSON).get_json()
        assert refused["error"]["details"] == {"reason": "TOKEN_UNKNOWN_KEY"}
        assert retired.get(launch_path(new_token)).status_code == 200


class TestRefusedDispatch:
    def test_launch_revoked_refuses_new_and_returning_learners(self, client, tenant, dispatch):
        created = dispatch()
        assert client.get(launch_path(created["token"])).status_code == 200
        client.delete(f"/api/v1/dispatches/{created['id']}", headers=tenant.headers)
        for learner in ("host-learner-1", "host-learner-2"):
            response = client.get(launch_path(created["token"], learner))
            assert response.status_code == 410
            assert "withdrawn access" in response.get_data(as_text=True)
        assert client.get(launch_path(created["token"]), headers=JSON).get_json()["error"]["code"] == (
            "DISPATCH_REVOKED"
        )

    def test_launch_expired_refuses_and_says_when(self, app, client, tenant, dispatch):
        created = dispatch(expires_in_hours=1)
        assert client.get(launch_path(created["token"])).status_code == 200
        set_dispatch(app, created["id"], expires_at=datetime.now(UTC) - timedelta(minutes=1))
        response = client.get(launch_path(created["token"]))
        assert response.status_code == 410
        assert "Access to this course ended on" in response.get_data(as_text=True)
        body = client.get(launch_path(created["token"], "someone-new"), headers=JSON).get_json()
        assert body["error"]["code"] == "DISPATCH_EXPIRED"
        assert count_of(client, tenant, created["id"]) == 1

    def test_launch_limit_refuses_new_learner_but_not_returning_one(self, client, tenant, dispatch):
        created = dispatch(registration_limit=2)
        for learner in ("a", "b"):
            assert client.get(launch_path(created["token"], learner)).status_code == 200
        refused = client.get(launch_path(created["token"], "c"))
        assert refused.status_code == 403
        assert "maximum number of learners (2)" in refused.get_data(as_text=True)
        body = client.get(launch_path(created["token"], "c"), headers=JSON).get_json()
        assert body["error"] == {
            "code": "REGISTRATION_LIMIT_REACHED",
            "message": "This course has reached its maximum number of learners (2).",
            "details": {"limit": 2, "current": 2},
        }
        assert client.get(launch_path(created["token"], "a")).status_code == 200
        assert count_of(client, tenant, created["id"]) == 2

    @pytest.mark.parametrize(
        ("query", "status"),
        [(None, 400), ("", 400), ("%20%20", 400), ("x" * 256, 400), ("x" * 255, 200)],
    )
    def test_launch_learner_id_is_required_and_bounded(self, client, dispatch, query, status):
        response = client.get(launch_path(dispatch()["token"], query), headers=JSON)
        assert response.status_code == status
        if status == 400:
            assert "learner_id" in response.get_json()["error"]["details"]["fieldErrors"]


class TestDomains:
    @pytest.mark.parametrize(
        ("allowed", "headers", "admitted"),
        [
            (PARTNER, {"Referer": "https://partner.com/course"}, True),
            (PARTNER, {"Referer": "https://lms.partner.com/"}, True),
            (PARTNER, {"Referer": "https://x.y.partner.com:8443/a?b"}, True),
            (PARTNER, {"Origin": "https://lms.partner.com"}, True),
            (PARTNER, {"Referer": "https://evilpartner.com/"}, False),
            (PARTNER, {"Referer": "https://partner.com.evil.io/"}, False),
            (PARTNER, {"Referer": "https://partner.co/"}, False),
            (PARTNER, {"Origin": "https://evil.io", "Referer": "https://partner.com/"}, False),
            (PARTNER, {"Origin": "null"}, False),
            (PARTNER, {}, False),
            (["partner.com"], {"Referer": "https://lms.partner.com/"}, False),
            (["*.partner.com"], {"Referer": "https://partner.com/"}, False),
            (["bücher.de"], {"Referer": "https://xn--bcher-kva.de/"}, True),
        ],
    )
    def test_launch_origin_against_allowed_domains(self, client, tenant, dispatch, allowed, headers, admitted):
        created = dispatch(allowed_domains=allowed)
        response = client.get(launch_path(created["token"]), headers=headers)
        assert response.status_code == (200 if admitted else 403)
        assert count_of(client, tenant, created["id"]) == (1 if admitted else 0)
        if not admitted:
            assert "DOMAIN_NOT_ALLOWED" in response.get_data(as_text=True)

    def test_launch_without_origin_on_locked_dispatch_says_why(self, client, dispatch):
        token = dispatch(allowed_domains=PARTNER)["token"]
        page = client.get(launch_path(token)).get_data(as_text=True)
        assert "the browser did not say which site opened it" in page
        body = client.get(launch_path(token), headers=JSON).get_json()
        assert body["error"]["code"] == "DOMAIN_NOT_ALLOWED"
        assert body["error"]["details"] == {"origin": None, "reason": "missing_origin"}

    def test_launch_lookalike_origin_is_named_in_refusal(self, client, dispatch):
        token = dispatch(allowed_domains=PARTNER)["token"]
        body = client.get(launch_path(token), headers={**JSON, "Referer": "https://evilpartner.com/x"}).get_json()
        assert body["error"]["details"] == {"origin": "https://evilpartner.com", "reason": "not_allowed"}


class TestStatusEndpoint:
    def test_status_with_player_key_returns_derived_status(self, client, dispatch):
        page = client.get(launch_path(dispatch()["token"])).get_data(as_text=True)
        status = client.get(bridge_config(page)["statusUrl"])
        assert status.status_code == 200
        assert status.get_json() | {"updated_at": None} == {
            "completion_status": "not_attempted",
            "success_status": "unknown",
            "score": {"raw": None, "min": None, "max": None, "scaled": None},
            "time_spent_seconds": 0.0,
            "updated_at": None,
        }

    def test_status_without_or_with_other_key_is_refused(self, client, dispatch):
        created = dispatch()
        first = bridge_config(client.get(launch_path(created["token"], "a")).get_data(as_text=True))
        second = bridge_config(client.get(launch_path(created["token"], "b")).get_data(as_text=True))
        path, key = first["statusUrl"].split("?k=")
        assert client.get(path).status_code == 403
        other_key = second["statusUrl"].split("?k=")[1]
        assert client.get(f"{path}?k={other_key}").status_code == 404
        assert client.get(f"{path}?k={key}x").status_code == 403

    def test_status_of_non_dispatch_session_is_not_found(self, client, tenant, player, course):
        opened = player.open(tenant, course)
        launched = player.launch(opened["launch_url"])
        response = client.get(f"/player/dispatch/status/{launched.session_id}?k={launched.key}")
        assert response.status_code == 404
