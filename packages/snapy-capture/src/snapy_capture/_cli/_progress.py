"""A rich progress bar on standard error (only created when stderr is a terminal)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


class ProgressBar:
    """``with ProgressBar(console, "removing", total) as advance: advance(1)``."""

    def __init__(self, console: Console, description: str, total: int) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self._description = description
        self._total = total

    def __enter__(self) -> Callable[[int], None]:
        self._progress.start()
        task = self._progress.add_task(self._description, total=self._total)

        def advance(steps: int) -> None:
            self._progress.advance(task, steps)

        return advance

    def __exit__(self, *_exc: Any) -> None:
        self._progress.stop()


__all__ = ["ProgressBar"]
