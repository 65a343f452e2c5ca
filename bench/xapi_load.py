"""Load generation for `bench.xapi`: statement batches, concurrent POST clients, percentiles.

Statements are generated up front (reproducible, seeded) and serialized once, so the clients
spend their time on HTTP, not on building JSON.
"""

from __future__ import annotations

import base64
import json
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

VERBS = [
    "http://adlnet.gov/expapi/verbs/completed",
    "http://adlnet.gov/expapi/verbs/passed",
    "http://adlnet.gov/expapi/verbs/failed",
    "http://adlnet.gov/expapi/verbs/experienced",
    "http://adlnet.gov/expapi/verbs/attempted",
]


@dataclass
class Throughput:
    """What one load run achieved."""

    statements: int
    seconds: float
    p50_ms: float
    p95_ms: float

    @property
    def per_second(self) -> float:
        return self.statements / self.seconds if self.seconds else 0.0


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the sorted values fall (nearest rank)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * len(ordered))) - 1))]


class StatementFactory:
    """Seeded statements over a pool of learners and activities (a course with lessons)."""

    def __init__(self, seed: int, actors: int, activities: int, base_url: str) -> None:
        self.rng = random.Random(seed)
        self.actors, self.activities, self.base_url = actors, activities, base_url.rstrip("/")

    def statement(self) -> dict:
        rng = self.rng
        actor = rng.randrange(self.actors)
        activity = rng.randrange(self.activities)
        body = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "actor": {"objectType": "Agent", "name": f"Learner {actor}", "mbox": f"mailto:learner{actor}@example.com"},
            "verb": {"id": rng.choice(VERBS), "display": {"en-US": "did"}},
            "object": {"objectType": "Activity", "id": f"{self.base_url}/activities/lesson-{activity}",
                       "definition": {"name": {"en-US": f"Lesson {activity}"},
                                      "type": "http://adlnet.gov/expapi/activities/lesson"}},
            "context": {"registration": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        "contextActivities": {"parent": [{"id": f"{self.base_url}/activities/course"}]}},
            "timestamp": f"2025-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T12:00:00.000Z",
        }
        if rng.random() < 0.7:
            body["result"] = {"score": {"scaled": round(rng.random(), 3)}, "completion": True, "duration": "PT5M"}
        return body

    def batches(self, count: int, size: int = 100) -> Iterator[bytes]:
        """`count` serialized batches of `size` statements."""
        for _ in range(count):
            yield json.dumps([self.statement() for _ in range(size)]).encode()


def post_batches(url: str, headers: dict[str, str], batches: list[bytes], clients: int = 4,
                 on_progress: Callable[[int], None] | None = None) -> Throughput:
    """POST every batch from `clients` concurrent clients; fail loudly on any non-2xx."""
    local = threading.local()
    latencies: list[float] = []
    done = [0]
    lock = threading.Lock()

    def send(body: bytes) -> None:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        started = time.perf_counter()
        response = session.post(url, data=body, headers=headers, timeout=300)
        if response.status_code >= 300:
            raise RuntimeError(f"{url} answered {response.status_code}: {response.text[:300]}")
        with lock:
            latencies.append(time.perf_counter() - started)
            done[0] += body.count(b'"actor"')
            if on_progress:
                on_progress(done[0])

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(send, batches))
    seconds = time.perf_counter() - started
    return Throughput(done[0], seconds, percentile(latencies, 0.5) * 1000, percentile(latencies, 0.95) * 1000)


def timed_gets(session: requests.Session, requests_: list[tuple[str, dict]], headers: dict[str, str]) -> list[float]:
    """Issue GETs one after another; return each latency in milliseconds."""
    latencies = []
    for url, params in requests_:
        started = time.perf_counter()
        response = session.get(url, params=params, headers=headers, timeout=60)
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} {params} answered {response.status_code}: {response.text[:300]}")
    return latencies
