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
"""

from __future__ import annotations

import dis
import sys
import threading
from typing import Any

from . import _raw
from ._discovery import discover
from ._recording import Recording, Snippets, compile_functions, namespace

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
            if not getattr(previous, "_snapy_trace", False):
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
                buffer.extend((_raw.THREAD_START, threading.get_ident()))
                sys.settrace(for_threads)
                return for_threads(frame, event, arg)

            thread_started._snapy_trace = True  # type: ignore[attr-defined]
            self.thread_function = thread_started
            threading.settrace(thread_started)
        sys.settrace(installed)

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        # untraced files are now everything: other threads and chained tracers that still
        # call our function land in the slow path, which switches them off
        self.kept.clear()
        current = sys.gettrace()
        if current is self.installed:
            sys.settrace(self.previous)
        elif current is not None and not getattr(current, "_snapy_trace", False):
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
            self.kept.add(filename)
        else:
            self.rejected.add(filename)
            return None
        self.recording.catalog.learn(code, module or "")
        if _SKIP_COMPREHENSIONS and code.co_name in _raw.COMPREHENSIONS:
            return None
        return self._functions["enter"](frame, code)

    def overflow(self) -> None:
        self.recording.overflowed = True

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
            local=None,
        )
        s = Snippets(recording)
        # the local function is referenced by the others: compile it first
        local_names = dict(names)
        local_source = _local_source(s)
        local = compile_functions(local_source, local_names)["local"]
        names["local"] = local
        body = _enter_body(s)
        comprehension_check = (
            "    if code.co_name in COMPREHENSIONS:\n        return None\n"
            if _SKIP_COMPREHENSIONS
            else ""
        )
        source = (
            "def on_call(frame, event, arg):\n"
            "    code = frame.f_code\n"
            "    filename = code.co_filename\n"
            "    if filename in rejected:\n"
            "        return None\n"
            "    if filename not in kept:\n"
            "        return classify(frame)\n"
            + comprehension_check
            + body
            + "\ndef enter(frame, code):\n"
            + body
        )
        self.source = local_source + source
        functions = compile_functions(source, names)
        functions["on_call"]._snapy_trace = True
        functions["local"] = local
        self._functions = functions


def _enter_body(s: Snippets) -> str:
    lines = ["    frame.f_trace_lines = LINES"]
    if s.override:
        lines += [
            "    if code.co_flags & SUSPENDABLE and frame in skipped:",
            "        return None",
            '    if not should_trace(frame, "call", None):',
            "        if code.co_flags & SUSPENDABLE:",
            "            skipped.add(frame)",
            "        return None",
        ]
    lines += [
        "    if len(buf) > LIMIT:",
        "        overflow()",
        "        dropped[0] += 1",
        "        return local",
        "    if code.co_flags & SUSPENDABLE and is_resume(frame):",
        "        if code.co_flags & ASYNC:",
        f"            buf += (RESUME, code, now(), {s.tid}current_task(), {s.mem})",
        "        else:",
        f"            buf += (RESUME, code, now(), {s.tid}{s.mem})",
        "        return local",
    ]
    if s.args:
        lines += ["    loc = frame.f_locals", f"    args = {s.args}"]
        star = "*args, "
    else:
        star = ""
    lines += [
        "    if code.co_flags & ASYNC:",
        f"        buf += (code, now(), {s.tid}{star}current_task(), {s.mem})",
        "    else:",
        f"        buf += (code, now(), {s.tid}{star}{s.mem})",
        "    return local",
    ]
    return "\n".join(lines) + "\n"


def _local_source(s: Snippets) -> str:
    locals_slot = s.locals
    value = s.value
    return (
        f"def local(frame, event, arg):\n"
        "    if event == 'return':\n"
        "        t = now()\n"
        "        if len(buf) > LIMIT:\n"
        "            dropped[0] += 1\n"
        "            pending.pop(frame, None)\n"
        "            return None\n"
        "        code = frame.f_code\n"
        "        lasti = frame.f_lasti\n"
        "        op = code.co_code[lasti] if lasti >= 0 else 0\n"
        "        pend = pending.pop(frame, None) if pending else None\n"
        "        value = arg\n"
        "        if op in RETURN_OPS:\n"
        f"            buf += (code, -t, {s.tid}{value}{locals_slot}{s.mem})\n"
        "        elif is_yield(code.co_code, op, lasti) and (\n"
        "                pend is None or pend[0] != lasti or arg is not None):\n"
        f"            buf += (YIELD, code, t, {s.tid}{value}{locals_slot}{s.mem})\n"
        "        elif pend is None:\n"
        f"            buf += (UNWIND, code, t, {s.tid}None, None, None, {locals_slot}{s.mem})\n"
        "        else:\n"
        "            name, message = describe(pend[1])\n"
        f"            buf += (UNWIND, code, t, {s.tid}name, message, id(pend[1]), "
        f"{locals_slot}{s.mem})\n"
        "        return None\n"
        "    if event == 'exception':\n"
        "        pending[frame] = (frame.f_lasti, arg[1])\n"
        "    elif event == 'line' and LINES:\n"
        "        if len(buf) > LIMIT:\n"
        "            dropped[0] += 1\n"
        "        else:\n"
        f"            buf += (LINE, frame.f_code, now(), {s.tid}frame.f_lineno)\n"
        "    return local\n"
    )


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


def describe(function: Any) -> str:
    module = getattr(function, "__module__", None) or type(function).__module__
    name = getattr(function, "__qualname__", None) or type(function).__qualname__
    return f"{module}.{name}"


__all__ = ["SettraceEngine", "chain", "is_resume"]
