"""The background writer behind ``async_storage=True``.

The calling thread only puts a small item on a bounded queue: it never waits for the
disk. When ``max_pending`` items are already waiting the new capture is dropped and
counted (memory stays bounded whatever the disk does). One daemon thread encodes and
writes, in order; :func:`flush` waits until everything handed over before it is written,
and runs by itself at interpreter exit. After ``fork()`` the child starts with an empty
queue of its own (the parent writes what it had queued).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import threading
import warnings
from typing import Any, Protocol

from snapy_core import CaptureWarning

DEFAULT_MAX_PENDING = 10_000
DEFAULT_EXIT_TIMEOUT = 10.0


class _Job(Protocol):
    def complete_async(self, payload: Any) -> None: ...


class _FlushMarker:
    __slots__ = ()

    def complete_async(self, payload: Any) -> None:
        payload.set()


_FLUSH = _FlushMarker()


class AsyncWriter:
    """A bounded queue and one worker thread."""

    def __init__(self, max_pending: int = DEFAULT_MAX_PENDING) -> None:
        self.max_pending = max_pending
        self.exit_timeout = DEFAULT_EXIT_TIMEOUT
        self._queue: queue.SimpleQueue[tuple[_Job, Any]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.dropped = 0
        self.completed = 0

    def submit(self, job: _Job, payload: Any) -> bool:
        """Queue one capture; False (nothing queued) when the queue is full."""
        if self._thread is None:
            self._start()
        if self._queue.qsize() >= self.max_pending:
            self.dropped += 1
            return False
        self._queue.put((job, payload))
        return True

    def is_full(self) -> bool:
        return self._queue.qsize() >= self.max_pending

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is not None:
                return
            thread = threading.Thread(target=self._run, name="snapy-capture-writer", daemon=True)
            thread.start()
            self._thread = thread

    def _run(self) -> None:
        get = self._queue.get
        while True:
            job, payload = get()
            with contextlib.suppress(BaseException):  # jobs report their own failures
                job.complete_async(payload)
            self.completed += 1

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every capture queued so far is written; False on timeout."""
        if self._thread is None or not self._thread.is_alive():
            return self._queue.qsize() == 0
        done = threading.Event()
        self._queue.put((_FLUSH, done))
        return done.wait(timeout)


_writer = AsyncWriter()


def get_writer() -> AsyncWriter:
    return _writer


def configure_async_writer(
    *, max_pending: int | None = None, exit_timeout: float | None = None
) -> None:
    """Tune the background writer of ``async_storage=True``.

    ``max_pending``: captures waiting to be written before new ones are dropped (memory
    bound, default 10,000). ``exit_timeout``: seconds the interpreter waits at exit for
    pending captures (default 10).
    """
    if max_pending is not None:
        if isinstance(max_pending, bool) or not isinstance(max_pending, int) or max_pending < 1:
            raise ValueError(f"max_pending must be a whole number >= 1, got {max_pending!r}")
        _writer.max_pending = max_pending
    if exit_timeout is not None:
        if exit_timeout < 0:
            raise ValueError(f"exit_timeout must be >= 0 seconds, got {exit_timeout!r}")
        _writer.exit_timeout = float(exit_timeout)


def flush(timeout: float | None = None) -> bool:
    """Write out every capture waiting in the background writer.

    Returns False if ``timeout`` seconds passed first. Captures made with
    ``async_storage=False`` are written before the decorated call returns and need no
    flush.
    """
    return _writer.flush(timeout)


def _flush_at_exit() -> None:
    # an empty queue is not enough: the writer may still be writing the last item it took
    if _writer._thread is None:
        return
    if not _writer.flush(_writer.exit_timeout):
        with contextlib.suppress(Exception):  # warnings may be errors (-W error)
            warnings.warn(
                f"snapy: {_writer.pending} asynchronous capture(s) were not written within "
                f"{_writer.exit_timeout:g} s at interpreter exit and are lost; raise the limit "
                "with snapy_capture.configure_async_writer(exit_timeout=...)",
                CaptureWarning,
                stacklevel=1,
            )


def _after_fork_in_child() -> None:
    # the parent writes what it had queued; the child starts empty, without a thread
    _writer._queue = queue.SimpleQueue()
    _writer._thread = None
    _writer._start_lock = threading.Lock()


atexit.register(_flush_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


__all__ = ["AsyncWriter", "configure_async_writer", "flush", "get_writer"]
