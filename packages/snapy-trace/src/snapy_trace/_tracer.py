"""``FunctionTracer``: record the call tree a block of code executes."""

from __future__ import annotations

import atexit
import threading
import tracemalloc
import warnings
import weakref
from collections.abc import Iterable
from types import TracebackType
from typing import Any

from snapy_core.errors import TraceError, TraceWarning

from . import _engine_monitoring, _raw
from ._config import TracerConfig
from ._decode import Decoded, decode
from ._discovery import CodeCatalog
from ._engine_settrace import SettraceEngine
from ._events import TraceEvent
from ._filters import ModuleFilter
from ._formats import format_events
from ._metrics import call_graph, metrics
from ._recording import Recording
from ._sinks import Sink, resolve_sinks
from ._store import EventStore

_running: weakref.WeakSet[FunctionTracer] = weakref.WeakSet()


@atexit.register
def _stop_running_tracers() -> None:
    for tracer in list(_running):
        if tracer.config.auto_cleanup:
            tracer.stop()
            tracer.close()


class FunctionTracer:
    """Record calls, returns, yields and exceptions of the code run while it is active.

    ``filter_modules`` lists module patterns (``"myapp.*"``, ``"!myapp.vendor.*"``; see
    :class:`snapy_trace.ModuleFilter`); without it the tracer records your own code (not
    the standard library, not installed packages). Use it as a context manager or with
    :meth:`start` / :meth:`stop`; several start/stop periods add to one trace.

    Subclasses may override :meth:`should_trace_call` to decide per call (sampling, a
    condition on the arguments); it is only consulted for functions of traced modules,
    and a tracer that does not override it pays nothing for it.
    """

    def __init__(
        self,
        filter_modules: Iterable[str] | str | None = None,
        config: TracerConfig | None = None,
    ) -> None:
        if config is not None and not isinstance(config, TracerConfig):
            raise TraceError(
                f"FunctionTracer(config={config!r}): config must be a TracerConfig, e.g. "
                "TracerConfig(max_events=5000)."
            )
        self.config: TracerConfig = config or TracerConfig()
        self.module_filter = ModuleFilter(filter_modules)
        self.filter_modules = list(self.module_filter.patterns)
        self._catalog = CodeCatalog()
        self._recordings: list[Recording] = []
        self._current: Recording | None = None
        self._engine: Any = None
        self._store: EventStore | None = None
        self._sinks: list[Sink] | None = None
        self._sunk = 0
        self._started_tracemalloc = False
        self._notes: list[str] = []
        self._lock = threading.RLock()
        self.engine = ""
        """Which hook recorded the last period (``sys.monitoring ...`` or ``sys.settrace``)."""
        self.recorder = ""
        """Which recorder wrote its records: ``"C"`` (:mod:`snapy_trace._speedups`) or
        ``"Python"`` (``SNAPY_TRACE_RECORDER`` chooses; see the README)."""

    # -- the override point ----------------------------------------------------------------

    def should_trace_call(self, frame: Any, event: str, arg: Any) -> bool:
        """Is this call recorded? The default: its module passes ``filter_modules``.

        Called once per call of a function of a traced module (``event`` is ``"call"``,
        ``arg`` is None), only when a subclass overrides it. Returning False skips that
        call's own events (its resumes and exits too); its callees are decided on their own.
        """
        code = frame.f_code
        if code.co_name in _raw.COMPREHENSIONS:
            return False
        module = frame.f_globals.get("__name__")
        return self.module_filter.decide(
            module if isinstance(module, str) else None, code.co_filename
        )

    def _override(self) -> Any:
        if type(self).should_trace_call is FunctionTracer.should_trace_call:
            return None
        return self.should_trace_call

    # -- lifecycle ------------------------------------------------------------------------------

    @property
    def is_running(self) -> bool:
        return self._current is not None

    def start(self) -> FunctionTracer:
        """Start recording (a no-op when already running)."""
        with self._lock:
            if self._current is not None:
                return self
            if self._sinks is None:
                self._sinks = resolve_sinks(self.config.sinks, compress=self.config.compression)
            if self.config.memory_tracking and not tracemalloc.is_tracing():
                tracemalloc.start()
                self._started_tracemalloc = True
            recording = Recording(self.config, self.module_filter, self._catalog, self._override())
            engine = self._make_engine(recording)
            self._store = None
            self._current = recording
            self._engine = engine
            self._recordings.append(recording)
            _running.add(self)  # before the hooks go on: nothing of ours in the trace
            try:
                engine.start()
            except BaseException:
                _running.discard(self)
                self._recordings.pop()
                self._current = None
                self._engine = None
                raise
            self.engine = recording.engine
            self.recorder = recording.recorder
            return self

    def _make_engine(self, recording: Recording) -> Any:
        if _engine_monitoring.available():
            if len(_engine_monitoring.free_tool_ids()) >= 2:
                return _engine_monitoring.MonitoringEngine(recording)
            warnings.warn(
                "snapy-trace: sys.monitoring has no two free tool ids (held: "
                + _engine_monitoring.holders()
                + "); tracing with sys.settrace instead, which is slower and chains to "
                "any debugger or tracer already using it.",
                TraceWarning,
                stacklevel=4,
            )
        engine = SettraceEngine(recording)
        return engine

    def stop(self) -> FunctionTracer:
        """Stop recording; the events stay available. A no-op when not running."""
        with self._lock:
            recording, engine = self._current, self._engine
            if recording is None:
                return self
            self._current = None
            self._engine = None
            try:
                engine.stop()
            finally:
                recording.finish()
                _running.discard(self)
                self._report_notes(engine, recording)
                if self.config.auto_cleanup:
                    self._release()
                self._flush_sinks()
            return self

    def _report_notes(self, engine: Any, recording: Recording) -> None:
        foreign = getattr(engine, "foreign", None)
        notes = list(recording.notes)
        if foreign:
            notes.insert(
                0,
                f"sys.settrace was already used by {foreign}; snapy chained to "
                "it, both kept working (both run slower while chained)",
            )
        for note in notes:
            if note not in self._notes:
                self._notes.append(note)
                warnings.warn(f"snapy-trace: {note}", TraceWarning, stacklevel=4)

    def _release(self) -> None:
        if self._started_tracemalloc:
            tracemalloc.stop()
            self._started_tracemalloc = False

    def close(self) -> None:
        """Stop, flush and close the sinks, stop ``tracemalloc`` if the tracer started it."""
        self.stop()
        with self._lock:
            self._release()
            if self._sinks:
                for sink in self._sinks:
                    sink.close()
            self._sinks = []

    def clear(self) -> None:
        """Forget every recorded event (the tracer may keep running)."""
        with self._lock:
            self._recordings = [r for r in self._recordings if r is self._current]
            if self._current is not None:
                self._current.buffer.clear()
            self._store = None
            self._sunk = 0

    def __enter__(self) -> FunctionTracer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
        if self.config.auto_cleanup:
            self.close()

    def __del__(self) -> None:
        try:
            if self._current is not None and self.config.auto_cleanup:
                self.stop()
        except Exception:
            pass

    # -- results ----------------------------------------------------------------------------------

    def _decoded(self) -> EventStore:
        with self._lock:
            if self._store is None:
                finished = [r for r in self._recordings if r.end is not None]
                decoded = decode(finished, self._catalog, self.config.max_events)
                self._store = EventStore(decoded, compress=self.config.compression)
                if self.config.compression:
                    # the packed store holds all that is needed
                    for recording in finished:
                        recording.buffer = []
                        recording.end = 0
            return self._store

    def _flush_sinks(self) -> None:
        if not self._sinks:
            return
        events = self._decoded().events()
        fresh = events[self._sunk :]
        self._sunk = len(events)
        if fresh:
            for sink in self._sinks:
                sink.write(fresh)

    def _decoded_info(self) -> Decoded:
        return self._decoded().decoded

    def get_events(self) -> list[TraceEvent]:
        """Every recorded event in order (the first ``max_events`` when truncated)."""
        return self._decoded().events()

    def get_metrics(self) -> dict[str, Any]:
        """Totals and per-function counts and times; see the README for the keys."""
        store = self._decoded()
        return metrics(store.events(), store.decoded, self.config)

    def get_call_graph(self) -> dict[str, dict[str, int]]:
        """``{caller: {callee: calls}}`` with ``"<root>"`` for calls with no traced caller."""
        return call_graph(self._decoded().events())

    def format_trace(self, format_type: str = "tree", **options: Any) -> str:
        """The trace as text: ``"tree"`` (default), ``"flat"``, ``"json"`` or ``"chrome"``.

        ``tree``, ``flat`` and ``json`` are deterministic (no times, addresses or ids)
        unless ``timings=True``; ``chrome`` is Trace Event JSON for Perfetto /
        chrome://tracing and always has times.
        """
        store = self._decoded()
        return format_events(store.events(), format_type, decoded=store.decoded, **options)

    def __repr__(self) -> str:
        state = "running" if self.is_running else "stopped"
        return f"<{type(self).__name__} {state} filter_modules={self.filter_modules!r}>"


__all__ = ["FunctionTracer"]
