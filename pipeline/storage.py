"""Object storage: a small interface and its S3 implementation over the `minio` client."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, TYPE_CHECKING, Protocol

from minio import Minio
from minio.deleteobjects import DeleteObject
from minio.error import S3Error
from urllib3 import PoolManager, Timeout
from urllib3.exceptions import MaxRetryError, ReadTimeoutError
from urllib3.util import Retry

from pipeline.errors import ObjectNotFound, StorageError

if TYPE_CHECKING:
    from config.settings import Settings

log = logging.getLogger(__name__)
PART_SIZE = 16 * 1024 * 1024
_MISSING = {"NoSuchKey", "NoSuchObject", "NoSuchBucket", "ResourceNotFound"}


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    etag: str
    content_type: str | None
    last_modified: datetime | None


class Storage(Protocol):
    """What the service needs from object storage."""

    def ensure_bucket(self) -> None: ...
    def ping(self) -> None: ...
    def put_stream(self, key: str, stream: IO[bytes], length: int, content_type: str) -> None: ...
    def put_file(self, key: str, path: str, content_type: str) -> None: ...
    def stat(self, key: str) -> ObjectInfo: ...
    def open(self, key: str, offset: int = 0, length: int = 0) -> Iterator[bytes]: ...
    def download(self, key: str, path: str) -> None: ...
    def list_keys(self, prefix: str) -> Iterator[str]: ...
    def delete_prefix(self, prefix: str) -> int: ...
    def delete(self, key: str) -> None: ...
    def presigned_put(self, key: str, expires: timedelta) -> str: ...
    def presigned_get(self, key: str, expires: timedelta) -> str: ...


class S3Storage:
    """Storage on any S3 API (MinIO, SeaweedFS, R2, AWS) through the minio client."""

    def __init__(self, client: Minio, bucket: str, presigner: Minio | None = None, prober: Minio | None = None) -> None:
        self.client = client
        self.bucket = bucket
        self.presigner = presigner or client
        # Health checks ask through a client of their own with short timeouts and no retries.
        self.prober = prober or client

    def ensure_bucket(self) -> None:
        try:
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket)
        except S3Error as err:
            if err.code not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                raise StorageError(f"cannot create bucket {self.bucket}") from err

    def ping(self) -> None:
        try:
            self.prober.bucket_exists(self.bucket)
        except Exception as err:
            raise StorageError("storage unreachable") from err

    def put_stream(self, key: str, stream: IO[bytes], length: int, content_type: str) -> None:
        with _wrapped(key):
            self.client.put_object(
                self.bucket, key, stream, length, content_type=content_type, part_size=PART_SIZE
            )

    def put_file(self, key: str, path: str, content_type: str) -> None:
        with _wrapped(key):
            self.client.fput_object(self.bucket, key, path, content_type=content_type, part_size=PART_SIZE)

    def stat(self, key: str) -> ObjectInfo:
        with _wrapped(key):
            obj = self.client.stat_object(self.bucket, key)
        return ObjectInfo(key, obj.size or 0, (obj.etag or "").strip('"'), obj.content_type, obj.last_modified)

    def open(self, key: str, offset: int = 0, length: int = 0) -> Iterator[bytes]:
        """Stream an object (or a byte range of it) in chunks; the connection is released at the end."""
        with _wrapped(key):
            response = self.client.get_object(self.bucket, key, offset=offset, length=length)
        return _chunks(response)

    def download(self, key: str, path: str) -> None:
        with _wrapped(key):
            self.client.fget_object(self.bucket, key, path)

    def list_keys(self, prefix: str) -> Iterator[str]:
        with _wrapped(prefix):
            for obj in self.client.list_objects(self.bucket, prefix=prefix, recursive=True):
                if obj.object_name:
                    yield obj.object_name

    def delete_prefix(self, prefix: str) -> int:
        if not prefix.endswith("/"):
            raise ValueError("a prefix to delete must end with '/'")
        keys = list(self.list_keys(prefix))
        with _wrapped(prefix):
            errors = list(self.client.remove_objects(self.bucket, (DeleteObject(k) for k in keys)))
        if errors:
            raise StorageError(f"{len(errors)} objects under {prefix} could not be deleted")
        return len(keys)

    def delete(self, key: str) -> None:
        with _wrapped(key):
            self.client.remove_object(self.bucket, key)

    def presigned_put(self, key: str, expires: timedelta) -> str:
        return self.presigner.presigned_put_object(self.bucket, key, expires=expires)

    def presigned_get(self, key: str, expires: timedelta) -> str:
        return self.presigner.presigned_get_object(self.bucket, key, expires=expires)


def _chunks(response: object, size: int = 256 * 1024) -> Iterator[bytes]:
    try:
        yield from response.stream(size)  # type: ignore[attr-defined]
    finally:
        response.close()  # type: ignore[attr-defined]
        response.release_conn()  # type: ignore[attr-defined]


class _wrapped:
    """Turn vendor errors into ours where they enter our code."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: object) -> bool:
        if exc is None:
            return False
        if isinstance(exc, S3Error) and exc.code in _MISSING:
            raise ObjectNotFound(self.key) from None
        if isinstance(exc, (ObjectNotFound, StorageError)):
            return False
        log.warning("storage error on %s: %s", self.key, exc)
        raise StorageError(f"storage failed on {self.key}") from exc


class _RetryUnlessTimedOut(Retry):
    """urllib3's retries, except after a read timeout: a server that stopped answering mid-request
    will not answer the same request a moment later, and each retry would cost another timeout.
    Other read errors (a pooled keep-alive connection the server closed) are still retried."""

    def increment(self, method: str | None = None, url: str | None = None, response: object = None,
                  error: Exception | None = None, _pool: object = None, _stacktrace: object = None) -> Retry:
        if isinstance(error, ReadTimeoutError):
            raise MaxRetryError(_pool, url or "", error)  # type: ignore[arg-type]
        return super().increment(method, url, response, error, _pool, _stacktrace)  # type: ignore[arg-type]


def _request_pool(settings: Settings) -> PoolManager:
    """Every storage call is bounded: a stalled server (SIGSTOP) costs one read timeout, not minutes."""
    retries = _RetryUnlessTimedOut(total=3, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504])
    timeout = Timeout(connect=settings.storage_connect_timeout, read=settings.storage_read_timeout)
    return PoolManager(timeout=timeout, maxsize=32, retries=retries)


def _probe_pool(settings: Settings) -> PoolManager:
    """A health check answers within its timeout, once: no retries."""
    seconds = settings.health_timeout
    return PoolManager(timeout=Timeout(connect=seconds, read=seconds), maxsize=4, retries=False)


def _client(endpoint: str, settings: Settings, pool: PoolManager | None = None) -> Minio:
    pool = pool or _request_pool(settings)
    return Minio(
        endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        secure=settings.s3_secure,
        region=settings.s3_region,
        http_client=pool,
    )


def storage_from_settings(settings: Settings) -> S3Storage:
    public = settings.s3_public_endpoint or settings.s3_endpoint
    return S3Storage(
        _client(settings.s3_endpoint, settings),
        settings.s3_bucket,
        presigner=_client(public, settings),
        prober=_client(settings.s3_endpoint, settings, _probe_pool(settings)),
    )
