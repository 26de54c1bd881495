"""What ``snapy stats`` learns from the captures of one function."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable
from typing import Any

import attrs

from snapy_core import CaptureCorruptError, Unserializable

from ._store import Loaded, Store
from ._values import shape, unserializable

SLOWEST = 5
TOP_SHAPES = 5


@attrs.define
class FunctionStats:
    function_key: str
    count: int = 0
    sizes: list[int] = attrs.field(factory=list)
    backends: Counter[str] = attrs.field(factory=Counter)
    newest: Any = None
    oldest: Any = None
    call_shapes: Counter[tuple[tuple[str, str], ...]] = attrs.field(factory=Counter)
    argument_shapes: dict[str, Counter[str]] = attrs.field(factory=dict)
    redacted: Counter[str] = attrs.field(factory=Counter)
    omitted: Counter[str] = attrs.field(factory=Counter)
    failures: Counter[str] = attrs.field(factory=Counter)
    """Values that could not be stored as they were, by path (placeholders, fallbacks)."""
    not_copied: Counter[str] = attrs.field(factory=Counter)
    outcomes: Counter[str] = attrs.field(factory=Counter)
    durations: list[tuple[int, str]] = attrs.field(factory=list)
    unreadable: list[CaptureCorruptError] = attrs.field(factory=list)

    def add(self, loaded: Loaded) -> None:
        record = loaded.record
        self.count += 1
        size = loaded.size()
        if size is not None:
            self.sizes.append(size)
        self.backends[loaded.backend.name] += 1
        if self.newest is None or record.timestamp > self.newest:
            self.newest = record.timestamp
        if self.oldest is None or record.timestamp < self.oldest:
            self.oldest = record.timestamp
        arguments = record.named_arguments()
        signature = []
        for name, value in arguments.items():
            value_shape = shape(value)
            signature.append((name, value_shape))
            self.argument_shapes.setdefault(name, Counter())[value_shape] += 1
        self.call_shapes[tuple(signature)] += 1
        for action in record.filtered:
            (self.redacted if action.action == "redacted" else self.omitted)[action.path] += 1
        failed: set[str] = set()
        for name, value in arguments.items():
            failed.update(path for path, _ in unserializable(value, name))
        fallback = record.metadata.extra.get("serialization_fallback")
        if isinstance(fallback, dict):
            failed.update(str(name) for name in fallback)
        for path in failed:
            self.failures[path] += 1
        not_copied = record.metadata.extra.get("not_copied")
        if isinstance(not_copied, (list, tuple)):
            for item in not_copied:
                self.not_copied[str(item)] += 1
        outcome = record.outcome
        if outcome is not None:
            if outcome.kind == "raise":
                self.outcomes[f"raised {outcome.exc_type}"] += 1
            else:
                self.outcomes["returned"] += 1
                if isinstance(outcome.value, Unserializable):
                    self.failures["result"] += 1
        if record.metadata.duration_ns is not None:
            self.durations.append((record.metadata.duration_ns, record.capture_id))

    def size_summary(self) -> dict[str, int] | None:
        if not self.sizes:
            return None
        ordered = sorted(self.sizes)
        return {
            "min": ordered[0],
            "median": int(statistics.median(ordered)),
            "p90": ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))],
            "max": ordered[-1],
            "total": sum(ordered),
        }

    def slowest(self) -> list[tuple[int, str]]:
        return sorted(self.durations, reverse=True)[:SLOWEST]

    def duration_summary(self) -> dict[str, int] | None:
        if not self.durations:
            return None
        ordered = sorted(duration for duration, _ in self.durations)
        return {
            "min": ordered[0],
            "median": int(statistics.median(ordered)),
            "max": ordered[-1],
            "count": len(ordered),
        }


def collect(
    store: Store, function_key: str, advance: Callable[[int], None] = lambda _steps: None
) -> FunctionStats:
    stats = FunctionStats(function_key)
    for _located, loaded in store.iter_records(function_key):
        if isinstance(loaded, CaptureCorruptError):
            stats.unreadable.append(loaded)
        else:
            stats.add(loaded)
        advance(1)
    return stats


def to_json(stats: FunctionStats) -> dict[str, Any]:
    from ._output import iso_time

    return {
        "function": stats.function_key,
        "count": stats.count,
        "unreadable": [
            {"file": str(error.path), "reason": error.reason} for error in stats.unreadable
        ],
        "backends": dict(stats.backends),
        "newest": iso_time(stats.newest),
        "oldest": iso_time(stats.oldest),
        "size": stats.size_summary(),
        "call_shapes": [
            {"count": count, "arguments": dict(signature)}
            for signature, count in stats.call_shapes.most_common()
        ],
        "argument_shapes": {
            name: dict(counter.most_common()) for name, counter in stats.argument_shapes.items()
        },
        "redacted": dict(stats.redacted.most_common()),
        "omitted": dict(stats.omitted.most_common()),
        "capture_failures": dict(stats.failures.most_common()),
        "not_copied": dict(stats.not_copied.most_common()),
        "outcomes": dict(stats.outcomes.most_common()),
        "duration_ns": stats.duration_summary(),
        "slowest": [
            {"capture_id": capture_id, "duration_ns": duration}
            for duration, capture_id in stats.slowest()
        ],
    }


__all__ = ["FunctionStats", "collect", "to_json"]
