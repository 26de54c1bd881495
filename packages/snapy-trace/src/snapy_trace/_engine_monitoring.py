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

The recording callbacks are generated for a *mode* and swapped when it changes, so that
nothing is checked that cannot happen yet: while the tracing thread is the only thread,
callbacks do not ask which thread they run in (the discovery tool sees every
``threading.Thread`` start, and :mod:`snapy_trace._watcher` any other new thread, and
switch to callbacks that do); until code of a coroutine is traced they do not look for
an asyncio task. ``max_events`` is enforced by the watcher too, not per event.

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
from ._recording import (
    Recording,
    Snippets,
    c_recorder,
    compile_functions,
    namespace,
    use_c_recorder,
)
from ._watcher import internal, watcher

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
        self.all_threads = recording.config.trace_all_threads
        self.check_threads = False
        self.tasks = False
        self.source = ""
        self._callbacks: dict[str, Any] = {}
        self._variants: dict[tuple[bool, bool], dict[str, Any]] = {}
        self._droppers: dict[str, Any] = {}
        self._bootstrap: CodeType | None = None
        self._lock = threading.RLock()
        self.use_c = use_c_recorder(recording)
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
                    f"sys.monitoring has fewer than two free tool ids (ids 2-5 are held by: "
                    f"{holders()})"
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
        recording = self.recording
        recording.engine = f"{self.name} (tool ids {record} and {discovery})"
        threading_module = sys.modules.get("threading")
        if threading_module is not None:
            self._bootstrap = threading_module.Thread._bootstrap.__code__
        me = recording.thread
        watcher.pin()  # its thread starts before the hooks go on, not in the trace
        others = set(sys._current_frames()) - {me, watcher.ident}
        # while nothing else runs Python code, callbacks need not check the thread
        self.check_threads = bool(others) and not self.all_threads
        try:
            self._install()
            limit = recording.slot_limit if recording.config.max_events is not None else None
            watch_threads = not self.all_threads and not self.check_threads
            if limit is not None or watch_threads:
                watcher.watch(
                    id(self),
                    recording.buffer,
                    limit=limit,
                    on_full=self.overflow,
                    on_thread=self._foreign_thread if watch_threads else None,
                    known_threads={me},
                )
        except BaseException:
            self.stop()
            raise
        finally:
            watcher.unpin()

    def _install(self) -> None:
        assert self.tools is not None
        record, discovery = self.tools
        recording = self.recording
        found = [
            code
            for code in discover(recording.module_filter, recording.catalog)
            if code.co_name not in _raw.COMPREHENSIONS
        ]
        self.tasks = any(code.co_flags & _raw.ASYNC_FLAGS for code in found)
        self._droppers = self._compile_droppers()
        self._set_mode(self.check_threads, self.tasks)
        for code in found:
            self._arm(code)
        _monitoring.register_callback(discovery, _EVENTS.PY_START, self._on_first_start)
        _monitoring.set_events(record, _EVENTS.PY_UNWIND | _EVENTS.PY_THROW)
        _monitoring.set_events(discovery, _EVENTS.PY_START)

    def stop(self) -> None:
        watcher.unwatch(id(self))
        if self.tools is None:
            return
        record, discovery = self.tools
        self.tools = None
        events = _EVENTS
        with _lock:
            for tool in (record, discovery):
                for event in _ALL_EVENTS:
                    _monitoring.register_callback(tool, getattr(events, event), None)
                _monitoring.set_events(tool, 0)
            for code in self.armed.values():
                _monitoring.set_local_events(record, code, 0)
            _dirty_tools.add(discovery)
            for tool in (record, discovery):
                if _monitoring.get_tool(tool) == _TOOL_NAME:
                    _monitoring.free_tool_id(tool)
        self.armed.clear()
        self.seen.clear()

    # -- modes -----------------------------------------------------------------------

    def _set_mode(self, check_threads: bool, tasks: bool) -> None:
        """Install the recording callbacks for a mode (a no-op once overflowed)."""
        with self._lock:
            self.check_threads, self.tasks = check_threads, tasks
            functions = self._variants.get((check_threads, tasks))
            if functions is None:
                source = self._source(check_threads, tasks)
                functions = compile_functions(source, self._names())
                if self.use_c:
                    # the C recorder writes the same records; exceptions and lines stay
                    # in the generated Python functions
                    recorder = c_recorder(self.recording, check_threads=check_threads, tasks=tasks)
                    functions.update({name: getattr(recorder, name) for name in _C_CALLBACKS})
                self._variants[(check_threads, tasks)] = functions
                self.source = source
            if self.recording.overflowed or self.tools is None:
                return
            self._register(functions)

    def _register(self, functions: dict[str, Any]) -> None:
        assert self.tools is not None
        record = self.tools[0]
        for event, key in _CALLBACKS:
            _monitoring.register_callback(record, getattr(_EVENTS, event), functions[key])
        self._callbacks = functions

    def _foreign_thread(self) -> None:
        # the watcher saw a thread that did not start through threading.Thread
        if not self.check_threads and not self.all_threads:
            self._set_mode(True, self.tasks)

    def _thread_starting(self, frame: Any) -> None:
        """A ``threading.Thread`` is starting, in the new thread."""
        try:
            thread = frame.f_locals.get("self")
        except Exception:
            thread = None
        if thread is not None and internal(thread):
            return
        if self.all_threads:
            # thread identifiers are reused: mark where a new thread begins
            self.recording.buffer.extend((_raw.THREAD_START, threading.get_ident()))
        elif not self.check_threads:
            self._set_mode(True, self.tasks)
            watcher.forget_thread_check(id(self))

    # -- arming ----------------------------------------------------------------------

    def _arm(self, code: CodeType) -> None:
        assert self.tools is not None
        key = id(code)
        self.seen[key] = code
        if key in self.armed:
            return
        if code.co_flags & _raw.ASYNC_FLAGS and not self.tasks:
            self._set_mode(self.check_threads, True)
        self.armed[key] = code
        _monitoring.set_local_events(self.tools[0], code, self.local_events)

    def _on_first_start(self, code: CodeType, offset: int) -> Any:
        if code is self._bootstrap:
            self._thread_starting(sys._getframe(1))
            return None  # keep seeing every thread start
        key = id(code)
        if key in self.seen:
            return DISABLE
        answer = DISABLE
        try:
            frame = sys._getframe(1)
            module = frame.f_globals.get("__name__")
            module = module if isinstance(module, str) else None
            if self._bootstrap is None and code.co_name == "_bootstrap" and module == "threading":
                self._bootstrap = code  # threading was imported after the tracer started
                self._thread_starting(frame)
                answer = None
            else:
                self.seen[key] = code
            recording = self.recording
            if code.co_name in _raw.COMPREHENSIONS or not recording.module_filter.decide(
                module, code.co_filename
            ):
                return answer
            recording.catalog.learn(code, module or "")
            if self.tools is None:
                return answer
            self._arm(code)
            # the recording tool was not armed when this call started: record it here
            self._callbacks["enter_found"](code, frame)
        except Exception as error:
            self.recording.notes.append(
                f"discovery failed for {getattr(code, 'co_qualname', code.co_name)}: "
                f"{type(error).__name__}: {error}"
            )
        return answer

    # -- overflow ----------------------------------------------------------------------

    def overflow(self) -> None:
        """The budget is spent: keep counting events, stop storing them."""
        with self._lock:
            if self.recording.overflowed or self.tools is None:
                return
            self.recording.overflowed = True
            self._register(self._droppers)

    # -- code generation ------------------------------------------------------------------

    def _names(self) -> dict[str, Any]:
        names = namespace(self.recording)
        names["armed"] = self.armed
        names["dropped"] = self.recording.dropped
        return names

    def _source(self, check_threads: bool, tasks: bool) -> str:
        s = Snippets(self.recording)
        check = s.thread_check.rstrip("\n") if check_threads else ""

        def record(head: list[str], items: list[str], is_async: str = _IS_ASYNC) -> list[str]:
            plain = s.emit([*head, *s.tid, *items, *s.mem])
            if not tasks:
                return plain
            with_task = s.emit([*head, *s.tid, *items, "current_task()", *s.mem], "        ")
            return [
                f"    if {is_async}:",
                *with_task,
                "    else:",
                *["    " + line for line in plain],
            ]

        def function(signature: str, body: list[str]) -> str:
            return "\n".join([f"def {signature}:", *(line for line in body if line)]) + "\n"

        def entry(name: str, signature: str, frame_expr: str | None) -> str:
            body = [check]
            prelude, items = s.arguments("frame")
            if frame_expr and (prelude or s.override):
                body.append(f"    frame = {frame_expr}")
            if s.override:
                body += [
                    '    if not should_trace(frame, "call", None):',
                    "        skipped.add(frame)",
                    "        return",
                ]
            if prelude:
                body.append(prelude.rstrip("\n"))
            is_async = _STARTS_ASYNC if "offset" in signature else _IS_ASYNC
            body += record(["code", "now()"], items, is_async)
            return function(f"{name}({signature})", body)

        def resume() -> str:
            body = [check]
            if s.override:
                body += ["    if skipped and getframe(1) in skipped:", "        return"]
            body += record(["RESUME", "code", "now()"], [])
            return function("on_resume(code, offset)", body)

        def throw() -> str:
            body = ["    if id(code) not in armed:", "        return", check]
            if s.override:
                body += ["    if skipped and getframe(1) in skipped:", "        return"]
            body.append("    name, message = describe(exc)")
            body += record(["THROW", "code", "now()"], ["name", "message"])
            return function("on_throw(code, offset, exc)", body)

        def exit_(name: str, marker: str, final: bool) -> str:
            body = []
            if name == "on_unwind":
                body += ["    if id(code) not in armed:", "        return"]
            body += [check, "    t = now()"]
            if s.override:
                body += [
                    "    if skipped:",
                    "        frame = getframe(1)",
                    "        if frame in skipped:",
                ]
                if final:
                    body.append("            skipped.discard(frame)")
                body.append("            return")
            if s.locals:
                body.append("    frame = getframe(1)")
            if name == "on_unwind":
                body.append("    name, message = describe(value)")
                payload = ["name", "message", "id(value)", *s.locals]
            else:
                payload = [*s.value, *s.locals]
            head = [marker, "code", "t"] if marker else ["-t"]
            body += s.emit([*head, *s.tid, *payload, *s.mem])
            return function(f"{name}(code, offset, value)", body)

        line = function(
            "on_line(code, line)", [check, *s.emit(["LINE", "code", "now()", *s.tid, "line"])]
        )
        return "".join(
            [
                entry("on_start", "code, offset", "getframe(1)"),
                entry("enter_found", "code, frame", None),
                resume(),
                throw(),
                exit_("on_return", "", True),
                exit_("on_yield", "YIELD", False),
                exit_("on_unwind", "UNWIND", True),
                line,
            ]
        )

    def _compile_droppers(self) -> dict[str, Any]:
        check = "" if self.all_threads else Snippets(self.recording).thread_check
        return compile_functions(_DROPPERS.format(check=check), self._names())


_IS_ASYNC = "code.co_flags & ASYNC"
# A PY_START at offset 0 is not a coroutine's: those begin with RETURN_GENERATOR. Testing
# the offset first skips ``code.co_flags`` (an attribute lookup 3.12 does not specialise,
# as costly as reading the clock) for the calls of plain functions.
_STARTS_ASYNC = "offset and code.co_flags & ASYNC"

_ALL_EVENTS = ("PY_START", "PY_RESUME", "PY_RETURN", "PY_YIELD", "PY_UNWIND", "PY_THROW", "LINE")
_CALLBACKS = (
    ("PY_START", "on_start"),
    ("PY_RESUME", "on_resume"),
    ("PY_RETURN", "on_return"),
    ("PY_YIELD", "on_yield"),
    ("PY_UNWIND", "on_unwind"),
    ("PY_THROW", "on_throw"),
    ("LINE", "on_line"),
)

_C_CALLBACKS = ("on_start", "enter_found", "on_resume", "on_return", "on_yield")

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

__all__ = ["MonitoringEngine", "available", "free_tool_ids", "holders"]
