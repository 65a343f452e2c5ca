"""Resolving resource `href`s against `xml:base` and appending item `parameters`.

Launch URLs stay relative to the package root (the version's storage prefix),
keep their query and fragment, and are never allowed above the root. The
parameters rules follow SCORM 2004 CAM ("parameters" on `<item>`), which
SCORM 1.2 players apply the same way.
"""

from __future__ import annotations

from urllib.parse import unquote, urljoin, urlsplit

_ROOT = "http://package.invalid/"


def join_base(*parts: str | None) -> str:
    """Combine nested `xml:base` values (manifest, resources, resource) into one base.

    Returns:
        A base ending in '/', relative to the package root ('' for the root), or
        an absolute URL when a base is one.
    """
    url = _ROOT
    for part in parts:
        if part:
            url = urljoin(url, part.strip().replace("\\", "/"))
    if not url.endswith("/"):
        url = url.rsplit("/", 1)[0] + "/"
    return _relative(url)


def resolve_href(base: str, href: str) -> str:
    """A resource `href` resolved against its base: a root-relative path or an absolute URL."""
    return _relative(urljoin(urljoin(_ROOT, base), href.strip().replace("\\", "/")))


def _relative(url: str) -> str:
    if url.startswith(_ROOT):
        return url[len(_ROOT) :]
    if url == _ROOT[:-1]:
        return ""
    return url


def is_external(url: str) -> bool:
    """True for absolute URLs (`https://…`, `//host/…`); they are launched as they are."""
    parts = urlsplit(url)
    return bool(parts.scheme or parts.netloc)


def file_path(url: str) -> str:
    """The package file a root-relative URL points at: no query or fragment, percent-decoded."""
    return unquote(urlsplit(url).path)


def with_parameters(url: str, parameters: str | None) -> str:
    """Append an item's `parameters` to its resource URL (CAM rules for '?', '&' and '#')."""
    params = (parameters or "").strip()
    if not params:
        return url
    if params.startswith("#"):
        return url if "#" in url else url + params
    head, hash_sep, fragment = url.partition("#")
    params = params.lstrip("?&")
    if not params:
        return url
    if "?" not in head:
        joined = f"{head}?{params}"
    elif head.endswith(("?", "&")):
        joined = head + params
    else:
        joined = f"{head}&{params}"
    return joined + hash_sep + fragment
