"""Host routing: the API origin and each tenant's content origin answer only their own routes."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from config.settings import load_settings
from tests.fixtures.player import GOLF_12, Launched, cmi12, content_origin
from web import create_app
from web.origins import parse_template

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
LMS = {"Referer": "https://lms.partner.com/course/view.php?id=3"}


def page_url(launched: Launched) -> str:
    return f"{launched.origin}/player/s/{launched.session_id}?k={launched.key}"


class TestTemplate:
    def test_embedded_default_follows_port_and_env_overrides_it(self, tmp_path):
        assert load_settings({"PORT": "3100", "AC_DATA_DIR": str(tmp_path)}).content_origins == (
            "http://t-{tenant}.localhost:3100")
        configured = load_settings({"AC_CONTENT_ORIGIN_TEMPLATE": "https://t-{tenant}.content.example.com",
                                    "AC_DATA_DIR": str(tmp_path)})  # fmt: skip
        assert configured.content_origins == "https://t-{tenant}.content.example.com"

    def test_a_tenant_gets_one_origin_and_only_its_hosts_match(self):
        origins = parse_template("https://t-{tenant}.content.example.com")
        tenant = "0b6f4a5e-1c2d-4e3f-8a9b-0c1d2e3f4a5b"
        assert origins.origin(tenant) == f"https://t-{tenant}.content.example.com"
        assert origins.tenant_of(f"t-{tenant}.content.example.com") == tenant
        assert origins.tenant_of(f"T-{tenant.upper()}.Content.Example.com:443") == tenant
        for host in ("api.example.com", "content.example.com", f"x.t-{tenant}.content.example.com",
                     f"t-{tenant}.content.example.com.evil.io", f"t-{tenant}xcontent.example.com",
                     "t-.content.example.com", "127.0.0.1:3000", "[::1]:3000", ""):  # fmt: skip
            assert origins.tenant_of(host) is None, host

    @pytest.mark.parametrize("template", [
        "t-{tenant}.example.com", "ftp://t-{tenant}.example.com", "https://content.example.com",
        "https://example.com/{tenant}", "https://{tenant}", "https://t-{tenant}.{tenant}.example.com",
        "https://user:pw@t-{tenant}.example.com", "https://x.t-{tenant}.example.com", "https://t-{tenant}.example.com?a",
    ])  # fmt: skip
    def test_a_template_that_cannot_separate_tenants_stops_the_start(self, settings, template):
        with pytest.raises(ValueError):
            create_app(settings.with_overrides(content_origin_template=template))

    def test_an_api_origin_inside_the_content_origins_stops_the_start(self, settings):
        with pytest.raises(ValueError, match="PUBLIC_BASE_URL"):
            create_app(settings.with_overrides(content_origin_template="https://t-{tenant}.example.com",
                                               public_base_url="https://t-api.example.com"))  # fmt: skip


class TestContentOriginRefusesTheApi:
    # (`/xapi` answers there, for launch credentials only: tests/web/lrs/test_launch_credentials.py)
    @pytest.mark.parametrize("path", ["/api/v1/packages", "/api/health", "/api/docs/openapi.json",
                                      "/admin/rq/", "/", "/nowhere"])  # fmt: skip
    def test_api_docs_and_dashboard_answer_421_on_a_content_origin(self, client, make_tenant, path):
        operator = make_tenant(operator=True)
        response = client.get(content_origin(client.application, operator.tenant_id) + path, headers=operator.headers)
        assert response.status_code == 421
        assert response.json["error"]["code"] == "MISDIRECTED_REQUEST"

    def test_a_write_is_refused_before_auth_and_writes_nothing(self, client, tenant):
        origin = content_origin(client.application, tenant.tenant_id)
        response = client.post(origin + "/api/v1/sessions", json={"package_id": "x", "user_id": "u"},
                               headers=tenant.headers)  # fmt: skip
        assert (response.status_code, response.json["error"]["code"]) == (421, "MISDIRECTED_REQUEST")
        assert client.get("/api/v1/sessions", headers=tenant.headers).json["sessions"] == []


class TestApiOriginRefusesThePlayer:
    def test_player_page_runtime_and_content_answer_421_on_the_api_origin(self, player, client, tenant):
        _, launched = player.start(tenant, GOLF_12)
        delivery = player.deliver(launched)
        for method, url in (("GET", launched.url("state")), ("POST", delivery["commit_url"]),
                            ("GET", launched.origin + launched.config["content"] + "shared/launchpage.html"),
                            ("GET", "/player/vendor/scorm12.js"), ("GET", "/player/static/player.js")):  # fmt: skip
            parts = urlsplit(url)
            path = f"{parts.path}?{parts.query}"  # the same path, on the API origin
            response = client.open(path, method=method, json=cmi12(1) if method == "POST" else None,
                                   headers={"Accept": "application/json"})
            assert (response.status_code, response.json["error"]["code"]) == (421, "MISDIRECTED_REQUEST"), path

    def test_a_launch_link_opened_on_the_api_origin_moves_to_its_content_origin(self, player, client, tenant):
        opened = player.open(tenant, player.package(tenant, GOLF_12))
        path = urlsplit(opened["launch_url"]).path
        moved = client.get(path)
        assert moved.status_code == 307
        assert moved.headers["Location"] == opened["launch_url"]
        assert client.get(opened["launch_url"]).status_code == 303  # still unused: the move claimed nothing

    def test_a_forged_launch_link_on_the_api_origin_is_refused_not_moved(self, client):
        response = client.get("/player/launch/not-a-token", headers=HTML)
        assert response.status_code == 403
        assert "LAUNCH_TOKEN_INVALID" in response.get_data(as_text=True)

    def test_an_old_dispatch_player_url_moves_to_its_content_origin(self, client, tenant, player, create_dispatch):
        dispatch = create_dispatch(tenant, player.package(tenant, GOLF_12))
        assert urlsplit(dispatch["launch_url"]).netloc == urlsplit(content_origin(client.application,
                                                                                   tenant.tenant_id)).netloc
        moved = client.get(f"/player/dispatch/{dispatch['token']}?learner_id=l1", headers=LMS)
        assert moved.status_code == 307
        assert moved.headers["Location"] == f"{dispatch['launch_url']}?learner_id=l1"
        forged = client.get("/player/dispatch/forged.token.here", headers={"Accept": "application/json"})
        assert (forged.status_code, forged.json["error"]["code"]) == (403, "DISPATCH_TOKEN_INVALID")
        page = client.get("/player/dispatch/forged.token.here", headers=HTML)  # the refusal page keeps its own CSP
        assert page.headers["Content-Security-Policy"] == (
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")


class TestTenantsAreSeparated:
    def test_another_tenants_session_and_content_are_not_found_on_this_origin(self, player, client, make_tenant):
        mine, theirs = make_tenant(name="Mine"), make_tenant(name="Theirs")
        _, their_launch = player.start(theirs, GOLF_12)
        delivery = player.deliver(their_launch)
        page = page_url(their_launch)
        content = their_launch.origin + their_launch.config["content"] + "shared/launchpage.html"
        wrong = content_origin(client.application, mine.tenant_id)
        item = {"item": their_launch.config["resume"]}
        requests = (("GET", page, None), ("GET", their_launch.url("state"), None),
                    ("POST", their_launch.url("deliver"), item), ("POST", delivery["commit_url"], cmi12(1)),
                    ("GET", content, None))  # fmt: skip
        for method, url, body in requests:
            assert client.open(url, method=method, json=body).status_code == 200, url  # answers on its own origin
            path = url.split(their_launch.origin, 1)[1]
            response = client.open(wrong + path, method=method, json=body, headers={"Accept": "application/json"})
            assert (response.status_code, response.json["error"]["code"]) == (404, "NOT_FOUND"), path
        stored = player.session(theirs, their_launch.session_id)
        assert stored["cmi_data"].get("cmi.core.lesson_status") in (None, "incomplete")

    def test_another_tenants_launch_link_is_not_found_and_stays_unused(self, player, client, make_tenant):
        mine, theirs = make_tenant(name="Mine"), make_tenant(name="Theirs")
        opened = player.open(theirs, player.package(theirs, GOLF_12))
        path = urlsplit(opened["launch_url"]).path
        refused = client.get(content_origin(client.application, mine.tenant_id) + path)
        assert refused.status_code == 404
        assert client.get(opened["launch_url"]).status_code == 303

    def test_another_tenants_dispatch_is_not_found_on_this_origin(self, client, player, make_tenant, create_dispatch):
        mine, theirs = make_tenant(name="Mine"), make_tenant(name="Theirs")
        dispatch = create_dispatch(theirs, player.package(theirs, GOLF_12))
        path = urlsplit(dispatch["launch_url"]).path + "?learner_id=l1"
        refused = client.get(content_origin(client.application, mine.tenant_id) + path,
                             headers={"Accept": "application/json"})  # fmt: skip
        assert (refused.status_code, refused.json["error"]["code"]) == (404, "DISPATCH_NOT_FOUND")
        got = client.get(f"/api/v1/dispatches/{dispatch['id']}", headers=theirs.headers).json["dispatch"]
        assert got["registration_count"] == 0


class TestFraming:
    def test_api_responses_may_not_be_framed(self, client, tenant, make_tenant):
        operator = make_tenant(operator=True)
        for response in (client.get("/api/v1/packages", headers=tenant.headers), client.get("/api/health"),
                         client.get("/api/docs/openapi.json"), client.get("/nowhere"),
                         client.get("/admin/rq/", headers=operator.headers)):  # fmt: skip
            assert response.headers["X-Frame-Options"] == "DENY"
            assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"

    def test_player_of_a_session_is_framed_by_itself_or_the_configured_sources(self, player, client, tenant, app):
        _, launched = player.start(tenant, GOLF_12)
        page = client.get(page_url(launched))
        assert page.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
        assert "X-Frame-Options" not in page.headers
        services = app.extensions["allure"]
        services.settings = services.settings.with_overrides(player_frame_ancestors="https://lms.partner.com")
        page = client.get(page_url(launched))
        assert page.headers["Content-Security-Policy"] == "frame-ancestors 'self' https://lms.partner.com"

    def test_dispatch_player_is_framed_by_its_allowed_domains_only(self, client, tenant, player, create_dispatch):
        course = player.package(tenant, GOLF_12)
        locked = create_dispatch(tenant, course, allowed_domains=["partner.com", "*.partner.com"])
        page = client.get(locked["launch_url"] + "?learner_id=l1", headers=LMS)
        assert page.status_code == 200
        assert page.headers["Content-Security-Policy"] == "frame-ancestors 'self' partner.com:* *.partner.com:*"
        anyone = create_dispatch(tenant, course)
        page = client.get(anyone["launch_url"] + "?learner_id=l1")
        assert page.headers["Content-Security-Policy"] == "frame-ancestors 'self' *"


class TestDashboardRefusesOtherSites:
    @pytest.mark.parametrize("headers", [
        {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
        {"Origin": "http://t-0b6f4a5e.localhost:3000"}, {"Sec-Fetch-Site": "cross-site", "Origin": "null"},
    ])  # fmt: skip
    def test_requests_from_another_site_are_refused_even_with_credentials(self, client, make_tenant, redis_client,
                                                                          headers):  # fmt: skip
        operator = make_tenant(operator=True)
        redis_client.rpush("rq:queue:hostile", "job-1")
        redis_client.sadd("rq:queues", "rq:queue:hostile")
        for method, path in (("GET", "/admin/rq/"), ("GET", "/admin/rq/0/data/queues.json"),
                             ("POST", "/admin/rq/queue/hostile/queued/empty")):  # fmt: skip
            response = client.open(path, method=method, auth=("admin", operator.key), headers=headers)
            assert response.status_code == 403, path
            assert "WWW-Authenticate" not in response.headers
        assert redis_client.llen("rq:queue:hostile") == 1

    def test_the_operators_own_pages_and_typed_addresses_still_work(self, client, make_tenant):
        operator = make_tenant(operator=True)
        for headers in ({}, {"Sec-Fetch-Site": "none"}, {"Sec-Fetch-Site": "same-origin"},
                        {"Origin": "http://localhost"}):  # fmt: skip
            response = client.get("/admin/rq/", auth=("admin", operator.key), headers=headers)
            assert response.status_code == 200, headers
