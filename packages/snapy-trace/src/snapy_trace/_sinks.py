"""Trace sinks: where events go besides memory.

Sinks are found through the ``snapy_register_trace_sinks`` hook once per tracer and get
events in batches when a tracer stops (never one call per event). Built in (registered
by :mod:`snapy_trace._plugin`): ``jsonl`` (one JSON object per event, times included) and
``chrome`` (a Trace Event Format file for Perfetto / chrome://tracing, written on
``close()``). With ``TracerConfig(compression=True)`` both write gzip files.
"""

from __future__ import annotations

import gzip
import inspect
import json
import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Protocol, runtime_checkable

from snapy_core import collect_registrations
from snapy_core.errors import ConfigError, TraceError, TraceWarning

from ._events import TraceEvent
from ._formats import chrome_trace

HOOK = "snapy_register_trace_sinks"


@runtime_checkable
class Sink(Protocol):
    def write(self, events: list[TraceEvent]) -> None: ...

    def close(self) -> None: ...


def _open(path: Path, compress: bool) -> IO[str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    if compress:
        return gzip.open(path, "wt", encoding="utf-8")
    return open(path, "w", encoding="utf-8")


def _path(path: Any, compress: bool, sink: str) -> Path:
    if path is None:
        raise ConfigError(
            f"the {sink!r} trace sink needs a path: TracerConfig(sinks=[{{'name': {sink!r}, "
            f"'path': 'trace.{'jsonl' if sink == 'jsonl' else 'json'}'}}]) or "
            f"sinks=['{sink}:trace.{'jsonl' if sink == 'jsonl' else 'json'}']"
        )
    result = Path(os.fspath(path))
    if compress and result.suffix != ".gz":
        result = result.with_name(result.name + ".gz")
    return result


class JsonLinesSink:
    """One JSON object per event, in order, with times and memory figures."""

    def __init__(
        self, *, path: str | os.PathLike[str] | None = None, compress: bool = False
    ) -> None:
        self.path = _path(path, compress, "jsonl")
        self.compress = compress
        self._file: IO[str] | None = None

    def write(self, events: list[TraceEvent]) -> None:
        if self._file is None:
            self._file = _open(self.path, self.compress)
        file = self._file
        for event in events:
            file.write(json.dumps(event.to_dict(timings=True), ensure_ascii=False))
            file.write("\n")
        file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class ChromeTraceSink:
    """A Trace Event Format JSON file, written when the sink is closed."""

    def __init__(
        self, *, path: str | os.PathLike[str] | None = None, compress: bool = False
    ) -> None:
        self.path = _path(path, compress, "chrome")
        self.compress = compress
        self._events: list[TraceEvent] = []
        self._closed = False

    def write(self, events: list[TraceEvent]) -> None:
        self._events.extend(events)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with _open(self.path, self.compress) as file:
            json.dump(chrome_trace(self._events), file)
        self._events = []


class _Guarded:
    """A sink whose failures are warned about once and never reach the traced program."""

    def __init__(self, sink: Any, name: str) -> None:
        self.sink = sink
        self.name = name
        self.failed = False

    def _fail(self, what: str, error: BaseException) -> None:
        if not self.failed:
            self.failed = True
            warnings.warn(
                f"snapy-trace: trace sink {self.name!r} failed to {what} "
                f"({type(error).__name__}: {error}); its events are lost, the trace in "
                "memory is complete.",
                TraceWarning,
                stacklevel=4,
            )

    def write(self, events: list[TraceEvent]) -> None:
        if self.failed:
            return
        try:
            self.sink.write(events)
        except Exception as error:
            self._fail("write", error)

    def close(self) -> None:
        try:
            self.sink.close()
        except Exception as error:
            self._fail("close", error)


def registered_sinks() -> dict[str, Any]:
    """Sink factories by name from the ``snapy_register_trace_sinks`` hook."""
    factories: dict[str, Any] = {}
    for registration in collect_registrations(HOOK):
        if registration.args:
            name, *rest = registration.args
            factory = rest[0] if rest else registration.kwargs.get("factory")
        else:
            name = registration.kwargs.get("name")
            factory = registration.kwargs.get("factory")
        if isinstance(name, str) and callable(factory):
            factories[name] = factory
    return factories


def _accepts(factory: Any, name: str) -> bool:
    try:
        parameters = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return False
    return name in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
    )


def resolve_sinks(specs: Sequence[Any], *, compress: bool) -> list[Any]:
    """Sink objects for ``TracerConfig.sinks``; hooks are asked once, here."""
    if not specs:
        return []
    factories: dict[str, Any] | None = None
    sinks: list[Any] = []
    for position, spec in enumerate(specs):
        if callable(getattr(spec, "write", None)) and callable(getattr(spec, "close", None)):
            sinks.append(_Guarded(spec, type(spec).__name__))
            continue
        if isinstance(spec, str):
            name, _, path = spec.partition(":")
            options: dict[str, Any] = {"path": path} if path else {}
        elif isinstance(spec, Mapping) and isinstance(spec.get("name"), str):
            options = {key: value for key, value in spec.items() if key != "name"}
            name = spec["name"]
        else:
            raise ConfigError(
                f"TracerConfig.sinks[{position}]={spec!r}: a sink is a registered name "
                "('jsonl', 'jsonl:trace.jsonl'), a mapping with 'name' and the sink's "
                "options, or an object with write(events) and close()."
            )
        if factories is None:
            factories = registered_sinks()
        factory = factories.get(name)
        if factory is None:
            raise TraceError(
                f"TracerConfig.sinks[{position}]: no trace sink named {name!r}; "
                f"available: {', '.join(sorted(factories)) or 'none'} (sinks are registered "
                "through the snapy_register_trace_sinks hook)."
            )
        if _accepts(factory, "compress"):
            options.setdefault("compress", compress)
        try:
            sink = factory(**options)
        except (ConfigError, TraceError):
            raise
        except Exception as error:
            raise TraceError(
                f"TracerConfig.sinks[{position}]: the trace sink {name!r} could not be "
                f"created with {options!r}: {type(error).__name__}: {error}"
            ) from error
        sinks.append(_Guarded(sink, name))
    return sinks


__all__ = ["ChromeTraceSink", "JsonLinesSink", "Sink", "registered_sinks", "resolve_sinks"]
