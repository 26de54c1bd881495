"""Trace events as users see them, and the number types that keep snapshots stable."""

from __future__ import annotations

from typing import Any, ClassVar

EVENT_TYPES: tuple[str, ...] = ("call", "return", "exception", "yield", "resume", "line")
"""Every ``TraceEvent.event_type``. A call or resume is *entered* and ends with a return,
a yield or an exception (propagated out of the function)."""

ENTRY_TYPES = frozenset({"call", "resume"})
EXIT_TYPES = frozenset({"return", "yield", "exception"})


class Seconds(float):
    """A duration or time offset in seconds: a plain ``float`` whose ``repr`` is stable.

    Arithmetic, comparisons, ``str()`` and ``format()`` see the number; ``repr()`` (what
    syrupy and pytest show) is ``Seconds(...)``, so a duration that lands in a snapshot
    does not make it differ from run to run. Use ``float(value)`` for the raw figure.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "Seconds(...)"

    def __str__(self) -> str:
        return float.__repr__(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Seconds, (float(self),))


class Bytes(int):
    """A memory figure in bytes: a plain ``int`` whose ``repr`` is ``Bytes(...)``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "Bytes(...)"

    def __str__(self) -> str:
        return int.__repr__(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Bytes, (int(self),))


class Where:
    """Where an event happens: shared by every event of one code object."""

    __slots__ = ("filename", "firstlineno", "function", "module", "name", "qualname")

    def __init__(
        self, module: str, qualname: str, name: str, filename: str, firstlineno: int
    ) -> None:
        self.module = module
        self.qualname = qualname
        self.name = name
        self.filename = filename
        self.firstlineno = firstlineno
        self.function = f"{module}.{qualname}" if module else qualname


class ThreadInfo:
    """The thread of an event: shared by every event of one thread."""

    __slots__ = ("ident", "index", "name")

    def __init__(self, ident: int | None, index: int, name: str) -> None:
        self.ident = ident
        self.index = index
        self.name = name


class TraceEvent:
    """One event of a trace.

    ``function_name`` is the code's name (``_ingest_data``), ``qualname`` its qualified
    name (``DataPipeline._ingest_data``), ``module_name`` the module it runs in.
    ``args`` (call events) maps argument names to their text at the tracer's detail
    level (empty at ``minimal``); ``return_value`` is the text of what a ``return`` or
    ``yield`` gave; ``exception_type`` / ``exception_message`` describe the exception of
    an ``exception`` event, and ``exception_origin`` says whether it was ``"raised"`` in
    this function or ``"propagated"`` from a callee. ``duration`` (exit events) is the
    time since the matching call or resume, whose position in the event list is
    ``entry_index``; ``call_index`` is the position of the call event that started the
    invocation (None for generators resumed after tracing began). ``timestamp`` is
    seconds since the tracer started; ``memory_usage`` is tracemalloc's traced memory
    (``memory_tracking``).
    """

    __slots__ = (
        "_duration",
        "_line",
        "_memory",
        "_thread",
        "_timestamp",
        "_where",
        "args",
        "call_index",
        "depth",
        "entry_index",
        "event_type",
        "exception_message",
        "exception_origin",
        "exception_type",
        "index",
        "locals",
        "return_value",
        "task_name",
    )

    _compared: ClassVar[tuple[str, ...]] = (
        "event_type",
        "module_name",
        "qualname",
        "depth",
        "thread_index",
        "task_name",
        "args",
        "return_value",
        "exception_type",
        "exception_message",
        "exception_origin",
        "locals",
        "lineno",
    )

    def __init__(
        self,
        *,
        event_type: str,
        module_name: str,
        qualname: str,
        function_name: str,
        filename: str,
        lineno: int,
        depth: int,
        index: int = 0,
        call_index: int | None = None,
        entry_index: int | None = None,
        thread_id: int | None = None,
        thread_index: int = 0,
        thread_name: str = "",
        task_name: str | None = None,
        timestamp: float = 0.0,
        duration: float | None = None,
        args: dict[str, str] | None = None,
        return_value: str | None = None,
        exception_type: str | None = None,
        exception_message: str | None = None,
        exception_origin: str | None = None,
        memory_usage: int | None = None,
        locals: dict[str, str] | None = None,
    ) -> None:
        self.event_type = event_type
        self._where = Where(module_name, qualname, function_name, filename, lineno)
        self._line: int | None = None
        self.depth = depth
        self.index = index
        self.call_index = call_index
        self.entry_index = entry_index
        self._thread = ThreadInfo(thread_id, thread_index, thread_name)
        self.task_name = task_name
        self._timestamp = float(timestamp)
        self._duration = None if duration is None else float(duration)
        self.args = args
        self.return_value = return_value
        self.exception_type = exception_type
        self.exception_message = exception_message
        self.exception_origin = exception_origin
        self._memory = None if memory_usage is None else int(memory_usage)
        self.locals = locals

    # -- shared and derived fields ---------------------------------------------------------

    @property
    def module_name(self) -> str:
        return self._where.module

    @property
    def qualname(self) -> str:
        return self._where.qualname

    @property
    def function_name(self) -> str:
        return self._where.name

    @property
    def filename(self) -> str:
        return self._where.filename

    @property
    def lineno(self) -> int:
        """The definition line, or the line executed for a ``line`` event."""
        return self._where.firstlineno if self._line is None else self._line

    @property
    def thread_id(self) -> int | None:
        return self._thread.ident

    @property
    def thread_index(self) -> int:
        return self._thread.index

    @property
    def thread_name(self) -> str:
        return self._thread.name

    @property
    def timestamp(self) -> Seconds:
        return Seconds(self._timestamp)

    @property
    def duration(self) -> Seconds | None:
        return None if self._duration is None else Seconds(self._duration)

    @property
    def memory_usage(self) -> Bytes | None:
        return None if self._memory is None else Bytes(self._memory)

    # -- predicates used by the seeds ---------------------------------------------------

    def is_call_event(self) -> bool:
        return self.event_type == "call"

    def is_return_event(self) -> bool:
        return self.event_type == "return"

    def is_exception_event(self) -> bool:
        return self.event_type == "exception"

    def is_entry_event(self) -> bool:
        """A call or a resume: the function starts running."""
        return self.event_type in ENTRY_TYPES

    def is_exit_event(self) -> bool:
        """A return, yield or exception: the function stops running."""
        return self.event_type in EXIT_TYPES

    @property
    def function(self) -> str:
        """``module.qualname``: the key of ``get_metrics()["functions"]``."""
        return self._where.function

    def to_dict(self, *, timings: bool = False) -> dict[str, Any]:
        """The event as JSON-ready data; times and memory only with ``timings=True``."""
        data: dict[str, Any] = {
            "event": self.event_type,
            "module": self.module_name,
            "qualname": self.qualname,
            "line": self.lineno,
            "depth": self.depth,
            "thread": self.thread_index,
        }
        if self.task_name is not None:
            data["task"] = self.task_name
        if self.args is not None:
            data["args"] = dict(self.args)
        if self.return_value is not None:
            data["value"] = self.return_value
        if self.exception_type is not None:
            data["exception"] = {
                "type": self.exception_type,
                "message": self.exception_message,
                "origin": self.exception_origin,
            }
        if self.locals is not None:
            data["locals"] = dict(self.locals)
        if timings:
            data["timestamp"] = float(self.timestamp)
            if self.duration is not None:
                data["duration"] = float(self.duration)
            if self.memory_usage is not None:
                data["memory_usage"] = int(self.memory_usage)
            data["thread_id"] = self.thread_id
            data["thread_name"] = self.thread_name
        return data

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TraceEvent):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self._compared)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        where = f"{self.module_name}.{self.qualname}" if self.module_name else self.qualname
        extra = ""
        if self.args:
            extra = "(" + ", ".join(f"{k}={v}" for k, v in self.args.items()) + ")"
        if self.return_value is not None:
            extra += f" -> {self.return_value}"
        if self.exception_type is not None:
            extra += f" !! {self.exception_type}: {self.exception_message}"
        return f"<TraceEvent {self.event_type} depth={self.depth} {where}{extra}>"


def new_event(
    event_type: str,
    where: Where,
    line: int | None,
    depth: int,
    index: int,
    call_index: int | None,
    entry_index: int | None,
    thread: ThreadInfo,
    task_name: str | None,
    timestamp: float,
    duration: float | None,
    args: dict[str, str] | None,
    return_value: str | None,
    exception_type: str | None,
    exception_message: str | None,
    exception_origin: str | None,
    memory: int | None,
    local_values: dict[str, str] | None,
) -> TraceEvent:
    """A TraceEvent from parts the decoder shares between events (no keyword parsing)."""
    event = _new(TraceEvent)
    event.event_type = event_type
    event._where = where
    event._line = line
    event.depth = depth
    event.index = index
    event.call_index = call_index
    event.entry_index = entry_index
    event._thread = thread
    event.task_name = task_name
    event._timestamp = timestamp
    event._duration = duration
    event.args = args
    event.return_value = return_value
    event.exception_type = exception_type
    event.exception_message = exception_message
    event.exception_origin = exception_origin
    event._memory = memory
    event.locals = local_values
    return event


_new = object.__new__

__all__ = [
    "ENTRY_TYPES",
    "EVENT_TYPES",
    "EXIT_TYPES",
    "Bytes",
    "Seconds",
    "ThreadInfo",
    "TraceEvent",
    "Where",
    "new_event",
]
