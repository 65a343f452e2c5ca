"""Decoding and normalising ZIP entry names (UTF-8 flag, Info-ZIP Unicode path, CP437).

`zipfile` decodes a name as UTF-8 only when general-purpose bit 11 is set and as
CP437 otherwise, but many archivers (macOS, 7-Zip, Windows "Send to") write UTF-8
bytes without setting the flag. `decode_name` recovers the intended name;
`normalise_name` turns it into the storage-safe relative path the pipeline uses,
rejecting absolute paths, escapes from the root and control characters.
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
# S3 keys are limited to 1024 bytes and the version prefix takes about 110.
MAX_NAME_BYTES = 900
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


def normalise_name(name: str) -> tuple[str, bool]:
    """Turn a decoded entry name into a relative, NFC-normalised POSIX path.

    Args:
        name: the decoded name from `decode_name`.

    Returns:
        `(path, is_dir)`; `path` is empty for the root directory itself.

    Raises:
        PipelineError: `ZIP_INVALID_NAME` (control characters, too long),
            `ZIP_ABSOLUTE_PATH`, or `ZIP_PATH_TRAVERSAL` (`..` leaving the root).
    """
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise PipelineError(
            "ZIP_INVALID_NAME",
            "A ZIP entry name contains control characters.",
            {"entry": name.encode("unicode_escape").decode("ascii")},
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
    if len(normalised.encode("utf-8")) > MAX_NAME_BYTES:
        raise PipelineError(
            "ZIP_INVALID_NAME",
            f"A ZIP entry name is longer than {MAX_NAME_BYTES} bytes.",
            {"entry": normalised[:200]},
        )
    return normalised, path.endswith("/") or not normalised


def collision_key(path: str) -> str:
    """Key under which two names collide: same text after NFC and case folding."""
    return unicodedata.normalize("NFC", path).casefold()
