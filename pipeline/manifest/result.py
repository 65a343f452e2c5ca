"""The value the manifest stage returns; its `to_dict()` shape is documented in `pipeline.manifest`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pipeline.manifest.version import SCORM12, label

FORMAT_VERSION = 1


@dataclass
class ManifestResult:
    """A parsed SCORM manifest (see the `pipeline.manifest` docstring for every field)."""

    standard: str
    edition: str | None
    schemaversion: str | None
    identifier: str | None
    version: str | None
    title: str
    description: str | None
    default_organization: str | None
    organizations: list[dict[str, Any]]
    resources: list[dict[str, Any]]
    sequencing_collection: dict[str, dict[str, Any]]
    launch_item: str | None
    launch_path: str | None
    sco_count: int
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def label(self) -> str:
        """"SCORM 1.2" or "SCORM 2004 4th Edition"."""
        return label(self.standard, self.edition)

    def default_org(self) -> dict[str, Any] | None:
        """The default organization's dict, or None for an empty manifest."""
        return next((org for org in self.organizations if org["identifier"] == self.default_organization), None)

    def iter_items(self, organization: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Items in document order (pre-order), of one organization or of all."""
        roots = [organization] if organization else self.organizations
        stack: list[dict[str, Any]] = []
        for org in roots:
            stack.extend(reversed(org["items"]))
            while stack:
                item = stack.pop()
                yield item
                stack.extend(reversed(item["children"]))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict, stable across releases (`format_version` changes otherwise)."""
        return {
            "format_version": FORMAT_VERSION,
            "standard": self.standard,
            "edition": self.edition,
            "label": self.label,
            "schemaversion": self.schemaversion,
            "identifier": self.identifier,
            "version": self.version,
            "title": self.title,
            "description": self.description,
            "default_organization": self.default_organization,
            "launch_item": self.launch_item,
            "launch_path": self.launch_path,
            "sco_count": self.sco_count,
            "organizations": self.organizations,
            "resources": self.resources,
            "sequencing_collection": self.sequencing_collection,
            "warnings": self.warnings,
        }


def empty_result(title: str, warnings: list[dict[str, Any]]) -> ManifestResult:
    """The result for a manifest without any element: SCORM 1.2, nothing to launch."""
    return ManifestResult(
        standard=SCORM12,
        edition=None,
        schemaversion=None,
        identifier=None,
        version=None,
        title=title,
        description=None,
        default_organization=None,
        organizations=[],
        resources=[],
        sequencing_collection={},
        launch_item=None,
        launch_path=None,
        sco_count=0,
        warnings=warnings,
    )
