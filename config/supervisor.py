"""The launcher's processes: started tied to it, started again when they die, all stopped at the end."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import IO, Any, Protocol, TypeVar

from config.processes import ServiceError, spawn, stop
from config.settings import PROJECT_ROOT

BACKOFF_FIRST = 1.0
BACKOFF_MAX = 60.0
# A process that ran this long before dying was healthy: its next restart waits BACKOFF_FIRST again.
HEALTHY_AFTER = 60.0


class Service(Protocol):
    proc: subprocess.Popen[bytes]

    def alive(self) -> bool: ...

    def stop(self) -> None: ...


S = TypeVar("S", bound=Service)


@dataclass
class Managed:
    """A web or worker process that is kept running."""

    name: str
    command: list[str]
    env: dict[str, str]
    proc: subprocess.Popen[bytes]
    started: float = field(default_factory=time.monotonic)
    failures: int = 0
    restart_at: float | None = None


class Supervisor:
    """Backing services (Redis, storage) are owned; app processes are also restarted."""

    def __init__(self) -> None:
        self._services: list[tuple[str, Service]] = []
        self._managed: list[Managed] = []
        self._held: list[IO[Any]] = []

    def own(self, service: S, name: str) -> S:
        self._services.append((name, service))
        return service

    def hold(self, resource: IO[Any]) -> None:
        """Keep a file (a lock) open until everything has stopped."""
        self._held.append(resource)

    def run(self, name: str, command: list[str], env: dict[str, str]) -> Managed:
        managed = Managed(name, command, env, spawn(command, env=env, cwd=PROJECT_ROOT))
        self._managed.append(managed)
        return managed

    def watch(self, poll: float = 0.5) -> None:
        """Keep everything running until a signal handler raises."""
        while True:
            self.check()
            time.sleep(poll)

    def check(self) -> None:
        for name, service in self._services:
            if not service.alive():
                raise ServiceError(f"the embedded {name} exited with code {service.proc.returncode}")
        now = time.monotonic()
        for managed in self._managed:
            if managed.restart_at is not None and now >= managed.restart_at:
                managed.proc = spawn(managed.command, env=managed.env, cwd=PROJECT_ROOT)
                managed.started, managed.restart_at = now, None
                _say(f"{managed.name} started again (pid {managed.proc.pid})")
            elif managed.restart_at is None and managed.proc.poll() is not None:
                self._schedule_restart(managed, now)

    @staticmethod
    def _schedule_restart(managed: Managed, now: float) -> None:
        managed.failures = 0 if now - managed.started >= HEALTHY_AFTER else managed.failures + 1
        delay = min(BACKOFF_FIRST * 2 ** (managed.failures - 1), BACKOFF_MAX) if managed.failures else BACKOFF_FIRST
        managed.restart_at = now + delay
        _say(f"{managed.name} exited with code {managed.proc.returncode}; starting it again in {delay:.0f}s")

    def stop_all(self) -> None:
        """App processes first (all signalled at once), then the services in reverse order."""
        running = [m.proc for m in self._managed if m.proc.poll() is None]
        for proc in running:
            proc.send_signal(signal.SIGTERM)
        for proc in running:
            stop(proc, timeout=30)
        for _, service in reversed(self._services):
            service.stop()
        for resource in self._held:
            resource.close()


def _say(message: str) -> None:
    print(f"[launcher] {message}", file=sys.stderr, flush=True)
