"""``format_trace()``: tree, flat, json and chrome (Trace Event Format) renderings."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from snapy_core.errors import TraceError

from ._events import TraceEvent

if TYPE_CHECKING:
    from ._decode import Decoded

FORMATS = ("tree", "flat", "json", "chrome")
INDENT = "  "


class _Node:
    __slots__ = ("children", "entry", "exit")

    def __init__(self, entry: TraceEvent | None) -> None:
        self.entry = entry
        self.exit: TraceEvent | None = None
        self.children: list[_Node | TraceEvent] = []


def _milliseconds(seconds: float | None) -> str:
    return "" if seconds is None else f" [{float(seconds) * 1000:.3f} ms]"


def _call_text(event: TraceEvent) -> str:
    if event.event_type == "resume":
        return f"{event.function} (resumed)"
    args = ", ".join(f"{name}={text}" for name, text in (event.args or {}).items())
    return f"{event.function}({args})"


def _exit_text(event: TraceEvent | None, timings: bool) -> str:
    if event is None:
        return " ... (no exit recorded)"
    timing = _milliseconds(event.duration) if timings else ""
    kind = event.event_type
    if kind == "return":
        return (f" -> {event.return_value}" if event.return_value is not None else "") + timing
    if kind == "yield":
        value = f" {event.return_value}" if event.return_value is not None else ""
        return f" => yield{value}{timing}"
    origin = event.exception_origin or "exception"
    what = event.exception_type or "(exception not known)"
    message = f": {event.exception_message}" if event.exception_message else ""
    return f" !! {origin} {what}{message}{timing}"


def _threads(events: list[TraceEvent]) -> dict[int, list[TraceEvent]]:
    by_thread: dict[int, list[TraceEvent]] = {}
    for event in events:
        by_thread.setdefault(event.thread_index, []).append(event)
    return by_thread


def _tree_lines(events: list[TraceEvent], timings: bool) -> list[str]:
    root = _Node(None)
    stack = [root]
    for event in events:
        kind = event.event_type
        if kind == "call" or kind == "resume":
            node = _Node(event)
            stack[-1].children.append(node)
            stack.append(node)
        elif kind == "line":
            stack[-1].children.append(event)
        else:
            # the node this exit closes: the innermost open one of the same function
            for position in range(len(stack) - 1, 0, -1):
                entry = stack[position].entry
                if entry is not None and entry.function == event.function:
                    stack[position].exit = event
                    del stack[position:]
                    break
            else:
                orphan = _Node(None)
                orphan.exit = event
                stack[-1].children.append(orphan)
    lines: list[str] = []
    work: list[tuple[_Node | TraceEvent, int, str | None]] = [
        (child, 0, None) for child in reversed(root.children)
    ]
    while work:
        item, level, parent_task = work.pop()
        pad = INDENT * level
        if isinstance(item, TraceEvent):  # a line event
            lines.append(f"{pad}line {item.lineno}")
            continue
        if item.entry is None:
            assert item.exit is not None
            lines.append(f"{pad}({item.exit.function} exits){_exit_text(item.exit, timings)}")
            continue
        entry = item.entry
        task = entry.task_name
        task_text = f" [{task}]" if task is not None and task != parent_task else ""
        lines.append(f"{pad}{_call_text(entry)}{task_text}{_exit_text(item.exit, timings)}")
        if item.exit is not None and item.exit.locals:
            shown = ", ".join(f"{k}={v}" for k, v in item.exit.locals.items())
            lines.append(f"{pad}{INDENT}locals: {shown}")
        work.extend((child, level + 1, task) for child in reversed(item.children))
    return lines


def format_tree(events: list[TraceEvent], *, timings: bool = False) -> str:
    by_thread = _threads(events)
    if len(by_thread) <= 1:
        return "\n".join(_tree_lines(events, timings))
    first = min(by_thread)
    sections = [_tree_lines(by_thread[first], timings)]
    # other threads run in whatever order the OS chose: sort them by content
    sections += sorted(_tree_lines(by_thread[i], timings) for i in by_thread if i != first)
    out: list[str] = []
    for number, lines in enumerate(sections):
        out.append(f"[thread {number}]")
        out.extend(INDENT + line for line in lines)
    return "\n".join(out)


def format_flat(events: list[TraceEvent], *, timings: bool = False) -> str:
    threads = len({event.thread_index for event in events}) > 1
    lines = []
    for event in events:
        kind = event.event_type
        if kind in ("call", "resume"):
            detail = _call_text(event)
        elif kind == "line":
            detail = f"{event.function} line {event.lineno}"
        else:
            detail = f"{event.function}{_exit_text(event, timings)}"
        where = f"[{event.thread_index}] " if threads else ""
        task = f" [{event.task_name}]" if event.task_name else ""
        lines.append(f"{kind:<9} {where}{INDENT * event.depth}{detail}{task}")
    return "\n".join(lines)


def format_json(events: list[TraceEvent], decoded: Decoded | None, *, timings: bool = False) -> str:
    document: dict[str, Any] = {
        "events": [event.to_dict(timings=timings) for event in events],
        "dropped_events": decoded.dropped if decoded is not None else 0,
        "truncated": decoded.truncated if decoded is not None else False,
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def chrome_trace(events: list[TraceEvent], decoded: Decoded | None = None) -> dict[str, Any]:
    """Trace Event Format (JSON object form) for Perfetto and chrome://tracing.

    Each entry/exit pair is a complete ("X") event with ``ts`` and ``dur`` in
    microseconds; an entry without a recorded exit is a begin ("B") event; line events
    are thread-scoped instant ("i") events; metadata ("M") events name the process and
    the threads.
    """
    pid = os.getpid()
    trace: list[dict[str, Any]] = [
        {
            "name": "process_name",
            "ph": "M",
            "pid": pid,
            "tid": 0,
            "ts": 0,
            "args": {"name": "snapy-trace"},
        },
    ]
    named: set[int] = set()
    by_index = {event.index: event for event in events}
    closed: set[int] = set()
    for event in events:
        tid = event.thread_index
        if tid not in named:
            named.add(tid)
            trace.append(
                {
                    "name": "thread_name",
                    "ph": "M",
                    "pid": pid,
                    "tid": tid,
                    "ts": 0,
                    "args": {"name": event.thread_name or f"thread {tid}"},
                }
            )
        ts = round(event._timestamp * 1e6, 3)
        kind = event.event_type
        if kind in ("call", "resume"):
            continue
        if kind == "line":
            trace.append(
                {
                    "name": f"line {event.lineno}",
                    "cat": "line",
                    "ph": "i",
                    "s": "t",
                    "pid": pid,
                    "tid": tid,
                    "ts": ts,
                    "args": {"function": event.function},
                }
            )
            continue
        entry = by_index.get(event.entry_index) if event.entry_index is not None else None
        args: dict[str, Any] = {}
        if entry is not None:
            closed.add(entry.index)
            if entry.args:
                args["args"] = dict(entry.args)
        if event.return_value is not None:
            args[event.event_type] = event.return_value
        if event.exception_type is not None:
            args["exception"] = f"{event.exception_type}: {event.exception_message}"
        start = round(entry._timestamp * 1e6, 3) if entry is not None else ts
        trace.append(
            {
                "name": event.function,
                "cat": entry.event_type if entry is not None else "call",
                "ph": "X",
                "pid": pid,
                "tid": tid,
                "ts": start,
                "dur": max(round(ts - start, 3), 0.0),
                "args": args,
            }
        )
    for entry in events:
        if entry.event_type in ("call", "resume") and entry.index not in closed:
            trace.append(
                {
                    "name": entry.function,
                    "cat": entry.event_type,
                    "ph": "B",
                    "pid": pid,
                    "tid": entry.thread_index,
                    "ts": round(entry._timestamp * 1e6, 3),
                    "args": {"args": dict(entry.args or {})},
                }
            )
    trace.sort(key=lambda item: (item["ph"] != "M", item["ts"]))
    return {
        "traceEvents": trace,
        "displayTimeUnit": "ms",
        "otherData": {
            "producer": "snapy-trace",
            "dropped_events": decoded.dropped if decoded is not None else 0,
            "truncated": decoded.truncated if decoded is not None else False,
        },
    }


def format_events(
    events: list[TraceEvent],
    format_type: str = "tree",
    *,
    decoded: Decoded | None = None,
    timings: bool = False,
) -> str:
    if format_type == "tree":
        return format_tree(events, timings=timings)
    if format_type == "flat":
        return format_flat(events, timings=timings)
    if format_type == "json":
        return format_json(events, decoded, timings=timings)
    if format_type == "chrome":
        return json.dumps(chrome_trace(events, decoded))
    raise TraceError(
        f"format_trace(format_type={format_type!r}): unknown format; use one of "
        + ", ".join(repr(name) for name in FORMATS)
        + "."
    )


__all__ = ["FORMATS", "chrome_trace", "format_events", "format_flat", "format_json", "format_tree"]
