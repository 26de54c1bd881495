"""How captures, diffs and statistics look for people (rich renderables).

Imported only by commands that print for people: importing it loads rich.
"""

from __future__ import annotations

import pprint
from typing import Any

from rich.console import Group, RenderableType
from rich.highlighter import ReprHighlighter
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from snapy_core import CaptureRecord, Placeholder

from ._diff import Change, RecordDiff
from ._output import format_duration, format_size, format_time, plural
from ._stats import FunctionStats
from ._store import Loaded
from ._values import placeholders, safe_repr, short_repr

PLACEHOLDER_STYLE = {
    "redacted": "bold yellow",
    "omitted": "bold yellow",
    "unserializable": "bold red",
    "untrusted": "bold magenta",
}


class CaptureHighlighter(ReprHighlighter):
    """Python reprs, with snapy's placeholders (``<redacted: ...>``) standing out."""

    def highlight(self, text: Text) -> None:
        super().highlight(text)
        for kind, style in PLACEHOLDER_STYLE.items():
            text.highlight_regex(rf"<{kind}\b[^>\n]*>", style)


highlighter = CaptureHighlighter()


PRETTY_WIDTH = 100


def pretty(value: Any, width: int = PRETTY_WIDTH) -> Text:
    """``value`` laid out like ``pprint`` (placeholders keep their ``<redacted: ...>``
    form), syntax-highlighted as a Python repr."""
    try:
        text = pprint.pformat(value, width=max(40, width), sort_dicts=False)
    except Exception:
        text = safe_repr(value)
    rendered = Text(text, overflow="fold")
    highlighter.highlight(rendered)
    return rendered


def heading(title: str) -> Text:
    return Text(title, style="bold underline")


def _grid() -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    return grid


# -- show ----------------------------------------------------------------------------------


def render_capture(loaded: Loaded) -> RenderableType:
    record = loaded.record
    parts: list[RenderableType] = []
    title = Text(record.function_key, style="bold cyan")
    if loaded.index is not None and loaded.total is not None:
        title.append(f"  capture {loaded.index} of {loaded.total} (0 = newest)", style="dim")
    parts.append(title)
    parts.append(Padding(_about(loaded), (0, 0, 0, 2), expand=False))

    parts.append(heading("Arguments"))
    arguments = record.named_arguments()
    if arguments:
        grid = _grid()
        for name, value in arguments.items():
            grid.add_row(name, pretty(value))
        parts.append(Padding(grid, (0, 0, 0, 2), expand=False))
    else:
        parts.append(Padding(Text("(none)", style="dim"), (0, 0, 0, 2), expand=False))

    filtered = _filtered_table(record)
    if filtered is not None:
        parts.append(heading("Redacted or omitted"))
        parts.append(Padding(filtered, (0, 0, 0, 2), expand=False))
    not_stored = _not_stored(record)
    if not_stored is not None:
        parts.append(heading("Not stored as captured"))
        parts.append(Padding(not_stored, (0, 0, 0, 2), expand=False))

    if record.outcome is not None:
        parts.append(heading("Outcome"))
        grid = _grid()
        if record.outcome.kind == "raise":
            grid.add_row(
                "raised",
                Text(f"{record.outcome.exc_type}: {record.outcome.exc_message}", style="red"),
            )
        else:
            grid.add_row("returned", pretty(record.outcome.value))
        parts.append(Padding(grid, (0, 0, 0, 2), expand=False))
    return Group(*parts)


def _about(loaded: Loaded) -> Table:
    record = loaded.record
    meta = record.metadata
    grid = _grid()
    grid.add_row("id", record.capture_id or "-")
    grid.add_row("called", format_time(record.timestamp) + " UTC" + _micro(record))
    grid.add_row("file", str(loaded.path) if loaded.path else "-")
    grid.add_row("stored", f"{loaded.backend.name} backend, {format_size(loaded.size())}")
    where = [f"thread {meta.thread_name or '?'}"]
    if meta.task_name:
        where.append(f"task {meta.task_name}")
    where.append(f"pid {meta.pid}")
    if meta.host:
        where.append(f"host {meta.host}")
    where.append(f"call depth {meta.call_depth}")
    grid.add_row("where", ", ".join(where))
    grid.add_row(
        "versions", f"Python {meta.python_version or '?'}, snapy {meta.snapy_version or '?'}"
    )
    if meta.duration_ns is not None:
        grid.add_row("duration", format_duration(meta.duration_ns))
    for key, value in sorted(meta.extra.items()):
        grid.add_row(str(key), pretty(value))
    return grid


def _micro(record: CaptureRecord) -> str:
    return f" (.{record.timestamp.microsecond:06d})" if record.timestamp.microsecond else ""


def _filtered_table(record: CaptureRecord) -> Table | None:
    if not record.filtered:
        return None
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    for action in record.filtered:
        table.add_row(
            Text(action.path, style="bold"),
            Text(action.action, style=PLACEHOLDER_STYLE.get(action.action, "")),
            action.reason,
        )
    return table


def _not_stored(record: CaptureRecord) -> Table | None:
    """Placeholders a filter did not put there: values the backend could not keep."""
    filtered_paths = {action.path for action in record.filtered}
    found: list[tuple[str, Placeholder]] = []
    for name, value in record.named_arguments().items():
        found.extend(
            (path, placeholder)
            for path, placeholder in placeholders(value, name)
            if path not in filtered_paths and placeholder.kind not in ("redacted", "omitted")
        )
    if record.outcome is not None and record.outcome.kind == "return":
        found.extend(placeholders(record.outcome.value, "result"))
    if not found:
        return None
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    for path, placeholder in found:
        table.add_row(
            Text(path, style="bold"),
            Text(str(placeholder), style=PLACEHOLDER_STYLE.get(placeholder.kind, "")),
        )
    return table


# -- diff ----------------------------------------------------------------------------------


def describe(loaded: Loaded) -> str:
    record = loaded.record
    where = f"capture {loaded.index}" if loaded.index is not None else str(loaded.path or "?")
    return f"{where}: {record.capture_id or '-'} ({format_time(record.timestamp)} UTC)"


def render_diff(old: Loaded, new: Loaded, result: RecordDiff) -> RenderableType:
    parts: list[RenderableType] = []
    if old.record.function_key != new.record.function_key:
        parts.append(
            Text(
                f"note: comparing captures of two functions: {old.record.function_key} and "
                f"{new.record.function_key}",
                style="yellow",
            )
        )
    parts.append(Text("--- " + describe(old), style="red"))
    parts.append(Text("+++ " + describe(new), style="green"))
    same = [argument.name for argument in result.arguments if argument.status == "same"]
    for argument in result.arguments:
        if argument.status == "same":
            continue
        label = {
            "changed": "changed",
            "added": "only in the newer",
            "removed": "only in the older",
        }[argument.status]
        parts.append(Text.assemble((argument.name, "bold"), (f"  ({label})", "dim")))
        parts.extend(
            Padding(_change_line(change), (0, 0, 0, 2), expand=False) for change in argument.changes
        )
    if result.outcome:
        parts.append(Text.assemble(("result", "bold"), ("  (changed)", "dim")))
        parts.extend(
            Padding(_change_line(change), (0, 0, 0, 2), expand=False) for change in result.outcome
        )
    if same:
        parts.append(Text("unchanged: " + ", ".join(same), style="dim"))
    changed = sum(1 for argument in result.arguments if argument.status != "same")
    if result.identical:
        parts.append(
            Text(
                "The captures have the same arguments"
                + (" and outcome." if old.record.outcome or new.record.outcome else "."),
                style="bold green",
            )
        )
    else:
        summary = f"{plural(changed, 'argument')} differ"
        if changed == 1:
            summary = "1 argument differs"
        if result.outcome:
            summary += ", and the outcome"
        parts.append(Text(summary + ".", style="bold"))
    return Group(*parts)


def _change_line(change: Change) -> Text:
    text = Text()
    text.append(change.path, style="bold")
    text.append(": ")
    if change.kind == "changed":
        text.append(short_repr(change.old), style="red")
        text.append(" -> ")
        text.append(short_repr(change.new), style="green")
    elif change.kind == "added":
        text.append("added ", style="green")
        text.append(short_repr(change.new), style="green")
    else:
        text.append("removed ", style="red")
        text.append(short_repr(change.old), style="red")
    highlighter.highlight(text)
    return text


# -- stats ---------------------------------------------------------------------------------


def render_stats(stats: FunctionStats) -> RenderableType:
    parts: list[RenderableType] = [Text(stats.function_key, style="bold cyan")]
    grid = _grid()
    grid.add_row(
        "captures",
        f"{stats.count}"
        + (
            f" ({', '.join(f'{n} {b}' for b, n in stats.backends.items())})"
            if stats.backends
            else ""
        ),
    )
    if stats.unreadable:
        grid.add_row("unreadable", Text(f"{len(stats.unreadable)} file(s)", style="bold red"))
    if stats.count:
        grid.add_row("from", f"{format_time(stats.oldest)} to {format_time(stats.newest)} UTC")
    sizes = stats.size_summary()
    if sizes:
        grid.add_row(
            "size",
            f"min {format_size(sizes['min'])}, median {format_size(sizes['median'])}, "
            f"p90 {format_size(sizes['p90'])}, max {format_size(sizes['max'])}, "
            f"total {format_size(sizes['total'])}",
        )
    if stats.outcomes:
        grid.add_row(
            "outcomes", ", ".join(f"{n} {what}" for what, n in stats.outcomes.most_common())
        )
    durations = stats.duration_summary()
    if durations:
        grid.add_row(
            "duration",
            f"min {format_duration(durations['min'])}, median "
            f"{format_duration(durations['median'])}, max {format_duration(durations['max'])}",
        )
    parts.append(Padding(grid, (0, 0, 0, 2), expand=False))

    if stats.argument_shapes:
        parts.append(Padding(heading("Argument shapes"), (0, 0, 0, 2), expand=False))
        table = Table.grid(padding=(0, 2))
        table.add_column(no_wrap=True, style="bold")
        table.add_column(justify="right")
        table.add_column(overflow="fold")
        for name, counter in stats.argument_shapes.items():
            first = True
            for value_shape, count in counter.most_common():
                table.add_row(name if first else "", str(count), value_shape)
                first = False
        parts.append(Padding(table, (0, 0, 0, 4), expand=False))
        distinct = len(stats.call_shapes)
        parts.append(
            Padding(
                Text(
                    f"{plural(distinct, 'distinct call shape')} "
                    f"(argument names with their shapes) in {plural(stats.count, 'capture')}",
                    style="dim",
                ),
                (0, 0, 0, 4),
                expand=False,
            )
        )
    for title, counter, style in (
        ("Redacted", stats.redacted, "yellow"),
        ("Omitted", stats.omitted, "yellow"),
        ("Capture failures (values not stored as they were)", stats.failures, "red"),
        ("Not copied at call time", stats.not_copied, "red"),
    ):
        if not counter:
            continue
        parts.append(Padding(heading(title), (0, 0, 0, 2), expand=False))
        table = Table.grid(padding=(0, 2))
        table.add_column(no_wrap=True, style=style)
        table.add_column(justify="right")
        for path, count in counter.most_common():
            table.add_row(path, f"{count} of {stats.count}")
        parts.append(Padding(table, (0, 0, 0, 4), expand=False))
    slowest = stats.slowest()
    if slowest:
        parts.append(Padding(heading("Slowest calls"), (0, 0, 0, 2), expand=False))
        table = Table.grid(padding=(0, 2))
        table.add_column(justify="right")
        table.add_column()
        for duration, capture_id in slowest:
            table.add_row(format_duration(duration), capture_id)
        parts.append(Padding(table, (0, 0, 0, 4), expand=False))
    for error in stats.unreadable:
        parts.append(Padding(Text(f"unreadable: {error}", style="red"), (0, 0, 0, 2), expand=False))
    return Group(*parts)


__all__ = ["CaptureHighlighter", "render_capture", "render_diff", "render_stats"]
