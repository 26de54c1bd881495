"""``@capture_args``: record the arguments a function really receives.

Everything that can be decided once is decided once per decorated function: the
configuration when decorating, the redactor, the storage and the plugin hooks on the first
captured call (and again only after a run-time switch such as ``capture_disabled()`` or a
redirection). Per call the wrapper only samples, checks one generation number, and then
does the capture itself.

How a call is captured depends on two settings:

=====================  =====================================================================
default                the record is filtered and encoded *before* the function runs (the
                       encoded bytes are the snapshot), then written.
``capture_result``     the filtered arguments are deep-copied before the call; after it the
                       record with the outcome is encoded and written.
``async_storage``      the arguments are deep-copied on the calling thread; filtering,
                       encoding and writing happen on the background writer.
``lazy_serialization`` no copy at all: the live argument objects are encoded *after* the
                       call (on the writer with ``async_storage``), so a function that
                       mutates its arguments changes its capture. An explicit opt-out of the
                       "as when the call began" rule, for functions that never mutate them.
=====================  =====================================================================

Any failure inside capture is counted on ``wrapper.__snapy__.stats``, reported once per
function with a :class:`~snapy_core.CaptureWarning`, and never reaches the caller: the
function returns its real result or raises its real exception.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import inspect
import itertools
import logging
import os
import random
import threading
import time
import traceback
import warnings
import weakref
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar, cast, overload

import attrs

from snapy_core import (
    ArgumentFilter,
    CallContext,
    CallOutcome,
    CaptureConfig,
    CaptureRecord,
    CaptureWarning,
    ConfigError,
    ConfigWarning,
    FilterAction,
    StorageBackend,
    Unserializable,
    build_redactor,
    get_plugin_manager,
    open_storage,
    resolve_config,
)

from . import _profiler, _runtime
from ._metadata import build_metadata, call_facts
from ._snapshot import IMMUTABLE_TYPES as _IMMUTABLE_TYPES
from ._snapshot import snapshot_value, snapshot_values
from ._writer import get_writer

_WRITER = get_writer()  # one per process (fork gives the child a fresh queue in it)

logger = logging.getLogger("snapy.capture")

F = TypeVar("F", bound=Callable[..., Any])

_active_calls: contextvars.ContextVar[tuple[int, ...]] = contextvars.ContextVar(
    "snapy_active_captured_calls", default=()
)
"""Ids of the decorated functions whose captured calls enclose the current point."""

_rng = random.Random()
_handle_ids = itertools.count(1)
_SELF_NAMES = frozenset({"self", "cls", "mcs", "mcls", "metacls"})
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


_live_handles: weakref.WeakValueDictionary[int, CaptureHandle] = weakref.WeakValueDictionary()
"""Every capture handle of this process, to reset their locks in a forked child."""


def _after_fork_in_child() -> None:
    _rng.seed()
    # a thread of the parent may have held a lock at the fork; it does not exist here
    for handle in list(_live_handles.values()):
        handle._setup_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


@attrs.define
class CaptureStats:
    """Counters of one decorated function (``wrapper.__snapy__.stats``)."""

    captured: int = 0
    """Captures handed to storage (written, or queued for the background writer)."""
    written: int = 0
    """Captures actually stored."""
    failures: int = 0
    """Captures lost to an error (each one counted, the first one warned)."""
    dropped: int = 0
    """Asynchronous captures dropped because the writer's queue was full."""
    recursive_skipped: int = 0
    """Recursive calls not captured (``capture_recursive_calls=False``)."""
    serialization_fallbacks: int = 0
    """Values stored through ``fallback_serializer`` or as ``Unserializable`` placeholders."""
    not_copied: int = 0
    """Values ``deepcopy`` could not copy, stored by reference (see the module docs)."""
    last_error: str | None = None


class _RaisedSummary:
    """An exception reduced to what a capture stores, for the background writer."""

    __slots__ = ("exc_type", "message")

    def __init__(self, exc_type: str, message: str) -> None:
        self.exc_type = exc_type
        self.message = message


class _Pending:
    """What a captured call carries from its start to its end."""

    __slots__ = (
        "actions",
        "count",
        "duration_ns",
        "facts",
        "names",
        "not_copied",
        "outcome_kind",
        "outcome_value",
        "profilers",
        "start_ns",
        "timestamp",
        "values",
    )

    def __init__(
        self,
        timestamp: int,
        facts: tuple[Any, ...],
        count: int,
        names: tuple[str, ...],
        profilers: tuple[_profiler.CaptureProfiler, ...] = (),
    ) -> None:
        self.timestamp = timestamp
        self.facts = facts
        self.count = count
        self.names = names
        self.profilers = profilers
        self.actions: list[FilterAction] | None = None
        self.not_copied: Sequence[str] = ()
        self.start_ns = 0
        self.outcome_kind: Literal["return", "raise"] | None = None
        self.outcome_value: Any = None
        self.duration_ns: int | None = None
        self.values: Sequence[Any]


def _accepts_keyword(function: Callable[..., Any], name: str) -> bool:
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    return name in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
    )


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def _utc_from_ns(nanoseconds: int) -> dt.datetime:
    # below 2**32 seconds (the year 2106) the float nearest to microseconds / 1e6 is within
    # 0.24 us of it, and fromtimestamp rounds to the nearest microsecond: exact, and ~3x
    # cheaper than adding a timedelta to the epoch
    microseconds = nanoseconds // 1000
    if 0 <= microseconds < _EXACT_FLOAT_MICROSECONDS:
        return dt.datetime.fromtimestamp(microseconds / 1e6, _UTC)
    return _EPOCH + dt.timedelta(microseconds=microseconds)


_UTC = dt.timezone.utc
_EXACT_FLOAT_MICROSECONDS = 2**32 * 1_000_000


def _type_name(value: Any) -> str:
    cls = type(value)
    return f"{cls.__module__}.{cls.__qualname__}"


def _exception_name(error: BaseException) -> str:
    cls = type(error)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


class CaptureHandle:
    """The capture machinery of one decorated function: ``wrapper.__snapy__``.

    Holds the resolved configuration, the storage and redactor (set up on the first
    captured call), and the counters in :attr:`stats`.
    """

    def __init__(
        self,
        function: Callable[..., Any],
        *,
        config: CaptureConfig,
        skip_first: bool,
        storage_factory: Callable[..., StorageBackend] | StorageBackend | None,
        fallback_serializer: Any,
        ignore_serialization_errors: bool,
    ) -> None:
        self.id = next(_handle_ids)
        self.function = function
        self.module: str = getattr(function, "__module__", None) or ""
        self.qualname: str = getattr(function, "__qualname__", None) or type(function).__qualname__
        self.function_key = f"{self.module}.{self.qualname}" if self.module else self.qualname
        self.config = config
        self.root = Path(os.path.abspath(config.path))
        self.skip_first = skip_first
        self.sample_rate = config.sample_rate
        self.capture_result = config.capture_result or (
            config.full_capture and "capture_result" not in config.explicit
        )
        self.async_storage = config.async_storage
        self.lazy = config.lazy_serialization
        # the default: filter, encode and write before the call runs
        self.writes_now = not (self.async_storage or self.lazy or self.capture_result)
        # async_storage alone: copy the arguments and queue them before the call runs
        self.queues_now = self.async_storage and not (self.lazy or self.capture_result)
        self.recursive = config.capture_recursive_calls
        self.minimal = config.minimal_capture
        self.debug = config.debug_mode
        self.fallback_serializer = fallback_serializer
        self.ignore_serialization_errors = ignore_serialization_errors
        self.stats = CaptureStats()
        self.call_context = CallContext(
            module=self.module, qualname=self.qualname, function=function
        )
        self._storage_factory = storage_factory
        self.backend_name: str = (
            config.backend
            if storage_factory is None
            else str(
                getattr(storage_factory, "name", getattr(storage_factory, "__name__", "custom"))
            )
        )
        self.positional_names, self.var_positional = self._positional_parameters(function)
        self._names_by_count: dict[int, tuple[str, ...]] = {}
        # set up lazily, once per generation of the run-time switches
        self.generation = -1
        self.active = False
        self.broken = False
        self.storage: StorageBackend | None = None
        self._storage_root: Path | None = None
        self._encodes = True
        self._write_options: dict[str, Any] = {}
        self._redactor: Any = None
        self._stored_hook: Any = None
        self._setup_lock = threading.Lock()
        self._warned: set[str] = set()
        _live_handles[self.id] = self

    # -- set-up ------------------------------------------------------------------------

    def _positional_parameters(self, function: Callable[..., Any]) -> tuple[tuple[str, ...], str]:
        try:
            parameters = list(inspect.signature(function).parameters.values())
        except (TypeError, ValueError):
            return (), "args"
        if self.skip_first and parameters and parameters[0].kind in _POSITIONAL:
            parameters = parameters[1:]
        names = tuple(p.name for p in parameters if p.kind in _POSITIONAL)
        var = next(
            (p.name for p in parameters if p.kind is inspect.Parameter.VAR_POSITIONAL), "args"
        )
        return names, var

    def _call_arguments(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[int, tuple[str, ...], Sequence[Any]]:
        """``(positional count, names, values)`` of a call, ``self``/``cls`` left out."""
        if self.skip_first:
            args = args[1:]
        count = len(args)
        names = self._names_by_count.get(count) or self._arg_names(count)
        if kwargs:
            return count, names + tuple(kwargs), (*args, *kwargs.values())
        return count, names, args

    def _arg_names(self, count: int) -> tuple[str, ...]:
        names = self._names_by_count.get(count)
        if names is None:
            known = self.positional_names
            if count <= len(known):
                names = known[:count]
            else:
                names = known + tuple(f"*args[{i}]" for i in range(len(known), count))
            self._names_by_count[count] = names
        return names

    def refresh(self) -> None:
        """Follow the run-time switches; set up storage, redactor and hooks if needed."""
        with self._setup_lock:
            state = _runtime.state
            generation = state.generation
            if generation == self.generation:
                return
            if not state.enabled:
                self.active = False
                self.generation = generation
                return
            root = state.redirect_root or self.root
            try:
                if self.storage is None or self._storage_root != root:
                    self.storage = self._open_storage(root)
                    self._storage_root = root
                    self._encodes = bool(getattr(self.storage, "accepts_encoded", True))
                    self._write_options = (
                        {"module": self.module or None}
                        if _accepts_keyword(self.storage.write_encoded, "module")
                        else {}
                    )
                if self._redactor is None:
                    self._redactor = self._build_redactor()
                    manager = get_plugin_manager()
                    stored = manager.hook.snapy_capture_stored
                    self._stored_hook = stored if stored.get_hookimpls() else None
            except Exception as error:
                self.active = False
                self.broken = True
                self.generation = generation
                # each call made while broken is counted by the wrapper
                self._fail("setting up capture", error, count=False)
                return
            self.broken = False
            self.active = True
            self.generation = generation

    def _open_storage(self, root: Path) -> StorageBackend:
        factory = self._storage_factory
        options = {
            "retention": self.config.retention,
            "max_age": self.config.max_age,
            "durable": self.config.durable,
        }
        if factory is None:
            return open_storage(self.config.backend, root, **options)
        if isinstance(factory, type) or not hasattr(factory, "write_encoded"):
            return cast("StorageBackend", cast("Any", factory)(root=root, **options))
        return cast("StorageBackend", factory)

    def reading_storage(self) -> StorageBackend:
        """A storage for the function's own store (never the redirected one)."""
        if self.storage is not None and self._storage_root == self.root:
            return self.storage
        return self._open_storage(self.root)

    def _build_redactor(self) -> Any:
        # plugin filters and the snapy_ignore_argument hook are resolved in here, once
        return build_redactor(self.config, call=self.call_context)

    # -- failures ----------------------------------------------------------------------

    def _warn(self, kind: str, message: str) -> None:
        if kind in self._warned and not self.debug:
            return
        self._warned.add(kind)
        code = getattr(self.function, "__code__", None)
        try:
            if code is None:
                warnings.warn(message, CaptureWarning, stacklevel=4)
            else:  # point at the decorated function: the call site varies (threads, writer)
                warnings.warn_explicit(
                    message,
                    CaptureWarning,
                    filename=code.co_filename,
                    lineno=code.co_firstlineno,
                    module=self.module or None,
                )
        except Exception:
            # warnings are errors here (-W error): capture must still not break the call
            logger.warning("%s", message)

    def _fail(
        self, stage: str, error: BaseException, profilers: Sequence[Any] = (), *, count: bool = True
    ) -> None:
        if count:
            self.stats.failures += 1
        self.stats.last_error = f"{stage}: {type(error).__name__}: {error}"
        for profiler in profilers:
            profiler.add(self.function_key, failures=1)
        detail = ""
        if self.debug:
            detail = "\n" + "".join(traceback.format_exception(error))
        self._warn(
            "failure",
            f"snapy could not capture a call of {self.function_key} ({stage}): "
            f"{type(error).__name__}: {str(error).rstrip('.')}. The call itself ran unchanged. "
            f"Later failures of this function are counted in {self.qualname}.__snapy__.stats "
            f"and not warned again (set SNAP_CAPTURE_DEBUG=1 to see every one).{detail}",
        )

    # -- building and storing records -------------------------------------------------

    def _filter(
        self, names: Sequence[str], values: Sequence[Any]
    ) -> tuple[list[Any], list[FilterAction]]:
        filtered = self._redactor.apply(list(zip(names, values, strict=True)))
        return list(filtered.values), list(filtered.actions)

    def _outcome(
        self, kind: Literal["return", "raise"], value: Any, actions: list[FilterAction]
    ) -> CallOutcome:
        if kind == "return":
            values, more = self._filter(("return",), (value,))
            actions.extend(more)
            return CallOutcome(kind="return", value=values[0])
        if isinstance(value, _RaisedSummary):
            exc_type, message = value.exc_type, value.message
        else:
            exc_type, message = _exception_name(value), str(value)
        values, more = self._filter(("exception",), (message,))
        actions.extend(more)
        return CallOutcome(
            kind="raise",
            exc_type=exc_type,
            exc_message=values[0] if isinstance(values[0], str) else str(values[0]),
        )

    def _record(
        self,
        pending: _Pending,
        values: Sequence[Any],
        actions: list[FilterAction],
        outcome: CallOutcome | None,
        duration_ns: int | None,
    ) -> CaptureRecord:
        count = pending.count
        names = pending.names
        extra = {"not_copied": list(pending.not_copied)} if pending.not_copied else {}
        return CaptureRecord(
            module=self.module,
            qualname=self.qualname,
            timestamp=_utc_from_ns(pending.timestamp),
            args=tuple(values[:count]),
            kwargs=dict(zip(names[count:], values[count:], strict=True)),
            arg_names=names[:count],  # type: ignore[arg-type]  # attrs converter typing
            filtered=actions,  # type: ignore[arg-type]
            metadata=build_metadata(
                pending.facts, minimal=self.minimal, duration_ns=duration_ns, extra=extra
            ),
            outcome=outcome,
        )

    def _encode(self, record: CaptureRecord) -> tuple[CaptureRecord, bytes | None]:
        storage = self.storage
        assert storage is not None
        if not self._encodes:
            return record, None
        try:
            return record, storage.encode(record)
        except Exception as error:
            return self._encode_with_fallback(record, error)

    def _encode_with_fallback(
        self, record: CaptureRecord, error: Exception
    ) -> tuple[CaptureRecord, bytes]:
        """Find the values the backend cannot encode and replace only those."""
        storage = self.storage
        assert storage is not None

        def encodable(value: Any) -> bool:
            probe = CaptureRecord(
                module=record.module,
                qualname=record.qualname,
                timestamp=record.timestamp,
                args=(value,),
            )
            try:
                storage.encode(probe)
            except Exception:
                return False
            return True

        replaced: dict[str, str] = {}

        def replace(name: str, value: Any) -> Any:
            if encodable(value):
                return value
            self.stats.serialization_fallbacks += 1
            serializer = self.fallback_serializer
            if serializer is not None:
                try:
                    serialize = getattr(serializer, "serialize", serializer)
                    converted = serialize(value)
                    if encodable(converted):
                        replaced[name] = f"fallback_serializer {_type_name(serializer)}"
                        return converted
                except Exception:
                    pass
            replaced[name] = "unserializable"
            return Unserializable(
                f"the {self.backend_name} backend cannot encode it", type_name=_type_name(value)
            )

        args = tuple(
            replace(name, value) for name, value in zip(record.arg_names, record.args, strict=False)
        )
        kwargs = {name: replace(name, value) for name, value in record.kwargs.items()}
        outcome = record.outcome
        if outcome is not None and outcome.kind == "return":
            outcome = attrs.evolve(outcome, value=replace("return", outcome.value))
        if not replaced:
            raise error  # not a value problem: the capture fails as a whole
        metadata = attrs.evolve(
            record.metadata, extra={**record.metadata.extra, "serialization_fallback": replaced}
        )
        record = attrs.evolve(record, args=args, kwargs=kwargs, outcome=outcome, metadata=metadata)
        data = storage.encode(record)
        if not self.ignore_serialization_errors:
            names = ", ".join(sorted(replaced))
            self._warn(
                "serialization",
                f"snapy: the {self.backend_name} backend cannot encode argument(s) {names} "
                f"of {self.function_key} ({type(error).__name__}: {error}); they are stored as "
                f"{'fallback_serializer output or ' if self.fallback_serializer else ''}"
                "Unserializable placeholders and the rest of the capture is kept. Pass "
                "ignore_serialization_errors=True to silence this warning.",
            )
        return record, data

    def _store(self, record: CaptureRecord, data: bytes | None, profilers: Sequence[Any]) -> None:
        storage = self.storage
        assert storage is not None
        if data is None:  # a storage that takes records (it overrides store_capture)
            ref = storage.write(record)
            size = 0
        else:
            ref = storage.write_encoded(
                self.function_key, record.timestamp, data, **self._write_options
            )
            size = len(data)
        self.stats.written += 1
        for profiler in profilers:
            profiler.add(self.function_key, captures=1, size=size)
        hook = self._stored_hook
        if hook is not None:
            try:
                where = getattr(ref, "path", None) or self._storage_root or self.root
                hook(record=record, location=where)
            except Exception as error:
                self._warn(
                    "hook",
                    f"a snapy plugin failed in snapy_capture_stored for {self.function_key}: "
                    f"{type(error).__name__}: {error}; the capture itself was stored",
                )

    # -- the per-call steps --------------------------------------------------------------

    def begin(self, args: tuple[Any, ...], kwargs: dict[str, Any], depth: int) -> _Pending | None:
        """Start capturing one call; returns what ``finish_*`` needs, or None when done."""
        profilers = _profiler.active
        if not profilers:
            if self.writes_now:
                self.capture_now(args, kwargs, depth)
                return None
            if self.queues_now:
                self.queue_now(args, kwargs, depth)
                return None
        start = time.perf_counter_ns() if profilers else 0
        pending = None
        stage = "reading the arguments"
        if self.async_storage and get_writer().is_full():
            self._dropped(profilers)  # before copying anything: overload stays cheap
            return None
        try:
            timestamp = time.time_ns()  # a datetime only when the record is built
            count, names, values = self._call_arguments(args, kwargs)
            pending = _Pending(timestamp, call_facts(depth), count, names, profilers)
            if self.lazy:
                pending.values = values
            elif self.async_storage:
                stage = "copying the arguments"
                pending.values, failed = snapshot_values(values)
                self._note_not_copied(pending, failed)
            elif self.capture_result:
                stage = "filtering the arguments"
                filtered, pending.actions = self._filter(pending.names, values)
                stage = "copying the arguments"
                pending.values, failed = snapshot_values(filtered)
                self._note_not_copied(pending, failed)
            else:
                stage = "filtering the arguments"
                filtered, actions = self._filter(pending.names, values)
                stage = "building the record"
                record = self._record(pending, filtered, actions, None, None)
                stage = "encoding the record"
                record, data = self._encode(record)
                stage = "writing the capture"
                self.stats.captured += 1
                self._store(record, data, profilers)
                pending = None
            if (
                pending is not None
                and self.async_storage
                and not self.capture_result
                and not self.lazy
            ):
                self._submit(pending)
                pending = None
            if self.capture_result:
                pending_start = time.perf_counter_ns()
                if pending is not None:
                    pending.start_ns = pending_start
        except Exception as error:
            self._fail(stage, error, profilers)
            pending = None
        if profilers:
            elapsed = time.perf_counter_ns() - start
            for profiler in profilers:
                profiler.add(self.function_key, time_ns=elapsed)
        return pending

    def capture_now(self, args: tuple[Any, ...], kwargs: dict[str, Any], depth: int) -> None:
        """The default capture: filter, encode and write the arguments before the call.

        The same steps as the general path of :meth:`begin`, with nothing kept for after
        the call: this is the whole cost of a synchronous capture.
        """
        stage = "reading the arguments"
        try:
            timestamp = time.time_ns()
            facts = call_facts(depth)
            count, names, values = self._call_arguments(args, kwargs)
            stage = "filtering the arguments"
            filtered = self._redactor.apply(list(zip(names, values, strict=True)))
            values = filtered.values
            stage = "building the record"
            record = CaptureRecord(
                module=self.module,
                qualname=self.qualname,
                timestamp=_utc_from_ns(timestamp),
                args=values[:count] if kwargs else values,
                kwargs=dict(zip(names[count:], values[count:], strict=True)) if kwargs else {},
                arg_names=names[:count] if kwargs else names,  # type: ignore[arg-type]
                filtered=filtered.actions,
                metadata=build_metadata(facts, minimal=self.minimal),
            )
            stage = "encoding the record"
            record, data = self._encode(record)
            stage = "writing the capture"
            self.stats.captured += 1
            self._store(record, data, ())
        except Exception as error:
            self._fail(stage, error)

    def queue_now(self, args: tuple[Any, ...], kwargs: dict[str, Any], depth: int) -> None:
        """``async_storage=True``: what the calling thread does (copy, queue), nothing more.

        The same steps as the general path of :meth:`begin`; filtering, encoding and
        writing happen on the background writer (:meth:`complete_async`).
        """
        writer = _WRITER
        if writer.is_full():
            self._dropped(())  # before copying anything: overload stays cheap
            return
        stage = "reading the arguments"
        try:
            timestamp = time.time_ns()
            facts = call_facts(depth)
            count, names, values = self._call_arguments(args, kwargs)
            not_copied: Sequence[str] = ()
            if not _IMMUTABLE_TYPES.issuperset(map(type, values)):  # else nothing to copy
                stage = "copying the arguments"
                values, failed = snapshot_values(values)
                if failed:
                    self.stats.not_copied += len(failed)
                    not_copied = [names[i] for i in failed]
            stage = "queueing the capture"
            # a plain tuple: the writer thread makes the _Pending (complete_async)
            if writer.submit(self, (timestamp, facts, count, names, values, not_copied)):
                self.stats.captured += 1
            else:
                self._dropped(())
        except Exception as error:
            self._fail(stage, error)

    def _note_not_copied(self, pending: _Pending, failed: list[int]) -> None:
        if failed:
            self.stats.not_copied += len(failed)
            pending.not_copied = [pending.names[i] for i in failed]

    def finish_return(self, pending: _Pending, result: Any) -> None:
        self._finish(pending, "return", result)

    def finish_raise(self, pending: _Pending, error: BaseException) -> None:
        self._finish(pending, "raise", error)

    def finish_closed(self, pending: _Pending) -> None:
        """A generator closed before it finished: store the arguments without an outcome."""
        self._finish(pending, None, None)

    def _finish(
        self, pending: _Pending, kind: Literal["return", "raise"] | None, value: Any
    ) -> None:
        duration = time.perf_counter_ns() - pending.start_ns if pending.start_ns else None
        if not self.capture_result:  # lazy serialization: the arguments only, after the call
            kind, value, duration = None, None, None
        profilers = pending.profilers
        start = time.perf_counter_ns() if profilers else 0
        stage = "capturing the outcome"
        try:
            if self.async_storage:
                if kind == "return" and not self.lazy:  # the result as it was returned
                    value, copied = snapshot_value(value)
                    if not copied:
                        self.stats.not_copied += 1
                        pending.not_copied = [*pending.not_copied, "return"]
                elif kind == "raise":
                    # keep no traceback (and the frames it holds) alive in the queue
                    value = _RaisedSummary(_exception_name(value), str(value))
                pending.outcome_kind = kind
                pending.outcome_value = value
                pending.duration_ns = duration
                self._submit(pending)
            else:
                self.stats.captured += 1
                record = self._complete(pending, kind, value, duration)
                stage = "encoding the record"
                record, data = self._encode(record)
                stage = "writing the capture"
                self._store(record, data, profilers)
        except Exception as error:
            self._fail(stage, error, profilers)
        if profilers:
            elapsed = time.perf_counter_ns() - start
            for profiler in profilers:
                profiler.add(self.function_key, time_ns=elapsed)

    def _complete(
        self,
        pending: _Pending,
        kind: Literal["return", "raise"] | None,
        value: Any,
        duration: int | None,
    ) -> CaptureRecord:
        values: Sequence[Any]
        if pending.actions is None:  # not filtered yet (lazy or asynchronous)
            values, actions = self._filter(pending.names, pending.values)
        else:
            values, actions = pending.values, list(pending.actions)
        outcome = None if kind is None else self._outcome(kind, value, actions)
        if self.minimal:
            duration = None
        return self._record(pending, values, actions, outcome, duration)

    def _submit(self, pending: _Pending) -> None:
        if get_writer().submit(self, pending):
            self.stats.captured += 1
            return
        self._dropped(pending.profilers)

    def _dropped(self, profilers: Sequence[Any]) -> None:
        self.stats.dropped += 1
        for profiler in profilers:
            profiler.add(self.function_key, dropped=1)
        self._warn(
            "dropped",
            f"snapy: the background writer has {get_writer().max_pending} captures waiting; "
            f"captures of {self.function_key} are dropped until it catches up (counted in "
            f"{self.qualname}.__snapy__.stats.dropped). The disk is slower than the calls: "
            "lower sample_rate, or raise the bound with "
            "snapy_capture.configure_async_writer(max_pending=...).",
        )

    def complete_async(self, pending: _Pending | tuple[Any, ...]) -> None:
        """Runs on the background writer: filter, encode and write one capture."""
        if type(pending) is tuple:  # from queue_now
            timestamp, facts, count, names, values, not_copied = pending
            pending = _Pending(timestamp, facts, count, names)
            pending.values = values
            pending.not_copied = not_copied
        assert isinstance(pending, _Pending)
        profilers = pending.profilers
        start = time.perf_counter_ns() if profilers else 0
        stage = "filtering the arguments"
        try:
            record = self._complete(
                pending, pending.outcome_kind, pending.outcome_value, pending.duration_ns
            )
            stage = "encoding the record"
            record, data = self._encode(record)
            stage = "writing the capture"
            self._store(record, data, profilers)
        except Exception as error:
            self._fail(stage, error, profilers)
        if profilers:
            elapsed = time.perf_counter_ns() - start
            for profiler in profilers:
                profiler.add(self.function_key, background_ns=elapsed)

    def __repr__(self) -> str:
        return f"<CaptureHandle {self.function_key} -> {self.root} ({self.backend_name})>"


# -- wrappers ---------------------------------------------------------------------------


def _make_wrapper(function: Callable[..., Any], handle: CaptureHandle) -> Callable[..., Any]:
    state = _runtime.state
    rate = handle.sample_rate
    sample = _rng.random
    active_calls = _active_calls
    handle_id = handle.id

    def enter() -> int | None:
        """The call depth if this call is to be captured (sampled in, capture on), else None.

        Used by the coroutine and generator wrappers; the plain function wrapper below has
        it inlined, as it runs on every call of the common case.
        """
        if rate < 1.0 and sample() >= rate:
            return None
        if handle.generation != state.generation:
            handle.refresh()
        if not handle.active:
            if handle.broken:
                handle.stats.failures += 1
            return None
        stack = active_calls.get()
        if handle_id in stack and not handle.recursive:
            handle.stats.recursive_skipped += 1
            return None
        return len(stack)

    if inspect.isasyncgenfunction(function):
        return _async_generator_wrapper(function, handle, enter)
    if inspect.iscoroutinefunction(function):
        return _coroutine_wrapper(function, handle, enter)
    if inspect.isgeneratorfunction(function):
        return _generator_wrapper(function, handle, enter)

    begin = handle.begin

    def captured(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        # enter(), inlined: this runs on every captured call
        if handle.generation != state.generation:
            handle.refresh()
        if not handle.active:
            if handle.broken:
                handle.stats.failures += 1
            return function(*args, **kwargs)
        stack = active_calls.get()
        if handle_id in stack and not handle.recursive:
            handle.stats.recursive_skipped += 1
            return function(*args, **kwargs)
        pending = begin(args, kwargs, len(stack))
        token = active_calls.set((*stack, handle_id))
        try:
            result = function(*args, **kwargs)
        except BaseException as error:
            if pending is not None:
                handle.finish_raise(pending, error)
            raise
        finally:
            active_calls.reset(token)
        if pending is not None:
            handle.finish_return(pending, result)
        return result

    if rate >= 1.0:

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return captured(args, kwargs)

    else:

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if sample() < rate:
                return captured(args, kwargs)
            return function(*args, **kwargs)

    return wrapper


def _coroutine_wrapper(
    function: Callable[..., Any],
    handle: CaptureHandle,
    enter: Callable[[], int | None],
) -> Callable[..., Any]:
    active_calls = _active_calls
    handle_id = handle.id

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        depth = enter()
        if depth is None:
            return await function(*args, **kwargs)
        pending = handle.begin(args, kwargs, depth)
        token = active_calls.set((*active_calls.get(), handle_id))
        try:
            result = await function(*args, **kwargs)
        except BaseException as error:
            if pending is not None:
                handle.finish_raise(pending, error)
            raise
        finally:
            active_calls.reset(token)
        if pending is not None:
            handle.finish_return(pending, result)
        return result

    return wrapper


def _generator_wrapper(
    function: Callable[..., Any],
    handle: CaptureHandle,
    enter: Callable[[], int | None],
) -> Callable[..., Any]:
    # A generator's body starts at the first next(): the arguments are captured then, the
    # moment the original body would see them. Its calls are not counted as enclosing
    # other captured calls (a context variable cannot follow a suspended generator).
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        depth = enter()
        if depth is None:
            return (yield from function(*args, **kwargs))
        pending = handle.begin(args, kwargs, depth)
        try:
            result = yield from function(*args, **kwargs)
        except GeneratorExit:
            if pending is not None:
                handle.finish_closed(pending)
            raise
        except BaseException as error:
            if pending is not None:
                handle.finish_raise(pending, error)
            raise
        if pending is not None:
            handle.finish_return(pending, result)
        return result

    return wrapper


def _async_generator_wrapper(
    function: Callable[..., Any],
    handle: CaptureHandle,
    enter: Callable[[], int | None],
) -> Callable[..., Any]:
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        pending = None
        depth = enter()
        if depth is not None:
            pending = handle.begin(args, kwargs, depth)
        inner = function(*args, **kwargs)
        to_send: Any = None
        to_throw: BaseException | None = None
        try:
            while True:
                try:
                    if to_throw is not None:
                        error, to_throw = to_throw, None
                        item = await inner.athrow(error)
                    else:
                        item = await inner.asend(to_send)
                except StopAsyncIteration:
                    break
                try:
                    to_send = yield item
                except GeneratorExit:
                    await inner.aclose()
                    raise
                except BaseException as thrown:
                    to_throw = thrown
                    to_send = None
        except GeneratorExit:
            if pending is not None:
                handle.finish_closed(pending)
            raise
        except BaseException as error:
            if pending is not None:
                handle.finish_raise(pending, error)
            raise
        if pending is not None:
            handle.finish_return(pending, None)

    return wrapper


# -- the decorator ------------------------------------------------------------------------

_CONFIG_PARAMETERS = (
    "enabled",
    "path",
    "retention",
    "max_age",
    "ignore_args",
    "production_mode",
    "minimal_capture",
    "full_capture",
    "debug_mode",
    "ignore_large_objects",
    "max_capture_size",
    "sample_rate",
    "backend",
    "capture_result",
    "async_storage",
    "lazy_serialization",
    "durable",
    "trusted_modules",
    "redaction",
    "capture_recursive_calls",
    "custom_filter",
    "custom_filters",
)


def _resolve(arguments: dict[str, Any], where: str) -> CaptureConfig:
    try:
        return resolve_config(arguments, argument_label=where).config
    except ConfigWarning:
        # warnings are errors (-W error) and a SNAP_CAPTURE_* value is bad: it was reported
        # once; resolving again uses the lower layer for it, as without -W error
        return resolve_config(arguments, argument_label=where).config


def _is_in_class_body(function: Callable[..., Any]) -> bool:
    parts = (getattr(function, "__qualname__", "") or "").split(".")
    return len(parts) >= 2 and parts[-2] != "<locals>"


def _first_parameter_is_self(function: Callable[..., Any]) -> bool:
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return False
    return (
        bool(parameters)
        and parameters[0].kind in _POSITIONAL
        and (parameters[0].name in _SELF_NAMES)
    )


@overload
def capture_args(function: F, /) -> F: ...


@overload
def capture_args(
    function: None = None,
    /,
    *,
    path: str | os.PathLike[str] | None = None,
    retention: int | str | None = None,
    ignore_args: Iterable[str] | str | None = None,
    custom_filters: Iterable[Callable[[str, Any], bool]] | None = None,
    custom_filter: ArgumentFilter | None = None,
    sample_rate: float | str | None = None,
    lazy_serialization: bool | None = None,
    async_storage: bool | None = None,
    fallback_serializer: Any = None,
    ignore_serialization_errors: bool = False,
    max_capture_size: int | str | None = None,
    backend: str | StorageBackend | Callable[..., StorageBackend] | None = None,
    capture_result: bool | None = None,
    enabled: bool | None = None,
    max_age: Any = None,
    capture_recursive_calls: bool | None = None,
    minimal_capture: bool | None = None,
    ignore_large_objects: bool | None = None,
    durable: bool | None = None,
    production_mode: bool | None = None,
    full_capture: bool | None = None,
    debug_mode: bool | None = None,
    trusted_modules: Iterable[str] | str | None = None,
    redaction: str | None = None,
) -> Callable[[F], F]: ...


def capture_args(
    function: Any = None,
    /,
    *,
    path: str | os.PathLike[str] | None = None,
    retention: int | str | None = None,
    ignore_args: Iterable[str] | str | None = None,
    custom_filters: Iterable[Callable[[str, Any], bool]] | None = None,
    custom_filter: ArgumentFilter | None = None,
    sample_rate: float | str | None = None,
    lazy_serialization: bool | None = None,
    async_storage: bool | None = None,
    fallback_serializer: Any = None,
    ignore_serialization_errors: bool = False,
    max_capture_size: int | str | None = None,
    backend: str | StorageBackend | Callable[..., StorageBackend] | None = None,
    capture_result: bool | None = None,
    enabled: bool | None = None,
    max_age: Any = None,
    capture_recursive_calls: bool | None = None,
    minimal_capture: bool | None = None,
    ignore_large_objects: bool | None = None,
    durable: bool | None = None,
    production_mode: bool | None = None,
    full_capture: bool | None = None,
    debug_mode: bool | None = None,
    trusted_modules: Iterable[str] | str | None = None,
    redaction: str | None = None,
) -> Any:
    """Record the arguments each call of the decorated function receives.

    ``@capture_args(path="./captures", retention=3, ignore_args=["password"])``, or
    ``capture_args(...)(legacy_function)``; a bare ``@capture_args`` works too. Arguments
    left at None come from the ``SNAP_CAPTURE_*`` environment, the global configuration,
    then the defaults. Works on functions, methods (``self``/``cls`` are not stored),
    static and class methods, ``async def``, generators and async generators.

    When capture is disabled at decoration time (``enabled=False``,
    ``SNAP_CAPTURE_ENABLED=0``) the function itself is returned, untouched. Otherwise the
    wrapper carries a :class:`CaptureHandle` as ``__snapy__``.
    """
    if fallback_serializer is not None and not (
        callable(fallback_serializer) or callable(getattr(fallback_serializer, "serialize", None))
    ):
        raise ConfigError(
            "capture_args: fallback_serializer must have a serialize(value) method or be a "
            f"callable, got {type(fallback_serializer).__name__}"
        )
    storage_factory = None
    if backend is not None and not isinstance(backend, str):
        if not (callable(backend) or hasattr(backend, "write_encoded")):
            raise ConfigError(
                "capture_args: backend must be a backend name such as 'json', a storage object "
                f"or a storage class, got {type(backend).__name__}"
            )
        storage_factory = backend
        backend = None
    given = dict(locals())
    arguments = {name: given[name] for name in _CONFIG_PARAMETERS}
    config = _resolve(arguments, "capture_args")

    def decorate(target: Any) -> Any:
        if isinstance(target, (classmethod, staticmethod)):
            inner = target.__func__
            wrapped = _decorate_function(
                inner,
                config,
                storage_factory,
                fallback_serializer,
                ignore_serialization_errors,
                skip_first=isinstance(target, classmethod),
            )
            return target if wrapped is inner else type(target)(wrapped)
        if isinstance(target, type):
            raise ConfigError(
                f"capture_args decorates functions and methods, not classes: decorate the "
                f"methods of {target.__qualname__} whose calls you want to capture"
            )
        if not callable(target):
            raise ConfigError(
                f"capture_args can only decorate callables, got {type(target).__name__}"
            )
        skip_first = _is_in_class_body(target) and _first_parameter_is_self(target)
        return _decorate_function(
            target,
            config,
            storage_factory,
            fallback_serializer,
            ignore_serialization_errors,
            skip_first=skip_first,
        )

    if function is not None:
        return decorate(function)
    return decorate


def _decorate_function(
    function: Callable[..., Any],
    config: CaptureConfig,
    storage_factory: Any,
    fallback_serializer: Any,
    ignore_serialization_errors: bool,
    *,
    skip_first: bool,
) -> Callable[..., Any]:
    if not config.enabled:
        return function
    handle = CaptureHandle(
        function,
        config=config,
        skip_first=skip_first,
        storage_factory=storage_factory,
        fallback_serializer=fallback_serializer,
        ignore_serialization_errors=ignore_serialization_errors,
    )
    wrapper = _make_wrapper(function, handle)
    try:
        functools.update_wrapper(wrapper, function)
    except (AttributeError, TypeError):  # a callable object without __name__ etc.
        wrapper.__wrapped__ = function  # type: ignore[attr-defined]
    wrapper.__snapy__ = handle  # type: ignore[attr-defined]
    _runtime.register_function(handle)
    return wrapper


def get_capture_handle(function: Callable[..., Any]) -> CaptureHandle | None:
    """The :class:`CaptureHandle` of a decorated function (None if it is not captured)."""
    handle = getattr(function, "__snapy__", None)
    if isinstance(handle, CaptureHandle):
        return handle
    inner = getattr(function, "__func__", None)  # a classmethod or staticmethod
    return get_capture_handle(inner) if inner is not None else None


__all__ = ["CaptureHandle", "CaptureStats", "capture_args", "get_capture_handle"]
