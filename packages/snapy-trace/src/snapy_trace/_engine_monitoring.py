"""The Python 3.12+ engine: ``sys.monitoring`` with two tool ids.

* the **recording** tool has ``PY_START``, ``PY_RESUME``, ``PY_RETURN``, ``PY_YIELD``
  (and ``LINE``) switched on only for the code objects of traced modules
  (``set_local_events``), so its callbacks need no filter at all, and every other
  function runs at full speed; ``PY_UNWIND`` and ``PY_THROW`` cannot be local, so they
  are global and filtered by code id (they only fire when exceptions cross frames);
* the **discovery** tool has a global ``PY_START`` that sees each code object once: code
  of a traced module that was not found at start (imported or created later) gets its
  local events switched on and its first call recorded; everything else gets
  ``DISABLE``, after which it costs nothing.

``DISABLE`` outlives ``set_events(tool, 0)`` and ``free_tool_id``; only the global
``sys.monitoring.restart_events()`` clears it. A tool id this module ever disabled code
for is remembered, and the next tracer that takes it calls ``restart_events()`` first.
``DISABLE`` is never returned from ``PY_UNWIND`` / ``PY_THROW`` callbacks (CPython
raises ``ValueError`` for that).
"""

from __future__ import annotations

import sys
import threading
from types import CodeType
from typing import Any

from . import _raw
from ._discovery import discover
from ._recording import Recording, Snippets, compile_functions, namespace

# Any: typed for Python 3.10, where sys.monitoring does not exist
_monitoring: Any = getattr(sys, "monitoring", None)
_EVENTS: Any = getattr(_monitoring, "events", None)
DISABLE: Any = getattr(_monitoring, "DISABLE", None)

_TOOL_CANDIDATES = (3, 4, 5, 2)  # never DEBUGGER_ID (0) or COVERAGE_ID (1)
_TOOL_NAME = "snapy-trace"
_dirty_tools: set[int] = set()
_lock = threading.Lock()


def available() -> bool:
    return sys.version_info >= (3, 12)


def holders() -> str:
    """Who holds the tool ids snapy may use, for messages."""
    return ", ".join(f"{tool}={_monitoring.get_tool(tool)!r}" for tool in (2, 3, 4, 5))


def free_tool_ids() -> list[int]:
    return [tool for tool in _TOOL_CANDIDATES if _monitoring.get_tool(tool) is None]


class MonitoringEngine:
    """Records one :class:`Recording` through ``sys.monitoring``."""

    name = "sys.monitoring"

    def __init__(self, recording: Recording) -> None:
        self.recording = recording
        self.tools: tuple[int, int] | None = None
        self.armed: dict[int, CodeType] = {}
        self.seen: dict[int, CodeType] = {}
        self._callbacks: dict[str, Any] = {}
        self._droppers: dict[str, Any] = {}
        self.local_events = (
            _EVENTS.PY_START | _EVENTS.PY_RESUME | _EVENTS.PY_RETURN | _EVENTS.PY_YIELD
        )
        if recording.config.enable_line_tracing:
            self.local_events |= _EVENTS.LINE

    # -- lifecycle -----------------------------------------------------------------

    def start(self) -> None:
        with _lock:
            tools = free_tool_ids()
            if len(tools) < 2:
                from snapy_core.errors import TraceError

                raise TraceError(
                    "sys.monitoring has fewer than two free tool ids "
                    f"(ids 2-5 are held by: {self._holders()})"
                )
            record, discovery = tools[0], tools[1]
            if record in _dirty_tools or discovery in _dirty_tools:
                # a DISABLE we returned earlier would hide code from this tracer
                _monitoring.restart_events()
                _dirty_tools.clear()
            _monitoring.use_tool_id(record, _TOOL_NAME)
            try:
                _monitoring.use_tool_id(discovery, _TOOL_NAME)
            except ValueError:
                _monitoring.free_tool_id(record)
                raise
            self.tools = (record, discovery)
        self.recording.engine = f"{self.name} (tool ids {record} and {discovery})"
        self._build()
        self._previous_profile: Any = None
        if self.recording.config.trace_all_threads:
            self._previous_profile = threading.getprofile()
            threading.setprofile(self._thread_started)
        try:
            self._install()
        except BaseException:
            self.stop()
            raise

    def _thread_started(self, frame: Any, event: str, arg: Any) -> Any:
        # threading calls this once, first thing in each new thread: note the thread
        # (identifiers of finished threads are reused) and get out of the way
        previous = self._previous_profile
        sys.setprofile(previous)
        self.recording.buffer.extend((_raw.THREAD_START, threading.get_ident()))
        return previous(frame, event, arg) if previous is not None else None

    def _holders(self) -> str:
        return ", ".join(f"{tool}={_monitoring.get_tool(tool)!r}" for tool in (2, 3, 4, 5))

    def _install(self) -> None:
        assert self.tools is not None
        record, discovery = self.tools
        recording = self.recording
        for code in discover(recording.module_filter, recording.catalog):
            if code.co_name in _raw.COMPREHENSIONS:
                continue
            self._arm(code)
        # frames of the tracer itself must not be armed: they are never in a traced module
        callbacks = self._callbacks
        events = _EVENTS
        for event, key in (
            (events.PY_START, "on_start"),
            (events.PY_RESUME, "on_resume"),
            (events.PY_RETURN, "on_return"),
            (events.PY_YIELD, "on_yield"),
            (events.PY_UNWIND, "on_unwind"),
            (events.PY_THROW, "on_throw"),
            (events.LINE, "on_line"),
        ):
            _monitoring.register_callback(record, event, callbacks[key])
        _monitoring.register_callback(discovery, events.PY_START, self._on_first_start)
        _monitoring.set_events(record, events.PY_UNWIND | events.PY_THROW)
        _monitoring.set_events(discovery, events.PY_START)

    def stop(self) -> None:
        if self.tools is None:
            return
        record, discovery = self.tools
        self.tools = None
        if (
            self.recording.config.trace_all_threads
            and threading.getprofile() == self._thread_started
        ):
            threading.setprofile(self._previous_profile)
        events = _EVENTS
        with _lock:
            for tool in (record, discovery):
                for event in (
                    events.PY_START,
                    events.PY_RESUME,
                    events.PY_RETURN,
                    events.PY_YIELD,
                    events.PY_UNWIND,
                    events.PY_THROW,
                    events.LINE,
                ):
                    _monitoring.register_callback(tool, event, None)
                _monitoring.set_events(tool, 0)
            for code in self.armed.values():
                _monitoring.set_local_events(record, code, 0)
            _dirty_tools.add(discovery)
            for tool in (record, discovery):
                if _monitoring.get_tool(tool) == _TOOL_NAME:
                    _monitoring.free_tool_id(tool)
        self.armed.clear()
        self.seen.clear()

    # -- arming ----------------------------------------------------------------------

    def _arm(self, code: CodeType) -> None:
        assert self.tools is not None
        key = id(code)
        self.seen[key] = code
        if key in self.armed:
            return
        self.armed[key] = code
        _monitoring.set_local_events(self.tools[0], code, self.local_events)

    def _on_first_start(self, code: CodeType, offset: int) -> Any:
        key = id(code)
        if key in self.seen:
            return DISABLE
        self.seen[key] = code
        try:
            frame = sys._getframe(1)
            module = frame.f_globals.get("__name__")
            module = module if isinstance(module, str) else None
            recording = self.recording
            if code.co_name in _raw.COMPREHENSIONS or not recording.module_filter.decide(
                module, code.co_filename
            ):
                return DISABLE
            recording.catalog.learn(code, module or "")
            if self.tools is None:
                return DISABLE
            self._arm(code)
            # the recording tool was not armed when this call started: record it here
            self._callbacks["enter_found"](code, frame)
        except Exception as error:
            self.recording.notes.append(
                f"discovery failed for {getattr(code, 'co_qualname', code.co_name)}: "
                f"{type(error).__name__}: {error}"
            )
        return DISABLE

    # -- overflow ----------------------------------------------------------------------

    def overflow(self) -> None:
        """The slot budget is spent: keep counting events, stop storing them."""
        self.recording.dropped[0] += 1  # the event that found the budget spent
        if self.recording.overflowed or self.tools is None:
            return
        self.recording.overflowed = True
        record = self.tools[0]
        events = _EVENTS
        droppers = self._droppers
        for event, key in (
            (events.PY_START, "on_start"),
            (events.PY_RESUME, "on_resume"),
            (events.PY_RETURN, "on_return"),
            (events.PY_YIELD, "on_yield"),
            (events.PY_UNWIND, "on_unwind"),
            (events.PY_THROW, "on_throw"),
            (events.LINE, "on_line"),
        ):
            _monitoring.register_callback(record, event, droppers[key])
        self._callbacks["enter_found"] = droppers["enter_found"]

    # -- code generation ------------------------------------------------------------------

    def _build(self) -> None:
        recording = self.recording
        names = namespace(recording)
        names["overflow"] = self.overflow
        names["armed"] = self.armed
        names["dropped"] = recording.dropped
        s = Snippets(recording)
        frame_for_entry = bool(s.args) or s.override
        frame_for_exit = bool(s.locals) or s.override

        def entry(name: str, signature: str, frame_expr: str | None) -> str:
            lines = [f"def {name}({signature}):", s.thread_check.rstrip("\n")]
            if frame_expr and (frame_for_entry or name == "enter_found"):
                lines.append(f"    frame = {frame_expr}")
            if s.override:
                lines.append('    if not should_trace(frame, "call", None):')
                lines.append("        skipped.add(frame)")
                lines.append("        return")
            lines.append("    if len(buf) > LIMIT:")
            lines.append("        return overflow()")
            if s.args:
                lines.append("    loc = frame.f_locals")
                lines.append(f"    args = {s.args}")
                star = "*args, "
            else:
                star = ""
            lines.append("    if code.co_flags & ASYNC:")
            lines.append(f"        buf += (code, now(), {s.tid}{star}current_task(), {s.mem})")
            lines.append("    else:")
            lines.append(f"        buf += (code, now(), {s.tid}{star}{s.mem})")
            return "\n".join(line for line in lines if line) + "\n"

        def resume() -> str:
            lines = ["def on_resume(code, offset):", s.thread_check.rstrip("\n")]
            if s.override:
                lines.append("    if skipped and getframe(1) in skipped:")
                lines.append("        return")
            lines.append("    if len(buf) > LIMIT:")
            lines.append("        return overflow()")
            lines.append("    if code.co_flags & ASYNC:")
            lines.append(f"        buf += (RESUME, code, now(), {s.tid}current_task(), {s.mem})")
            lines.append("    else:")
            lines.append(f"        buf += (RESUME, code, now(), {s.tid}{s.mem})")
            return "\n".join(line for line in lines if line) + "\n"

        def throw() -> str:
            lines = [
                "def on_throw(code, offset, exc):",
                "    if id(code) not in armed:",
                "        return",
                s.thread_check.rstrip("\n"),
            ]
            if s.override:
                lines.append("    if skipped and getframe(1) in skipped:")
                lines.append("        return")
            lines.append("    t = now()")
            lines.append("    name, message = describe(exc)")
            lines.append("    if code.co_flags & ASYNC:")
            lines.append(
                f"        buf += (THROW, code, t, {s.tid}name, message, current_task(), {s.mem})"
            )
            lines.append("    else:")
            lines.append(f"        buf += (THROW, code, t, {s.tid}name, message, {s.mem})")
            return "\n".join(line for line in lines if line) + "\n"

        def exit_(name: str, signature: str, marker: str, final: bool) -> str:
            lines = [f"def {name}({signature}):"]
            if name == "on_unwind":
                lines += ["    if id(code) not in armed:", "        return"]
            lines.append(s.thread_check.rstrip("\n"))
            lines.append("    t = now()")
            if s.override:
                lines.append("    if skipped:")
                lines.append("        frame = getframe(1)")
                lines.append("        if frame in skipped:")
                if final:
                    lines.append("            skipped.discard(frame)")
                lines.append("            return")
            if frame_for_exit and s.locals:
                lines.append("    frame = getframe(1)")
            if name == "on_unwind":
                lines.append("    name, message = describe(value)")
                payload = f"{s.tid}name, message, id(value), {s.locals}{s.mem}"
            else:
                payload = f"{s.tid}{s.value}{s.locals}{s.mem}"
            if marker:
                lines.append(f"    buf += ({marker}, code, t, {payload})")
            else:
                lines.append(f"    buf += (code, -t, {payload})")
            return "\n".join(line for line in lines if line) + "\n"

        def line() -> str:
            return (
                "def on_line(code, line):\n"
                + s.thread_check
                + "    if len(buf) > LIMIT:\n        return overflow()\n"
                + f"    buf += (LINE, code, now(), {s.tid}line)\n"
            )

        source = "".join(
            [
                entry("on_start", "code, offset", "getframe(1)"),
                entry("enter_found", "code, frame", None),
                resume(),
                throw(),
                exit_("on_return", "code, offset, value", "", True),
                exit_("on_yield", "code, offset, value", "YIELD", False),
                exit_("on_unwind", "code, offset, value", "UNWIND", True),
                line(),
            ]
        )
        self.source = source
        self._callbacks = compile_functions(source, names)
        check = s.thread_check
        self._droppers = compile_functions(_DROPPERS.format(check=check), names)


_DROPPERS = """
def on_start(code, offset):
{check}    dropped[0] += 1
def enter_found(code, frame):
{check}    dropped[0] += 1
def on_resume(code, offset):
{check}    dropped[0] += 1
def on_return(code, offset, value):
{check}    dropped[0] += 1
def on_yield(code, offset, value):
{check}    dropped[0] += 1
def on_unwind(code, offset, value):
{check}    if id(code) in armed:
        dropped[0] += 1
def on_throw(code, offset, value):
{check}    if id(code) in armed:
        dropped[0] += 1
def on_line(code, line):
{check}    dropped[0] += 1
"""

__all__ = ["MonitoringEngine", "available", "free_tool_ids"]
