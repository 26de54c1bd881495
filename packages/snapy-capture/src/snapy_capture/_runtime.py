"""Process-wide switches of capture: on/off at run time, redirection, and the registry.

Decorated functions resolve their configuration, redactor, storage and hooks once; they
only look at :data:`state.generation` per call (one integer compare). Every switch below
bumps the generation, so each decorated function sets itself up again, once, on its next
captured call.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class _State:
    """The switches every decorated function reads (attribute reads are the cheapest)."""

    __slots__ = ("enabled", "generation", "redirect_root", "search_paths")

    def __init__(self) -> None:
        self.enabled: bool = True
        self.generation: int = 0
        self.redirect_root: Path | None = None
        self.search_paths: tuple[Path, ...] = ()


state = _State()
_lock = threading.RLock()


def _after_fork_in_child() -> None:
    global _lock
    _lock = threading.RLock()  # a parent thread switching capture at the fork held it


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _bump() -> None:
    state.generation += 1


def is_capture_enabled() -> bool:
    """Whether decorated functions capture right now (the run-time switch)."""
    return state.enabled


@contextlib.contextmanager
def capture_disabled() -> Iterator[None]:
    """Inside this block no decorated function captures anything (process-wide).

    Meant for tests: ``with capture_disabled(): service.process_order(...)``.
    """
    with _lock:
        previous = state.enabled
        state.enabled = False
        _bump()
    try:
        yield
    finally:
        with _lock:
            state.enabled = previous
            _bump()


@contextlib.contextmanager
def capture_enabled() -> Iterator[None]:
    """Inside this block decorated functions capture again (undoes ``capture_disabled``).

    It cannot turn on a function that was decorated while capture was disabled by the
    configuration: such a function *is* the original function, with nothing to switch.
    """
    with _lock:
        previous = state.enabled
        state.enabled = True
        _bump()
    try:
        yield
    finally:
        with _lock:
            state.enabled = previous
            _bump()


def set_capture_enabled(enabled: bool) -> None:
    """Switch capture on or off for the whole process until switched again."""
    with _lock:
        state.enabled = bool(enabled)
        _bump()


@contextlib.contextmanager
def redirect_captures(root: str | os.PathLike[str] | None) -> Iterator[Path | None]:
    """Store every capture made inside this block under ``root``, whatever the decorator says.

    The pytest plugin uses it to keep captures made by a test session out of the real
    stores. Loaders look at ``root`` last, for functions that have no stored capture.
    ``None`` turns redirection off inside the block.
    """
    new_root = None if root is None else Path(os.path.abspath(root))
    with _lock:
        previous = state.redirect_root
        state.redirect_root = new_root
        _bump()
    try:
        yield new_root
    finally:
        with _lock:
            state.redirect_root = previous
            _bump()


def set_redirect_root(root: str | os.PathLike[str] | None) -> None:
    """Redirect every capture to ``root`` until called again (``None`` stops it)."""
    with _lock:
        state.redirect_root = None if root is None else Path(os.path.abspath(root))
        _bump()


def add_search_path(path: str | os.PathLike[str]) -> Path:
    """Make loaders also look for captures under ``path`` (``--snapy-path`` does this)."""
    resolved = Path(os.path.abspath(path))
    with _lock:
        if resolved not in state.search_paths:
            state.search_paths = (*state.search_paths, resolved)
    return resolved


def remove_search_path(path: str | os.PathLike[str]) -> None:
    resolved = Path(os.path.abspath(path))
    with _lock:
        state.search_paths = tuple(p for p in state.search_paths if p != resolved)


# -- registry of decorated functions ------------------------------------------------------

_registry: dict[str, list[Any]] = {}


def register_function(handle: Any) -> None:
    """Remember a decorated function (its ``CaptureHandle``) so loaders find its store."""
    with _lock:
        handles = _registry.setdefault(handle.function_key, [])
        handles[:] = [h for h in handles if h.root != handle.root]
        handles.append(handle)


def registered_functions() -> list[Any]:
    """The ``CaptureHandle`` of every function decorated (and enabled) in this process."""
    with _lock:
        return [handle for handles in _registry.values() for handle in handles]


__all__ = [
    "add_search_path",
    "capture_disabled",
    "capture_enabled",
    "is_capture_enabled",
    "redirect_captures",
    "register_function",
    "registered_functions",
    "remove_search_path",
    "set_capture_enabled",
    "set_redirect_root",
    "state",
]
