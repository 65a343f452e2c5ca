"""Tests of allowed-domain validation and origin matching for dispatches."""

from __future__ import annotations

import pytest

from web.dispatches.domains import (
    DomainError,
    DomainListError,
    OriginVerdict,
    check_origin,
    host_matches,
    normalize_domain,
    origin_of,
    validate_allowed_domains,
)

PARTNER = ["partner.com", "*.partner.com"]


class TestNormalizeDomain:
    @pytest.mark.parametrize(
        ("given", "expected"),
        [
            ("partner.com", "partner.com"),
            ("Partner.COM", "partner.com"),
            ("  lms.partner.com  ", "lms.partner.com"),
            ("partner.com.", "partner.com"),
            ("*.partner.com", "*.partner.com"),
            ("*.PARTNER.com", "*.partner.com"),
            ("https://partner.com", "partner.com"),
            ("http://partner.com/", "partner.com"),
            ("HTTPS://*.partner.com", "*.partner.com"),
            ("bücher.de", "xn--bcher-kva.de"),
            ("*.BÜCHER.de", "*.xn--bcher-kva.de"),
            ("xn--bcher-kva.de", "xn--bcher-kva.de"),
            ("localhost", "localhost"),
            ("127.0.0.1", "127.0.0.1"),
            ("[::1]", "::1"),
            ("2001:DB8::0:1", "2001:db8::1"),
        ],
    )
    def test_domain_valid_entry_is_canonicalised(self, given, expected):
        assert normalize_domain(given) == expected

    @pytest.mark.parametrize(
        "given",
        [
            "",
            "   ",
            "*",
            "*.",
            "*.com",
            "**.partner.com",
            "*partner.com",
            "a.*.partner.com",
            "partner.*",
            "partner.com:8443",
            "https://partner.com:443",
            "partner.com/path",
            "https://partner.com/lms",
            "partner.com?x=1",
            "partner.com#frag",
            "user@partner.com",
            "https://user:pw@partner.com",
            "ftp://partner.com",
            "javascript://partner.com",
            "-partner.com",
            "partner-.com",
            "part ner.com",
            "a..partner.com",
            "partner.com..",
            "my_host.partner.com",
            "*.127.0.0.1",
            "x" * 64 + ".com",
            ".".join(["a" * 60] * 5),
        ],
    )
    def test_domain_bad_entry_should_fail(self, given):
        with pytest.raises(DomainError):
            normalize_domain(given)

    @pytest.mark.parametrize("given", ["*.co.uk", "*.com.au", "*.github.io", "*.s3.amazonaws.com", "*.gov.uk"])
    def test_domain_wildcard_over_a_public_suffix_should_fail(self, given):
        with pytest.raises(DomainError, match="public suffix"):
            normalize_domain(given)

    @pytest.mark.parametrize("given", ["*.partner.co.uk", "*.acme.github.io", "co.uk", "*.lms.corp.local"])
    def test_domain_wildcard_under_a_registrable_name_or_exact_suffix_is_kept(self, given):
        assert normalize_domain(given) == given


class TestValidateList:
    def test_domain_list_empty_or_none_means_unrestricted(self):
        assert validate_allowed_domains(None) == []
        assert validate_allowed_domains([]) == []

    def test_domain_list_duplicates_after_normalising_are_dropped(self):
        given = ["Partner.com", "partner.com.", "https://partner.com/", "*.partner.com", "*.PARTNER.COM"]
        assert validate_allowed_domains(given) == PARTNER

    def test_domain_list_bad_entries_are_reported_by_index(self):
        with pytest.raises(DomainListError) as caught:
            validate_allowed_domains(["partner.com", "partner.com:8080", "*.com", "ok.org"])
        assert set(caught.value.errors) == {1, 2}
        assert "port" in caught.value.errors[1]

    def test_domain_list_too_long_should_fail(self):
        with pytest.raises(DomainListError):
            validate_allowed_domains([f"h{i}.partner.com" for i in range(101)])

    def test_domain_list_non_string_entry_should_fail(self):
        with pytest.raises(DomainListError):
            validate_allowed_domains(["partner.com", 42])  # type: ignore[list-item]


class TestHostMatches:
    @pytest.mark.parametrize(
        ("host", "allowed", "expected"),
        [
            ("partner.com", ["partner.com"], True),
            ("a.partner.com", ["partner.com"], False),
            ("a.partner.com", ["*.partner.com"], True),
            ("x.y.partner.com", ["*.partner.com"], True),
            ("partner.com", ["*.partner.com"], False),
            ("evilpartner.com", ["*.partner.com"], False),
            ("evilpartner.com", ["partner.com"], False),
            ("partner.com.evil.io", ["*.partner.com"], False),
            ("partner.com.evil.io", ["partner.com"], False),
            ("a.partner.com.evil.io", PARTNER, False),
            ("partner.co", PARTNER, False),
            ("xpartner.com", PARTNER, False),
            ("a-partner.com", PARTNER, False),
            ("lms.partner.com", ["lms.partner.com"], True),
            ("evil.lms.partner.com", ["lms.partner.com"], False),
            ("127.0.0.1", ["127.0.0.1"], True),
            ("127.0.0.2", ["127.0.0.1"], False),
        ],
    )
    def test_domain_host_against_entries(self, host, allowed, expected):
        assert host_matches(host, allowed) is expected


class TestCheckOrigin:
    @pytest.mark.parametrize(
        ("origin", "referer", "verdict", "seen"),
        [
            ("https://partner.com", None, OriginVerdict.MATCHED, "https://partner.com"),
            ("https://a.partner.com", None, OriginVerdict.MATCHED, "https://a.partner.com"),
            ("https://X.Y.Partner.com:8443", None, OriginVerdict.MATCHED, "https://x.y.partner.com:8443"),
            ("http://partner.com:80", None, OriginVerdict.MATCHED, "http://partner.com"),
            (
                None,
                "https://lms.partner.com/mod/scorm/player.php?a=1",
                OriginVerdict.MATCHED,
                "https://lms.partner.com",
            ),
            ("null", "https://lms.partner.com/", OriginVerdict.MATCHED, "https://lms.partner.com"),
            ("https://evilpartner.com", None, OriginVerdict.NOT_ALLOWED, "https://evilpartner.com"),
            ("https://partner.com.evil.io", None, OriginVerdict.NOT_ALLOWED, "https://partner.com.evil.io"),
            (None, "https://partner.com.evil.io/x", OriginVerdict.NOT_ALLOWED, "https://partner.com.evil.io"),
            # The Origin header wins over a Referer that would have matched.
            ("https://evil.io", "https://partner.com/", OriginVerdict.NOT_ALLOWED, "https://evil.io"),
            (None, None, OriginVerdict.MISSING, None),
            ("", "", OriginVerdict.MISSING, None),
            ("null", None, OriginVerdict.MISSING, None),
            ("file:///C:/course/index.html", None, OriginVerdict.INVALID, None),
            (None, "about:blank", OriginVerdict.INVALID, None),
            ("https://user@partner.com", None, OriginVerdict.INVALID, None),
            ("https://partner.com:99999", None, OriginVerdict.INVALID, None),
        ],
    )
    def test_origin_with_partner_domains(self, origin, referer, verdict, seen):
        result = check_origin(origin, referer, PARTNER)
        assert result.verdict is verdict
        assert result.origin == seen
        assert result.allowed is (verdict is OriginVerdict.MATCHED)

    def test_origin_missing_without_domains_is_unrestricted(self):
        result = check_origin(None, None, [])
        assert result.allowed
        assert result.verdict is OriginVerdict.UNRESTRICTED
        assert result.origin is None

    def test_origin_any_without_domains_is_unrestricted_and_reported(self):
        result = check_origin(None, "https://anywhere.example/lms", [])
        assert result.allowed
        assert result.origin == "https://anywhere.example"

    def test_origin_unicode_allowed_domain_matches_punycode_origin(self):
        allowed = validate_allowed_domains(["*.bücher.de"])
        assert check_origin("https://shop.xn--bcher-kva.de", None, allowed).allowed

    def test_origin_of_ipv6_literal(self):
        assert origin_of("http://[::1]:5000/x") == ("http://[::1]:5000", "::1")
