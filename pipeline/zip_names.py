"""Decoding and normalising ZIP entry names (UTF-8 flag, Info-ZIP Unicode path, CP437).

`zipfile` decodes a name as UTF-8 only when general-purpose bit 11 is set and as
CP437 otherwise, but many archivers (macOS, 7-Zip, Windows "Send to") write UTF-8
bytes without setting the flag. `decode_name` recovers the intended name;
`normalise_name` turns it into the storage-safe relative path the pipeline uses,
rejecting absolute paths, escapes from the root, control and invisible
characters, and names longer than a file system or an S3 key allows.
"""

from __future__ import annotations

import re
import struct
import unicodedata
import zipfile
import zlib

from pipeline.errors import PipelineError

UTF8_FLAG = 0x800
UNICODE_PATH_EXTRA_ID = 0x7075
# S3 keys are limited to 1024 bytes (UTF-8), our version prefix included.
MAX_KEY_BYTES = 1024
# When the prefix is not known: it takes about 100 bytes (two UUIDs and the version number).
MAX_NAME_BYTES = 900
# File systems (and so SeaweedFS's filer and every browser's download) limit a path segment to 255 bytes.
MAX_SEGMENT_BYTES = 255
# Line and paragraph separators and NEL break lines in logs and headers; Cc/Cf cover the rest of the
# invisible characters (bidirectional overrides and isolates, zero-width ones, the BOM, soft hyphen).
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
_DRIVE = re.compile(r"^[A-Za-z]:")

ENCODING_FLAGGED = "utf-8"
ENCODING_GUESSED_UTF8 = "utf-8-unflagged"
ENCODING_UNICODE_EXTRA = "unicode-path-extra"
ENCODING_CP437 = "cp437"
ENCODING_ASCII = "ascii"


def decode_name(info: zipfile.ZipInfo) -> tuple[str, str]:
    """Recover the name an archiver meant to store.

    Args:
        info: the entry, as parsed by `zipfile` (which already decoded `orig_filename`).

    Returns:
        `(name, how)`: the decoded name and which rule decoded it (one of the
        `ENCODING_*` constants), so callers can warn about guessed encodings.
    """
    if info.flag_bits & UTF8_FLAG:
        return info.orig_filename, ENCODING_FLAGGED
    # cp437 maps all 256 byte values, so encoding it back gives the stored bytes.
    raw = info.orig_filename.encode("cp437")
    unicode_path = _unicode_path_extra(info.extra, raw)
    if unicode_path is not None:
        return unicode_path, ENCODING_UNICODE_EXTRA
    if raw.isascii():
        return info.orig_filename, ENCODING_ASCII
    try:
        # Multi-byte UTF-8 sequences almost never occur by chance in CP437 names.
        return raw.decode("utf-8"), ENCODING_GUESSED_UTF8
    except UnicodeDecodeError:
        return info.orig_filename, ENCODING_CP437


def _unicode_path_extra(extra: bytes, raw_name: bytes) -> str | None:
    """Read the Info-ZIP Unicode Path extra field (0x7075) when it matches the name."""
    pos = 0
    while pos + 4 <= len(extra):
        field_id, size = struct.unpack_from("<HH", extra, pos)
        body = extra[pos + 4 : pos + 4 + size]
        pos += 4 + size
        if field_id != UNICODE_PATH_EXTRA_ID or len(body) < 5 or body[0] != 1:
            continue
        # APPNOTE 4.6.9: the field is stale (ignored) when the CRC of the header name differs.
        if struct.unpack_from("<I", body, 1)[0] != zlib.crc32(raw_name):
            return None
        try:
            return body[5:].decode("utf-8")
        except UnicodeDecodeError:
            return None
    return None


def normalise_name(name: str, max_name_bytes: int = MAX_NAME_BYTES) -> tuple[str, bool]:
    """Turn a decoded entry name into a relative, NFC-normalised POSIX path.

    Args:
        name: the decoded name from `decode_name`.
        max_name_bytes: longest accepted path in UTF-8 bytes (what the storage key leaves after the prefix).

    Returns:
        `(path, is_dir)`; `path` is empty for the root directory itself.

    Raises:
        PipelineError: `ZIP_INVALID_NAME` (control, format or invisible characters),
            `ZIP_NAME_TOO_LONG` (a segment over 255 bytes, or the whole path over
            `max_name_bytes`), `ZIP_ABSOLUTE_PATH`, or `ZIP_PATH_TRAVERSAL` (`..` leaving the root).
    """
    refused = next((ch for ch in name if unicodedata.category(ch) in _REFUSED_CATEGORIES), None)
    if refused is not None:
        raise PipelineError(
            "ZIP_INVALID_NAME",
            f"A ZIP entry name contains the control or invisible character U+{ord(refused):04X}; "
            "rename the file.",
            {"entry": name.encode("unicode_escape").decode("ascii")[:300], "character": f"U+{ord(refused):04X}"},
        )
    # Some Windows archivers write backslashes although APPNOTE mandates '/'.
    path = name.replace("\\", "/")
    if path.startswith("/") or _DRIVE.match(path):
        raise PipelineError(
            "ZIP_ABSOLUTE_PATH",
            f"The ZIP entry '{name}' has an absolute path; entries must be relative to the package root.",
            {"entry": name},
        )
    parts: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if not parts:
                raise PipelineError(
                    "ZIP_PATH_TRAVERSAL",
                    f"The ZIP entry '{name}' points outside the package with '..'.",
                    {"entry": name},
                )
            parts.pop()
            continue
        parts.append(segment)
    normalised = unicodedata.normalize("NFC", "/".join(parts))
    _check_length(normalised, max_name_bytes)
    return normalised, path.endswith("/") or not normalised


def _check_length(path: str, max_name_bytes: int) -> None:
    longest = max((len(segment.encode("utf-8")) for segment in path.split("/")), default=0)
    if longest > MAX_SEGMENT_BYTES:
        raise PipelineError(
            "ZIP_NAME_TOO_LONG",
            f"A file or folder name in the ZIP entry '{path[:200]}' is {longest} bytes long (UTF-8); "
            f"the limit is {MAX_SEGMENT_BYTES}.",
            {"entry": path[:300], "limit": "segment_bytes", "value": longest, "max": MAX_SEGMENT_BYTES},
        )
    size = len(path.encode("utf-8"))
    if size > max_name_bytes:
        raise PipelineError(
            "ZIP_NAME_TOO_LONG",
            f"The ZIP entry '{path[:200]}' is {size} bytes long (UTF-8); the limit is {max_name_bytes}.",
            {"entry": path[:300], "limit": "path_bytes", "value": size, "max": max_name_bytes},
        )


def collision_key(path: str) -> str:
    """Key under which two names collide: same text after NFC and case folding."""
    return unicodedata.normalize("NFC", path).casefold()
