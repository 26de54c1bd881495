"""Turning raw buffers into :class:`TraceEvent` lists (after tracing, never during).

Depth, durations, the task of synchronous frames and whether an exception was raised
or propagated are worked out here from the order of records per thread, so the hot
path only appends.

Normalisations that make every Python version give the same events:

* list / dict / set comprehensions are not frames since Python 3.12 (PEP 709); the
  engines skip them on older versions and qualified names drop their ``<listcomp>``
  parts;
* closing a suspended generator that has no ``try`` around its ``yield`` runs no code on
  Python 3.13 but throws ``GeneratorExit`` into the frame on older versions: a resume
  that does nothing but end with ``GeneratorExit`` is dropped;
* a thrown-in exception (``generator.throw``) resumes the generator like ``next()``.
"""

from __future__ import annotations

import gc
import re
import threading
import warnings
from collections.abc import Iterable
from types import CodeType, FunctionType
from typing import Any

import attrs

from snapy_core.errors import TraceWarning

from . import _raw
from ._discovery import CodeCatalog
from ._events import ThreadInfo, TraceEvent, Where, new_event
from ._recording import Recording
from ._values import show_standard, show_verbose

_COMPREHENSION_PART = re.compile(r"<(?:listcomp|dictcomp|setcomp)>\.(?:<locals>\.)?")
_DEFAULT_TASK_NAME = re.compile(r"Task-\d+\Z")


@attrs.define
class CodeInfo:
    module: str
    qualname: str
    name: str
    filename: str
    firstlineno: int
    argnames: tuple[str, ...]
    locals_order: tuple[str, ...]
    is_async: bool
    hidden: bool
    """A comprehension frame (Python 3.10/3.11): not an event, its callees go to its caller."""
    where: Where


def _qualname(code: CodeType, catalog: CodeCatalog) -> str:
    qualname: str | None = getattr(code, "co_qualname", None)
    if qualname is None or _generated(code):
        # 3.10 code has no co_qualname. Code compiled from a string (the methods dataclasses
        # and attrs generate) has a co_qualname of its generator's making
        # (``__create_fn__.<locals>.__init__``, ``__init__``) on 3.11+: on every version
        # such code is named after its function (``Order.__init__``), so traces agree.
        learned = catalog.qualname_by_code.get(id(code))
        if learned is None:
            learned = _qualname_from_functions(code)
            module = catalog.module_of(code)
            if learned is not None and module is not None:
                catalog.learn(code, module, learned)  # the heap is searched once per tracer
        qualname = learned or qualname
    return _COMPREHENSION_PART.sub("", qualname or code.co_name)


def _generated(code: CodeType) -> bool:
    filename = code.co_filename
    return filename.startswith("<") and not filename.startswith("<frozen")


def _qualname_from_functions(code: CodeType) -> str | None:
    # once per code object the start-up walk did not see (3.10, or generated code)
    for referrer in gc.get_referrers(code):
        if isinstance(referrer, FunctionType) and referrer.__code__ is code:
            return referrer.__qualname__
    return None


@attrs.define
class Decoded:
    events: list[TraceEvent]
    dropped: int
    truncated: bool
    started_at: float
    total_time: float
    threads: dict[int, str]


class _Frame:
    __slots__ = (
        "call_index",
        "child_exceptions",
        "children",
        "code",
        "entry_index",
        "entry_time",
        "task",
    )

    def __init__(
        self, code: CodeType, entry_index: int, entry_time: float, task: str | None, call_index: int
    ) -> None:
        self.code = code
        self.entry_index = entry_index
        self.entry_time = entry_time
        self.task = task
        self.call_index = call_index
        self.children = 0
        # ids of exceptions that callees propagated into this frame
        self.child_exceptions: set[int] | None = None


HIDDEN = -2
"""``entry_index`` of a comprehension frame on the stack."""

# the records without a marker get one while decoding (the engines' markers are positive)
_CALL = -1
_RETURN = -2
_MARKED: dict[int, tuple[str, bool | None]] = {
    # marker: (event type, True: a frame enters, False: it leaves, None: a line)
    _raw.RESUME: ("resume", True),
    _raw.THROW: ("resume", True),
    _raw.YIELD: ("yield", False),
    _raw.UNWIND: ("exception", False),
    _raw.LINE: ("line", None),
}


class _Thread:
    __slots__ = ("hidden", "ident", "index", "info", "stack")

    def __init__(self, index: int, ident: int, name: str) -> None:
        self.index = index
        self.ident = ident
        self.info = ThreadInfo(ident, index, name)
        self.stack: list[_Frame] = []
        self.hidden = 0  # comprehension frames on the stack

    @property
    def depth(self) -> int:
        return len(self.stack) - self.hidden


class Decoder:
    def __init__(self, catalog: CodeCatalog, max_events: int | None) -> None:
        self.catalog = catalog
        self.max_events = max_events
        self.events: list[TraceEvent] = []
        self.dropped = 0
        self.infos: dict[int, CodeInfo] = {}
        self.threads: dict[int, _Thread] = {}
        self._thread_count = 0
        self.tasks: dict[int, str] = {}
        self.default_task_count = 0
        self.thread_names = {t.ident: t.name for t in threading.enumerate() if t.ident}
        self._task_refs: list[Any] = []

    # -- lookups ------------------------------------------------------------------------

    def info(self, code: CodeType) -> CodeInfo:
        info = self.infos.get(id(code))
        if info is None:
            count = _raw.argument_count(code)
            module = self.catalog.module_of(code) or ""
            qualname = _qualname(code, self.catalog)
            info = CodeInfo(
                module=module,
                qualname=qualname,
                name=code.co_name,
                filename=code.co_filename,
                firstlineno=code.co_firstlineno,
                argnames=tuple(code.co_varnames[:count]),
                locals_order=_raw.locals_order(code),
                is_async=bool(code.co_flags & _raw.ASYNC_FLAGS),
                hidden=code.co_name in _raw.COMPREHENSIONS,
                where=Where(module, qualname, code.co_name, code.co_filename, code.co_firstlineno),
            )
            self.infos[id(code)] = info
        return info

    def thread(self, ident: int) -> _Thread:
        thread = self.threads.get(ident)
        if thread is None:
            thread = _Thread(self._thread_count, ident, self._name(ident))
            self._thread_count += 1
            self.threads[ident] = thread
        return thread

    def _name(self, ident: int) -> str:
        return self.thread_names.get(ident) or f"thread-{self._thread_count}"

    def thread_started(self, ident: int) -> None:
        """A new thread: a reused identifier must not merge it with a finished thread."""
        if ident in self.threads:
            self.threads[ident] = _Thread(self._thread_count, ident, self._name(ident))
            self._thread_count += 1
            return
        self.thread(ident)

    def task_name(self, task: Any) -> str | None:
        if task is None:
            return None
        name = self.tasks.get(id(task))
        if name is None:
            try:
                raw = task.get_name()
            except Exception:
                raw = "Task"
            if not isinstance(raw, str) or _DEFAULT_TASK_NAME.match(raw):
                self.default_task_count += 1
                raw = f"Task-{self.default_task_count}"
            name = raw
            self.tasks[id(task)] = name
            self._task_refs.append(task)  # keep ids unique while decoding
        return name

    # -- decoding -------------------------------------------------------------------------

    def decode(self, recording: Recording, origin: float) -> None:
        buffer = recording.buffer
        end = recording.end if recording.end is not None else len(buffer)
        layout = recording.layout
        threads = layout.threads
        values = layout.values
        show = show_verbose if layout.detail == "verbose" else show_standard
        standard = layout.detail == "standard"
        memory = layout.memory
        locals_ = layout.locals
        # the thread that started the tracer is thread 0
        main = self.thread(recording.thread)
        code_type = CodeType
        marked = _MARKED
        thread_start = _raw.THREAD_START
        throw = _raw.THROW
        unwind = _raw.UNWIND
        entering: bool | None
        i = 0
        while i < end:
            # the record's head; calls and returns, the most frequent, carry no marker
            head = buffer[i]
            kind = type(head)
            if kind is code_type:
                marker = _CALL
                event, entering = "call", True
                code = head
                t = buffer[i + 1]
                i += 2
            elif kind is float:
                marker = _RETURN  # of the innermost open call of its thread
                event, entering = "return", False
                code = None
                t = -head
                i += 1
            elif head == thread_start:
                self.thread_started(buffer[i + 1])
                i += 2
                continue
            else:
                marker = head
                event, entering = marked[marker]
                code = buffer[i + 1]
                t = buffer[i + 2]
                i += 3
            if threads:
                thread = self.thread(buffer[i])
                i += 1
            else:
                thread = main
            if entering:  # call, resume, throw
                info = self.info(code)
                args = None
                if marker == _CALL:
                    if standard:
                        # the values of f_locals at the call, in locals_order
                        count = buffer[i]
                        slots = buffer[i + 1 : i + 1 + count]
                        i += 1 + count
                        shown = dict(zip(info.locals_order, map(show, slots), strict=False))
                        args = {name: shown[name] for name in info.argnames if name in shown}
                    elif values:
                        count = len(info.argnames)
                        args = {name: show(buffer[i + k]) for k, name in enumerate(info.argnames)}
                        i += count
                    args = args or {}
                elif marker == throw:
                    i += 2  # the thrown exception: a throw resumes like next()
                task = None
                if info.is_async:
                    task = buffer[i]
                    i += 1
                mem = None
                if memory:
                    mem = buffer[i]
                    i += 1
                self.enter(thread, code, info, event, t - origin, args, task, mem)
            elif entering is False:  # return, yield, unwind
                value = exception = None
                if marker == unwind:
                    exception = (buffer[i], buffer[i + 1], buffer[i + 2])
                    i += 3
                elif values:
                    value = show(buffer[i])
                    i += 1
                local_values = None
                if locals_:
                    local_values = buffer[i]
                    i += 1
                mem = None
                if memory:
                    mem = buffer[i]
                    i += 1
                if code is None:
                    if not thread.stack:
                        continue  # the return of a call that began before the tracer started
                    code = thread.stack[-1].code
                self.leave(
                    thread,
                    code,
                    self.info(code),
                    event,
                    t - origin,
                    value=value,
                    exception=exception,
                    local_values=local_values,
                    memory=mem,
                )
            else:  # a line
                line = buffer[i]
                i += 1
                self.line(thread, code, self.info(code), t - origin, line)

    # -- emitting ---------------------------------------------------------------------------

    def _room(self) -> bool:
        if self.max_events is not None and len(self.events) >= self.max_events:
            self.dropped += 1
            return False
        return True

    def enter(
        self,
        thread: _Thread,
        code: CodeType,
        info: CodeInfo,
        kind: str,
        t: float,
        args: dict[str, str] | None,
        task: Any,
        memory: int | None,
    ) -> None:
        stack = thread.stack
        task_name = (
            self.task_name(task) if task is not None else (stack[-1].task if stack else None)
        )
        if stack:
            stack[-1].children += 1
        if info.hidden:
            stack.append(_Frame(code, HIDDEN, t, task_name, HIDDEN))
            thread.hidden += 1
            return
        if not self._room():
            # keep the stack right so that depths after truncation stay meaningful
            stack.append(_Frame(code, -1, t, task_name, -1))
            return
        index = len(self.events)
        call_index = index
        if kind == "resume":
            call_index = -1  # which call a generator frame came from is not recorded
        self.events.append(
            new_event(
                kind,
                info.where,
                None,
                thread.depth,
                index,
                call_index if call_index >= 0 else None,
                None,
                thread.info,
                task_name,
                t,
                None,
                args,
                None,
                None,
                None,
                None,
                memory,
                None,
            )
        )
        stack.append(_Frame(code, index, t, task_name, index))

    def leave(
        self,
        thread: _Thread,
        code: CodeType,
        info: CodeInfo,
        kind: str,
        t: float,
        *,
        value: str | None = None,
        exception: tuple[Any, Any, Any] | None = None,
        local_values: Any = None,
        memory: int | None = None,
    ) -> None:
        stack = thread.stack
        frame: _Frame | None = None
        if stack and stack[-1].code is code:
            frame = stack.pop()
            if frame.entry_index == HIDDEN:
                thread.hidden -= 1
        else:
            for position in range(len(stack) - 1, -1, -1):
                if stack[position].code is code:
                    frame = stack[position]
                    thread.hidden -= sum(f.entry_index == HIDDEN for f in stack[position:])
                    del stack[position:]
                    break
        if frame is not None and frame.entry_index == HIDDEN:
            if exception is not None and exception[2] is not None and stack:
                # the comprehension's exception comes out of its caller's own code
                parent = stack[-1]
                if parent.child_exceptions is None:
                    parent.child_exceptions = set()
                parent.child_exceptions.add(exception[2])
            return
        depth = thread.depth
        origin = None
        exc_type = exc_message = None
        if exception is not None:
            exc_type, exc_message, exc_id = exception
            if exc_id is not None:
                from_callee = (
                    frame is not None
                    and frame.child_exceptions is not None
                    and exc_id in frame.child_exceptions
                )
                origin = "propagated" if from_callee else "raised"
                if stack:
                    parent = stack[-1]
                    if parent.child_exceptions is None:
                        parent.child_exceptions = set()
                    parent.child_exceptions.add(exc_id)
        if (
            exc_type == "GeneratorExit"
            and frame is not None
            and frame.children == 0
            and frame.entry_index >= 0
            and frame.entry_index == len(self.events) - 1
            and self.events[-1].event_type == "resume"
        ):
            # close() of a generator suspended outside try: no code runs on 3.13
            self.events.pop()
            return
        if frame is not None and frame.entry_index < 0:
            self.dropped += 1
            return
        if not self._room():
            return
        local_map = None
        if local_values is not None:
            local_map = {
                local_values[k]: show_verbose(local_values[k + 1])
                for k in range(0, len(local_values), 2)
            }
        self.events.append(
            new_event(
                kind,
                info.where,
                None,
                depth,
                len(self.events),
                frame.call_index if frame is not None and frame.call_index >= 0 else None,
                frame.entry_index if frame is not None else None,
                thread.info,
                frame.task if frame is not None else None,
                t,
                (t - frame.entry_time) if frame is not None else None,
                None,
                value,
                exc_type,
                exc_message,
                origin,
                memory,
                local_map,
            )
        )

    def line(self, thread: _Thread, code: CodeType, info: CodeInfo, t: float, line: int) -> None:
        stack = thread.stack
        if info.hidden:
            # a line of a comprehension (a frame before 3.12) belongs to its function
            visible = [f for f in stack if f.entry_index != HIDDEN]
            if not visible:
                return
            info = self.info(visible[-1].code)
        if not self._room():
            return
        self.events.append(
            new_event(
                "line",
                info.where,
                line,
                max(thread.depth - 1, 0),
                len(self.events),
                None,
                None,
                thread.info,
                stack[-1].task if stack else None,
                t,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
            )
        )


def decode(
    recordings: Iterable[Recording], catalog: CodeCatalog, max_events: int | None
) -> Decoded:
    recordings = list(recordings)
    decoder = Decoder(catalog, max_events)
    origin = recordings[0].started_at if recordings else 0.0
    total = 0.0
    dropped = 0
    overflowed = False
    damaged = False
    for recording in recordings:
        try:
            decoder.decode(recording, origin)
        except (IndexError, TypeError, AttributeError, KeyError, ValueError) as error:
            # only a thread the tracer did not know about (raw _thread, C code) writing
            # while it believed itself alone can interleave records: keep what decoded
            damaged = True
            warnings.warn(
                f"snapy-trace: part of a recording could not be decoded ({type(error).__name__}:"
                f" {error}); a thread started outside threading probably ran traced code. "
                "The events before the damage are kept; use "
                "TracerConfig(trace_all_threads=True) to record such threads safely.",
                TraceWarning,
                stacklevel=4,
            )
        dropped += recording.dropped[0]
        overflowed = overflowed or recording.overflowed
        if recording.stopped_at is not None:
            total += recording.stopped_at - recording.started_at
    dropped += decoder.dropped
    names = {index: f"thread-{index}" for index in range(decoder._thread_count)}
    names.update({thread.index: thread.info.name for thread in decoder.threads.values()})
    return Decoded(
        events=decoder.events,
        dropped=dropped,
        truncated=overflowed or dropped > 0 or damaged,
        started_at=origin,
        total_time=total,
        threads=names,
    )


__all__ = ["CodeInfo", "Decoded", "Decoder", "decode"]
