"""Dispatch ZIP stage: a SCORM 1.2 stub package that launches a dispatch from another LMS.

Inputs: the title, the service's public base URL and the dispatch token. Output: a
ZIP written to a path or a binary stream (`imsmanifest.xml` with one SCO, a launch
page, a config script and the launcher script from `pipeline/dispatch_stub/`) and a
`DispatchZipInfo` describing it. The same inputs always give the same bytes, so a
rebuilt dispatch ZIP does not change under a host LMS that checksums uploads.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import os
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import BinaryIO
from urllib.parse import quote, urlsplit

from lxml import etree

from pipeline.errors import PipelineError

IMSCP_NS = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP_NS = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
MANIFEST_NAME = "imsmanifest.xml"
LAUNCH_PAGE = "index.html"
CONFIG_SCRIPT = "dispatch-config.js"
LAUNCHER_SCRIPT = "dispatch.js"
PLAYER_PATH = "/player/dispatch/"
MAX_TITLE_CHARS = 200

_ASSETS = Path(__file__).resolve().parent / "dispatch_stub"
# 1980-01-01 is the earliest DOS timestamp: fixed so the bytes never depend on the clock.
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_\-.]+$")
_IDENTIFIER_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-.]*$")
# Characters XML 1.0 cannot hold at all; a title carrying them would break the manifest.
_NON_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class DispatchZipInfo:
    """What `build_dispatch_zip` wrote.

    Attributes:
        player_url: the dispatch player URL the stub frames (without learner parameters).
        service_origin: the only origin whose messages the stub accepts.
        manifest_identifier: the manifest's `identifier` attribute.
        entries: the ZIP's entry names, in archive order.
        size_bytes: the ZIP's size.
        sha256: hex digest of the ZIP's bytes.
    """

    player_url: str
    service_origin: str
    manifest_identifier: str
    entries: tuple[str, ...]
    size_bytes: int
    sha256: str


def build_dispatch_zip(
    out: str | os.PathLike[str] | BinaryIO,
    *,
    title: str,
    launch_base_url: str,
    token: str,
    identifier: str | None = None,
) -> DispatchZipInfo:
    """Write the dispatch stub package for one dispatch.

    Args:
        out: a file path, or a writable binary stream (left open, positioned after the ZIP).
        title: the course title shown by the host LMS.
        launch_base_url: the service's public base URL (`https://app.example.com`).
        token: the dispatch token, placed in the player URL.
        identifier: the manifest identifier; derived from the token when omitted.

    Returns:
        A `DispatchZipInfo` describing the archive.

    Raises:
        PipelineError: `DISPATCH_INVALID_INPUT` when an input cannot make a safe package.
    """
    clean_title = _check_title(title)
    origin, base_path = _check_base_url(launch_base_url)
    _check_token(token)
    manifest_id = _check_identifier(identifier) if identifier else _derived_identifier(token)
    player_url = f"{origin}{base_path}{PLAYER_PATH}{quote(token, safe='')}"

    files = {
        MANIFEST_NAME: manifest_xml(clean_title, manifest_id),
        CONFIG_SCRIPT: _config_script(player_url, origin),
        LAUNCH_PAGE: _launch_page(clean_title),
        LAUNCHER_SCRIPT: (_ASSETS / LAUNCHER_SCRIPT).read_bytes(),
    }
    data = _zip_bytes(files)
    _write(out, data)
    return DispatchZipInfo(
        player_url=player_url,
        service_origin=origin,
        manifest_identifier=manifest_id,
        entries=tuple(files),
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def manifest_xml(title: str, identifier: str) -> bytes:
    """Return the SCORM 1.2 manifest: one organization, one item, one SCO resource.

    Args:
        title: the course title (already checked).
        identifier: the manifest identifier (an XML NCName).

    Returns:
        The UTF-8 encoded manifest with an XML declaration.
    """
    nsmap = {None: IMSCP_NS, "adlcp": ADLCP_NS}

    def el(parent: etree._Element | None, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
        node = (
            etree.Element(f"{{{IMSCP_NS}}}{tag}", nsmap=nsmap)
            if parent is None
            else etree.SubElement(parent, f"{{{IMSCP_NS}}}{tag}")
        )
        for key, value in attrs.items():
            node.set(key, value)
        node.text = text
        return node

    root = el(None, "manifest", identifier=identifier, version="1.0")
    metadata = el(root, "metadata")
    el(metadata, "schema", "ADL SCORM")
    el(metadata, "schemaversion", "1.2")
    orgs = el(root, "organizations", default="ORG-DISPATCH")
    org = el(orgs, "organization", identifier="ORG-DISPATCH")
    el(org, "title", title)
    item = el(org, "item", identifier="ITEM-DISPATCH", identifierref="RES-DISPATCH", isvisible="true")
    el(item, "title", title)
    resources = el(root, "resources")
    resource = el(resources, "resource", identifier="RES-DISPATCH", type="webcontent", href=LAUNCH_PAGE)
    resource.set(f"{{{ADLCP_NS}}}scormtype", "sco")
    for name in (LAUNCH_PAGE, CONFIG_SCRIPT, LAUNCHER_SCRIPT):
        el(resource, "file", href=name)
    body = etree.tostring(root, xml_declaration=False, encoding="UTF-8", pretty_print=True)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def _check_title(title: str) -> str:
    clean = " ".join(_NON_XML_RE.sub("", title or "").split())
    if not clean:
        raise PipelineError("DISPATCH_INVALID_INPUT", "The dispatch title is empty.", {"field": "title"})
    return clean[:MAX_TITLE_CHARS]


def _check_base_url(url: str) -> tuple[str, str]:
    """Split the base URL into its origin and path prefix, refusing anything else."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise PipelineError(
            "DISPATCH_INVALID_INPUT",
            "The launch base URL must be an absolute http(s) URL.",
            {"field": "launch_base_url"},
        )
    if parts.query or parts.fragment:
        raise PipelineError(
            "DISPATCH_INVALID_INPUT",
            "The launch base URL must not carry a query or fragment.",
            {"field": "launch_base_url"},
        )
    return _origin(parts.scheme, parts.hostname, parts.port), parts.path.rstrip("/")


def _origin(scheme: str, host: str, port: int | None) -> str:
    """Serialise an origin the way a browser reports `event.origin` (default port dropped)."""
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError as err:
        raise PipelineError(
            "DISPATCH_INVALID_INPUT",
            "The launch base URL's host is not a valid name.",
            {"field": "launch_base_url"},
        ) from err
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        netloc = f"{netloc}:{port}"
    return f"{scheme}://{netloc}"


def _check_token(token: str) -> None:
    if not token or not _TOKEN_RE.match(token):
        raise PipelineError(
            "DISPATCH_INVALID_INPUT",
            "The dispatch token is empty or holds characters a URL path cannot carry.",
            {"field": "token"},
        )


def _check_identifier(identifier: str) -> str:
    if not _IDENTIFIER_RE.match(identifier):
        raise PipelineError(
            "DISPATCH_INVALID_INPUT",
            "The manifest identifier must be an XML name (letters, digits, '_', '-', '.').",
            {"field": "identifier"},
        )
    return identifier


def _derived_identifier(token: str) -> str:
    return "AC-DISPATCH-" + hashlib.sha256(token.encode("utf-8")).hexdigest()[:20]


def _config_script(player_url: str, origin: str) -> bytes:
    config = {"playerUrl": player_url, "serviceOrigin": origin}
    payload = json.dumps(config, ensure_ascii=True, sort_keys=True)
    # Keep the literal inert even if someone inlines the file into a <script> block.
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f"window.AllureDispatchConfig = {payload};\n".encode("ascii")


def _launch_page(title: str) -> bytes:
    template = Template((_ASSETS / LAUNCH_PAGE).read_text(encoding="utf-8"))
    return template.substitute(title=html.escape(title, quote=True)).encode("utf-8")


def _zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            archive.writestr(info, content, compresslevel=9)
    return buffer.getvalue()


def _write(out: str | os.PathLike[str] | BinaryIO, data: bytes) -> None:
    if isinstance(out, (str, os.PathLike)):
        path = Path(out)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        return
    shutil.copyfileobj(io.BytesIO(data), out)
