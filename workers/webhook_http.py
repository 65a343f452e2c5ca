"""One webhook HTTP request: the address checked at send time, then used (no second look-up), no redirects.

The host is resolved when sending, and the request goes to the address that was checked (the
`Host` header and TLS server name keep the URL's host), so a name that resolves elsewhere a
moment later cannot steer the request to a private, loopback, link-local or metadata address.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

MAX_EXCERPT = 1024
USER_AGENT = "AllureConnect-Webhooks/1.0"
_pools: dict[tuple[str, str, int, str], HTTPConnectionPool] = {}
_pools_lock = threading.Lock()


class AddressRefused(Exception):
    """The URL resolves to an address webhooks may not reach."""


@dataclass(frozen=True)
class Answer:
    """What one try got: the status (None when no answer), how long, an excerpt, or the error."""

    status: int | None
    duration_ms: int
    excerpt: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def url_problem(url: str) -> str | None:
    """Why a webhook URL is unusable as written (scheme, host, credentials), or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        return "The URL is not valid."
    if parts.scheme not in ("http", "https"):
        return "Only http and https URLs are allowed."
    if not parts.hostname:
        return "The URL has no host."
    if parts.username or parts.password:
        return "The URL may not carry credentials."
    return None


def refused_address(address: str) -> bool:
    """True for what is not the public internet: private, loopback, link-local (metadata), reserved, multicast."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def resolve(host: str, port: int, allow_private: bool) -> str:
    """The address to send to: the first the host resolves to; all must be allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        raise OSError(f"could not resolve {host}: {err.strerror}") from None
    addresses = [str(info[4][0]) for info in infos]
    if not allow_private and any(refused_address(a) for a in addresses):
        raise AddressRefused(f"{host} resolves to a private or reserved address; refused")
    return addresses[0]


def post(url: str, body: bytes, headers: dict[str, str], timeout: float, allow_private: bool) -> Answer:
    """POST `body` once; never raises (a refusal or failure is in the answer)."""
    started = time.monotonic()
    try:
        status, excerpt = _send(url, body, headers, timeout, allow_private)
    except AddressRefused as err:
        return Answer(None, _ms(started), error=str(err))
    except urllib3.exceptions.TimeoutError:
        return Answer(None, _ms(started), error=f"timed out after {timeout:g} s")
    except (urllib3.exceptions.HTTPError, OSError) as err:
        return Answer(None, _ms(started), error=f"{type(err).__name__}: {err}"[:500])
    return Answer(status, _ms(started), excerpt)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _send(url: str, body: bytes, headers: dict[str, str], timeout: float, allow_private: bool) -> tuple[int, str]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = resolve(host, port, allow_private)
    pool = _pool(parts.scheme, address, port, host)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host_header = parts.netloc.rsplit("@", 1)[-1]
    response = pool.urlopen(
        "POST", target, body=body, headers={**headers, "Host": host_header, "User-Agent": USER_AGENT},
        redirect=False, retries=False, preload_content=False,
        timeout=urllib3.Timeout(connect=timeout, read=timeout, total=timeout),
    )  # fmt: skip
    try:
        data = response.read(MAX_EXCERPT + 1)
    except BaseException:
        response.close()
        raise
    if len(data) > MAX_EXCERPT:
        response.close()  # a long answer is not read to its end: the connection is dropped
    else:
        response.release_conn()
    return response.status, data[:MAX_EXCERPT].decode("utf-8", "replace")


def _pool(scheme: str, address: str, port: int, host: str) -> HTTPConnectionPool:
    """A keep-alive pool per checked address and host name (thread-safe, shared by the sending threads)."""
    key = (scheme, address, port, host)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            if scheme == "https":
                pool = HTTPSConnectionPool(address, port, maxsize=32, block=False, server_hostname=host,
                                           assert_hostname=host, cert_reqs="CERT_REQUIRED")  # fmt: skip
            else:
                pool = HTTPConnectionPool(address, port, maxsize=32, block=False)
            _pools[key] = pool
        return pool
