"""``TracerConfig``: what a tracer records and how it keeps it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import attrs

from snapy_core.errors import ConfigError

DetailLevel = Literal["minimal", "standard", "verbose"]
DETAIL_LEVELS: tuple[str, ...] = ("minimal", "standard", "verbose")

DEFAULT_MAX_EVENTS = 1_000_000


def _check_detail(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value not in DETAIL_LEVELS:
        raise ConfigError(
            f"TracerConfig.{attribute.name}={value!r} is not a detail level; use one of "
            + ", ".join(repr(level) for level in DETAIL_LEVELS)
            + " ('minimal': call tree only, 'standard': arguments and return values as "
            "cheap summaries, 'verbose': bounded repr of every value)."
        )


def _check_max_events(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(
            f"TracerConfig.max_events={value!r} must be a positive integer (the number of "
            "events kept in memory; later events are counted as dropped) or None for no limit."
        )


def _check_bool(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, bool):
        raise ConfigError(f"TracerConfig.{attribute.name}={value!r} must be True or False.")


def _to_sinks(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, Mapping)) or callable(getattr(value, "write", None)):
        return (value,)
    if isinstance(value, Sequence):
        return tuple(value)
    raise ConfigError(
        f"TracerConfig.sinks={value!r} must be a sink name ('jsonl', 'chrome'), a "
        "mapping {'name': ..., 'path': ...}, a sink object with write()/close(), or a list "
        "of those."
    )


@attrs.frozen(kw_only=True)
class TracerConfig:
    """Settings of a :class:`~snapy_trace.FunctionTracer`.

    The defaults keep the fast path fast: call, return, yield and exception events with
    cheap argument summaries, the calling thread only, no line events, no memory
    tracking.
    """

    max_events: int | None = attrs.field(default=DEFAULT_MAX_EVENTS, validator=_check_max_events)
    """Events kept in memory. The first ``max_events`` are kept; the rest are counted in
    ``get_metrics()["dropped_events"]`` and the trace is marked truncated."""

    enable_line_tracing: bool = attrs.field(default=False, validator=_check_bool)
    """Also record a ``line`` event for every line executed in traced functions."""

    capture_locals: bool = attrs.field(default=False, validator=_check_bool)
    """Record the local variables (bounded ``repr``) when a traced function returns."""

    memory_tracking: bool = attrs.field(default=False, validator=_check_bool)
    """Record ``tracemalloc``'s current traced memory on call and return events (starts
    ``tracemalloc`` if needed; it slows every allocation of the program)."""

    compression: bool = attrs.field(default=False, validator=_check_bool)
    """Keep decoded events packed in columns with interned strings (less memory, events
    are rebuilt on each ``get_events()``) and gzip what file sinks write."""

    auto_cleanup: bool = attrs.field(default=True, validator=_check_bool)
    """When the ``with`` block ends, normally or by an exception: release the hooks, stop
    ``tracemalloc`` if the tracer started it and close the sinks. A tracer still running
    when it is garbage-collected or when the interpreter exits is stopped too.
    With ``False`` only the hooks are released; sinks stay open and ``tracemalloc`` keeps
    running until :meth:`FunctionTracer.close`, so the next ``with`` continues the trace."""

    detail_level: DetailLevel = attrs.field(default="standard", validator=_check_detail)
    """``minimal``: the call tree only. ``standard``: arguments and return values kept as
    cheap summaries (atomic values as they are, other values as ``<TypeName>``).
    ``verbose``: a bounded, address-free ``repr`` of every argument and return value."""

    trace_all_threads: bool = attrs.field(default=False, validator=_check_bool)
    """Record every thread, not only the one that started the tracer. On Python 3.10 and
    3.11 threads already running when the tracer starts are not seen."""

    sinks: tuple[Any, ...] = attrs.field(default=(), converter=_to_sinks)
    """Where events go besides memory: names registered through the
    ``snapy_register_trace_sinks`` hook (``"jsonl"``, ``"chrome"``), mappings with a
    ``name`` and the sink's options (``{"name": "jsonl", "path": "trace.jsonl"}``), or
    objects with ``write(events)`` and ``close()``."""


__all__ = ["DEFAULT_MAX_EVENTS", "DETAIL_LEVELS", "DetailLevel", "TracerConfig"]
