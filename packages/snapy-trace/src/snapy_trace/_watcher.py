"""A background check of recordings, so the hot path has no checks of its own.

One daemon thread, alive only while some recording needs it, wakes every few
milliseconds and:

* stops storing events of a recording whose buffer passed its budget (``max_events``):
  the budget is therefore kept to within the events of one interval, without a length
  check per event;
* tells a single-thread recording when a thread it did not see start (one started with
  ``_thread.start_new_thread`` or by C code) runs Python code, so that it starts
  checking which thread each event comes from.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any

INTERVAL = 0.002
"""Seconds between checks."""


class _Watch:
    __slots__ = ("buffer", "known_threads", "limit", "on_full", "on_thread")

    def __init__(
        self,
        buffer: list[Any],
        limit: int | None,
        on_full: Callable[[], None],
        on_thread: Callable[[], None] | None,
        known_threads: set[int],
    ) -> None:
        self.buffer = buffer
        self.limit = limit
        self.on_full = on_full
        self.on_thread = on_thread
        self.known_threads = known_threads


class Watcher:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._watches: dict[int, _Watch] = {}
        self._thread: threading.Thread | None = None
        self._pins = 0
        self.ident: int | None = None

    def pin(self) -> None:
        """Start the thread now if needed, and keep it running until :meth:`unpin`.

        A tracer pins it before its hooks go on: a thread started while they are on would
        put ``threading``'s own calls, and the new thread's first steps, into the trace.
        """
        with self._lock:
            self._pins += 1
            self._ensure_thread()

    def unpin(self) -> None:
        with self._lock:
            self._pins -= 1

    def _ensure_thread(self) -> None:
        if self._thread is None:
            thread = threading.Thread(target=self._run, name="snapy-trace-watcher", daemon=True)
            thread._snapy_trace_internal = True  # type: ignore[attr-defined]
            self._thread = thread
            thread.start()
            self.ident = thread.ident

    def watch(
        self,
        key: int,
        buffer: list[Any],
        *,
        limit: int | None,
        on_full: Callable[[], None],
        on_thread: Callable[[], None] | None,
        known_threads: set[int],
    ) -> None:
        with self._lock:
            self._watches[key] = _Watch(buffer, limit, on_full, on_thread, known_threads)
            self._ensure_thread()

    def unwatch(self, key: int) -> None:
        with self._lock:
            self._watches.pop(key, None)

    def forget_thread_check(self, key: int) -> None:
        with self._lock:
            watch = self._watches.get(key)
            if watch is not None:
                watch.on_thread = None

    def _run(self) -> None:
        me = threading.get_ident()
        while True:
            time.sleep(INTERVAL)
            with self._lock:
                watches = list(self._watches.items())
                if not watches and not self._pins:
                    self._thread = None
                    self.ident = None
                    return
            running: set[int] | None = None
            for _key, watch in watches:
                try:
                    if watch.limit is not None and len(watch.buffer) > watch.limit:
                        watch.limit = None
                        watch.on_full()
                    if watch.on_thread is not None:
                        if running is None:
                            running = set(sys._current_frames()) - {me}
                        if running - watch.known_threads:
                            callback, watch.on_thread = watch.on_thread, None
                            callback()
                except Exception:
                    continue


watcher = Watcher()


def internal(thread: Any) -> bool:
    """Is this ``threading.Thread`` snapy-trace's own?"""
    return bool(getattr(thread, "_snapy_trace_internal", False))


__all__ = ["INTERVAL", "Watcher", "internal", "watcher"]
