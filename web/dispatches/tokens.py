"""Dispatch tokens: HS256 JWTs that name a dispatch, signed with a rotating keyring.

A token carries only the dispatch id (`sub`) and when it was issued (`iat`); whether
the dispatch is still usable (expiry, revocation, limit) is decided from the database
at each launch, so a token never needs re-issuing when those change. The header's
`kid` picks the key: the keyring signs with its current key and still accepts the old
ones, so the secret can rotate without breaking dispatch ZIPs already handed out.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

import jwt

ALGORITHM = "HS256"
# Keys are derived per purpose so a dispatch token can never pass for another token
# (a launch token, say) signed from the same application secret.
_PURPOSE = b"allure-connect/dispatch-token/v1"


class TokenError(Exception):
    """A dispatch token was refused.

    Attributes:
        code: a stable reason (`TOKEN_MALFORMED`, `TOKEN_FORGED`, `TOKEN_UNKNOWN_KEY`).
    """

    code = "TOKEN_INVALID"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TokenMalformed(TokenError):
    """Not a JWT, or a JWT without the header or claims a dispatch token has."""

    code = "TOKEN_MALFORMED"


class TokenForged(TokenError):
    """The signature does not match, or the token asks for another algorithm."""

    code = "TOKEN_FORGED"


class TokenUnknownKey(TokenError):
    """The token names a key id the keyring does not hold (retired or never issued)."""

    code = "TOKEN_UNKNOWN_KEY"


@dataclass(frozen=True)
class Keyring:
    """The signing keys: the current one signs, every one listed verifies.

    Attributes:
        current_kid: the key id new tokens are signed with.
        keys: key id → derived signing key (use `Keyring.from_secrets` to build one).
    """

    current_kid: str
    keys: Mapping[str, bytes] = field(repr=False)

    def __post_init__(self) -> None:
        if self.current_kid not in self.keys:
            raise ValueError(f"the current key id {self.current_kid!r} is not in the keyring")

    @classmethod
    def from_secrets(cls, secrets: Mapping[str, str | bytes], current_kid: str) -> Keyring:
        """Build a keyring from raw secrets, deriving a dispatch-only key from each.

        Args:
            secrets: key id → secret (at least 32 bytes of entropy is advised).
            current_kid: the key id that signs new tokens; must be in `secrets`.

        Returns:
            The keyring.

        Raises:
            ValueError: a secret is empty, or `current_kid` is not among the secrets.
        """
        keys: dict[str, bytes] = {}
        for kid, secret in secrets.items():
            raw = secret.encode("utf-8") if isinstance(secret, str) else secret
            if not kid or not raw:
                raise ValueError("every dispatch key needs a non-empty id and secret")
            keys[kid] = hmac.new(raw, _PURPOSE, hashlib.sha256).digest()
        return cls(current_kid=current_kid, keys=keys)


def keyring_from_settings(signing_keys: str, secret_key: str) -> Keyring:
    """Build the keyring from the `AC_DISPATCH_SIGNING_KEYS` setting, or from the app secret.

    Args:
        signing_keys: `kid:secret` pairs separated by commas, the first one current
            (`k2:new-secret,k1:old-secret`); empty to derive one key from `secret_key`.
        secret_key: the application secret, used when `signing_keys` is empty.

    Returns:
        The keyring.

    Raises:
        ValueError: a pair is not `kid:secret`, a key id repeats, or there is no secret at all.
    """
    pairs: list[tuple[str, str]] = []
    for item in (part.strip() for part in signing_keys.split(",")):
        if not item:
            continue
        kid, sep, secret = item.partition(":")
        if not sep or not kid.strip() or not secret.strip():
            raise ValueError("AC_DISPATCH_SIGNING_KEYS must be kid:secret pairs separated by commas")
        pairs.append((kid.strip(), secret.strip()))
    if not pairs:
        if not secret_key:
            raise ValueError("dispatch tokens need AC_DISPATCH_SIGNING_KEYS or SECRET_KEY")
        # A key id derived from the secret: a changed SECRET_KEY reads as an unknown key.
        kid = "app-" + hashlib.sha256(b"kid:" + secret_key.encode("utf-8")).hexdigest()[:8]
        pairs.append((kid, secret_key))
    if len({kid for kid, _ in pairs}) != len(pairs):
        raise ValueError("AC_DISPATCH_SIGNING_KEYS repeats a key id")
    return Keyring.from_secrets(dict(pairs), current_kid=pairs[0][0])


def issue_token(dispatch_id: uuid.UUID | str, keyring: Keyring, *, issued_at: int | None = None) -> str:
    """Sign a token for a dispatch with the keyring's current key.

    Args:
        dispatch_id: the dispatch's id.
        keyring: the signing keys.
        issued_at: epoch seconds for `iat` (now when omitted).

    Returns:
        The compact JWT.
    """
    claims = {
        "sub": str(uuid.UUID(str(dispatch_id))),
        "iat": int(time.time()) if issued_at is None else int(issued_at),
    }
    headers = {"kid": keyring.current_kid, "typ": "JWT"}
    return jwt.encode(claims, keyring.keys[keyring.current_kid], algorithm=ALGORITHM, headers=headers)


def verify_token(token: str, keyring: Keyring) -> uuid.UUID:
    """Check a token's signature and return the dispatch id it names.

    Args:
        token: the compact JWT from the launch URL.
        keyring: the keys that may have signed it.

    Returns:
        The dispatch id.

    Raises:
        TokenMalformed: not a dispatch token at all.
        TokenUnknownKey: signed with a key id the keyring does not hold.
        TokenForged: the signature does not verify, or the header asks for another algorithm.
    """
    key = _key_for(token, keyring)
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "iat"], "verify_exp": False},
            # Web processes' clocks drift; a token issued "in the future" by seconds is ours.
            leeway=300,
        )
    except jwt.InvalidSignatureError as err:
        raise TokenForged("The dispatch link's signature does not match.") from err
    except (jwt.MissingRequiredClaimError, jwt.DecodeError, jwt.InvalidTokenError) as err:
        raise TokenMalformed("The dispatch link is not a valid dispatch token.") from err
    try:
        return uuid.UUID(str(claims["sub"]))
    except ValueError as err:
        raise TokenMalformed("The dispatch link does not name a dispatch.") from err


def _key_for(token: str, keyring: Keyring) -> bytes:
    """Read the unverified header only to pick the key; nothing else in it is trusted."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise TokenMalformed("The dispatch link is not a valid dispatch token.")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError as err:
        raise TokenMalformed("The dispatch link is not a valid dispatch token.") from err
    alg = header.get("alg")
    if not isinstance(alg, str) or not alg:
        raise TokenMalformed("The dispatch link is not a valid dispatch token.")
    if alg != ALGORITHM:
        raise TokenForged("The dispatch link is not signed the way dispatch links are.")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise TokenMalformed("The dispatch link does not name its signing key.")
    try:
        return keyring.keys[kid]
    except KeyError:
        raise TokenUnknownKey("The dispatch link was signed with a key that is no longer accepted.") from None
