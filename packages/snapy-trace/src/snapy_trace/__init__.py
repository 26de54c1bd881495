"""snapy-trace: record the call tree code executes, as deterministic syrupy snapshots."""

from __future__ import annotations

from .__about__ import __version__
from ._config import DETAIL_LEVELS, TracerConfig
from ._events import EVENT_TYPES, Bytes, Seconds, TraceEvent
from ._filters import ModuleFilter
from ._sinks import ChromeTraceSink, JsonLinesSink
from ._snapshot import TracedSnapshot
from ._syrupy import TraceSnapshotExtension
from ._tracer import FunctionTracer

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
