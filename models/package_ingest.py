"""What the ingest job records: reserve a version, finalize it, or abandon it.

A version is reserved (status `publishing`, keyed by the job id) before any
file is stored, so concurrent imports of one package get distinct prefixes and
a re-run of the same job finds its own reservation. A new package stays
`pending`, invisible to the API, until `finalize_version` makes package and
version `ready` in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from models.base import utcnow
from models.dispatches import Dispatch
from models.jobs import Job, JobStatus
from models.packages import (
    Package,
    PackageStatus,
    PackageVersion,
    VersionStatus,
    check_quota,
    version_prefix,
)


class PackageGone(LookupError):
    """The package a version was meant for no longer exists (deleted, or another tenant's)."""


@dataclass(frozen=True)
class Source:
    """Where a version comes from."""

    tenant_id: str
    package_id: str | None
    source_key: str
    original_filename: str | None
    uploaded_by: str | None
    upload_size: int


def reserve_version(session: Session, job_id: str, source: Source) -> tuple[PackageVersion, bool]:
    """The job's version row, created on first call (with a pending package when new).

    Returns:
        The version and whether it was created now (False: an earlier attempt's reservation).

    Raises:
        PackageGone: `source.package_id` names no ready package of the tenant.
    """
    existing = session.scalar(select(PackageVersion).where(PackageVersion.job_id == job_id))
    if existing is not None:
        return existing, False
    if source.package_id:
        package = session.get(Package, source.package_id, with_for_update=True)
        if package is None or package.tenant_id != source.tenant_id or package.status != PackageStatus.READY:
            raise PackageGone(source.package_id)
        highest = session.scalar(
            select(func.max(PackageVersion.version)).where(PackageVersion.package_id == package.id)
        )
        number = (highest or 0) + 1
    else:
        package = Package(
            tenant_id=source.tenant_id,
            status=PackageStatus.PENDING,
            title=source.original_filename or "",
            uploaded_by=source.uploaded_by,
            original_filename=source.original_filename,
        )
        session.add(package)
        session.flush()
        number = 1
    version = PackageVersion(
        package_id=package.id,
        tenant_id=source.tenant_id,
        version=number,
        status=VersionStatus.PUBLISHING,
        job_id=job_id,
        storage_prefix=version_prefix(source.tenant_id, package.id, number),
        source_key=source.source_key,
        original_filename=source.original_filename,
        uploaded_by=source.uploaded_by,
        upload_size_bytes=source.upload_size,
    )
    session.add(version)
    session.flush()
    return version, True


def finalize_version(session: Session, job_id: str, facts: dict[str, Any]) -> tuple[Package, PackageVersion]:
    """Make the job's version (and its package) visible, after a last quota check.

    Args:
        session: an open transaction.
        job_id: the ingest job.
        facts: `PackageVersion` column values (title, standard, manifest, files, ...).

    Raises:
        PackageGone: the package was deleted while the job ran.
        QuotaExceeded: the tenant's package count or stored bytes would be exceeded.
    """
    version = session.scalar(select(PackageVersion).where(PackageVersion.job_id == job_id).with_for_update())
    if version is None:
        raise PackageGone(job_id)
    package = session.get(Package, version.package_id, with_for_update=True)
    if package is None:
        raise PackageGone(version.package_id)
    if version.status == VersionStatus.READY:
        return package, version
    check_quota(session, version.tenant_id, package.status == PackageStatus.PENDING, facts["file_size_bytes"])
    for key, value in facts.items():
        setattr(version, key, value)
    version.status = VersionStatus.READY
    for key in ("title", "description", "standard", "edition", "launch_path", "manifest_name", "sco_count",
                "file_size_bytes", "uploaded_by", "original_filename"):  # fmt: skip
        setattr(package, key, getattr(version, key))
    package.current_version = version.version
    package.status = PackageStatus.READY
    package.updated_at = utcnow()
    session.flush()
    return package, version


def abandon_version(session: Session, job_id: str) -> str | None:
    """Forget the job's unfinished version (and a package it alone created).

    Returns:
        The storage prefix to empty, or None when there was no reservation.
    """
    version = session.scalar(select(PackageVersion).where(PackageVersion.job_id == job_id))
    if version is None or version.status == VersionStatus.READY:
        return None
    prefix, package_id = version.storage_prefix, version.package_id
    session.delete(version)
    session.flush()
    package = session.get(Package, package_id)
    if package is not None and package.status == PackageStatus.PENDING:
        others = session.scalar(select(func.count()).where(PackageVersion.package_id == package_id))
        if not others:
            session.delete(package)
    return prefix


def stale_reservations(session: Session, tenant_id: str | None, limit: int | None = None) -> list[str]:
    """Job ids of unfinished versions (of one tenant, or of all) whose ingest jobs failed for good.

    A worker killed on its last attempt, or one whose storage was down, cannot
    clean up after itself; the next ingest job of the tenant and the workers'
    periodic maintenance do it.
    """
    query = (
        select(PackageVersion.job_id)
        .join(Job, Job.id == PackageVersion.job_id)
        .where(PackageVersion.status == VersionStatus.PUBLISHING, Job.status == JobStatus.FAILED)
        .order_by(Job.finished_at)
        .limit(limit)
    )
    if tenant_id is not None:
        query = query.where(PackageVersion.tenant_id == tenant_id)
    return [job_id for job_id in session.scalars(query) if job_id]


def delete_package(session: Session, package: Package) -> list[str]:
    """Delete a package row (versions, sessions and dispatches cascade).

    Returns:
        The storage keys outside the package's prefix that go with it (its versions' source
        uploads, its dispatches' ZIPs), for the storage clean-up job.
    """
    sources = list(
        session.scalars(select(PackageVersion.source_key).where(PackageVersion.package_id == package.id))
    )
    # Locked: a ZIP build committing its key now is either seen here or sees its dispatch gone.
    zips = list(session.scalars(select(Dispatch.zip_key).where(Dispatch.package_id == package.id).with_for_update()))
    session.execute(delete(PackageVersion).where(PackageVersion.package_id == package.id))
    session.delete(package)
    session.flush()
    return [key for key in sources + zips if key]
