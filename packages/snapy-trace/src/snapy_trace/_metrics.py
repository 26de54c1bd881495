"""``get_metrics()`` and ``get_call_graph()`` computed from the events."""

from __future__ import annotations

from typing import Any

from ._config import TracerConfig
from ._decode import Decoded
from ._events import Bytes, Seconds, TraceEvent

ROOT = "<root>"


def _function_stats() -> dict[str, Any]:
    return {
        "calls": 0,
        "resumes": 0,
        "exceptions": 0,
        "total_time": 0.0,
        "self_time": 0.0,
    }


def metrics(events: list[TraceEvent], decoded: Decoded, config: TracerConfig) -> dict[str, Any]:
    """Totals and per-function statistics.

    ``calls`` counts first entries; ``resumes`` counts generator / coroutine resumptions
    (``cProfile`` counts both as calls: its ``ncalls`` is ``calls + resumes``).
    ``total_time`` is inclusive (the outermost of recursive calls only), ``self_time``
    excludes the time of traced callees. Times are :class:`Seconds`, memory figures
    :class:`Bytes`: numbers whose ``repr`` is stable in snapshots.
    """
    functions: dict[str, dict[str, Any]] = {}
    stacks: dict[int, list[list[Any]]] = {}
    active: dict[tuple[int, str], int] = {}
    max_depth = 0
    calls = exceptions = 0
    memory_values: list[int] = []
    for event in events:
        name = event.function
        stats = functions.get(name)
        if stats is None:
            stats = functions[name] = _function_stats()
        stack = stacks.setdefault(event.thread_index, [])
        if event._memory is not None:
            memory_values.append(event._memory)
        kind = event.event_type
        if kind == "call" or kind == "resume":
            if kind == "call":
                stats["calls"] += 1
                calls += 1
            else:
                stats["resumes"] += 1
            max_depth = max(max_depth, event.depth + 1)
            key = (event.thread_index, name)
            active[key] = active.get(key, 0) + 1
            stack.append([name, 0.0])
        elif kind in ("return", "yield", "exception"):
            if kind == "exception":
                stats["exceptions"] += 1
                exceptions += 1
            if not stack or stack[-1][0] != name:
                continue  # an exit whose entry was not recorded
            _, child_time = stack.pop()
            duration = event._duration or 0.0
            key = (event.thread_index, name)
            active[key] -= 1
            if active[key] == 0:
                stats["total_time"] += duration
            stats["self_time"] += max(duration - child_time, 0.0)
            if stack:
                stack[-1][1] += duration
    for stats in functions.values():
        stats["total_time"] = Seconds(stats["total_time"])
        stats["self_time"] = Seconds(stats["self_time"])
    memory: dict[str, Bytes] | None = None
    if memory_values:
        memory = {
            "start": Bytes(memory_values[0]),
            "end": Bytes(memory_values[-1]),
            "peak": Bytes(max(memory_values)),
        }
    return {
        "total_time": Seconds(decoded.total_time),
        "total_calls": calls,
        "total_events": len(events),
        "dropped_events": decoded.dropped,
        "truncated": decoded.truncated,
        "max_depth": max_depth,
        "exceptions": exceptions,
        "threads": len(decoded.threads),
        "functions": functions,
        "memory_usage": memory if config.memory_tracking else None,
    }


def call_counts(events: list[TraceEvent]) -> dict[str, dict[str, int]]:
    """Deterministic per-function counts: ``calls``, ``resumes`` and ``exceptions``."""
    counts: dict[str, dict[str, int]] = {}
    for event in events:
        kind = event.event_type
        if kind not in ("call", "resume", "exception"):
            continue
        stats = counts.setdefault(event.function, {"calls": 0, "resumes": 0, "exceptions": 0})
        key = "calls" if kind == "call" else "resumes" if kind == "resume" else "exceptions"
        stats[key] += 1
    return counts


def call_graph(events: list[TraceEvent]) -> dict[str, dict[str, int]]:
    """``{caller: {callee: number of calls}}``; calls with no traced caller under ROOT."""
    graph: dict[str, dict[str, int]] = {}
    stacks: dict[int, list[str]] = {}
    for event in events:
        stack = stacks.setdefault(event.thread_index, [])
        kind = event.event_type
        if kind == "call" or kind == "resume":
            if kind == "call":
                caller = stack[-1] if stack else ROOT
                edges = graph.setdefault(caller, {})
                edges[event.function] = edges.get(event.function, 0) + 1
            stack.append(event.function)
        elif kind in ("return", "yield", "exception") and stack and stack[-1] == event.function:
            stack.pop()
    return graph


__all__ = ["ROOT", "call_counts", "call_graph", "metrics"]
