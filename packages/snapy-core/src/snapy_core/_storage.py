"""The storage contract: how captures are written, listed, read and pruned.

CONTRACT DRAFT — the storage work item fills in :class:`CaptureStorage` (atomic writes,
listing, retention, permissions). The names and signatures below are the contract other
packages code against.

On disk a store is ``<root>/<function key>/<UTC timestamp>-<pid>-<seq>.<ext>``: the
directory name is the sanitised ``module.qualname`` and file names sort by time, so the
newest capture is found without reading any file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import attrs

from ._plugins import collect_registrations
from ._record import CaptureRecord
from .errors import BackendNotFoundError

KNOWN_BACKEND_PACKAGES = {"json": "snapy-storage-json", "pickle": "snapy-storage-pickle"}
"""Backends snapy ships as separate distributions, for the 'pip install ...' hint."""


@attrs.frozen(kw_only=True)
class CaptureRef:
    """A stored capture, known from its name alone (listing never reads file contents)."""

    function_key: str
    """The store's directory name for the function (sanitised ``module.qualname``)."""
    capture_id: str
    """``<timestamp>-<pid>-<seq>``: unique in the function's directory, sorts by time."""
    timestamp: dt.datetime
    backend: str
    path: Path | None = None
    size: int | None = None


@attrs.frozen(kw_only=True)
class FunctionSummary:
    """One function of a store, for listings (``snapy list``)."""

    function_key: str
    count: int
    newest: dt.datetime | None
    oldest: dt.datetime | None
    total_size: int
    backend: str


@runtime_checkable
class StorageBackend(Protocol):
    """What every storage backend provides. Backends are created per store root."""

    name: str
    root: Path

    def write(self, record: CaptureRecord) -> CaptureRef: ...

    def functions(self) -> list[FunctionSummary]: ...

    def list(self, function_key: str) -> list[CaptureRef]: ...

    def read(self, ref: CaptureRef) -> CaptureRecord: ...

    def delete(self, ref: CaptureRef) -> None: ...

    def prune(
        self,
        function_key: str,
        *,
        keep: int | None = None,
        max_age: dt.timedelta | None = None,
        dry_run: bool = False,
    ) -> list[CaptureRef]: ...


@attrs.frozen
class BackendInfo:
    """A storage backend registered by a plugin."""

    name: str
    factory: Callable[..., StorageBackend]
    plugin: str
    description: str = ""


def available_backends() -> dict[str, BackendInfo]:
    """Storage backends registered through ``snapy_register_storage_backends``."""
    backends: dict[str, BackendInfo] = {}
    for registration in collect_registrations("snapy_register_storage_backends"):
        name, factory = registration.args[:2]
        description = registration.kwargs.get("description", "")
        backends[name] = BackendInfo(name, factory, registration.plugin, description)
    return backends


def get_backend_info(name: str) -> BackendInfo:
    """The backend called ``name``; a clear :class:`BackendNotFoundError` otherwise."""
    backends = available_backends()
    try:
        return backends[name]
    except KeyError:
        installed = ", ".join(sorted(backends)) or "none"
        hint = (
            f" Install it with: pip install {KNOWN_BACKEND_PACKAGES[name]}"
            if name in KNOWN_BACKEND_PACKAGES
            else " Check the name, or install the plugin that provides it."
        )
        raise BackendNotFoundError(
            f"no snapy storage backend named {name!r} is installed (installed: {installed})."
            + hint
        ) from None


def open_storage(name: str, root: str | Path, **options: Any) -> StorageBackend:
    """Create the backend ``name`` for the store at ``root``."""
    return get_backend_info(name).factory(root=Path(root), **options)


__all__ = [
    "KNOWN_BACKEND_PACKAGES",
    "BackendInfo",
    "CaptureRef",
    "FunctionSummary",
    "StorageBackend",
    "available_backends",
    "get_backend_info",
    "open_storage",
]
