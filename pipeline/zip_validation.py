"""Stage 1 of ingestion: decide whether an uploaded file is a safe, supported e-learning ZIP.

Input: the path of the uploaded file and `ZipLimits`. Output: a `ZipReport`
listing the entries to publish (normalised name and `ZipInfo`), the ignored
ones, the detected package type and descriptor, sizes and warnings. Nothing is
extracted here; header sizes are checked now and real byte counts again while
publishing (see `pipeline.zip_members.iter_member`), because headers can lie.
"""

from __future__ import annotations

import stat
import zipfile
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from pipeline import zip_names
from pipeline.errors import PipelineError
from pipeline.notes import note
from pipeline.package_type import detect_package
from pipeline.zip_structure import CentralDirectory, check_magic, read_central_directory

MiB = 1024 * 1024
GiB = 1024 * MiB
_ENCRYPTED_FLAGS = 0x1 | 0x40
_SUPPORTED_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA})
_LOCAL_HEADER_SIZE = 30


@dataclass(frozen=True)
class ZipLimits:
    """Configurable limits; the defaults fit real courses with a wide margin.

    Attributes:
        max_entries: entries in the central directory, directories and ignored ones included.
        max_total_uncompressed: sum of the entries' uncompressed sizes, in bytes.
        max_ratio: largest uncompressed/compressed ratio, per entry and overall.
        ratio_min_bytes: below this uncompressed size the ratio is not checked
            (a small file of spaces compresses 1000:1 and harms nobody).
        max_manifest_bytes: size of the package descriptor (`imsmanifest.xml`).
        max_name_bytes: longest entry path in UTF-8 bytes: what an S3 key leaves after the
            version's prefix (`zip_names.MAX_KEY_BYTES` minus the prefix, set by the ingest job).
    """

    max_entries: int = 20_000
    max_total_uncompressed: int = 4 * GiB
    max_ratio: float = 200.0
    ratio_min_bytes: int = 1 * MiB
    max_manifest_bytes: int = 5 * MiB
    max_name_bytes: int = zip_names.MAX_NAME_BYTES


class KeptEntry(NamedTuple):
    """An entry to publish: its normalised relative path and its `ZipInfo`."""

    name: str
    info: zipfile.ZipInfo


@dataclass
class ZipReport:
    """What `validate_zip` found.

    Attributes:
        path: the validated file.
        entries: files to publish, in archive order.
        ignored: names skipped on purpose (`__MACOSX/`, `.DS_Store`).
        package_type: `scorm`, `cmi5`, `tincan` or `aicc`.
        descriptor: normalised name of the descriptor at the root (`imsmanifest.xml`).
        total_uncompressed: announced uncompressed bytes of the kept entries.
        entry_count: entries in the central directory (all kinds).
        warnings: `pipeline.notes.note` dicts.
    """

    path: str
    entries: list[KeptEntry]
    ignored: list[str]
    package_type: str
    descriptor: str
    total_uncompressed: int
    entry_count: int
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def names(self) -> set[str]:
        """Normalised names of the kept entries."""
        return {entry.name for entry in self.entries}

    def info(self, name: str) -> zipfile.ZipInfo | None:
        """The `ZipInfo` of a kept entry by normalised name, or None."""
        return next((entry.info for entry in self.entries if entry.name == name), None)


def validate_zip(
    path: str | Path,
    limits: ZipLimits | None = None,
    supported_types: Collection[str] = ("scorm",),
) -> ZipReport:
    """Validate an uploaded package without extracting it.

    Args:
        path: the uploaded file on local disk.
        limits: size and count limits (defaults when None).
        supported_types: package types the service imports; others are refused.

    Returns:
        The report of a safe, supported package.

    Raises:
        PipelineError: with one code per reason (`NOT_A_ZIP`, `ZIP_TRUNCATED`,
            `ZIP_INVALID`, `ZIP_ENCRYPTED`, `ZIP_UNSUPPORTED_COMPRESSION`,
            `ZIP_TOO_MANY_ENTRIES`, `ZIP_TOO_LARGE`, `ZIP_RATIO_EXCEEDED`,
            `ZIP_OVERLAPPING_ENTRIES`, `ZIP_SYMLINK`, `ZIP_ABSOLUTE_PATH`,
            `ZIP_PATH_TRAVERSAL`, `ZIP_INVALID_NAME`, `ZIP_NAME_TOO_LONG`, `ZIP_NAME_COLLISION`,
            `MANIFEST_NOT_FOUND`, `MANIFEST_TOO_LARGE`, `UNSUPPORTED_PACKAGE_TYPE`).
    """
    limits = limits or ZipLimits()
    path = Path(path)
    file_size = path.stat().st_size
    with path.open("rb") as fp:
        check_magic(fp, file_size)
        directory = read_central_directory(fp, file_size)
    _check_count(directory.entry_count, limits)
    infos = _read_infos(path)
    _check_count(len(infos), limits)
    _check_layout(infos, directory)
    _check_sizes(infos, limits)
    kept, ignored, warnings = _classify(infos, limits.max_name_bytes)
    package_type, descriptor, type_warnings = detect_package([entry.name for entry in kept], supported_types)
    descriptor_info = next(entry.info for entry in kept if entry.name == descriptor)
    if descriptor_info.file_size > limits.max_manifest_bytes:
        raise PipelineError(
            "MANIFEST_TOO_LARGE",
            f"{descriptor} is {descriptor_info.file_size} bytes; the limit is {limits.max_manifest_bytes}.",
            {"size": descriptor_info.file_size, "limit": limits.max_manifest_bytes},
        )
    return ZipReport(
        path=str(path),
        entries=kept,
        ignored=ignored,
        package_type=package_type,
        descriptor=descriptor,
        total_uncompressed=sum(entry.info.file_size for entry in kept),
        entry_count=len(infos),
        warnings=warnings + type_warnings,
    )


def _check_count(count: int, limits: ZipLimits) -> None:
    if count > limits.max_entries:
        raise PipelineError(
            "ZIP_TOO_MANY_ENTRIES",
            f"The ZIP holds {count} entries; the limit is {limits.max_entries}.",
            {"entries": count, "limit": limits.max_entries},
        )


def _read_infos(path: Path) -> list[zipfile.ZipInfo]:
    """Parse the central directory with `zipfile`, mapping its errors to our codes."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.infolist()
    except UnicodeDecodeError:
        raise PipelineError(
            "ZIP_INVALID_NAME", "An entry is flagged as UTF-8 but its name is not valid UTF-8.", {}
        ) from None
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError):
        raise PipelineError(
            "ZIP_INVALID", "The ZIP archive's central directory is damaged or unsupported.", {}
        ) from None


def _check_layout(infos: list[zipfile.ZipInfo], directory: CentralDirectory) -> None:
    """Refuse encrypted or exotic entries, symlinks, and data that overlaps or runs past the end."""
    previous_end = 0
    for info in sorted(infos, key=lambda item: item.header_offset):
        name = info.orig_filename
        if info.flag_bits & _ENCRYPTED_FLAGS:
            raise PipelineError(
                "ZIP_ENCRYPTED", f"The ZIP entry '{name}' is encrypted; upload an unencrypted package.", {"entry": name}
            )
        if info.compress_type not in _SUPPORTED_METHODS:
            raise PipelineError(
                "ZIP_UNSUPPORTED_COMPRESSION",
                f"The ZIP entry '{name}' uses compression method {info.compress_type}; use Deflate or Store.",
                {"entry": name, "method": info.compress_type},
            )
        if stat.S_ISLNK(info.external_attr >> 16):
            raise PipelineError(
                "ZIP_SYMLINK", f"The ZIP entry '{name}' is a symbolic link; links are not allowed.", {"entry": name}
            )
        if info.header_offset < previous_end:
            # Entries sharing compressed data are the "overlapping files" zip bomb.
            raise PipelineError(
                "ZIP_OVERLAPPING_ENTRIES",
                f"The ZIP entry '{name}' overlaps another entry's data; the archive is malformed or hostile.",
                {"entry": name},
            )
        previous_end = info.header_offset + _LOCAL_HEADER_SIZE + info.compress_size
        if previous_end > directory.data_end:
            raise PipelineError(
                "ZIP_TRUNCATED",
                f"The data of ZIP entry '{name}' runs past the end of the archive; upload the complete file again.",
                {"entry": name},
            )


def _check_sizes(infos: list[zipfile.ZipInfo], limits: ZipLimits) -> None:
    """Refuse archives whose announced sizes or compression ratios look like a zip bomb."""
    total = sum(info.file_size for info in infos)
    if total > limits.max_total_uncompressed:
        raise PipelineError(
            "ZIP_TOO_LARGE",
            f"The ZIP expands to {total} bytes; the limit is {limits.max_total_uncompressed}.",
            {"uncompressed_bytes": total, "limit": limits.max_total_uncompressed},
        )
    for info in infos:
        _check_ratio(info.file_size, info.compress_size, limits, info.orig_filename)
    _check_ratio(total, sum(info.compress_size for info in infos), limits, None)


def _check_ratio(uncompressed: int, compressed: int, limits: ZipLimits, entry: str | None) -> None:
    if uncompressed < limits.ratio_min_bytes or uncompressed <= limits.max_ratio * max(compressed, 1):
        return
    ratio = round(uncompressed / max(compressed, 1), 1)
    where = f"The ZIP entry '{entry}'" if entry else "The ZIP archive"
    raise PipelineError(
        "ZIP_RATIO_EXCEEDED",
        f"{where} expands {ratio} times; the limit is {limits.max_ratio} (a likely zip bomb).",
        {"entry": entry, "ratio": ratio, "limit": limits.max_ratio},
    )


def _classify(
    infos: list[zipfile.ZipInfo], max_name_bytes: int
) -> tuple[list[KeptEntry], list[str], list[dict[str, Any]]]:
    """Decode and normalise names, drop directories and OS clutter, refuse collisions."""
    kept: list[KeptEntry] = []
    ignored: list[str] = []
    seen: dict[str, str] = {}
    guessed: dict[str, list[str]] = {}
    for info in infos:
        decoded, how = zip_names.decode_name(info)
        name, is_dir = zip_names.normalise_name(decoded, max_name_bytes)
        if is_dir:
            continue
        if _is_clutter(name):
            ignored.append(name)
            continue
        key = zip_names.collision_key(name)
        if key in seen:
            raise PipelineError(
                "ZIP_NAME_COLLISION",
                f"The ZIP entries '{seen[key]}' and '{name}' have the same name once case and "
                "Unicode form are ignored; rename one of them.",
                {"entries": [seen[key], name]},
            )
        seen[key] = name
        if how in (zip_names.ENCODING_GUESSED_UTF8, zip_names.ENCODING_CP437):
            guessed.setdefault(how, []).append(name)
        kept.append(KeptEntry(name, info))
    return kept, ignored, _name_warnings(ignored, guessed)


def _is_clutter(name: str) -> bool:
    """macOS resource forks and Finder files are never course content."""
    return name.split("/", 1)[0] == "__MACOSX" or name.rsplit("/", 1)[-1] == ".DS_Store"


def _name_warnings(ignored: list[str], guessed: dict[str, list[str]]) -> list[dict[str, Any]]:
    warnings = []
    if ignored:
        warnings.append(
            note("ZIP_ENTRIES_IGNORED", f"{len(ignored)} macOS metadata entries were ignored.", examples=ignored[:5])
        )
    if zip_names.ENCODING_GUESSED_UTF8 in guessed:
        names = guessed[zip_names.ENCODING_GUESSED_UTF8]
        warnings.append(
            note("ZIP_NAMES_UTF8_UNFLAGGED", f"{len(names)} entry names were read as UTF-8 without the UTF-8 flag.",
                 examples=names[:5])
        )
    if zip_names.ENCODING_CP437 in guessed:
        names = guessed[zip_names.ENCODING_CP437]
        warnings.append(
            note("ZIP_NAMES_CP437", f"{len(names)} entry names were read as CP437 (legacy DOS encoding); "
                 "check that accented names look right.", examples=names[:5])
        )
    return warnings
