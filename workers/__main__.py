"""Worker dyno: `python -m workers [queue ...]` serves the queues, highest priority first."""

from __future__ import annotations

import logging
import sys

from sqlalchemy.orm import configure_mappers

import models  # noqa: F401  (every model registered before the fork)
from workers.context import worker_context
from workers.queues import PRIORITY, get_queue
from workers.worker import AllureWorker


def main(argv: list[str]) -> None:
    services = worker_context()
    logging.basicConfig(level=services.settings.log_level, format="%(asctime)s %(name)s %(message)s")
    configure_mappers()
    names = argv or list(PRIORITY)
    queues = [get_queue(name, services.redis) for name in names]
    worker = AllureWorker(queues, connection=services.redis, maintenance_interval=30)
    worker.work(with_scheduler=True)


if __name__ == "__main__":
    main(sys.argv[1:])
