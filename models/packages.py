"""Packages, their versions and upload sessions.

A `Package` is what the API lists; it is `pending` (invisible) until its first
version is published, then `ready`. Each import makes a `PackageVersion` whose
files live under `tenants/{tenant}/packages/{package}/v{n}/`; a version is
`publishing` until the ingest job finalizes it. A `PackageUpload` records what
a client announced (name, size) for an object under `tenants/{tenant}/uploads/`.
The package row carries the current version's facts so lists need no join.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, JSONType, TimestampMixin, UTCDateTime, UUIDStr, new_id, utcnow


class PackageStatus(StrEnum):
    PENDING = "pending"
    READY = "ready"


class VersionStatus(StrEnum):
    PUBLISHING = "publishing"
    READY = "ready"


SCORM_VERSIONS = {"scorm12": "1.2", "scorm2004": "2004"}
# What the API's `version` says per standard (see `standard_version`): SCORM its version, AICC the
# guideline version its .crs declares (stored as the edition), TinCan and cmi5 none. SCORM Cloud
# likewise names those two by their learning standard alone (`standard` here), with no version.
VERSION_FROM_EDITION = ("aicc",)


class Package(TimestampMixin, Base):
    __tablename__ = "packages"

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True, nullable=False)
    status: Mapped[str] = mapped_column(String(16), default=PackageStatus.PENDING, nullable=False)
    title: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    standard: Mapped[str | None] = mapped_column(String(16))
    edition: Mapped[str | None] = mapped_column(String(8))
    current_version: Mapped[int | None] = mapped_column(Integer)
    launch_path: Mapped[str | None] = mapped_column(Text)
    manifest_name: Mapped[str | None] = mapped_column(String(300))
    sco_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    file_size_bytes: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    uploaded_by: Mapped[str | None] = mapped_column(String(200))
    original_filename: Mapped[str | None] = mapped_column(String(500))

    @property
    def standard_version(self) -> str | None:
        """The API's `version`: "1.2" or "2004" for SCORM, the .crs `Version` for AICC, else None."""
        return standard_version(self.standard, self.edition)

    @property
    def storage_prefix(self) -> str | None:
        """Where the current version's files are stored, ending in '/'."""
        if self.current_version is None:
            return None
        return version_prefix(self.tenant_id, self.id, self.current_version)


class PackageVersion(TimestampMixin, Base):
    __tablename__ = "package_versions"
    __table_args__ = (UniqueConstraint("package_id", "version", name="uq_package_versions_package_id_version"),)

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    package_id: Mapped[str] = mapped_column(
        ForeignKey("packages.id", ondelete="CASCADE"), index=True, nullable=False
    )
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), default=VersionStatus.PUBLISHING, nullable=False)
    # The ingest job that builds this version: a re-run finds its reservation here.
    job_id: Mapped[str | None] = mapped_column(UUIDStr, unique=True)
    storage_prefix: Mapped[str] = mapped_column(String(300), nullable=False)
    source_key: Mapped[str | None] = mapped_column(String(500))
    original_filename: Mapped[str | None] = mapped_column(String(500))
    uploaded_by: Mapped[str | None] = mapped_column(String(200))
    standard: Mapped[str | None] = mapped_column(String(16))
    edition: Mapped[str | None] = mapped_column(String(8))
    title: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    launch_path: Mapped[str | None] = mapped_column(Text)
    manifest_name: Mapped[str | None] = mapped_column(String(300))
    sco_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    file_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    file_size_bytes: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    upload_size_bytes: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    # ManifestResult.to_dict(): the organizations/items tree and sequencing the player reads.
    manifest: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list, nullable=False)
    # [[name, size, content_type], ...] as published.
    files: Mapped[list[list[Any]]] = mapped_column(JSONType, default=list, nullable=False)


class PackageUpload(Base):
    __tablename__ = "package_uploads"

    id: Mapped[str] = mapped_column(UUIDStr, primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True, nullable=False)
    storage_path: Mapped[str] = mapped_column(String(500), unique=True, nullable=False)
    filename: Mapped[str] = mapped_column(String(500), nullable=False)
    file_size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    uploaded_by: Mapped[str | None] = mapped_column(String(200))
    package_id: Mapped[str | None] = mapped_column(UUIDStr)
    method: Mapped[str] = mapped_column(String(16), default="presigned", nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


def standard_version(standard: str | None, edition: str | None) -> str | None:
    """The version of its standard a package follows, as the API reports it (None for TinCan and cmi5)."""
    if standard in VERSION_FROM_EDITION:
        return edition
    return SCORM_VERSIONS.get(standard or "")


def upload_prefix(tenant_id: str) -> str:
    return f"tenants/{tenant_id}/uploads/"


def package_prefix(tenant_id: str, package_id: str) -> str:
    return f"tenants/{tenant_id}/packages/{package_id}/"


def version_prefix(tenant_id: str, package_id: str, version: int) -> str:
    return f"{package_prefix(tenant_id, package_id)}v{version}/"


def get_ready_package(session: Session, package_id: str, tenant_id: str) -> Package | None:
    """A tenant's visible package by id (pending or other tenants' packages are None)."""
    package = session.get(Package, package_id)
    if package is None or package.tenant_id != tenant_id or package.status != PackageStatus.READY:
        return None
    return package


def get_version(session: Session, package_id: str, version: int) -> PackageVersion | None:
    """One ready version of a package."""
    return session.scalar(
        select(PackageVersion).where(
            PackageVersion.package_id == package_id,
            PackageVersion.version == version,
            PackageVersion.status == VersionStatus.READY,
        )
    )


def current_version(session: Session, package: Package) -> PackageVersion | None:
    """The package's current (latest published) version, with its manifest."""
    if package.current_version is None:
        return None
    return get_version(session, package.id, package.current_version)


def ready_versions(session: Session, package_id: str) -> list[PackageVersion]:
    return list(
        session.scalars(
            select(PackageVersion)
            .where(PackageVersion.package_id == package_id, PackageVersion.status == VersionStatus.READY)
            .order_by(PackageVersion.version)
        )
    )


def tenant_usage(session: Session, tenant_id: str) -> tuple[int, int]:
    """(ready packages, stored bytes of ready versions) counted against the tenant's quotas."""
    count = session.scalar(
        select(func.count()).select_from(Package).where(
            Package.tenant_id == tenant_id, Package.status == PackageStatus.READY
        )
    )
    stored = session.scalar(
        select(func.coalesce(func.sum(PackageVersion.file_size_bytes), 0)).where(
            PackageVersion.tenant_id == tenant_id, PackageVersion.status == VersionStatus.READY
        )
    )
    return int(count or 0), int(stored or 0)


class QuotaExceeded(Exception):
    """A tenant quota would be exceeded; carries the overview's `limit` and `current`."""

    def __init__(self, kind: str, limit: int, current: int) -> None:
        what = "Package limit" if kind == "packages" else "Storage limit"
        super().__init__(f"{what} exceeded")
        self.kind = kind
        self.limit = limit
        self.current = current

    @property
    def details(self) -> dict[str, Any]:
        return {"quota": self.kind, "limit": self.limit, "current": self.current}


def check_quota(session: Session, tenant_id: str, new_package: bool, extra_bytes: int) -> None:
    """Refuse one more package (when `new_package`) or `extra_bytes` more stored bytes.

    Raises:
        QuotaExceeded: with the tenant's limit and current usage.
    """
    from models.tenants import Tenant

    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise LookupError(tenant_id)
    count, stored = tenant_usage(session, tenant_id)
    if new_package and count >= tenant.quota_packages:
        raise QuotaExceeded("packages", tenant.quota_packages, count)
    if stored + extra_bytes > tenant.quota_bytes:
        raise QuotaExceeded("bytes", tenant.quota_bytes, stored)
