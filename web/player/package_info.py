"""What the player and the runtime read about one published package version, cached per process.

A published version never changes (a new import makes a new version), so its
manifest-derived facts are built once per process and kept in a small LRU:
commits and content requests then need no manifest query.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from models.packages import Package, PackageVersion, get_version
from web.player import activity_tree

# AICC courses run on the SCORM 1.2 data model (web/player/aicc_cmi.py maps HACP onto it).
EDITIONS = {"scorm12": "1.2", "scorm2004": "2004", "aicc": "1.2"}
# Standards whose published files the content route serves (cmi5 AUs are content without a SCORM runtime).
SERVED = (*EDITIONS, "cmi5")
_CACHE_SIZE = 256
# Builders of the other standards' PackageInfo, registered by their player modules (web.player.tincan).
BUILDERS: dict[str, Callable[[Package, PackageVersion], PackageInfo]] = {}


@dataclass(frozen=True)
class PackageInfo:
    """One package version as the player sees it.

    Attributes:
        items: launchable leaf items by identifier (manifest item dicts).
        order: launchable item identifiers in flow order.
        scos: identifiers of the items the course status is judged from.
        files: package-relative path → (size, content type).
    """

    package_id: str
    tenant_id: str
    version: int
    title: str
    standard: str
    edition: str
    prefix: str
    manifest: dict[str, Any]
    items: dict[str, dict[str, Any]]
    order: tuple[str, ...]
    scos: tuple[str, ...]
    files: dict[str, tuple[int, str]]

    @property
    def sequenced(self) -> bool:
        """True for SCORM 2004, whose navigation the browser's sequencer decides."""
        return self.edition == "2004"

    def first_item(self) -> str | None:
        return self.order[0] if self.order else None


_cache: OrderedDict[tuple[str, int], PackageInfo] = OrderedDict()
_lock = threading.Lock()


def load(session: Session, package_id: str, version: int) -> PackageInfo | None:
    """The cached facts of a ready package version (None when the version is missing or not served here)."""
    key = (package_id, version)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    package = session.get(Package, package_id)
    if package is None:
        return None
    row = get_version(session, package.id, version)
    if row is None or not row.manifest or (row.standard not in SERVED and row.standard not in BUILDERS):
        return None
    info = BUILDERS.get(row.standard or "", build)(package, row)
    with _lock:
        _cache[key] = info
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return info


def build(package: Package, row: PackageVersion) -> PackageInfo:
    """Derive a `PackageInfo` from a version row (no caching)."""
    manifest = row.manifest or {}
    launchable = activity_tree.launchable(manifest)
    scos = [item["identifier"] for item in launchable if activity_tree.is_sco(item)]
    return PackageInfo(
        package_id=package.id,
        tenant_id=package.tenant_id,
        version=row.version,
        title=row.title or package.title,
        standard=row.standard or "",
        edition=EDITIONS.get(row.standard or "", "1.2"),
        prefix=row.storage_prefix,
        manifest=manifest,
        items={item["identifier"]: item for item in launchable},
        order=tuple(item["identifier"] for item in launchable),
        # A package of assets only (no SCO) is judged by its assets being opened.
        scos=tuple(scos or (item["identifier"] for item in launchable)),
        files={name: (int(size), content_type) for name, size, content_type in row.files or []},
    )
