"""Where command output goes: rich consoles (created on first use), JSON, notes.

rich costs a noticeable part of a second to import, so nothing here imports it until a
command prints something for people; ``--json`` output never loads it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

PIPE_WIDTH = 160
"""Width used when the output is not a terminal (rich would use 80 and cut table cells)."""


def _make_console(stream: Any) -> Console:
    from rich.console import Console

    is_terminal = hasattr(stream, "isatty") and stream.isatty()
    width = None
    if not is_terminal:
        try:
            width = int(os.environ.get("COLUMNS", ""))
        except ValueError:
            width = PIPE_WIDTH
    # captured data must never be read as rich markup ("[red]") or emoji codes (":x:")
    return Console(
        file=stream, highlight=False, markup=False, emoji=False, width=width, soft_wrap=False
    )


class Output:
    """The output channels of one command run."""

    @cached_property
    def console(self) -> Console:
        """Standard output, for people."""
        return _make_console(sys.stdout)

    @cached_property
    def err(self) -> Console:
        """Standard error: progress bars and notes."""
        return _make_console(sys.stderr)

    def print(self, *objects: Any, **options: Any) -> None:
        console = self.console
        if console.is_terminal:
            console.print(*objects, **options)
            return
        # into a file or a pipe: without the spaces rich pads table cells with
        with console.capture() as captured:
            console.print(*objects, **options)
        text = captured.get()
        sys.stdout.write("\n".join(line.rstrip() for line in text.split("\n")))

    def json(self, data: Any) -> None:
        """``data`` as indented JSON on standard output."""
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")

    def note(self, message: str) -> None:
        """A line for people on standard error (never mixed into ``--json`` output)."""
        sys.stderr.write(f"snapy: {message}\n")

    def warning(self, message: str) -> None:
        sys.stderr.write(f"snapy: warning: {message}\n")

    def progress(
        self, description: str, *, total: int, enabled: bool = True
    ) -> AbstractContextManager[Callable[[int], None]]:
        """``with out.progress("pruning", total=n) as advance: advance(1)``.

        A rich progress bar on standard error when it is a terminal; silent otherwise
        (and then rich is not even imported).
        """
        if not enabled or not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
            return nullcontext(_ignore)
        from ._progress import ProgressBar

        return ProgressBar(self.err, description, total)


def _ignore(_steps: int) -> None:
    return None


def format_time(value: dt.datetime | None) -> str:
    """``2024-09-15 10:30:00`` (UTC, seconds) for tables."""
    if value is None:
        return "-"
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def iso_time(value: dt.datetime | None) -> str | None:
    """``2024-09-15T10:30:00.123456Z`` for JSON output."""
    if value is None:
        return None
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def format_size(size: float | None) -> str:
    """``812 B``, ``1.2 KiB``, ``3.4 MiB``."""
    if size is None:
        return "-"
    if size < 1024:
        return f"{int(size)} B"
    for unit in ("KiB", "MiB", "GiB"):
        size /= 1024
        if size < 1024 or unit == "GiB":
            return f"{size:.1f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def format_duration(nanoseconds: int | None) -> str:
    """``812 ns``, ``3.2 µs``, ``1.25 ms``, ``2.5 s``."""
    if nanoseconds is None:
        return "-"
    if nanoseconds < 1_000:
        return f"{nanoseconds} ns"
    if nanoseconds < 1_000_000:
        return f"{nanoseconds / 1_000:.1f} µs"
    if nanoseconds < 1_000_000_000:
        return f"{nanoseconds / 1_000_000:.2f} ms"
    return f"{nanoseconds / 1_000_000_000:.2f} s"


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


__all__ = [
    "Output",
    "format_duration",
    "format_size",
    "format_time",
    "iso_time",
    "plural",
]
