"""Rich progress bars: the bytes of an upload, then the import job's stages."""

from __future__ import annotations

from collections.abc import Callable

from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from allure_connect import models
from allure_connect.cli.output import err


def transfer_bar() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
        TimeRemainingColumn(), console=err,
    )  # fmt: skip


def job_bar() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("{task.fields[stage]}"), console=err,
    )  # fmt: skip


def bytes_callback(bar: Progress, description: str) -> Callable[[int, int], None]:
    task: TaskID | None = None

    def update(done: int, total: int) -> None:
        nonlocal task
        if task is None:
            task = bar.add_task(description, total=total)
        bar.update(task, completed=done)

    return update


def job_callback(bar: Progress, description: str) -> Callable[[models.Job], None]:
    task: TaskID | None = None

    def update(job: models.Job) -> None:
        nonlocal task
        stage = f"{job.status}: {job.stage}" if job.stage else job.status
        if task is None:
            task = bar.add_task(description, total=100, stage=stage)
        bar.update(task, completed=job.progress, stage=stage)

    return update
