"""``CaptureProfiler``: what capturing cost inside a block (seed 001)."""

from __future__ import annotations

import threading
from types import TracebackType

import attrs

from . import _writer

active: tuple[CaptureProfiler, ...] = ()
"""The profilers open right now; decorated functions read it once per captured call."""
_lock = threading.Lock()


@attrs.define
class FunctionProfile:
    """Figures of one decorated function inside a profiler block."""

    captures: int = 0
    capture_time_ns: int = 0
    background_time_ns: int = 0
    serialized_size_bytes: int = 0
    failures: int = 0
    dropped: int = 0


class CaptureProfiler:
    """Measures the captures made while the block runs (in any thread)::

        with CaptureProfiler() as profiler:
            result = expensive_function(large_data)
        print(f"Capture overhead: {profiler.capture_time_ms}ms")
        print(f"Serialization size: {profiler.serialized_size_bytes} bytes")

    ``capture_time_ms`` is the time capturing added to the calling threads: filtering,
    copying or encoding the arguments, and writing them unless ``async_storage`` hands that
    to the background writer, whose time is ``background_time_ms``.
    ``serialized_size_bytes`` adds up the encoded size of every capture stored. Leaving
    the block waits for the background writer, so the figures are complete.
    """

    def __init__(self, *, flush_timeout: float | None = 30.0) -> None:
        self.flush_timeout = flush_timeout
        self.captures = 0
        self.failures = 0
        self.dropped = 0
        self.capture_time_ns = 0
        self.background_time_ns = 0
        self.serialized_size_bytes = 0
        self.by_function: dict[str, FunctionProfile] = {}
        self._lock = threading.Lock()

    @property
    def capture_time_ms(self) -> float:
        return self.capture_time_ns / 1e6

    @property
    def background_time_ms(self) -> float:
        return self.background_time_ns / 1e6

    def __enter__(self) -> CaptureProfiler:
        global active
        with _lock:
            active = (*active, self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        global active
        _writer.flush(self.flush_timeout)
        with _lock:
            active = tuple(profiler for profiler in active if profiler is not self)

    def _entry(self, function_key: str) -> FunctionProfile:
        entry = self.by_function.get(function_key)
        if entry is None:
            entry = self.by_function[function_key] = FunctionProfile()
        return entry

    def add(
        self,
        function_key: str,
        *,
        captures: int = 0,
        time_ns: int = 0,
        background_ns: int = 0,
        size: int = 0,
        failures: int = 0,
        dropped: int = 0,
    ) -> None:
        with self._lock:
            entry = self._entry(function_key)
            self.captures += captures
            self.capture_time_ns += time_ns
            self.background_time_ns += background_ns
            self.serialized_size_bytes += size
            self.failures += failures
            self.dropped += dropped
            entry.captures += captures
            entry.capture_time_ns += time_ns
            entry.background_time_ns += background_ns
            entry.serialized_size_bytes += size
            entry.failures += failures
            entry.dropped += dropped

    def __repr__(self) -> str:
        return (
            f"<CaptureProfiler captures={self.captures} capture_time_ms={self.capture_time_ms:.3f}"
            f" serialized_size_bytes={self.serialized_size_bytes} failures={self.failures}"
            f" dropped={self.dropped}>"
        )


def current() -> tuple[CaptureProfiler, ...]:
    return active


__all__ = ["CaptureProfiler", "FunctionProfile", "current"]
