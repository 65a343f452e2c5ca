"""Which e-learning standard a package follows, judged from the descriptor files at its root."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from pipeline.errors import PipelineError
from pipeline.notes import note

SCORM_DESCRIPTOR = "imsmanifest.xml"
_NAMED_DESCRIPTORS = (("imsmanifest.xml", "scorm"), ("cmi5.xml", "cmi5"), ("tincan.xml", "tincan"))
# AICC course structure files (CMI001 appendix): course, assignable units, descriptors, structure.
_AICC_EXTENSIONS = (".crs", ".au", ".des", ".cst")
_LABELS = {"scorm": "SCORM", "cmi5": "cmi5", "tincan": "TinCan (xAPI)", "aicc": "AICC"}
# What the import job accepts; each type has its descriptor parser under pipeline/manifest/.
IMPORTED_TYPES = ("scorm", "cmi5", "tincan", "aicc")


def detect_package(
    names: Sequence[str], supported_types: Collection[str] = ("scorm",)
) -> tuple[str, str, list[dict[str, Any]]]:
    """Find the package's descriptor at the root and refuse unsupported standards.

    A SCORM manifest wins when several descriptors are present (some tools add a
    `tincan.xml` beside it); then cmi5, TinCan, and AICC course files.

    Args:
        names: normalised names of the package's files.
        supported_types: the types the service imports.

    Returns:
        `(package_type, descriptor_name, warnings)`.

    Raises:
        PipelineError: `UNSUPPORTED_PACKAGE_TYPE` (details `detected_type`) or
            `MANIFEST_NOT_FOUND` (details `found_in_subfolder` when a descriptor
            sits one folder down, the usual mistake of zipping the folder itself).
    """
    root = {name.casefold(): name for name in names if "/" not in name}
    warnings: list[dict[str, Any]] = []
    found: tuple[str, str] | None = None
    for descriptor, kind in _NAMED_DESCRIPTORS:
        if descriptor in root:
            found = (kind, root[descriptor])
            break
    if found is None:
        # The course file (.crs) names an AICC package; the others when it is missing.
        aicc = sorted((name for key, name in root.items() if key.endswith(_AICC_EXTENSIONS)),
                      key=lambda name: (not name.casefold().endswith(".crs"), name))
        if aicc:
            found = ("aicc", aicc[0])
    if found is None:
        raise _not_found(names)
    kind, descriptor = found
    if kind not in supported_types:
        raise PipelineError(
            "UNSUPPORTED_PACKAGE_TYPE",
            f"This package is {_LABELS[kind]} (found {descriptor}); {_LABELS[kind]} packages are not supported yet.",
            {"detected_type": kind, "descriptor": descriptor, "supported_types": sorted(supported_types)},
        )
    if kind == "scorm" and descriptor != SCORM_DESCRIPTOR:
        warnings.append(
            note("MANIFEST_NAME_CASE", f"The manifest is named '{descriptor}' instead of '{SCORM_DESCRIPTOR}'.")
        )
    return kind, descriptor, warnings


def _is_descriptor(name: str, descriptors: set[str]) -> bool:
    return name in descriptors or name.endswith(".crs")  # an AICC course zipped with its folder


def _not_found(names: Sequence[str]) -> PipelineError:
    descriptors = {descriptor for descriptor, _ in _NAMED_DESCRIPTORS}
    nested = sorted(
        (name for name in names if "/" in name and _is_descriptor(name.rsplit("/", 1)[1].casefold(), descriptors)),
        key=lambda name: (name.count("/"), name),
    )
    details: dict[str, Any] = {"expected": SCORM_DESCRIPTOR}
    message = f"No {SCORM_DESCRIPTOR} at the root of the ZIP."
    if nested:
        details["found_in_subfolder"] = nested[0]
        folder = nested[0].rsplit("/", 1)[0]
        message += (
            f" One was found at '{nested[0]}': zip the contents of the '{folder}' folder, not the folder itself."
        )
    return PipelineError("MANIFEST_NOT_FOUND", message, details)
