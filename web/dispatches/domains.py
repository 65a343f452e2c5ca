"""Allowed domains of a dispatch: validating the list and matching a launching origin.

Entries are exact hosts (`partner.com`, `lms.partner.com`, `127.0.0.1`) or a wildcard
over subdomains (`*.partner.com`, which matches `a.partner.com` and `x.y.partner.com`
but not `partner.com` itself). Matching is on whole DNS labels after IDNA (UTS #46)
and case normalisation, so `evilpartner.com` and `partner.com.evil.io` never match.
Ports and schemes are not part of a domain: an entry written as `https://partner.com/`
is normalised to `partner.com`, one with a port, a path or credentials is refused. A
wildcard over a public suffix (`*.co.uk`, `*.github.io`) is refused: anyone can own a
name under it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

import idna
from publicsuffixlist import PublicSuffixList

MAX_DOMAINS = 100
_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_SCHEME_RE = re.compile(r"^(https?)://", re.IGNORECASE)
# The Public Suffix List as the pinned package ships it (ICANN and private sections): no download.
_PUBLIC_SUFFIXES = PublicSuffixList()


class DomainError(ValueError):
    """An allowed-domain entry cannot be used.

    Attributes:
        value: the entry as given.
        reason: why it was refused, as a sentence.
    """

    def __init__(self, value: str, reason: str) -> None:
        super().__init__(f"{value!r}: {reason}")
        self.value = value
        self.reason = reason


class DomainListError(ValueError):
    """Some entries of an allowed-domains list were refused.

    Attributes:
        errors: entry index → reason, for the API's `details.fieldErrors`.
    """

    def __init__(self, errors: dict[int, str]) -> None:
        super().__init__("; ".join(f"[{i}] {reason}" for i, reason in errors.items()))
        self.errors = errors


class OriginVerdict(StrEnum):
    """Why a launching origin was let in or refused."""

    UNRESTRICTED = "unrestricted"
    MATCHED = "matched"
    MISSING = "missing_origin"
    INVALID = "invalid_origin"
    NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True)
class OriginCheck:
    """The outcome of `check_origin`.

    Attributes:
        verdict: why.
        origin: the launching origin (`https://lms.partner.com`) when one could be read.
        host: its normalised host, when one could be read.
    """

    verdict: OriginVerdict
    origin: str | None = None
    host: str | None = None

    @property
    def allowed(self) -> bool:
        """True when the launch may go on."""
        return self.verdict in (OriginVerdict.UNRESTRICTED, OriginVerdict.MATCHED)


def normalize_host(host: str) -> str:
    """Return a host in canonical form: lower-case A-labels, or a compressed IP literal.

    Args:
        host: a DNS name (Unicode or ASCII, a trailing dot allowed) or an IP literal.

    Returns:
        The canonical host.

    Raises:
        DomainError: the host is not a valid DNS name or IP address.
    """
    raw = host.strip()
    literal = raw[1:-1] if raw.startswith("[") and raw.endswith("]") else raw
    try:
        return ipaddress.ip_address(literal).compressed
    except ValueError:
        pass
    # One trailing dot is the DNS root ("partner.com." is partner.com); more is an error.
    name = raw.removesuffix(".")
    if not name:
        raise DomainError(host, "is empty")
    try:
        ascii_name = idna.encode(name, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as err:
        raise DomainError(host, "is not a valid domain name") from err
    labels = ascii_name.split(".")
    if len(ascii_name) > 253 or not all(_LABEL_RE.match(label) for label in labels):
        raise DomainError(host, "is not a valid domain name")
    return ascii_name


def normalize_domain(value: str) -> str:
    """Validate one allowed-domain entry and return its canonical form.

    Args:
        value: `partner.com`, `*.partner.com`, or either behind `http(s)://` with an
            optional trailing `/`.

    Returns:
        The canonical entry (`partner.com` or `*.partner.com`).

    Raises:
        DomainError: the entry has a port, path, query, credentials or another scheme,
            or the wildcard is not a whole leftmost label over at least two labels.
    """
    if not isinstance(value, str) or not value.strip():
        raise DomainError(str(value), "is empty")
    text = _strip_scheme(value.strip(), value)
    wildcard = text.startswith("*.")
    host_part = text[2:] if wildcard else text
    if "*" in host_part:
        raise DomainError(value, "may only use '*' as a whole leftmost label, as in '*.partner.com'")
    host = normalize_host(host_part)
    if not wildcard:
        return host
    if _is_ip(host):
        raise DomainError(value, "cannot put a wildcard over an IP address")
    if host.count(".") < 1:
        raise DomainError(value, "puts a wildcard over a whole top-level domain")
    if _PUBLIC_SUFFIXES.is_public(host):
        # `*.co.uk` or `*.github.io` would let anyone who registers a name there launch the course.
        raise DomainError(value, "puts a wildcard over a public suffix, under which anyone can register a name")
    return f"*.{host}"


def validate_allowed_domains(values: Iterable[str] | None) -> list[str]:
    """Validate a dispatch's `allowed_domains`: canonical entries, duplicates dropped.

    Args:
        values: the list from the request (None means no restriction).

    Returns:
        The canonical entries in their first-seen order (empty: any origin).

    Raises:
        DomainListError: one or more entries were refused, or the list is too long.
    """
    result: list[str] = []
    errors: dict[int, str] = {}
    for index, value in enumerate(values or []):
        try:
            canonical = normalize_domain(value)
        except DomainError as err:
            errors[index] = f"{err.value!r} {err.reason}."
            continue
        if canonical not in result:
            result.append(canonical)
    if len(result) > MAX_DOMAINS:
        errors[MAX_DOMAINS] = f"At most {MAX_DOMAINS} allowed domains per dispatch."
    if errors:
        raise DomainListError(errors)
    return result


def host_matches(host: str, allowed: Sequence[str]) -> bool:
    """Tell whether a canonical host is covered by canonical allowed-domain entries.

    Args:
        host: output of `normalize_host`.
        allowed: output of `validate_allowed_domains`.

    Returns:
        True on an exact match, or when a `*.` entry's suffix matches whole labels.
    """
    for entry in allowed:
        if entry.startswith("*."):
            # The leading dot makes the comparison label-aligned: "evilpartner.com"
            # does not end with ".partner.com", and the bare parent is not a subdomain.
            if not _is_ip(host) and host.endswith(entry[1:]):
                return True
        elif host == entry:
            return True
    return False


def origin_of(value: str | None) -> tuple[str, str] | None:
    """Read the origin and canonical host from an `Origin` or `Referer` header value.

    Args:
        value: `https://lms.partner.com`, a full referer URL, `null`, or None.

    Returns:
        `(origin, host)`, or None when the value holds no usable http(s) origin.
    """
    if not value or value.strip().lower() == "null":
        return None
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return None
    try:
        host = normalize_host(parts.hostname)
    except DomainError:
        return None
    # Keep the origin as the browser serialised it: it is the postMessage target.
    netloc = parts.netloc.lower()
    if port is not None and port == {"http": 80, "https": 443}[scheme]:
        netloc = netloc.rsplit(":", 1)[0]
    return f"{scheme}://{netloc}", host


def check_origin(origin: str | None, referer: str | None, allowed: Sequence[str]) -> OriginCheck:
    """Decide whether a launch from this page may go on.

    The `Origin` header wins when it holds a real origin; a navigation into a frame
    sends none, so the `Referer` is used then. With a non-empty list, a launch whose
    origin cannot be read is refused: a domain lock must fail closed.

    Args:
        origin: the request's `Origin` header, if any.
        referer: the request's `Referer` header, if any.
        allowed: the dispatch's canonical allowed domains (empty: any origin).

    Returns:
        The verdict with the origin that was judged.
    """
    given = origin if origin and origin.strip().lower() != "null" else referer
    parsed = origin_of(given)
    if not allowed:
        return OriginCheck(OriginVerdict.UNRESTRICTED, *(parsed or (None, None)))
    if parsed is None:
        unreadable = bool(given) and given.strip().lower() != "null"
        return OriginCheck(OriginVerdict.INVALID if unreadable else OriginVerdict.MISSING)
    verdict = OriginVerdict.MATCHED if host_matches(parsed[1], allowed) else OriginVerdict.NOT_ALLOWED
    return OriginCheck(verdict, parsed[0], parsed[1])


def _strip_scheme(text: str, original: str) -> str:
    match = _SCHEME_RE.match(text)
    if not match:
        if "://" in text:
            raise DomainError(original, "uses a scheme other than http or https")
        _refuse_url_parts(text, original)
        return text
    rest = text[match.end() :]
    rest = rest.removesuffix("/")
    _refuse_url_parts(rest, original)
    return rest


def _refuse_url_parts(text: str, original: str) -> None:
    if "@" in text:
        raise DomainError(original, "must not hold credentials")
    if any(ch in text for ch in "/?#\\"):
        raise DomainError(original, "must be a host name only, without a path, query or fragment")
    literal_ipv6 = text.startswith("[") and text.endswith("]")
    if ":" in text and not literal_ipv6 and not _is_ip(text):
        raise DomainError(original, "must not carry a port: any port of an allowed host is accepted")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
