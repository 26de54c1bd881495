"""``snapy trace show``: a saved trace as a call tree.

Two file formats are read:

* **Chrome trace** (the Trace Event Format that Perfetto and chrome://tracing open): a
  JSON array of events, or an object with ``traceEvents``. Complete events (``ph: X``,
  with ``dur``) nest by time; begin/end pairs (``B``/``E``) nest by order; ``M``
  (metadata) events name processes and threads; instant (line) events are left out.
  Times are microseconds.
* **JSON lines**: one event per line, as snapy-trace's file sink writes them: a call
  event opens a node and the matching return or exception event closes it. Lines that
  are Chrome events (they have ``ph``) are read as such.

Repeated identical calls next to each other (a loop) are shown once with a count.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from ._errors import EXIT_OK, CliError
from ._output import Output, format_duration, plural

CALL_KINDS = frozenset({"call", "resume"})
"""snapy-trace's entry events: a call, or a generator / coroutine resumed."""
END_KINDS = frozenset({"return", "yield", "exception"})
"""snapy-trace's exit events; ``exception`` is an exception leaving the function."""
ERROR_KINDS = frozenset({"exception"})


@attrs.define
class Node:
    name: str
    duration_ns: int | None = None
    error: str | None = None
    children: list[Node] = attrs.field(factory=list)
    count: int = 1
    start: float = 0.0
    end: float | None = None

    def signature(self) -> tuple[Any, ...]:
        return (
            self.name,
            self.error is not None,
            tuple(child.signature() for child in self.children),
        )

    def to_json(self, *, durations: bool) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name}
        if self.count > 1:
            data["count"] = self.count
        if durations and self.duration_ns is not None:
            data["duration_ns"] = self.duration_ns
        if self.error:
            data["error"] = self.error
        if self.children:
            data["children"] = [child.to_json(durations=durations) for child in self.children]
        return data


@attrs.define
class Thread:
    label: str
    roots: list[Node] = attrs.field(factory=list)


# -- reading ----------------------------------------------------------------------------------


def load_events(path: Path) -> tuple[str, list[dict[str, Any]]]:
    """``(format name, events)`` of a trace file."""
    try:
        if path.suffix == ".gz":  # TracerConfig(compression=True)
            import gzip

            with gzip.open(path, "rt", encoding="utf-8") as file:
                text = file.read()
        else:
            text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(f"trace file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError, EOFError) as error:
        raise CliError(f"cannot read trace file {path}: {error}.") from error
    stripped = text.strip()
    if not stripped:
        raise CliError(f"trace file {path} is empty.")
    try:
        document = json.loads(stripped)
    except json.JSONDecodeError:
        document = None
    if isinstance(document, list):
        return "chrome", _events(document, path)
    if isinstance(document, Mapping):
        if isinstance(document.get("traceEvents"), list):
            return "chrome", _events(document["traceEvents"], path)
        if isinstance(document.get("events"), list):
            return "json", _events(document["events"], path)
        return "jsonl", [dict(document)]
    events = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError as error:
            raise CliError(
                f"{path}, line {number}: not JSON ({error.msg}).",
                "snapy trace show reads JSON-lines traces (one event per line) and Chrome "
                "traces (one JSON document).",
            ) from None
        if not isinstance(event, Mapping):
            raise CliError(
                f"{path}, line {number}: expected a JSON object (one event), "
                f"got {type(event).__name__}."
            )
        events.append(dict(event))
    return "jsonl", events


def _events(items: Iterable[Any], path: Path) -> list[dict[str, Any]]:
    events = [dict(item) for item in items if isinstance(item, Mapping)]
    if not events:
        raise CliError(f"{path} holds no trace events.")
    return events


def _first(event: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        value = event.get(name)
        if value is not None:
            return value
    return None


# -- Chrome trace events -------------------------------------------------------------------


def chrome_tree(events: list[dict[str, Any]]) -> list[Thread]:
    names: dict[tuple[Any, Any], str] = {}
    process_names: dict[Any, str] = {}
    spans: dict[tuple[Any, Any], list[Node]] = {}
    stacks: dict[tuple[Any, Any], list[Node]] = {}
    order: list[tuple[Any, Any]] = []

    def thread_of(event: Mapping[str, Any]) -> tuple[Any, Any]:
        key = (event.get("pid"), event.get("tid"))
        if key not in spans:
            spans[key] = []
            stacks[key] = []
            order.append(key)
        return key

    for event in sorted(
        (e for e in events if isinstance(e.get("ts"), (int, float)) or e.get("ph") == "M"),
        key=lambda e: e.get("ts") or 0,
    ):
        phase = event.get("ph")
        if phase == "M":
            args = event.get("args") or {}
            if event.get("name") == "thread_name" and isinstance(args, Mapping):
                names[(event.get("pid"), event.get("tid"))] = str(args.get("name"))
            elif event.get("name") == "process_name" and isinstance(args, Mapping):
                process_names[event.get("pid")] = str(args.get("name"))
            continue
        if phase not in ("X", "B", "E"):
            continue  # instant (line) events, counters, flows: not calls
        key = thread_of(event)
        name = _chrome_name(event)
        ts = float(event["ts"])
        if phase == "X":
            duration = event.get("dur")
            node = Node(
                name,
                duration_ns=int(float(duration) * 1000)
                if isinstance(duration, (int, float))
                else None,
                start=ts,
                end=ts + float(duration) if isinstance(duration, (int, float)) else ts,
                error=_chrome_error(event),
            )
            spans[key].append(node)
        elif phase == "B":
            node = Node(name, start=ts, error=_chrome_error(event))
            stacks[key].append(node)
            spans[key].append(node)
        elif phase == "E":
            stack = stacks[key]
            if stack:
                node = stack.pop()
                node.end = ts
                node.duration_ns = int((ts - node.start) * 1000)
                node.error = node.error or _chrome_error(event)
    threads = []
    for key in order:
        nodes = spans[key]
        label = names.get(key) or f"thread {key[1]}"
        if key[0] is not None:
            label += (
                f" (pid {key[0]}{': ' + process_names[key[0]] if key[0] in process_names else ''})"
            )
        threads.append(Thread(label, _nest_by_time(nodes)))
    return threads


def _chrome_name(event: Mapping[str, Any]) -> str:
    name = str(event.get("name", "?"))
    args = event.get("args")
    module = args.get("module") if isinstance(args, Mapping) else None
    if module and not name.startswith(f"{module}."):
        return f"{module}.{name}"
    return name


def _chrome_error(event: Mapping[str, Any]) -> str | None:
    args = event.get("args")
    if isinstance(args, Mapping):
        error = _first(args, "exception", "error", "raised")
        if error:
            return str(error)
    return None


def _end(node: Node) -> float:
    return node.end if node.end is not None else float("inf")


def _inside(child: Node, parent: Node) -> bool:
    return parent.start <= child.start < _end(parent) and _end(child) <= _end(parent)


def _nest_by_time(nodes: list[Node]) -> list[Node]:
    """Nest spans by containment: a span within another's [start, end) is its child."""
    roots: list[Node] = []
    stack: list[Node] = []
    for node in sorted(nodes, key=lambda n: (n.start, -_end(n))):
        while stack and not _inside(node, stack[-1]):
            stack.pop()
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    return roots


# -- JSON-lines call/return events -------------------------------------------------------


def _kind(event: Mapping[str, Any]) -> str:
    return str(_first(event, "event", "kind", "type", "event_type") or "").lower()


def _event_name(event: Mapping[str, Any]) -> str:
    function = _first(event, "qualname", "function", "function_name", "name", "func")
    module = _first(event, "module", "module_name")
    if function is None:
        return "?"
    function = str(function)
    if module and not function.startswith(str(module) + "."):
        return f"{module}.{function}"
    return function


def _timestamp_ns(event: Mapping[str, Any]) -> float | None:
    for name, scale in (
        ("timestamp_ns", 1),
        ("time_ns", 1),
        ("ts_ns", 1),
        ("ts", 1000),
        ("timestamp", 1e9),
        ("time", 1e9),
    ):
        value = event.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value) * scale
    return None


def _duration_ns(event: Mapping[str, Any]) -> int | None:
    for name, scale in (
        ("duration_ns", 1),
        ("dur", 1000),
        ("duration", 1e9),
        ("duration_s", 1e9),
        ("duration_ms", 1e6),
    ):
        value = event.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return int(value * scale)
    return None


def jsonl_tree(events: list[dict[str, Any]]) -> list[Thread]:
    if events and all("ph" in event for event in events):
        return chrome_tree(events)
    threads: dict[Any, Thread] = {}
    stacks: dict[Any, list[Node]] = {}
    understood = 0
    for event in events:
        if "ph" in event:
            continue
        kind = _kind(event)
        thread_key = _first(event, "thread_id", "thread", "tid", "thread_name")
        if thread_key is None:
            thread_key = "main"
        thread = threads.get(thread_key)
        if thread is None:
            name = _first(event, "thread_name", "thread")
            thread = threads[thread_key] = Thread(f"thread {name or thread_key}")
            stacks[thread_key] = []
        stack = stacks[thread_key]
        if kind in CALL_KINDS:
            understood += 1
            node = Node(_event_name(event), start=_timestamp_ns(event) or 0.0)
            (stack[-1].children if stack else thread.roots).append(node)
            stack.append(node)
        elif kind in END_KINDS:
            understood += 1
            name = _event_name(event)
            # unwind to the matching call (events dropped by max_events leave gaps)
            position = len(stack) - 1
            while position >= 0 and stack[position].name != name and name != "?":
                position -= 1
            if position < 0:
                continue
            node = stack[position]
            del stack[position:]
            duration = _duration_ns(event)
            end = _timestamp_ns(event)
            if duration is None and end is not None and node.start:
                duration = int(end - node.start)
            node.duration_ns = duration
            if kind in ERROR_KINDS:
                node.error = _exception_text(event.get("exception")) or kind
    if not understood:
        raise CliError(
            "the file holds JSON objects but no call or return events that snapy recognises.",
            "Expected snapy-trace's JSON-lines events (with 'event': 'call' / 'return') or a "
            "Chrome trace (events with 'ph').",
        )
    return list(threads.values())


def _exception_text(exception: Any) -> str | None:
    """``ValueError: no items`` from snapy-trace's ``{"type": ..., "message": ...}``."""
    if isinstance(exception, Mapping):
        kind, message = exception.get("type"), exception.get("message")
        return f"{kind}: {message}" if message else str(kind) if kind else None
    return str(exception) if exception else None


# -- shaping and output ----------------------------------------------------------------------


def collapse(nodes: list[Node]) -> list[Node]:
    """Merge consecutive identical siblings (same name and call tree) into one, counted."""
    merged: list[Node] = []
    for node in nodes:
        node.children = collapse(node.children)
        if merged and merged[-1].signature() == node.signature():
            previous = merged[-1]
            previous.count += node.count
            if previous.duration_ns is not None and node.duration_ns is not None:
                previous.duration_ns += node.duration_ns
            continue
        merged.append(node)
    return merged


def _cut(nodes: list[Node], depth: int | None) -> list[Node]:
    if depth is None:
        return nodes
    for node in nodes:
        node.children = [] if depth == 0 else _cut(node.children, depth - 1)
    return nodes


def _count(nodes: list[Node]) -> int:
    return sum(node.count * (1 + _count(node.children)) for node in nodes)


def show_trace(
    out: Output, path: Path, *, max_depth: int | None, durations: bool, as_json: bool
) -> int:
    trace_format, events = load_events(path)
    threads = chrome_tree(events) if trace_format == "chrome" else jsonl_tree(events)
    for thread in threads:
        thread.roots = _cut(collapse(thread.roots), max_depth)
    if as_json:
        out.json(
            {
                "file": str(path),
                "format": trace_format,
                "events": len(events),
                "threads": [
                    {
                        "thread": thread.label,
                        "calls": [node.to_json(durations=durations) for node in thread.roots],
                    }
                    for thread in threads
                ],
            }
        )
        return EXIT_OK
    from rich.text import Text
    from rich.tree import Tree

    def label(node: Node) -> Text:
        text = Text(node.name, style="red" if node.error else "")
        if node.count > 1:
            text.append(f" \u00d7{node.count}", style="bold")
        if durations and node.duration_ns is not None:
            text.append(f"  {format_duration(node.duration_ns)}", style="dim")
        if node.error:
            text.append(f"  raised {node.error}", style="red")
        return text

    def add(branch: Tree, nodes: list[Node]) -> None:
        for node in nodes:
            add(branch.add(label(node)), node.children)

    out.print(
        Text(
            f"{path} ({'Chrome trace' if trace_format == 'chrome' else 'JSON lines'}, "
            f"{plural(len(events), 'event')})",
            style="dim",
        ),
        soft_wrap=True,
    )
    for thread in threads:
        tree = Tree(Text(thread.label, style="bold cyan"))
        add(tree, thread.roots)
        out.print(tree)
    return EXIT_OK


__all__ = ["chrome_tree", "collapse", "jsonl_tree", "load_events", "show_trace"]
