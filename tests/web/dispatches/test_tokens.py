"""Tests of dispatch tokens: signing, key rotation, and every way a token is refused."""

from __future__ import annotations

import base64
import json
import uuid

import jwt
import pytest

from web.dispatches.tokens import (
    Keyring,
    TokenForged,
    TokenMalformed,
    TokenUnknownKey,
    issue_token,
    verify_token,
)

SECRET_A = "a" * 40
SECRET_B = "b" * 40
DISPATCH = uuid.UUID("6f1c2f4e-7b1a-4d53-9a49-2f7f0f3d6c11")


def b64(part: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def parts(token: str) -> tuple[dict, dict, str]:
    header, payload, signature = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return (
        json.loads(base64.urlsafe_b64decode(pad(header))),
        json.loads(base64.urlsafe_b64decode(pad(payload))),
        signature,
    )


@pytest.fixture
def keyring() -> Keyring:
    return Keyring.from_secrets({"k1": SECRET_A}, current_kid="k1")


class TestIssueAndVerify:
    def test_token_round_trip_returns_dispatch_id(self, keyring):
        token = issue_token(DISPATCH, keyring)
        assert verify_token(token, keyring) == DISPATCH

    def test_token_string_id_is_accepted_and_canonicalised(self, keyring):
        token = issue_token(str(DISPATCH).upper(), keyring)
        assert parts(token)[1]["sub"] == str(DISPATCH)

    def test_token_carries_only_dispatch_id_and_issued_at(self, keyring):
        header, payload, _ = parts(issue_token(DISPATCH, keyring, issued_at=1_700_000_000))
        assert header == {"alg": "HS256", "kid": "k1", "typ": "JWT"}
        assert payload == {"sub": str(DISPATCH), "iat": 1_700_000_000}

    def test_token_same_inputs_give_same_token(self, keyring):
        first = issue_token(DISPATCH, keyring, issued_at=1_700_000_000)
        assert first == issue_token(DISPATCH, keyring, issued_at=1_700_000_000)

    def test_token_is_url_path_safe(self, keyring):
        token = issue_token(DISPATCH, keyring)
        assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


class TestKeyRotation:
    def test_token_old_kid_still_verifies_after_rotation(self, keyring):
        old = issue_token(DISPATCH, keyring)
        rotated = Keyring.from_secrets({"k2": SECRET_B, "k1": SECRET_A}, current_kid="k2")
        assert verify_token(old, rotated) == DISPATCH
        new = issue_token(DISPATCH, rotated)
        assert parts(new)[0]["kid"] == "k2"
        assert verify_token(new, rotated) == DISPATCH

    def test_token_retired_kid_should_fail_unknown_key(self, keyring):
        old = issue_token(DISPATCH, keyring)
        retired = Keyring.from_secrets({"k2": SECRET_B}, current_kid="k2")
        with pytest.raises(TokenUnknownKey) as caught:
            verify_token(old, retired)
        assert caught.value.code == "TOKEN_UNKNOWN_KEY"

    def test_token_same_kid_other_secret_should_fail_forged(self, keyring):
        other = Keyring.from_secrets({"k1": SECRET_B}, current_kid="k1")
        with pytest.raises(TokenForged):
            verify_token(issue_token(DISPATCH, other), keyring)

    def test_keyring_current_kid_missing_should_fail(self):
        with pytest.raises(ValueError):
            Keyring.from_secrets({"k1": SECRET_A}, current_kid="k9")

    def test_keyring_empty_secret_should_fail(self):
        with pytest.raises(ValueError):
            Keyring.from_secrets({"k1": ""}, current_kid="k1")


class TestTampering:
    def test_token_payload_swapped_to_other_dispatch_should_fail_forged(self, keyring):
        header, payload, signature = issue_token(DISPATCH, keyring).split(".")
        other = b64({"sub": str(uuid.uuid4()), "iat": parts(f"{header}.{payload}.{signature}")[1]["iat"]})
        with pytest.raises(TokenForged) as caught:
            verify_token(f"{header}.{other}.{signature}", keyring)
        assert caught.value.code == "TOKEN_FORGED"

    def test_token_signature_flipped_should_fail_forged(self, keyring):
        token = issue_token(DISPATCH, keyring)
        flipped = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        with pytest.raises(TokenForged):
            verify_token(flipped, keyring)

    def test_token_alg_none_should_fail_forged(self, keyring):
        header = b64({"alg": "none", "kid": "k1", "typ": "JWT"})
        unsigned = f"{header}.{b64({'sub': str(DISPATCH), 'iat': 1})}."
        with pytest.raises(TokenForged):
            verify_token(unsigned, keyring)

    def test_token_other_hmac_algorithm_should_fail_forged(self, keyring):
        claims = {"sub": str(DISPATCH), "iat": 1}
        key = keyring.keys["k1"] * 2  # long enough for HS512, so only the algorithm is wrong
        token = jwt.encode(claims, key, algorithm="HS512", headers={"kid": "k1"})
        with pytest.raises(TokenForged):
            verify_token(token, keyring)

    def test_token_signed_with_raw_secret_should_fail_forged(self, keyring):
        # Another token type signed with the application secret itself must not pass.
        claims = {"sub": str(DISPATCH), "iat": 1}
        token = jwt.encode(claims, SECRET_A, algorithm="HS256", headers={"kid": "k1"})
        with pytest.raises(TokenForged):
            verify_token(token, keyring)


class TestMalformed:
    @pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c.d", "!!!.###.$$$", "e30.e30.", None, 42])
    def test_token_not_a_jwt_should_fail_malformed(self, keyring, token):
        with pytest.raises(TokenMalformed) as caught:
            verify_token(token, keyring)
        assert caught.value.code == "TOKEN_MALFORMED"

    def test_token_without_kid_should_fail_malformed(self, keyring):
        token = jwt.encode({"sub": str(DISPATCH), "iat": 1}, keyring.keys["k1"], algorithm="HS256")
        with pytest.raises(TokenMalformed):
            verify_token(token, keyring)

    @pytest.mark.parametrize(
        "claims",
        [{"iat": 1}, {"sub": str(DISPATCH)}, {"sub": "not-a-uuid", "iat": 1}, {"sub": 12, "iat": 1}],
    )
    def test_token_without_usable_claims_should_fail_malformed(self, keyring, claims):
        token = jwt.encode(claims, keyring.keys["k1"], algorithm="HS256", headers={"kid": "k1"})
        with pytest.raises(TokenMalformed):
            verify_token(token, keyring)
