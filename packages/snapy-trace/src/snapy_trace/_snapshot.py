"""``TracedSnapshot``: a tracer whose result is a deterministic syrupy snapshot."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from types import TracebackType
from typing import Any

import attrs

from snapy_core.errors import ConfigError

from ._config import DETAIL_LEVELS, DetailLevel, TracerConfig
from ._events import Seconds, TraceEvent
from ._metrics import call_counts
from ._tracer import FunctionTracer


# A dataclass on purpose: syrupy's default (amber) serializer writes a dataclass as its
# fields, so ``assert traced == snapshot`` stores exactly ``detail_level`` and the
# ``trace`` text, one line per call, and a changed call tree shows as a line diff.
# ``eq=False`` leaves ``==`` to syrupy's SnapshotAssertion.
@dataclasses.dataclass(init=False, eq=False, repr=False)
class TracedSnapshot:
    """Trace a block and compare its call tree with a syrupy snapshot.

    ::

        traced = TracedSnapshot(detail_level="verbose")
        with traced:
            order_service.process_order(*args, **kwargs)
        assert traced == snapshot

    ``detail_level``: ``"minimal"`` (the call tree), ``"standard"`` (plus argument and
    return values as cheap summaries) or ``"verbose"`` (plus a bounded ``repr`` of every
    value). ``filter_modules`` as for :class:`FunctionTracer` (default: your own code).
    Nothing that changes from run to run is in the snapshot: no times, memory figures,
    addresses, ids or temporary paths, unless ``include_timings=True``.
    """

    detail_level: str = "standard"
    trace: str = ""
    """The call tree (``format_trace()``), filled in when tracing stops."""

    def __init__(
        self,
        detail_level: str = "standard",
        filter_modules: Iterable[str] | str | None = None,
        *,
        include_timings: bool = False,
        config: TracerConfig | None = None,
    ) -> None:
        if detail_level not in DETAIL_LEVELS:
            raise ConfigError(
                f"TracedSnapshot(detail_level={detail_level!r}): use one of "
                + ", ".join(repr(level) for level in DETAIL_LEVELS)
                + "."
            )
        base = config if config is not None else TracerConfig()
        self.detail_level = detail_level
        self.include_timings = include_timings
        level: DetailLevel = detail_level  # type: ignore[assignment]  # checked above
        self.tracer = FunctionTracer(filter_modules, attrs.evolve(base, detail_level=level))
        self.trace = ""

    # -- tracing ----------------------------------------------------------------------------

    def start(self) -> TracedSnapshot:
        self.tracer.start()
        return self

    def stop(self) -> TracedSnapshot:
        self.tracer.stop()
        self.trace = self.format_trace()
        return self

    def __enter__(self) -> TracedSnapshot:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.tracer.__exit__(exc_type, exc, traceback)
        self.trace = self.format_trace()

    # -- results --------------------------------------------------------------------------------

    def format_trace(self, format_type: str = "tree") -> str:
        """The trace as text (``"tree"``, ``"flat"``, ``"json"`` or ``"chrome"``)."""
        return self.tracer.format_trace(format_type, timings=self.include_timings)

    def get_events(self) -> list[TraceEvent]:
        return self.tracer.get_events()

    def get_call_graph(self) -> dict[str, dict[str, int]]:
        return self.tracer.get_call_graph()

    def get_performance_metrics(self) -> dict[str, Any]:
        """Counts that are the same on every run: calls, resumes and exceptions per
        function, totals, the deepest nesting and whether events were dropped. Times
        (:class:`Seconds`) only with ``include_timings=True``."""
        full = self.tracer.get_metrics()
        events = self.tracer.get_events()
        result: dict[str, Any] = {
            "total_calls": full["total_calls"],
            "total_events": full["total_events"],
            "max_depth": full["max_depth"],
            "exceptions": full["exceptions"],
            "dropped_events": full["dropped_events"],
            "truncated": full["truncated"],
            "functions": call_counts(events),
        }
        if self.include_timings:
            result["total_time"] = Seconds(full["total_time"])
            for name, stats in result["functions"].items():
                timing = full["functions"].get(name, {})
                stats["total_time"] = timing.get("total_time", Seconds(0.0))
                stats["self_time"] = timing.get("self_time", Seconds(0.0))
        return result

    def __repr__(self) -> str:
        state = "running" if self.tracer.is_running else "stopped"
        return f"<TracedSnapshot detail_level={self.detail_level!r} {state}>"


__all__ = ["TracedSnapshot"]
