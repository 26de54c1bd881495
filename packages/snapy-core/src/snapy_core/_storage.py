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
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

import attrs

from ._plugins import collect_registrations
from ._record import CaptureRecord
from .errors import BackendNotFoundError, CaptureCorruptError

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

    def encode(self, record: CaptureRecord) -> bytes: ...

    def write_encoded(self, function_key: str, timestamp: dt.datetime, data: bytes) -> CaptureRef:
        ...

    def write(self, record: CaptureRecord) -> CaptureRef: ...

    def functions(self) -> list[FunctionSummary]: ...

    def list(self, function_key: str) -> list[CaptureRef]: ...

    def read(self, ref: CaptureRef) -> CaptureRecord: ...

    def load_all(
        self, function_key: str
    ) -> tuple[list[CaptureRecord], list[CaptureCorruptError]]: ...

    def delete(self, ref: CaptureRef) -> None: ...

    def prune(
        self,
        function_key: str,
        *,
        keep: int | None = None,
        max_age: dt.timedelta | None = None,
        dry_run: bool = False,
    ) -> list[CaptureRef]: ...


def function_dirname(function_key: str) -> str:
    """The directory name a function's captures live in, safe on every file system.

    Keeps ``[A-Za-z0-9_.-]``; anything else, a leading dot, ``..`` or an over-long key
    is replaced and a short hash of the original key is appended, so no key can escape
    the store root and two different keys never share a directory.
    """
    raise NotImplementedError("storage work item")


class CaptureStorage:
    """A file store of captures: the base class of snapy's storage backends.

    Layout: ``<root>/<function_dirname(key)>/<UTC timestamp>-<pid>-<seq>.<extension>``,
    written atomically (temporary file + rename; fsync with ``durable=True``), files 0600
    and folders 0700, retention by count and age applied after each write.

    A subclass gives the encoding by overriding ``serialize_data`` / ``deserialize_data``
    (seed 001's ``JSONCaptureStorage``): they receive / return the record as a dict
    (``record_to_primitive`` output, captured values still Python objects). A subclass may
    instead override ``store_capture(function_name, args, kwargs)`` (seed 002's
    ``DatabaseStorage``) to send captures elsewhere; ``write`` then calls it.
    """

    name: ClassVar[str] = "custom"
    extension: ClassVar[str] = "capture"

    def __init__(
        self,
        root: str | Path | None = None,
        *,
        retention: int | None = None,
        max_age: dt.timedelta | None = None,
        durable: bool = False,
    ) -> None:
        raise NotImplementedError("storage work item")

    def serialize_data(self, data: dict[str, Any]) -> bytes | str:
        """Encode one record (as a dict) to the file content."""
        raise NotImplementedError("storage work item")

    def deserialize_data(self, data: bytes) -> dict[str, Any]:
        """Decode file content back to the record dict."""
        raise NotImplementedError("storage work item")

    def store_capture(
        self, function_name: str, args: Sequence[Any], kwargs: Mapping[str, Any]
    ) -> CaptureRef | None:
        """Store one call's arguments (builds a record stamped now, then ``write``s it)."""
        raise NotImplementedError("storage work item")

    def encode(self, record: CaptureRecord) -> bytes:
        raise NotImplementedError("storage work item")

    def decode(self, data: bytes, *, source: str) -> CaptureRecord:
        raise NotImplementedError("storage work item")

    def write(self, record: CaptureRecord) -> CaptureRef:
        raise NotImplementedError("storage work item")

    def write_encoded(self, function_key: str, timestamp: dt.datetime, data: bytes) -> CaptureRef:
        raise NotImplementedError("storage work item")

    def functions(self) -> list[FunctionSummary]:
        raise NotImplementedError("storage work item")

    def list(self, function_key: str) -> list[CaptureRef]:
        raise NotImplementedError("storage work item")

    def read(self, ref: CaptureRef) -> CaptureRecord:
        raise NotImplementedError("storage work item")

    def load_all(
        self, function_key: str
    ) -> tuple[list[CaptureRecord], list[CaptureCorruptError]]:
        raise NotImplementedError("storage work item")

    def delete(self, ref: CaptureRef) -> None:
        raise NotImplementedError("storage work item")

    def prune(
        self,
        function_key: str,
        *,
        keep: int | None = None,
        max_age: dt.timedelta | None = None,
        dry_run: bool = False,
    ) -> list[CaptureRef]:
        raise NotImplementedError("storage work item")


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
    "CaptureStorage",
    "FunctionSummary",
    "StorageBackend",
    "available_backends",
    "function_dirname",
    "get_backend_info",
    "open_storage",
]
