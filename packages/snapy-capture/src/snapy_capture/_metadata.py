"""The metadata stored with each capture: where and how the call happened."""

from __future__ import annotations

import os
import platform
import socket
import sys
import threading
from typing import Any

from snapy_core import CallMetadata

from .__about__ import __version__

PYTHON_VERSION = platform.python_version()
SNAPY_VERSION = __version__

_host: str | None = None


def host_name() -> str:
    """The host name, looked up once per process."""
    global _host
    if _host is None:
        try:
            _host = socket.gethostname()
        except OSError:
            _host = ""
    return _host


def current_task_name() -> str | None:
    """Name of the running asyncio task, or None outside one (cheap when asyncio is unused)."""
    asyncio = sys.modules.get("asyncio")
    if asyncio is None:
        return None
    loop = asyncio._get_running_loop()
    if loop is None:
        return None
    task = asyncio.current_task(loop)
    return None if task is None else task.get_name()


_pid = os.getpid()


def _after_fork_in_child() -> None:
    global _pid
    _pid = os.getpid()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def call_facts(depth: int) -> tuple[Any, ...]:
    """What must be read on the calling thread at the start of the call (cheap)."""
    return (
        depth,
        threading.current_thread().name,
        threading.get_ident(),
        current_task_name(),
        _pid,
    )


def build_metadata(
    facts: tuple[Any, ...],
    *,
    minimal: bool,
    duration_ns: int | None = None,
    extra: dict[str, Any] | None = None,
) -> CallMetadata:
    """The record's metadata from :func:`call_facts`.

    Minimal capture (production mode) leaves out the host, thread and task names (they
    can carry request or user ids) and the duration.
    """
    depth, thread_name, thread_id, task_name, pid = facts
    if minimal:
        return CallMetadata(
            call_depth=depth,
            thread_name="",
            thread_id=thread_id,
            task_name=None,
            pid=pid,
            host=None,
            python_version=PYTHON_VERSION,
            snapy_version=SNAPY_VERSION,
            extra=extra or {},
        )
    return CallMetadata(
        call_depth=depth,
        thread_name=thread_name,
        thread_id=thread_id,
        task_name=task_name,
        pid=pid,
        host=host_name(),
        python_version=PYTHON_VERSION,
        snapy_version=SNAPY_VERSION,
        duration_ns=duration_ns,
        extra=extra or {},
    )


__all__ = ["build_metadata", "call_facts", "current_task_name", "host_name"]
