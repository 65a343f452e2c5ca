"""Settings for web and workers, read once from the environment (12-factor)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
GiB = 1024**3


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Every knob of the service; defaults describe the embedded single-machine mode."""

    # The embedded default keeps one folder per PORT (.data/3000), so instances side by side never share one.
    data_dir: Path = PROJECT_ROOT / ".data" / "3000"
    database_url: str = ""
    redis_url: str = ""
    s3_endpoint: str = ""
    # 0: the launcher picks free ports for `weed mini` and writes its endpoint to the data folder.
    embedded_s3_port: int = 0
    s3_access_key: str = "allure-dev"
    s3_secret_key: str = "allure-dev-secret"
    s3_bucket: str = "allure-connect"
    s3_region: str = "us-east-1"
    s3_secure: bool = False
    # Where browsers reach storage for presigned PUTs, when it differs from s3_endpoint.
    s3_public_endpoint: str = ""
    public_base_url: str = "http://127.0.0.1:3000"
    # Each tenant's player and package content live on an origin of their own, never the API's:
    # a URL template with `{tenant}` in its first host label. Empty: `http://t-{tenant}.localhost:PORT`.
    content_origin_template: str = ""
    # CSP source expressions that may frame the player of a plain (non-dispatch) session, besides itself.
    player_frame_ancestors: str = ""
    port: int = 3000
    web_concurrency: int = 0
    web_threads: int = 4
    secret_key: str = ""
    dispatch_signing_keys: str = ""
    service_name: str = "scorm-api"
    version: str = "1.5.0"
    rate_limit_read: int = 1000
    rate_limit_write: int = 100
    rate_limit_upload: int = 10
    # Every key of a tenant counts in one tenant-wide window too; 0 means five times the per-key limit.
    rate_limit_tenant_read: int = 0
    rate_limit_tenant_write: int = 0
    rate_limit_tenant_upload: int = 0
    # Active (unrevoked) API keys per tenant, and keys a tenant may create per hour.
    max_keys_per_tenant: int = 50
    max_keys_created_per_hour: int = 20
    # Seconds: no request waits longer on storage (connect, then each read), and each health check is bounded.
    storage_connect_timeout: float = 3.0
    storage_read_timeout: float = 20.0
    health_timeout: float = 2.0
    max_package_bytes: int = 2 * GiB
    max_request_bytes: int = 10 * 1024 * 1024
    max_upload_form_bytes: int = 2 * GiB
    upload_url_ttl_seconds: int = 900
    launch_token_ttl_seconds: int = 300
    # How long an AICC HACP session id (aicc_sid) works after its AU was delivered (as the player key).
    aicc_session_ttl_seconds: int = 12 * 3600
    default_quota_packages: int = 1000
    default_quota_bytes: int = 50 * GiB
    # RQ's time limit for an ingest (and storage clean-up) job. bench/ingest.py on the shared 2-core
    # dev machine: 100 MB in 2,000 files imports in 7.5 s (about 13 MB/s, 270 files/s), so the largest
    # package the ZIP limits admit (4 GiB, 20,000 entries) needs about 5 minutes; 15 leaves a 3x margin.
    # Time-outs are not retried (workers.runner.on_rq_failure): the same package would take as long again.
    job_timeout_seconds: int = 900
    # Imports of one tenant on the RQ `ingest` queue at once; the rest wait for their turn (workers.fair_ingest).
    ingest_slots_per_tenant: int = 1
    # Package ingestion limits (pipeline.zip_validation.ZipLimits) and publish parallelism.
    zip_max_entries: int = 20_000
    zip_max_uncompressed_bytes: int = 4 * GiB
    zip_max_ratio: float = 200.0
    zip_max_manifest_bytes: int = 5 * 1024 * 1024
    publish_workers: int = 6
    log_level: str = "INFO"
    # X-Experience-API-Version the LRS answers with when a request names none (2.0.0 or 1.0.3).
    xapi_default_version: str = "2.0.0"
    # Webhooks (workers.webhooks): private, loopback and link-local receivers are refused unless
    # allowed (a machine's own test receivers); seconds a receiver has to answer; how many requests
    # a drain job makes at once; hours of failing without a success before an endpoint is disabled.
    webhooks_allow_private_networks: bool = False
    webhook_timeout_seconds: float = 10.0
    webhook_concurrency: int = 16
    webhook_disable_after_hours: float = 120.0

    @property
    def embedded(self) -> bool:
        """True when no external database is configured (the one-machine default)."""
        return not self.database_url.startswith("postgresql")

    @property
    def content_origins(self) -> str:
        """The content origin template in force (the embedded default follows PORT)."""
        return self.content_origin_template or f"http://t-{{tenant}}.localhost:{self.port}"

    @property
    def embedded_s3_endpoint_file(self) -> Path:
        """Where the launcher records the address of the `weed mini` it started for this folder."""
        return self.data_dir / "storage" / "endpoint"

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return _normalise_db_url(self.database_url)
        return f"sqlite:///{self.data_dir / 'allure.db'}"

    @property
    def redis_connection_url(self) -> str:
        return self.redis_url or f"unix://{self.data_dir / 'redis.sock'}"

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some fields replaced (tests use this)."""
        return replace(self, **changes)


def _normalise_db_url(url: str) -> str:
    # Heroku-style URLs say postgres://, which SQLAlchemy 2 no longer accepts.
    if url.startswith("postgres://"):
        return "postgresql+psycopg2://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+psycopg2://" + url[len("postgresql://") :]
    return url


_ENV_MAP: dict[str, tuple[str, type]] = {
    "AC_DATA_DIR": ("data_dir", Path),
    "DATABASE_URL": ("database_url", str),
    "REDIS_URL": ("redis_url", str),
    "S3_ENDPOINT": ("s3_endpoint", str),
    "AC_EMBEDDED_S3_PORT": ("embedded_s3_port", int),
    "S3_ACCESS_KEY": ("s3_access_key", str),
    "S3_SECRET_KEY": ("s3_secret_key", str),
    "S3_BUCKET": ("s3_bucket", str),
    "S3_REGION": ("s3_region", str),
    "S3_SECURE": ("s3_secure", bool),
    "S3_PUBLIC_ENDPOINT": ("s3_public_endpoint", str),
    "PUBLIC_BASE_URL": ("public_base_url", str),
    "AC_CONTENT_ORIGIN_TEMPLATE": ("content_origin_template", str),
    "AC_PLAYER_FRAME_ANCESTORS": ("player_frame_ancestors", str),
    "PORT": ("port", int),
    "WEB_CONCURRENCY": ("web_concurrency", int),
    "AC_WEB_THREADS": ("web_threads", int),
    "SECRET_KEY": ("secret_key", str),
    "AC_DISPATCH_SIGNING_KEYS": ("dispatch_signing_keys", str),
    "AC_RATE_LIMIT_READ": ("rate_limit_read", int),
    "AC_RATE_LIMIT_WRITE": ("rate_limit_write", int),
    "AC_RATE_LIMIT_UPLOAD": ("rate_limit_upload", int),
    "AC_RATE_LIMIT_TENANT_READ": ("rate_limit_tenant_read", int),
    "AC_RATE_LIMIT_TENANT_WRITE": ("rate_limit_tenant_write", int),
    "AC_RATE_LIMIT_TENANT_UPLOAD": ("rate_limit_tenant_upload", int),
    "AC_MAX_KEYS_PER_TENANT": ("max_keys_per_tenant", int),
    "AC_MAX_KEYS_CREATED_PER_HOUR": ("max_keys_created_per_hour", int),
    "AC_STORAGE_CONNECT_TIMEOUT": ("storage_connect_timeout", float),
    "AC_STORAGE_READ_TIMEOUT": ("storage_read_timeout", float),
    "AC_HEALTH_TIMEOUT": ("health_timeout", float),
    "AC_MAX_PACKAGE_BYTES": ("max_package_bytes", int),
    "AC_MAX_REQUEST_BYTES": ("max_request_bytes", int),
    "AC_UPLOAD_URL_TTL_SECONDS": ("upload_url_ttl_seconds", int),
    "AC_LAUNCH_TOKEN_TTL_SECONDS": ("launch_token_ttl_seconds", int),
    "AC_AICC_SESSION_TTL_SECONDS": ("aicc_session_ttl_seconds", int),
    "AC_DEFAULT_QUOTA_PACKAGES": ("default_quota_packages", int),
    "AC_DEFAULT_QUOTA_BYTES": ("default_quota_bytes", int),
    "AC_JOB_TIMEOUT_SECONDS": ("job_timeout_seconds", int),
    "AC_INGEST_SLOTS_PER_TENANT": ("ingest_slots_per_tenant", int),
    "AC_ZIP_MAX_ENTRIES": ("zip_max_entries", int),
    "AC_ZIP_MAX_UNCOMPRESSED_BYTES": ("zip_max_uncompressed_bytes", int),
    "AC_ZIP_MAX_RATIO": ("zip_max_ratio", float),
    "AC_ZIP_MAX_MANIFEST_BYTES": ("zip_max_manifest_bytes", int),
    "AC_PUBLISH_WORKERS": ("publish_workers", int),
    "AC_LOG_LEVEL": ("log_level", str),
    "AC_XAPI_DEFAULT_VERSION": ("xapi_default_version", str),
    "AC_WEBHOOKS_ALLOW_PRIVATE_NETWORKS": ("webhooks_allow_private_networks", bool),
    "AC_WEBHOOK_TIMEOUT_SECONDS": ("webhook_timeout_seconds", float),
    "AC_WEBHOOK_CONCURRENCY": ("webhook_concurrency", int),
    "AC_WEBHOOK_DISABLE_AFTER_HOURS": ("webhook_disable_after_hours", float),
}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from the environment; unset variables keep the embedded defaults."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, (attr, kind) in _ENV_MAP.items():
        raw = env.get(name)
        if raw is None or raw == "":
            continue
        values[attr] = _bool(raw) if kind is bool else kind(raw)
    if "data_dir" not in values:
        values["data_dir"] = PROJECT_ROOT / ".data" / str(values.get("port", Settings.port))
    settings = Settings(**values)
    if not settings.s3_endpoint:
        settings = replace(settings, s3_endpoint=_embedded_s3_endpoint(settings))
    if "PUBLIC_BASE_URL" not in env and "PORT" in env:
        settings = replace(settings, public_base_url=f"http://127.0.0.1:{settings.port}")
    if not settings.secret_key:
        settings = replace(settings, secret_key=_embedded_secret(settings.data_dir))
    return settings


def _embedded_s3_endpoint(settings: Settings) -> str:
    """The running embedded storage of this data folder (the CLI beside `make run` reaches it too)."""
    if settings.embedded_s3_port:
        return f"127.0.0.1:{settings.embedded_s3_port}"
    try:
        return settings.embedded_s3_endpoint_file.read_text().strip()
    except FileNotFoundError:
        return "127.0.0.1:9"  # discard port: storage calls fail fast until the launcher starts storage


def _embedded_secret(data_dir: Path) -> str:
    """A per-installation secret kept in the data folder, so restarts keep tokens valid."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret


def child_environment(settings: Settings) -> dict[str, str]:
    """Environment variables that make a child process see the same settings."""
    env = {
        "AC_DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.sqlalchemy_url,
        "REDIS_URL": settings.redis_connection_url,
        "S3_ENDPOINT": settings.s3_endpoint,
        "S3_ACCESS_KEY": settings.s3_access_key,
        "S3_SECRET_KEY": settings.s3_secret_key,
        "S3_BUCKET": settings.s3_bucket,
        "S3_REGION": settings.s3_region,
        "S3_SECURE": "true" if settings.s3_secure else "false",
        "PUBLIC_BASE_URL": settings.public_base_url,
        "PORT": str(settings.port),
        "SECRET_KEY": settings.secret_key,
    }
    if settings.content_origin_template:
        env["AC_CONTENT_ORIGIN_TEMPLATE"] = settings.content_origin_template
    if settings.player_frame_ancestors:
        env["AC_PLAYER_FRAME_ANCESTORS"] = settings.player_frame_ancestors
    if settings.s3_public_endpoint:
        env["S3_PUBLIC_ENDPOINT"] = settings.s3_public_endpoint
    return env
