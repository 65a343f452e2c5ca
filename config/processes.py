"""Child processes that never outlive their parent, free ports, and proof of who holds a port.

Shared by the launcher, the test session and the benchmarks, so that whatever one of them starts
is stopped with it, whichever signal ends it, and no two instances on a machine share a server.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

import psutil

_PR_SET_PDEATHSIG = 1


class ServiceError(RuntimeError):
    """A service did not start, or what answers on its port is not the process we started."""


def _die_with_parent() -> None:
    # The kernel sends SIGTERM when the parent dies, even by SIGKILL, so no child is left behind.
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(
    command: Sequence[str], log: Path | None = None, env: dict[str, str] | None = None, cwd: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Start a command in its own process group, tied to this process's life; output to `log`.

    The kernel ties the child to the calling *thread*: call it from a thread that lives as long as
    the child should (the main thread), never from a short-lived one such as a timer.
    """
    out: IO[bytes] | int = open(log, "ab") if log else subprocess.DEVNULL
    try:
        return subprocess.Popen(
            list(command), stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd,
            start_new_session=True, preexec_fn=_die_with_parent,
        )
    finally:
        if not isinstance(out, int):
            out.close()


def stop(proc: subprocess.Popen[Any], timeout: float = 15.0) -> None:
    """SIGTERM the process group, then SIGKILL what is left after `timeout` seconds."""
    if proc.poll() is None:
        _signal_group(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait(10)
    # Grandchildren that outlived their group leader (a gunicorn worker, an RQ work horse).
    _signal_group(proc.pid, signal.SIGKILL)


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop_descendants(timeout: float = 10.0) -> list[int]:
    """Stop every process this one started, directly or not; returns the pids found."""
    children = psutil.Process().children(recursive=True)
    for child in children:
        try:
            child.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(children, timeout=timeout)
    for child in alive:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    return [child.pid for child in children]


def free_ports(count: int) -> list[int]:
    """`count` distinct ports the kernel says are free now (all held at once, so none repeats)."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def wait_for_port(port: int, proc: subprocess.Popen[Any] | None = None, timeout: float = 60.0) -> None:
    """Wait until 127.0.0.1:`port` answers; fail early when `proc` (the server) has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return
        if proc is not None and proc.poll() is not None:
            raise ServiceError(f"the server for 127.0.0.1:{port} exited with code {proc.returncode}")
        time.sleep(0.1)
    raise ServiceError(f"nothing answered on 127.0.0.1:{port} within {timeout:.0f}s")


def listening_pid(port: int) -> int | None:
    """The pid of the process listening on TCP `port` on this machine, when it can be told."""
    for conn in psutil.net_connections(kind="tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
            return conn.pid
    return None


def ensure_owner(port: int, proc: subprocess.Popen[Any], what: str) -> None:
    """Refuse to go on when 127.0.0.1:`port` is served by anything but `proc`."""
    owner = listening_pid(port)
    if proc.poll() is not None or owner != proc.pid:
        held = f"pid {owner} ({_name(owner)})" if owner else "another process"
        raise ServiceError(
            f"127.0.0.1:{port} answers, but not the {what} this instance started (it is {held}); "
            "pick another port or stop that process"
        )


def _name(pid: int) -> str:
    try:
        return " ".join(psutil.Process(pid).cmdline()[:3])
    except psutil.Error:
        return "unknown"
