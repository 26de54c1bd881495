"""snapy-trace: record the call tree code executes, as deterministic syrupy snapshots."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .__about__ import __version__
from ._config import DETAIL_LEVELS, TracerConfig
from ._events import EVENT_TYPES, Bytes, Seconds, TraceEvent
from ._filters import ModuleFilter
from ._sinks import ChromeTraceSink, JsonLinesSink
from ._snapshot import TracedSnapshot
from ._tracer import FunctionTracer

if TYPE_CHECKING:
    from ._syrupy import TraceSnapshotExtension


def __getattr__(name: str) -> object:
    # syrupy imports pytest (most of a second): only a test that asks for the extension
    # pays for it, not every program that loads the snapy plugins (e.g. the snapy command)
    if name == "TraceSnapshotExtension":
        from ._syrupy import TraceSnapshotExtension

        return TraceSnapshotExtension
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DETAIL_LEVELS",
    "EVENT_TYPES",
    "Bytes",
    "ChromeTraceSink",
    "FunctionTracer",
    "JsonLinesSink",
    "ModuleFilter",
    "Seconds",
    "TraceEvent",
    "TraceSnapshotExtension",
    "TracedSnapshot",
    "TracerConfig",
    "__version__",
]
