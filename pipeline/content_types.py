"""The `Content-Type` a package file is stored and served with, chosen by its extension.

An explicit table covers what e-learning packages contain; anything else falls
back to Python's built-in `mimetypes` table (not the host's `/etc/mime.types`,
so every machine stores the same types), then `application/octet-stream`.
No `charset` is added: legacy content is often Windows-1252 (the golf samples'
`scormfunctions.js`), and browsers must keep reading the bytes as they are.
"""

from __future__ import annotations

import mimetypes
import posixpath

DEFAULT_CONTENT_TYPE = "application/octet-stream"

_TYPES = {
    # Documents, scripts and data
    ".html": "text/html", ".htm": "text/html", ".xhtml": "application/xhtml+xml",
    ".js": "text/javascript", ".mjs": "text/javascript", ".cjs": "text/javascript",
    ".css": "text/css", ".json": "application/json", ".map": "application/json",
    ".xml": "application/xml", ".xsd": "application/xml", ".xsl": "application/xml", ".xslt": "application/xml",
    ".dtd": "application/xml-dtd", ".txt": "text/plain", ".csv": "text/csv", ".md": "text/markdown",
    ".pdf": "application/pdf", ".wasm": "application/wasm", ".swf": "application/x-shockwave-flash",
    ".jar": "application/java-archive", ".zip": "application/zip",
    # Images
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".svg": "image/svg+xml", ".webp": "image/webp", ".avif": "image/avif", ".ico": "image/vnd.microsoft.icon",
    ".bmp": "image/bmp", ".tif": "image/tiff", ".tiff": "image/tiff",
    # Audio and video
    ".mp4": "video/mp4", ".m4v": "video/mp4", ".f4v": "video/mp4", ".webm": "video/webm", ".ogv": "video/ogg",
    ".mov": "video/quicktime", ".flv": "video/x-flv", ".m3u8": "application/vnd.apple.mpegurl",
    ".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".aac": "audio/aac", ".ogg": "audio/ogg", ".oga": "audio/ogg",
    ".wav": "audio/wav", ".weba": "audio/webm", ".vtt": "text/vtt", ".srt": "application/x-subrip",
    # Fonts
    ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf", ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
}  # fmt: skip

# A private table built from Python's defaults only; `mimetypes.guess_type` would read host files.
_FALLBACK = mimetypes.MimeTypes()


def content_type_for(name: str) -> str:
    """The content type for a package file name (case-insensitive extension).

    Args:
        name: a file name or path inside the package (`Playing/par.JPG`).

    Returns:
        A MIME type such as `text/javascript` or `video/mp4`.
    """
    extension = posixpath.splitext(name.lower())[1]
    if extension in _TYPES:
        return _TYPES[extension]
    guessed, _ = _FALLBACK.guess_type("file" + extension, strict=False)
    return guessed or DEFAULT_CONTENT_TYPE
