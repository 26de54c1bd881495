"""Code run in child processes by the reliability tests.

The children start from a ``forkserver`` (a clean, single-threaded process forked on
demand), not by forking the test process: pytest and other tests may have threads running
(background capture writers), and forking a multi-threaded process can deadlock the child.
Functions here are importable by name, as the forkserver needs.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from snapy_core import CaptureWriteError, available_backends, open_storage
from tests.storage._helpers import BACKENDS, make_record

# Preloaded in the forkserver: plugins and backends are imported once, not per child.
available_backends()
for _name in BACKENDS:
    __import__(f"snapy_storage_{_name}")

_context: Any = None


def context() -> Any:
    """The multiprocessing context of the reliability tests (forkserver, preloaded)."""
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(["tests.storage._workers"])
    return _context


def write_many(
    backend: str, root: Path, index: int, writes: int, retention: int, go: Any, out: Path
) -> None:
    storage = open_storage(backend, root, retention=retention)
    go.wait()  # start together, so the prunes really overlap
    ids = [storage.write(make_record(index, i)).capture_id for i in range(writes)]
    out.write_text("\n".join(ids))


def write_forever(backend: str, root: Path, ready: Any) -> None:
    storage = open_storage(backend, root, retention=8)
    sizes = [10, 20_000, 400_000]  # big ones take long enough to be killed mid-write
    storage.write(make_record(0))
    ready.set()  # one capture is down: the kill lands among the next ones
    for i in range(1, 10**9):
        storage.write(make_record(i, size=sizes[i % 3]))


def write_under_file_size_limit(backend: str, root: Path, result: Connection) -> None:
    import resource

    storage = open_storage(backend, root)
    storage.write(make_record("small"))  # well under the limit
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
    try:
        storage.write(make_record("big", size=256 * 1024))
    except CaptureWriteError as error:
        result.send(str(error))
    else:
        result.send("no error")


def write_as_nobody(backend: str, root: Path, result: Connection) -> None:
    storage = open_storage(backend, root)
    os.setgid(65534)
    os.setuid(65534)
    try:
        storage.write(make_record("refused"))
    except CaptureWriteError as error:
        result.send(str(error))
    else:
        result.send("no error")


def run(target: Any, *args: Any, timeout: float = 60) -> int | None:
    """Run ``target(*args)`` in a child process and wait; its exit code."""
    process = context().Process(target=target, args=args)
    process.start()
    process.join(timeout=timeout)
    return process.exitcode


__all__ = [
    "context",
    "run",
    "time",
    "write_as_nobody",
    "write_forever",
    "write_many",
    "write_under_file_size_limit",
]
