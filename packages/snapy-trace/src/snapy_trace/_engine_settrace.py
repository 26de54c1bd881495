"""The Python 3.10/3.11 engine (and the fallback on 3.12+): ``sys.settrace``.

Why ``settrace`` and not ``setprofile`` (measured, see benchmarks/README.md): the global
trace function runs once per Python call and never for C calls, and returning ``None``
for a frame of an untraced module switches that frame off for good, so untraced code
pays one cheap callback per call. ``setprofile`` runs for every call, return, C call and
C return. ``settrace`` also reports exceptions (a ``setprofile`` callback cannot tell a
function that raised from one that returned ``None``); ``f_trace_lines = False`` on
traced frames keeps line events off unless line tracing is asked for.

The decision per frame is made on ``co_filename`` (a string whose hash is cached), never
on the code object (hashing a code object walks its contents).

How an exit is told apart, from the instruction the frame stopped at: ``RETURN_VALUE``
(``RETURN_CONST``) is a return, ``YIELD_VALUE`` (3.10: before ``YIELD_FROM``; 3.13: the
``RESUME`` right after it) a suspension, anything else an exception propagating out,
whose object the preceding ``exception`` event gave. A
suspension right where an exception was thrown in (``generator.throw`` / ``close``) with
no value is that exception propagating out.

Another trace function already installed (a debugger, coverage, an outer tracer) is
chained: both get every event, both keep working, both run slower.

With the C recorder (:mod:`snapy_trace._speedups`), ``on_call`` and the ``local`` of
plain calls are its methods, and everything rarer still goes to the functions generated
here. On 3.10, when no other trace function is installed, the recorder is installed as
the C-level trace function itself, so ``sys.gettrace()`` returns it (see ``_speedups.c``
for why).
"""

from __future__ import annotations

import dis
import sys
import threading
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

_OP = dis.opmap
RETURN_OPS = frozenset(_OP[name] for name in ("RETURN_VALUE", "RETURN_CONST") if name in _OP)
YIELD_OPS = frozenset(_OP[name] for name in ("YIELD_VALUE",) if name in _OP)
YIELD_FROM = _OP.get("YIELD_FROM", -1)
RESUME_OP = _OP.get("RESUME", -1)
_SKIP_COMPREHENSIONS = sys.version_info < (3, 12)


def is_yield(code: bytes, op: int, lasti: int) -> bool:
    """Did a frame that stopped at ``lasti`` (opcode ``op``) suspend?"""
    if op in YIELD_OPS:
        return True
    if YIELD_FROM >= 0:  # 3.10: a suspended "yield from" / await re-runs YIELD_FROM
        return lasti + 2 < len(code) and code[lasti + 2] == YIELD_FROM
    # 3.13: the frame already stands on the RESUME after its YIELD_VALUE
    return op == RESUME_OP and lasti >= 2 and code[lasti - 2] in YIELD_OPS


def is_resume(frame: Any) -> bool:
    """Is this ``call`` event a generator / coroutine resuming, not starting?"""
    lasti: int = frame.f_lasti
    if RESUME_OP < 0:  # 3.10: a new frame has not run any instruction
        return lasti >= 0
    code: bytes = frame.f_code.co_code
    # 3.11+: a new generator frame stands on "RESUME 0"; a resumed one after a yield
    return not (lasti >= 0 and code[lasti] == RESUME_OP and code[lasti + 1] == 0)


class SettraceEngine:
    """Records one :class:`Recording` through ``sys.settrace`` (+ ``threading.settrace``)."""

    name = "sys.settrace"

    def __init__(self, recording: Recording) -> None:
        self.recording = recording
        self.kept: set[str] = set()
        self.rejected: set[str] = set()
        self.pending: dict[Any, tuple[int, Any]] = {}
        self.stopped = False
        self.previous: Any = None
        self.previous_threading: Any = None
        self.installed: Any = None
        self.thread_function: Any = None
        self.foreign: str | None = None
        self.c_recorder: Any = None
        self._build()

    # -- lifecycle -----------------------------------------------------------------

    def start(self) -> None:
        recording = self.recording
        # learn module and qualified names (3.10 code has no co_qualname) and the files
        # of traced modules now, so that the first calls take the fast path
        for code in discover(recording.module_filter, recording.catalog):
            if not code.co_filename.startswith("<"):
                self.kept.add(code.co_filename)
        previous = sys.gettrace()
        self.previous = previous
        functions = self._functions
        if previous is None:
            installed = functions["on_call"]
        else:
            installed = chain(previous, functions["on_call"], recording.config.enable_line_tracing)
            if not is_ours(previous):
                self.foreign = describe(previous)
        self.installed = installed
        recording.engine = self.name + (f", chained to {self.foreign}" if self.foreign else "")
        if recording.config.trace_all_threads:
            self.previous_threading = threading.gettrace()
            for_threads = (
                functions["on_call"]
                if self.previous_threading is None
                else chain(
                    self.previous_threading,
                    functions["on_call"],
                    recording.config.enable_line_tracing,
                )
            )
            buffer = recording.buffer

            def thread_started(frame: Any, event: str, arg: Any) -> Any:
                # first call in a new thread: note the thread (identifiers of finished
                # threads are reused), then trace as usual
                if internal(threading.current_thread()):
                    sys.settrace(None)
                    return None
                buffer.extend((_raw.THREAD_START, threading.get_ident()))
                sys.settrace(for_threads)
                return for_threads(frame, event, arg)

            thread_started._snapy_trace = True  # type: ignore[attr-defined]
            self.thread_function = thread_started
            threading.settrace(thread_started)
        if previous is None and hasattr(self.c_recorder, "install"):
            # 3.10: the recorder itself, not sys.settrace's trampoline (see _speedups.c);
            # sys.gettrace() then returns the recorder
            self.installed = installed = self.c_recorder
        if recording.config.max_events is None:
            self._install(installed)
            return
        watcher.pin()  # its thread starts before the hook goes on, not in the trace
        try:
            self._install(installed)
            watcher.watch(
                id(self),
                recording.buffer,
                limit=recording.slot_limit,
                on_full=self.overflow,
                on_thread=None,
                known_threads=set(),
            )
        finally:
            watcher.unpin()

    def _install(self, function: Any) -> None:
        if function is self.c_recorder:
            function.install()
        else:
            sys.settrace(function)

    def stop(self) -> None:
        watcher.unwatch(id(self))
        if self.stopped:
            return
        self.stopped = True
        # untraced files are now everything: other threads and chained tracers that still
        # call our function land in the slow path, which switches them off
        self.kept.clear()
        current = sys.gettrace()
        if current is self.installed:
            sys.settrace(self.previous)
        elif current is not None and not is_ours(current):
            self.recording.notes.append(
                f"sys.settrace was replaced during tracing by {describe(current)}; "
                "calls after that are missing from the trace"
            )
        if self.recording.config.trace_all_threads and threading.gettrace() is self.thread_function:
            threading.settrace(self.previous_threading)
        self.pending.clear()

    # -- slow path: first call of a file -----------------------------------------------

    def classify(self, frame: Any) -> Any:
        """Decide about the file (or pseudo-file) of a frame; enter the frame if traced."""
        code = frame.f_code
        filename = code.co_filename
        if self.stopped:
            # a thread (or a tracer chained over us) still calling after stop()
            if not filename.startswith("<"):
                self.rejected.add(filename)
            if sys.gettrace() is self.installed:
                sys.settrace(self.previous)
            return None
        module = frame.f_globals.get("__name__")
        module = module if isinstance(module, str) else None
        try:
            keep = self.recording.module_filter.decide(module, filename)
        except Exception:
            keep = False
        if filename.startswith("<"):
            # pseudo files (<string>, <frozen ...>) may hold code of several modules: decided
            # per call through the filter's cache, never through the file sets
            if not keep:
                return None
        elif keep:
            if not self.recording.overflowed:
                self.kept.add(filename)
        else:
            self.rejected.add(filename)
            return None
        self.recording.catalog.learn(code, module or "")
        if _SKIP_COMPREHENSIONS and code.co_name in _raw.COMPREHENSIONS:
            return None
        if self.recording.overflowed:
            self.kept.discard(filename)
            self.recording.dropped[0] += 1
            frame.f_trace_lines = False
            return self._count_dropped
        return self._functions["enter"](frame, code)

    def overflow(self) -> None:
        """The budget is spent (called by the watcher): new calls are only counted."""
        self.recording.overflowed = True
        self.kept.clear()  # calls in traced files now take the slow path, which counts them

    def _count_dropped(self, frame: Any, event: str, arg: Any) -> Any:
        if event == "return":
            self.recording.dropped[0] += 1
            return None
        return self._count_dropped

    # -- code generation ------------------------------------------------------------------

    def _build(self) -> None:
        recording = self.recording
        names = namespace(recording)
        names.update(
            kept=self.kept,
            rejected=self.rejected,
            classify=self.classify,
            pending=self.pending,
            overflow=self.overflow,
            dropped=recording.dropped,
            is_resume=is_resume,
            is_yield=is_yield,
            SUSPENDABLE=_raw.SUSPENDABLE_FLAGS,
            COMPREHENSIONS=_raw.COMPREHENSIONS,
            RETURN_OPS=RETURN_OPS,
            YIELD_OPS=YIELD_OPS,
            YIELD_FROM=YIELD_FROM,
            LINES=recording.config.enable_line_tracing,
        )
        s = Snippets(recording)
        source = _source(s)
        self.source = source
        functions = compile_functions(source, names)
        functions["on_call"]._snapy_trace = True
        if use_c_recorder(recording):
            # plain calls of kept files are recorded in C; first calls of a file,
            # generators, coroutines and exceptions go to the Python functions
            recorder = c_recorder(
                recording,
                check_threads=False,  # settrace is per thread
                tasks=False,  # only plain functions are recorded in C
                kept=self.kept,
                rejected=self.rejected,
                classify=self.classify,
                enter=functions["enter"],
                local=functions["local"],
                exit_slow=functions["exit_slow"],
                pending=self.pending,
            )
            functions["on_call"] = recorder.trace_call
            self.c_recorder = recorder
        self._functions = functions


def _source(s: Snippets) -> str:
    """The global trace function, the local ones, and what they share.

    Plain functions take the shortest path: one flag test at the call; at the return,
    unless an exception went through the frame, nothing but the record. Generators and
    coroutines (resume or first call? yield, return or exception?) take the longer one.
    """
    after = [*s.locals, *s.mem]
    prelude, items = s.arguments("frame")
    plain_call = []
    if s.override:
        plain_call += [
            '    if not should_trace(frame, "call", None):',
            "        return None",
        ]
    if prelude:
        plain_call.append(prelude.rstrip("\n"))
    plain_call += [*s.emit(["code", "now()", *s.tid, *items, *s.mem]), "    return local"]

    def record(head: list[str], items: list[str], indent: str) -> list[str]:
        inner = indent + "    "
        return [
            f"{indent}if code.co_flags & ASYNC:",
            *s.emit([*head, *s.tid, *items, "current_task()", *s.mem], inner),
            f"{indent}else:",
            *s.emit([*head, *s.tid, *items, *s.mem], inner),
        ]

    suspendable = ["def enter_suspendable(frame, code):"]
    if s.override:
        suspendable += [
            "    if frame in skipped:",
            "        return None",
            '    if not should_trace(frame, "call", None):',
            "        skipped.add(frame)",
            "        return None",
        ]
    suspendable += [
        "    if is_resume(frame):",
        *record(["RESUME", "code", "now()"], [], "        "),
        "        return local_gen",
    ]
    if prelude:
        suspendable.append(prelude.rstrip("\n"))
    suspendable += [*record(["code", "now()"], items, "    "), "    return local_gen"]

    exit_slow = [
        "def exit_slow(frame, arg, t):",
        "    code = frame.f_code",
        "    lasti = frame.f_lasti",
        "    op = code.co_code[lasti] if lasti >= 0 else 0",
        "    pend = pending.pop(frame, None) if pending else None",
        "    value = arg",
        "    if op in RETURN_OPS:",
        *s.emit(["-t", *s.tid, *s.value, *after], "        "),
        "    elif is_yield(code.co_code, op, lasti) and (",
        "            pend is None or pend[0] != lasti or arg is not None):",
        *s.emit(["YIELD", "code", "t", *s.tid, *s.value, *after], "        "),
        "    elif pend is None:",
        *s.emit(["UNWIND", "code", "t", *s.tid, "None", "None", "None", *after], "        "),
        "    else:",
        "        name, message = describe(pend[1])",
        *s.emit(
            ["UNWIND", "code", "t", *s.tid, "name", "message", "id(pend[1])", *after], "        "
        ),
    ]

    def local(name: str, fast_return: bool) -> list[str]:
        lines = [
            f"def {name}(frame, event, arg):",
            "    if event == 'return':",
            "        t = now()",
        ]
        if fast_return:
            lines += [
                "        if pending and frame in pending:",
                "            exit_slow(frame, arg, t)",
                "            return None",
                "        value = arg",
                *s.emit(["-t", *s.tid, *s.value, *after], "        "),
            ]
        else:
            lines.append("        exit_slow(frame, arg, t)")
        lines += [
            "        return None",
            "    if event == 'exception':",
            "        pending[frame] = (frame.f_lasti, arg[1])",
            "    elif event == 'line' and LINES:",
            *s.emit(["LINE", "frame.f_code", "now()", *s.tid, "frame.f_lineno"], "        "),
            f"    return {name}",
        ]
        return lines

    on_call = [
        "def on_call(frame, event, arg):",
        "    if frame.f_code.co_filename in rejected:",  # most calls: nothing else runs
        "        return None",
        "    code = frame.f_code",
        "    if code.co_filename not in kept:",
        "        return classify(frame)",
        "    frame.f_trace_lines = LINES",
        "    if code.co_flags & SUSPENDABLE:",
        "        return enter_suspendable(frame, code)",
        *plain_call,
    ]
    enter = [
        "def enter(frame, code):",
        "    frame.f_trace_lines = LINES",
        "    if code.co_flags & SUSPENDABLE:",
        "        return enter_suspendable(frame, code)",
        *plain_call,
    ]
    blocks = [
        on_call,
        enter,
        suspendable,
        exit_slow,
        local("local", True),
        local("local_gen", False),
    ]
    return "".join("\n".join(line for line in block if line) + "\n" for block in blocks)


def chain(previous: Any, ours: Any, lines: bool) -> Any:
    """A global trace function giving every event to ``previous`` and to ``ours``."""

    def chained(frame: Any, event: str, arg: Any) -> Any:
        theirs_local = previous(frame, event, arg)
        our_local = ours(frame, event, arg)
        if theirs_local is None:
            return our_local
        if our_local is None:
            return theirs_local
        frame.f_trace_lines = True  # the other tool may want them; ours ignores them
        return _pair(theirs_local, our_local, lines)

    chained._snapy_trace = True  # type: ignore[attr-defined]
    return chained


def _pair(theirs: Any, ours: Any, lines: bool) -> Any:
    def both(frame: Any, event: str, arg: Any) -> Any:
        nonlocal theirs, ours
        if theirs is not None:
            theirs = theirs(frame, event, arg)
        if ours is not None and (event != "line" or lines):
            ours = ours(frame, event, arg)
        return both if (theirs is not None or ours is not None) else None

    return both


def is_ours(function: Any) -> bool:
    """Is ``function`` a trace function of snapy's (Python or C)?"""
    if getattr(function, "_snapy_trace", False):
        return True
    owner = getattr(function, "__self__", function)
    return type(owner).__module__ == "snapy_trace._speedups"


def describe(function: Any) -> str:
    module = getattr(function, "__module__", None) or type(function).__module__
    name = getattr(function, "__qualname__", None) or type(function).__qualname__
    return f"{module}.{name}"


__all__ = ["SettraceEngine", "chain", "is_resume"]
