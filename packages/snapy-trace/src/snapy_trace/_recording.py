"""State shared by both engines for one recording, and the generated hot-path functions.

The functions that run for every traced event are generated from small templates for
the options in effect (thread check, argument detail, memory, sampling override, ...),
so that no option costs anything when it is off: the hot path of a tracer without
arguments has no branch about arguments.
"""

from __future__ import annotations

import os
import re
import sys
import time
import tracemalloc
import warnings
from _thread import get_ident
from collections.abc import Callable
from time import perf_counter
from types import ModuleType
from typing import Any

from . import _raw
from ._config import TracerConfig
from ._discovery import CodeCatalog
from ._filters import ModuleFilter
from ._values import ATOMIC_TYPES, describe_exception, keep_verbose


def _load_speedups() -> ModuleType | None:
    try:
        from . import _speedups
    except ImportError:  # not built (no compiler, or SNAPY_TRACE_BUILD_EXTENSION=0)
        return None
    return _speedups


_speedups = _load_speedups()

RECORDER_VARIABLE = "SNAPY_TRACE_RECORDER"
_RECORDER_CHOICES = ("auto", "c", "python")

# minimum slots of any record: an estimate for turning max_events into a slot budget
_SLOTS_PER_EVENT = 3


class Recording:
    """One start()..stop() period: the raw buffer and what is needed to decode it."""

    def __init__(
        self,
        config: TracerConfig,
        module_filter: ModuleFilter,
        catalog: CodeCatalog,
        should_trace_call: Callable[[Any, str, Any], bool] | None,
    ) -> None:
        self.config = config
        self.module_filter = module_filter
        self.catalog = catalog
        self.should_trace_call = should_trace_call
        self.buffer: list[Any] = []
        self.end: int | None = None
        self.layout = _raw.Layout(
            threads=config.trace_all_threads,
            detail=config.detail_level,
            memory=config.memory_tracking,
            locals=config.capture_locals,
        )
        self.thread = get_ident()
        self.started_at = perf_counter()
        self.stopped_at: float | None = None
        self.dropped = [0]
        self.overflowed = False
        self.notes: list[str] = []
        self.engine = ""
        self.skipped_frames: set[Any] = set()
        self.recorder = "Python"
        """Which recorder writes the hot-path records: ``"C"`` or ``"Python"``."""
        if config.max_events is None:
            self.slot_limit = sys.maxsize
        else:
            self.slot_limit = config.max_events * (_SLOTS_PER_EVENT + 2) + 64

    def finish(self) -> None:
        if self.end is None:
            self.end = len(self.buffer)
            self.stopped_at = perf_counter()
        self.skipped_frames.clear()


# -- code generation ----------------------------------------------------------------

# Standard detail: the values of the frame's locals when the call starts (only arguments
# and free variables are bound then), each kept as is when immutable and atomic, else as
# its type: ``count, slot, slot, ...``. No repr, nothing mutable kept.
_STANDARD_PRELUDE = "    vals = {frame}.f_locals.values()\n"
_EACH = "each:"
"""Item prefix: one slot per value of an iterable, kept as the standard level keeps it."""
_STANDARD_ITEMS = ["len(vals)", f"{_EACH}vals"]
_KEEP_STANDARD = "v if type(v) in ATOMIC else type(v)"
_VERBOSE_PRELUDE = (
    "    loc = {frame}.f_locals\n"
    "    args = [keep_verbose(loc[n]) "
    "for n in code.co_varnames[:code.co_argcount + code.co_kwonlyargcount "
    "+ ((code.co_flags >> 2) & 1) + ((code.co_flags >> 3) & 1)]]\n"
)
_VERBOSE_ITEMS = ["*args"]
_VALUE = {
    "minimal": [],
    "standard": ["(value if type(value) in ATOMIC else type(value))"],
    "verbose": ["keep_verbose(value)"],
}


def emit(items: list[str], *, atomic: bool, indent: str = "    ") -> list[str]:
    """Statements appending a record's slots to ``buf``.

    ``items`` are expressions, one slot each, ``*expression`` for several, or
    ``each:iterable`` for one slot per value kept at the standard level. With ``atomic``
    the record is one ``buf += (...)``, a single C call that a thread switch cannot split
    (several threads write); otherwise ``app(...)`` / ``ext(...)`` calls, which are
    cheaper. ``each:`` is then a loop of ``app`` calls: measured cheaper, for the few
    values of a call's arguments, than extending by a list comprehension (no list, no
    comprehension frame on 3.10/3.11) on every supported Python.
    """
    if atomic:
        slots = [
            f"*[{_KEEP_STANDARD} for v in {item[len(_EACH) :]}]" if item.startswith(_EACH) else item
            for item in items
        ]
        return [f"{indent}buf += ({', '.join(slots)},)"]
    lines = []
    for item in items:
        if item.startswith(_EACH):
            lines.append(f"{indent}for v in {item[len(_EACH) :]}:")
            lines.append(f"{indent}    app({_KEEP_STANDARD})")
        elif item.startswith("*"):
            lines.append(f"{indent}ext({item[1:]})")
        else:
            lines.append(f"{indent}app({item})")
    return lines


def namespace(recording: Recording) -> dict[str, Any]:
    """Names the generated functions use (closure variables of the generated code)."""
    return {
        "buf": recording.buffer,
        "app": recording.buffer.append,
        "ext": recording.buffer.extend,
        "now": perf_counter,
        "get_ident": get_ident,
        "THREAD": recording.thread,
        "getframe": sys._getframe,
        "should_trace": recording.should_trace_call,
        "skipped": recording.skipped_frames,
        "LIMIT": recording.slot_limit,
        "ATOMIC": ATOMIC_TYPES,
        "keep_verbose": keep_verbose,
        "describe": describe_exception,
        "current_task": _raw.current_task,
        "ASYNC": _raw.ASYNC_FLAGS,
        "RESUME": _raw.RESUME,
        "THROW": _raw.THROW,
        "YIELD": _raw.YIELD,
        "UNWIND": _raw.UNWIND,
        "LINE": _raw.LINE,
        "memory": tracemalloc.get_traced_memory,
        "locals_of": locals_of,
    }


def locals_of(frame: Any) -> tuple[str, ...]:
    """``(name, repr, name, repr, ...)`` of a frame's locals, bounded, taken now."""
    try:
        items = list(frame.f_locals.items())
    except Exception:
        return ()
    flat: list[str] = []
    for name, value in items:
        flat.append(name)
        flat.append(keep_verbose(value))
    return tuple(flat)


class Snippets:
    """Pieces of generated code that depend on the layout (lists of record items)."""

    def __init__(self, recording: Recording) -> None:
        layout = recording.layout
        self.thread_check = (
            "" if layout.threads else ("    if get_ident() != THREAD:\n        return\n")
        )
        self.atomic = layout.threads  # several threads write the buffer
        self.tid = ["get_ident()"] if layout.threads else []
        self.mem = ["memory()[0]"] if layout.memory else []
        self.detail = layout.detail
        self.value = list(_VALUE[layout.detail])
        self.locals = ["locals_of(frame)"] if layout.locals else []
        self.override = recording.should_trace_call is not None

    def arguments(self, frame: str) -> tuple[str, list[str]]:
        """(statements, record items) that capture the arguments of ``frame``."""
        if self.detail == "standard":
            return _STANDARD_PRELUDE.format(frame=frame), list(_STANDARD_ITEMS)
        if self.detail == "verbose":
            return _VERBOSE_PRELUDE.format(frame=frame), list(_VERBOSE_ITEMS)
        return "", []

    def emit(self, items: list[str], indent: str = "    ") -> list[str]:
        return emit(items, atomic=self.atomic, indent=indent)


def recorder_choice() -> str:
    """``SNAPY_TRACE_RECORDER``: ``auto`` (C when built and able), ``c`` or ``python``."""
    value = os.environ.get(RECORDER_VARIABLE, "").strip().lower() or "auto"
    if value in _RECORDER_CHOICES:
        return value
    from snapy_core.errors import TraceWarning

    warnings.warn(
        f"{RECORDER_VARIABLE}={value!r} is not one of {', '.join(_RECORDER_CHOICES)}; "
        "using auto (the C recorder when it is built and records this configuration)",
        TraceWarning,
        stacklevel=2,
    )
    return "auto"


def c_records(recording: Recording) -> bool:
    """Can the C recorder write this recording's records (when it is built)?"""
    layout = recording.layout
    return (
        layout.detail in ("minimal", "standard")
        and not layout.memory
        and not layout.locals
        and not recording.config.enable_line_tracing
        and recording.should_trace_call is None
    )


def use_c_recorder(recording: Recording) -> bool:
    """Should the engines record through :mod:`snapy_trace._speedups`?

    ``auto`` and ``c`` use it for every configuration it records (others stay in
    Python); ``c`` makes a missing build an error instead of a quiet fallback, so that a
    test run knows which recorder it measured.
    """
    choice = recorder_choice()
    if choice == "python":
        return False
    if _speedups is None and choice == "c":
        from snapy_core.errors import TraceError

        raise TraceError(
            f"{RECORDER_VARIABLE}=c, but snapy_trace._speedups is not built. Reinstall "
            "snapy-trace where a C compiler and the Python headers are available (pip "
            "install --force-reinstall --no-deps --no-binary snapy-trace snapy-trace; see "
            f"SNAPY_TRACE_BUILD_EXTENSION in its README), or unset {RECORDER_VARIABLE}."
        )
    return _speedups is not None and c_records(recording)


_C_CLOCK = time.get_clock_info("perf_counter").implementation == "clock_gettime(CLOCK_MONOTONIC)"


def c_recorder(recording: Recording, *, check_threads: bool, tasks: bool, **settrace: Any) -> Any:
    """A :class:`snapy_trace._speedups.Recorder` writing ``recording``'s records.

    ``settrace`` holds what the ``sys.settrace`` functions hand over to Python (kept,
    rejected, classify, enter, local, exit_slow, pending).
    """
    assert _speedups is not None
    recording.recorder = "C"
    return _speedups.Recorder(
        buffer=recording.buffer,
        atomic=ATOMIC_TYPES,
        current_task=_raw.current_task,
        perf_counter=perf_counter,
        thread=recording.thread,
        check_thread=check_threads,
        with_thread=recording.layout.threads,
        detail=recording.layout.detail,
        tasks=tasks,
        c_clock=_C_CLOCK,
        resume=_raw.RESUME,
        yield_=_raw.YIELD,
        **settrace,
    )


def compile_functions(source: str, names: dict[str, Any]) -> dict[str, Any]:
    """Compile generated ``def``s as closures over ``names``.

    Closure variables cost nothing per call, unlike default arguments (keyword-only
    defaults even take a dictionary lookup each per call).
    """
    lines: list[str] = []
    defined: list[str] = []
    for line in source.splitlines():
        lines.append("    " + line if line else line)
        match = _DEF.match(line)
        if match:
            defined.append(match.group(1))
            lines.append("        nonlocal buf")  # records may extend it with +=
    factory = (
        f"def _factory({', '.join(names)}):\n"
        + "\n".join(lines)
        + "\n    return {"
        + ", ".join(f"{name!r}: {name}" for name in defined)
        + "}\n"
    )
    scope: dict[str, Any] = {}
    exec(compile(factory, "<snapy-trace generated>", "exec"), {"__builtins__": __builtins__}, scope)
    functions: dict[str, Any] = scope["_factory"](**names)
    return functions


_DEF = re.compile(r"def (\w+)\(")


__all__ = [
    "RECORDER_VARIABLE",
    "Recording",
    "Snippets",
    "c_recorder",
    "c_records",
    "compile_functions",
    "emit",
    "locals_of",
    "namespace",
    "recorder_choice",
    "use_c_recorder",
]
