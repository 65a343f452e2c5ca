"""RFC 5646 (BCP 47) language tag syntax, as required for xAPI language map keys.

Only the syntax of RFC 5646 §2.1 is checked (with the §2.2.6/§2.2.5 rules against repeated
extension singletons and variants); subtags are not looked up in the IANA registry.
"""

from __future__ import annotations

import re

# Irregular and regular grandfathered tags (RFC 5646 §2.2.8), compared case-insensitively.
_GRANDFATHERED = frozenset(
    tag.lower()
    for tag in (
        "en-GB-oed i-ami i-bnn i-default i-enochian i-hak i-klingon i-lux i-mingo i-navajo "
        "i-pwn i-tao i-tay i-tsu sgn-BE-FR sgn-BE-NL sgn-CH-DE art-lojban cel-gaulish "
        "no-bok no-nyn zh-guoyu zh-hakka zh-min zh-min-nan zh-xiang"
    ).split()
)
_ALPHA = re.compile(r"^[A-Za-z]+$")
_ALNUM = re.compile(r"^[A-Za-z0-9]+$")
_DIGIT = re.compile(r"^[0-9]+$")


def is_language_tag(value: object) -> bool:
    """Return whether `value` is a well-formed RFC 5646 language tag."""
    if not isinstance(value, str) or not value:
        return False
    if value.lower() in _GRANDFATHERED:
        return True
    parts = value.split("-")
    if any(not part or not _ALNUM.match(part) or len(part) > 8 for part in parts):
        return False
    if parts[0].lower() == "x":
        return len(parts) > 1
    return _langtag(parts)


def _langtag(parts: list[str]) -> bool:
    """Walk language, extlang, script, region, variants, extensions and private use."""
    first = parts[0]
    if not _ALPHA.match(first) or len(first) < 2:
        return False
    i = 1
    if len(first) <= 3:
        # Up to three extended language subtags follow a 2-3 letter primary language.
        while i < len(parts) and i <= 3 and len(parts[i]) == 3 and _ALPHA.match(parts[i]):
            i += 1
    if i < len(parts) and len(parts[i]) == 4 and _ALPHA.match(parts[i]):
        i += 1
    if i < len(parts) and _is_region(parts[i]):
        i += 1
    variants: set[str] = set()
    while i < len(parts) and _is_variant(parts[i]):
        if parts[i].lower() in variants:
            return False
        variants.add(parts[i].lower())
        i += 1
    return _extensions(parts, i)


def _is_region(part: str) -> bool:
    """A region is two letters or three digits."""
    return (len(part) == 2 and bool(_ALPHA.match(part))) or (
        len(part) == 3 and bool(_DIGIT.match(part))
    )


def _is_variant(part: str) -> bool:
    """A variant is 5-8 alphanumerics, or a digit followed by three alphanumerics."""
    return len(part) >= 5 or (len(part) == 4 and part[0].isdigit())


def _extensions(parts: list[str], i: int) -> bool:
    """Check extensions (singleton + 2-8 char subtags) and the trailing private use."""
    singletons: set[str] = set()
    while i < len(parts):
        singleton = parts[i].lower()
        if len(singleton) != 1:
            return False
        if singleton == "x":
            return i + 1 < len(parts)
        if singleton in singletons:
            return False
        singletons.add(singleton)
        i += 1
        start = i
        while i < len(parts) and 2 <= len(parts[i]) <= 8:
            i += 1
        if i == start:
            return False
    return True
