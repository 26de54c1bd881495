"""The storage contract: how captures are written, listed, read and pruned.

On disk a store is ``<root>/<function dir>/<UTC timestamp>-<pid>-<seq>.<ext>``: the
directory name is the sanitised ``module.qualname`` (:func:`function_dirname`) and file
names sort by time, so the newest capture is found without reading any file.

:class:`CaptureStorage` is the file store every backend builds on; a backend only says
how one record becomes bytes (``serialize_data`` / ``deserialize_data``). Writes are
atomic (temporary file + rename), files are 0600 and folders 0700, and retention by count
and by age is applied after each write.

Retention needs no lock. Each pruner deletes only the oldest files of the listing it made
after its own write, and only those with at least ``retention`` newer captures in that
listing. By induction from the newest deleted file, every deleted capture keeps at least
``retention`` newer captures on disk, so concurrent pruners never leave fewer than
``retention`` files nor delete a newer capture while keeping an older one; and the last
listing (made after every rename) leaves at most ``retention``. A process killed between
its rename and its prune leaves one file too many until the next write.
"""

from __future__ import annotations

import builtins
import contextlib
import datetime as dt
import errno
import heapq
import os
import sys
import threading
import time
import warnings
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

import attrs

from ._atomic import make_private_dirs, write_atomic_in
from ._filestore import (
    METADATA_NAME,
    DirectoryMetadata,
    function_dirname,
    hashed_dirname,
    is_safe_dirname,
    is_temp_name,
    looks_like_capture,
    new_capture_id,
    parse_capture_id,
    read_metadata,
    temp_is_stale,
    write_metadata,
)
from ._plugins import collect_registrations
from ._record import (
    SCHEMA_VERSION,
    CallMetadata,
    CaptureRecord,
    record_from_primitive,
    record_to_primitive,
)
from .errors import (
    BackendNotFoundError,
    CaptureCorruptError,
    CaptureNotFoundError,
    CaptureWarning,
    CaptureWriteError,
    ConfigError,
    SnapyError,
    StorageError,
)

KNOWN_BACKEND_PACKAGES = {"json": "snapy-storage-json", "pickle": "snapy-storage-pickle"}
"""Backends snapy ships as separate distributions, for the 'pip install ...' hint."""

DEFAULT_FILE_MODE = 0o600
DEFAULT_DIR_MODE = 0o700


@attrs.frozen(kw_only=True)
class CaptureRef:
    """A stored capture, known from its name alone (listing never reads file contents)."""

    function_key: str
    """``module.qualname`` of the captured function."""
    capture_id: str
    """``<timestamp>-<pid>-<seq>``: unique in the function's directory, sorts by time."""
    timestamp: dt.datetime
    """When the captured call began (UTC), from the file name."""
    backend: str
    path: Path | None = None
    size: int | None = None
    """File size in bytes, when known without an extra ``stat`` (after a write)."""


@attrs.frozen(kw_only=True)
class FunctionSummary:
    """One function of a store, for listings (``snapy list``)."""

    function_key: str
    count: int
    newest: dt.datetime | None
    oldest: dt.datetime | None
    total_size: int
    backend: str
    module: str | None = None
    """The module part of ``function_key``, when the writer knew it."""
    directory: Path | None = None


@attrs.frozen(kw_only=True)
class StrayFile:
    """A file in a store that is not a capture of this backend (``snapy doctor``)."""

    path: Path
    reason: str
    removable: bool = False
    """True for leftovers (stale temporary files) that ``prune`` removes."""


@runtime_checkable
class StorageBackend(Protocol):
    """What every storage backend provides. Backends are created per store root."""

    root: Path

    # read-only: CaptureStorage subclasses set it as a class variable
    @property
    def name(self) -> str: ...

    def encode(self, record: CaptureRecord) -> bytes: ...

    def write_encoded(
        self, function_key: str, timestamp: dt.datetime, data: bytes
    ) -> CaptureRef: ...

    def write(self, record: CaptureRecord) -> CaptureRef: ...

    def functions(self) -> builtins.list[FunctionSummary]: ...

    def list(self, function_key: str) -> builtins.list[CaptureRef]: ...

    def read(self, ref: CaptureRef) -> CaptureRecord: ...

    def load_all(
        self, function_key: str
    ) -> tuple[builtins.list[CaptureRecord], builtins.list[CaptureCorruptError]]: ...

    def delete(self, ref: CaptureRef) -> None: ...

    def prune(
        self,
        function_key: str,
        *,
        keep: int | None = None,
        max_age: dt.timedelta | None = None,
        dry_run: bool = False,
    ) -> builtins.list[CaptureRef]: ...


class CaptureStorage:
    """A file store of captures: the base class of snapy's storage backends.

    Layout: ``<root>/<function_dirname(key)>/<UTC timestamp>-<pid>-<seq>.<extension>``,
    written atomically (temporary file + rename; fsync with ``durable=True``), files 0600
    and folders 0700, retention by count (``retention``) and age (``max_age``) applied
    after each write. ``root=None`` is the configured path (``SNAP_CAPTURE_DEFAULT_PATH``);
    a relative root is made absolute when the store is created (later ``chdir`` calls do not
    move it). ``retention=None`` / ``max_age=None`` mean no limit.

    A subclass gives the encoding by overriding ``serialize_data`` / ``deserialize_data``
    (seed 001's ``JSONCaptureStorage``): they receive / return the record as a dict
    (``record_to_primitive`` output, captured values still Python objects). A subclass may
    instead override ``store_capture(function_name, args, kwargs)`` (seed 002's
    ``DatabaseStorage``) to send captures elsewhere; ``write`` then calls it.

    Nothing touches the disk until the first write: creating a store is free.
    """

    name: ClassVar[str] = "custom"
    extension: ClassVar[str] = "capture"

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        *,
        retention: int | None = None,
        max_age: dt.timedelta | float | str | None = None,
        durable: bool = False,
        file_mode: int = DEFAULT_FILE_MODE,
        dir_mode: int = DEFAULT_DIR_MODE,
    ) -> None:
        if root is None:
            from ._config import get_config

            root = get_config().path
        self.root: Path = Path(os.path.abspath(os.path.expanduser(os.fspath(root))))
        self.retention: int | None = _check_retention(retention, type(self).__name__)
        self.max_age: dt.timedelta | None = _check_max_age(max_age, type(self).__name__)
        self.durable = bool(durable)
        self.file_mode = file_mode
        self.dir_mode = dir_mode
        self._suffix = "." + self.extension
        self._directories: dict[str, str] = {}
        self._last_age_prune: dict[str, float] = {}
        self._prune_warned: set[str] = set()
        self._setup_lock = threading.Lock()
        _live_stores[id(self)] = self

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(root={str(self.root)!r}, retention={self.retention!r}, "
            f"max_age={self.max_age!r}, durable={self.durable!r})"
        )

    # -- the extension points ---------------------------------------------------------

    def serialize_data(self, data: dict[str, Any]) -> bytes | str:
        """Encode one record (as a dict) to the file content."""
        raise NotImplementedError(
            f"{type(self).__name__} does not say how to encode a capture: override "
            "serialize_data() and deserialize_data(), or store_capture(), or use a storage "
            "backend such as open_storage('json', root)"
        )

    def deserialize_data(self, data: bytes) -> dict[str, Any]:
        """Decode file content back to the record dict."""
        raise NotImplementedError(
            f"{type(self).__name__} does not say how to decode a capture: override "
            "deserialize_data() (and serialize_data())"
        )

    def store_capture(
        self, function_name: str, args: Sequence[Any], kwargs: Mapping[str, Any]
    ) -> CaptureRef | None:
        """Store one call's arguments (builds a record stamped now, then writes it).

        ``function_name`` becomes the record's function key. Subclasses that override this
        receive every capture ``write`` is given (seed 002's ``DatabaseStorage``).
        """
        record = CaptureRecord(
            module="",
            qualname=function_name,
            timestamp=dt.datetime.now(dt.timezone.utc),
            args=tuple(args),
            kwargs=dict(kwargs),
            metadata=_current_metadata(),
        )
        return self._write_record(record)

    @property
    def accepts_encoded(self) -> bool:
        """Whether ``encode`` + ``write_encoded`` store captures (the file path).

        False when a subclass overrides ``store_capture``: then only ``write(record)``
        reaches it, so callers that encode early must call ``write`` instead.
        """
        return type(self).store_capture is CaptureStorage.store_capture

    # -- encoding ---------------------------------------------------------------------

    def encode(self, record: CaptureRecord) -> bytes:
        """The file content for ``record`` (``serialize_data`` of its primitive form)."""
        data = record_to_primitive(record)
        try:
            encoded = self.serialize_data(data)
            if isinstance(encoded, str):
                return encoded.encode("utf-8")
        except (SnapyError, NotImplementedError):
            raise
        except Exception as error:
            raise CaptureWriteError(
                f"the {self.name!r} storage backend ({type(self).__name__}) could not encode "
                f"the capture of {record.function_key}: {type(error).__name__}: {error}"
            ) from error
        if isinstance(encoded, (bytes, bytearray, memoryview)):
            return bytes(encoded)
        raise TypeError(
            f"{type(self).__name__}.serialize_data() must return str or bytes, "
            f"got {type(encoded).__name__}"
        )

    def decode(self, data: bytes, *, source: str) -> CaptureRecord:
        """Rebuild a record from file content; ``source`` names the file in errors.

        Raises :class:`CaptureCorruptError` (or its subclass) naming ``source`` and the
        reason: undecodable content, a record of the wrong shape, or a record written by a
        newer snapy (future ``schema``).
        """
        try:
            primitive = self.deserialize_data(data)
        except CaptureCorruptError as error:
            raise type(error)(source, error.reason) from error
        except NotImplementedError:
            raise
        except Exception as error:
            raise CaptureCorruptError(
                source,
                f"not a valid {self.name} capture ({type(error).__name__}: {error}); the file "
                "is truncated, damaged, or was written by another program",
            ) from error
        self._check_schema(primitive, source)
        label = "capture record"
        try:
            return record_from_primitive(primitive, source=label)
        except Exception as error:
            reason = str(error)
            if reason.startswith(f"{label}: "):
                reason = reason[len(label) + 2 :]
            raise CaptureCorruptError(source, reason) from error

    def _check_schema(self, primitive: Any, source: str) -> None:
        if not isinstance(primitive, Mapping):
            return  # record_from_primitive explains what is wrong
        for field, expected, kinds in _CONTAINER_FIELDS:
            value = primitive.get(field)
            if value is not None and not isinstance(value, kinds):
                # cattrs would take a string or list for a nested record as "all defaults"
                raise CaptureCorruptError(
                    source,
                    f"malformed capture record: field {field!r} should be {expected}, "
                    f"got {type(value).__name__}",
                )
        if "schema" not in primitive:
            return
        schema = primitive["schema"]
        if isinstance(schema, bool) or not isinstance(schema, int) or schema < 1:
            raise CaptureCorruptError(
                source, f"unknown record schema {schema!r} (expected a whole number >= 1)"
            )
        if schema > SCHEMA_VERSION:
            from .__about__ import __version__

            metadata = primitive.get("metadata")
            writer = metadata.get("snapy_version") if isinstance(metadata, Mapping) else None
            package = KNOWN_BACKEND_PACKAGES.get(self.name)
            upgrade = "snapy-core" + (f" {package}" if package else "")
            written_by = f"snapy {writer}" if writer else "a snapy of unknown version"
            raise CaptureCorruptError(
                source,
                f"it was written by a newer snapy ({written_by}, record schema {schema}) and "
                f"this snapy-core {__version__} reads record schemas up to {SCHEMA_VERSION}. "
                f"Upgrade: pip install -U {upgrade}",
            )

    # -- writing ----------------------------------------------------------------------

    def write(self, record: CaptureRecord) -> CaptureRef:
        """Store ``record``; returns where it went.

        Raises :class:`CaptureWriteError` when the capture cannot be written (read-only or
        full disk, ...): nothing else in the store is changed then.
        """
        if not self.accepts_encoded:
            stored = self.store_capture(record.function_key, record.args, record.kwargs)
            if isinstance(stored, CaptureRef):
                return stored
            return CaptureRef(
                function_key=record.function_key,
                capture_id=record.capture_id,
                timestamp=record.timestamp,
                backend=self.name,
            )
        return self._write_record(record)

    def _write_record(self, record: CaptureRecord) -> CaptureRef:
        return self.write_encoded(
            record.function_key, record.timestamp, self.encode(record), module=record.module
        )

    def write_encoded(
        self,
        function_key: str,
        timestamp: dt.datetime,
        data: bytes,
        *,
        module: str | None = None,
    ) -> CaptureRef:
        """Store content made by :meth:`encode`, for a call made at ``timestamp``.

        Lets a caller encode on its own thread (arguments as they were) and write later
        from a background writer. ``module`` (the module part of ``function_key``) is kept
        in the directory's metadata for listings.
        """
        # the hot path of every capture: plain strings until the returned ref
        capture_id = new_capture_id(timestamp)
        file_name = capture_id + self._suffix
        directory = self._directories.get(function_key)
        if directory is None:
            directory = self._directory_for_write(function_key, module)
        try:
            write_atomic_in(directory, file_name, data, mode=self.file_mode, durable=self.durable)
        except FileNotFoundError as error:
            # the directory was removed under us (rm -r, a whole-function prune): create it
            # again, once
            self._directories.pop(function_key, None)
            try:
                directory = self._directory_for_write(function_key, module)
                write_atomic_in(
                    directory, file_name, data, mode=self.file_mode, durable=self.durable
                )
            except OSError as again:
                path = Path(directory, file_name)
                raise self._write_error(again, function_key, path) from error
        except OSError as error:
            raise self._write_error(error, function_key, Path(directory, file_name)) from error
        if self.retention is not None or self.max_age is not None:
            self._apply_retention(directory)
        if timestamp.tzinfo is not dt.timezone.utc:
            timestamp = timestamp.astimezone(dt.timezone.utc)
        return CaptureRef(
            function_key=function_key,
            capture_id=capture_id,
            timestamp=timestamp,
            backend=self.name,
            path=Path(directory + os.sep + file_name),
            size=len(data),
        )

    def _directory_for_write(self, function_key: str, module: str | None) -> str:
        with self._setup_lock:  # once per function and store, not per write
            cached = self._directories.get(function_key)
            return cached or self._set_up_directory(function_key, module)

    def _set_up_directory(self, function_key: str, module: str | None) -> str:
        directory = self._locate(function_key)
        try:
            make_private_dirs(directory, self.dir_mode)
            metadata = read_metadata(directory)
            if metadata is not None and metadata.function_key != function_key:
                # created meanwhile for a key that differs only in case (case-insensitive
                # file system): move to the hashed name, which differs in its hash
                directory = self.root / hashed_dirname(function_key)
                make_private_dirs(directory, self.dir_mode)
                metadata = read_metadata(directory)
            if metadata is None or (module and metadata.module != module):
                write_metadata(
                    directory,
                    DirectoryMetadata(function_key, module or None),
                    mode=self.file_mode,
                    durable=self.durable,
                )
        except OSError as error:
            raise self._write_error(error, function_key, directory) from error
        self._directories[function_key] = str(directory)
        return str(directory)

    def _locate(self, function_key: str) -> Path:
        """The directory of ``function_key``, whether it exists or not."""
        name = function_dirname(function_key)
        directory = self.root / name
        if "~" not in name:
            metadata = read_metadata(directory)
            if metadata is not None and metadata.function_key != function_key:
                return self.root / hashed_dirname(function_key)
        return directory

    def _write_error(self, error: OSError, function_key: str, path: Path) -> CaptureWriteError:
        reason, advice = _explain_write_error(error, self.root)
        message = f"could not write a capture of {function_key} to {path}: {reason}. {advice}"
        # message only: OSError's str() would replace it once errno/filename are set; the
        # original error stays reachable as __cause__
        return CaptureWriteError(message)

    # -- retention --------------------------------------------------------------------

    def _apply_retention(self, directory: str) -> None:
        retention, max_age = self.retention, self.max_age
        age_due = False
        if max_age is not None:
            now = time.monotonic()
            interval = min(60.0, max_age.total_seconds() / 10)
            age_due = now - self._last_age_prune.get(directory, -interval) >= interval
            if retention is None and not age_due:
                return  # nothing to check before the next age prune: no listing
        try:
            names = os.listdir(directory)
        except OSError:
            return
        if not age_due and retention is not None and len(names) <= retention:
            return  # no more entries than the limit: no need to look at them
        suffix = self._suffix
        captures = [name for name in names if name[22:24] == "Z-" and name.endswith(suffix)]
        if not age_due and (retention is None or len(captures) <= retention):
            return
        if age_due:
            self._last_age_prune[directory] = time.monotonic()
        try:
            for name in self._doomed(
                captures, keep=retention, max_age=max_age if age_due else None
            ):
                with suppress(FileNotFoundError):  # another process pruned it first
                    os.unlink(directory + os.sep + name)
            self._remove_stale_temps(directory, names)
        except OSError as error:
            if directory not in self._prune_warned:
                self._prune_warned.add(directory)
                warnings.warn(
                    f"old captures in {directory} could not be removed to keep the retention "
                    f"({error.strerror or error}); the store grows until this is fixed. Check "
                    "the permissions of the directory and its files.",
                    CaptureWarning,
                    stacklevel=4,
                )

    def _doomed(
        self,
        captures: Iterable[str],
        *,
        keep: int | None,
        max_age: dt.timedelta | None,
    ) -> builtins.list[str]:
        """File names to delete, oldest first: all but the newest ``keep``, and the expired.

        ``captures`` are names that passed a quick check; only real capture names are
        returned (a file that merely looks like one is kept).
        """
        newest_first = sorted(captures, reverse=True)
        doomed: builtins.list[str] = []
        survivors = newest_first
        if keep is not None:
            doomed, survivors = newest_first[keep:], newest_first[:keep]
        if max_age is not None:
            # names sort like their timestamps: compare them with the cut-off's prefix
            cutoff = new_capture_id(dt.datetime.now(dt.timezone.utc) - max_age)[:24]
            doomed = [name for name in survivors if name < cutoff] + doomed
        suffix_length = len(self._suffix)
        return [
            name for name in reversed(doomed) if parse_capture_id(name[:-suffix_length]) is not None
        ]

    def _remove_stale_temps(self, directory: str | Path, names: Iterable[str]) -> None:
        temporary = [name for name in names if name[:1] == "." and is_temp_name(name)]
        if not temporary:
            return
        now = time.time()
        for name in temporary:
            path = Path(directory, name)
            if temp_is_stale(path, now=now):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)

    def prune(
        self,
        function_key: str,
        *,
        keep: int | None = None,
        max_age: dt.timedelta | None = None,
        dry_run: bool = False,
    ) -> builtins.list[CaptureRef]:
        """Remove captures beyond the newest ``keep`` and those older than ``max_age``.

        ``None`` means the store's own ``retention`` / ``max_age``. Also removes temporary
        files left by writers that died (older than some minutes, never a live writer's).
        Returns the captures removed (or, with ``dry_run``, that would be removed).
        """
        if keep is not None and (isinstance(keep, bool) or not isinstance(keep, int) or keep < 0):
            raise ConfigError(f"prune(keep={keep!r}): expected a whole number >= 0 or None")
        keep = self.retention if keep is None else keep
        max_age = self.max_age if max_age is None else _check_max_age(max_age, "prune")
        listed = self._listed(function_key)
        if listed is None:
            return []
        directory, key, names = listed
        removed: builtins.list[CaptureRef] = []
        try:
            captures = [name for name in names if looks_like_capture(name, self._suffix)]
            for name in self._doomed(captures, keep=keep, max_age=max_age):
                path = directory / name
                if not dry_run:
                    try:
                        os.unlink(path)
                    except FileNotFoundError:
                        continue  # another process pruned it first
                capture_id = name[: -len(self._suffix)]
                timestamp = parse_capture_id(capture_id)
                if timestamp is None:  # pragma: no cover - _doomed returns captures only
                    continue
                removed.append(
                    CaptureRef(
                        function_key=key,
                        capture_id=capture_id,
                        timestamp=timestamp,
                        backend=self.name,
                        path=path,
                    )
                )
            if not dry_run:
                self._remove_stale_temps(directory, names)
        except OSError as error:
            raise StorageError(
                f"could not prune the captures of {key} in {directory}: "
                f"{error.strerror or error}. Check the permissions of the directory."
            ) from error
        return removed

    # -- listing and reading ----------------------------------------------------------

    def _existing_directory(self, function_key: str) -> tuple[Path, str] | None:
        """The directory holding ``function_key`` (or named ``function_key``), if any."""
        cached = self._directories.get(function_key)
        directory = Path(cached) if cached else self._locate(function_key)
        if directory.is_dir():
            return directory, function_key
        if is_safe_dirname(function_key) and (self.root / function_key).is_dir():
            directory = self.root / function_key  # given a directory name, e.g. from a listing
            metadata = read_metadata(directory)
            return directory, metadata.function_key if metadata else function_key
        return None

    def _listed(self, function_key: str) -> tuple[Path, str, builtins.list[str]] | None:
        """The directory of ``function_key``, its function key and its entries, if any."""
        found = self._existing_directory(function_key)
        if found is None:
            return None
        directory, key = found
        try:
            return directory, key, os.listdir(directory)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise self._read_error(error, key, directory) from error

    def _read_error(self, error: OSError, function_key: str, path: Path) -> StorageError:
        return StorageError(
            f"cannot read the captures of {function_key} in {path}: "
            f"{error.strerror or error}. Check that the directory exists and is readable "
            "by this user."
        )

    def _path_of(self, ref: CaptureRef) -> Path:
        """Where the capture ``ref`` is (or was) stored."""
        if ref.path is not None:
            return ref.path
        found = self._existing_directory(ref.function_key)
        if found is None:
            raise CaptureNotFoundError(f"no captures of {ref.function_key} in {self.root}")
        return found[0] / (ref.capture_id + self._suffix)

    def list(self, function_key: str, *, limit: int | None = None) -> builtins.list[CaptureRef]:
        """The captures of ``function_key``, newest first, from file names alone.

        ``function_key`` is ``module.qualname`` (or a directory name from a listing);
        ``limit`` stops after that many. An unknown function has no captures: ``[]``.
        """
        listed = self._listed(function_key)
        if listed is None:
            return []
        directory, key, names = listed
        suffix_length = len(self._suffix)
        refs: builtins.list[CaptureRef] = []
        for name in self._newest_first(names, limit):
            if limit is not None and len(refs) >= limit:
                break
            capture_id = name[:-suffix_length]
            timestamp = parse_capture_id(capture_id)
            if timestamp is None:
                continue
            refs.append(
                CaptureRef(
                    function_key=key,
                    capture_id=capture_id,
                    timestamp=timestamp,
                    backend=self.name,
                    path=directory / name,
                )
            )
        return refs

    def _newest_first(self, names: builtins.list[str], limit: int | None) -> builtins.list[str]:
        """Capture-like names among ``names``, newest first: all, or enough for ``limit``.

        A few newest of many (the loader's common case) are picked without sorting or
        filtering the whole directory: other files (metadata, temporary files, another
        backend's captures) rarely sort among the largest names, and when they do the
        window grows.
        """
        suffix = self._suffix
        if limit is None or limit * 8 >= len(names):
            chosen = sorted(
                (name for name in names if looks_like_capture(name, suffix)), reverse=True
            )
            return chosen  # the caller stops at the limit, after checking each name
        suffix_length = len(suffix)
        if limit == 1 and names:
            newest = max(names)  # in C: the loader's usual question, answered fastest
            if looks_like_capture(newest, suffix) and parse_capture_id(newest[:-suffix_length]):
                return [newest]
        window = limit + 8
        while True:
            top = heapq.nlargest(window, names)
            chosen = [
                name
                for name in top
                if looks_like_capture(name, suffix)
                and parse_capture_id(name[:-suffix_length]) is not None
            ]
            if len(chosen) >= limit or window >= len(names):
                return chosen[:limit]
            window *= 4

    def read(self, ref: CaptureRef) -> CaptureRecord:
        """The record stored at ``ref``.

        Raises :class:`CaptureCorruptError` naming the file if it cannot be decoded, and
        :class:`CaptureNotFoundError` if it was deleted since it was listed.
        """
        return self.read_path(self._path_of(ref))

    def read_id(self, function_key: str, capture_id: str) -> CaptureRecord:
        """The capture ``capture_id`` of ``function_key`` (ids as shown by ``list``)."""
        if parse_capture_id(capture_id) is None:
            raise CaptureNotFoundError(
                f"{capture_id!r} is not a capture id (expected <timestamp>-<pid>-<seq>, "
                "e.g. 20240915T103000.123456Z-4242-000001, as `snapy list` shows them)"
            )
        found = self._existing_directory(function_key)
        if found is None:
            raise CaptureNotFoundError(f"no captures of {function_key} in {self.root}")
        return self.read_path(found[0] / (capture_id + self._suffix))

    def read_path(self, path: str | os.PathLike[str]) -> CaptureRecord:
        """The record in the capture file at ``path`` (any location, e.g. a copied file)."""
        path = Path(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise CaptureNotFoundError(
                f"capture file {path} does not exist (it may have been pruned or deleted "
                "since it was listed); list the captures again"
            ) from None
        except OSError as error:
            raise CaptureCorruptError(
                path,
                f"it cannot be opened ({error.strerror or error}); check its owner and permissions",
            ) from error
        record = self.decode(data, source=str(path))
        if path.name.endswith(self._suffix):
            capture_id = path.name[: -len(self._suffix)]
        else:
            capture_id = path.stem
        return attrs.evolve(record, capture_id=capture_id)

    def load_all(
        self, function_key: str
    ) -> tuple[builtins.list[CaptureRecord], builtins.list[CaptureCorruptError]]:
        """Every capture of ``function_key`` (newest first), and an error per bad file.

        A corrupt file never hides the others: each one is reported as a
        :class:`CaptureCorruptError` naming the file and the reason.
        """
        records: builtins.list[CaptureRecord] = []
        errors: builtins.list[CaptureCorruptError] = []
        for ref in self.list(function_key):
            try:
                records.append(self.read(ref))
            except CaptureCorruptError as error:
                errors.append(error)
            except CaptureNotFoundError:
                continue  # pruned since it was listed
        return records, errors

    def delete(self, ref: CaptureRef) -> None:
        """Delete one capture; :class:`CaptureNotFoundError` if it is already gone."""
        path = Path(os.path.abspath(self._path_of(ref)))
        if path.parent.parent != self.root or not path.name.endswith(self._suffix):
            raise StorageError(
                f"refusing to delete {path}: it is not a {self.name} capture file of the "
                f"store at {self.root}"
            )
        try:
            os.unlink(path)
        except FileNotFoundError:
            raise CaptureNotFoundError(f"capture file {path} does not exist") from None
        except OSError as error:
            raise StorageError(
                f"could not delete {path}: {error.strerror or error}. Check the permissions "
                "of its directory."
            ) from error
        if self.durable:
            _filestore_fsync(path.parent)

    # -- whole-store views ------------------------------------------------------------

    def _function_directories(self) -> builtins.list[tuple[Path, str, str | None]]:
        """``(directory, function key, module)`` of every function directory."""
        try:
            entries = builtins.list(os.scandir(self.root))
        except FileNotFoundError:
            return []
        except OSError as error:
            raise self._read_error(error, "this store", self.root) from error
        found = []
        for entry in entries:
            if entry.name.startswith(".") or not entry.is_dir(follow_symlinks=False):
                continue
            directory = Path(entry.path)
            metadata = read_metadata(directory)
            if metadata is not None:
                found.append((directory, metadata.function_key, metadata.module))
            else:
                found.append((directory, entry.name, None))
        return found

    def functions(self) -> builtins.list[FunctionSummary]:
        """Every function with captures of this backend, sorted by key.

        Reads directory listings and file sizes only, never a capture.
        """
        summaries = []
        suffix = self._suffix
        for directory, key, module in self._function_directories():
            count = total = 0
            newest = oldest = None
            try:
                with os.scandir(directory) as entries:
                    for entry in entries:
                        name = entry.name
                        if not looks_like_capture(name, suffix):
                            continue
                        try:
                            total += entry.stat(follow_symlinks=False).st_size
                        except FileNotFoundError:
                            continue  # pruned meanwhile
                        count += 1
                        if newest is None or name > newest:
                            newest = name
                        if oldest is None or name < oldest:
                            oldest = name
            except FileNotFoundError:
                continue
            except OSError as error:
                raise self._read_error(error, key, directory) from error
            if not count:
                continue
            summaries.append(
                FunctionSummary(
                    function_key=key,
                    count=count,
                    newest=parse_capture_id(newest[: -len(suffix)]) if newest else None,
                    oldest=parse_capture_id(oldest[: -len(suffix)]) if oldest else None,
                    total_size=total,
                    backend=self.name,
                    module=module,
                    directory=directory,
                )
            )
        return sorted(summaries, key=lambda summary: summary.function_key)

    def function_keys(self, *, matching: Callable[[str], bool] | None = None) -> builtins.list[str]:
        """The key of every function with at least one capture of this backend, sorted.

        ``matching`` selects keys before their directories are listed (a loader looking
        for one name lists one directory, not the whole store).
        """
        keys = []
        suffix = self._suffix
        for directory, key, _module in self._function_directories():
            if matching is not None and not matching(key):
                continue
            try:
                names = os.listdir(directory)
            except OSError:
                continue
            # where another backend's files are all there is (the usual case for all but
            # one backend), one search of the joined names rules the directory out
            if suffix + "\n" not in "\n".join(names) + "\n":
                continue
            if any(looks_like_capture(name, suffix) for name in names):
                keys.append(key)
        return sorted(keys)

    def find_functions(self, name: str) -> builtins.list[str]:
        """Function keys matching ``name``: ``module.qualname``, a qualname or a bare name.

        An exact key comes first, then keys ending in ``.<name>``, sorted.
        """
        keys = self.function_keys()
        exact = [key for key in keys if key == name]
        partial = [key for key in keys if key != name and key.endswith("." + name)]
        return exact + partial

    def stray_files(self, function_key: str | None = None) -> builtins.list[StrayFile]:
        """Files that are not captures of this backend, for ``snapy doctor``.

        Other backends' captures are not reported (they belong to them).
        """
        if function_key is None:
            directories = [directory for directory, _, _ in self._function_directories()]
            try:
                top = [
                    entry
                    for entry in os.scandir(self.root)
                    if not entry.is_dir(follow_symlinks=False)
                ]
            except OSError:
                top = []
            strays = [
                StrayFile(
                    path=Path(entry.path),
                    reason="a file directly in the store root, outside any function directory",
                )
                for entry in top
            ]
        else:
            found = self._existing_directory(function_key)
            directories = [found[0]] if found else []
            strays = []
        now = time.time()
        for directory in directories:
            try:
                names = sorted(os.listdir(directory))
            except OSError:
                continue
            for name in names:
                path = directory / name
                if name == METADATA_NAME:
                    continue
                if is_temp_name(name):
                    stale = temp_is_stale(path, now=now)
                    strays.append(
                        StrayFile(
                            path=path,
                            reason="temporary file of an interrupted write"
                            + (
                                " (stale: prune removes it)"
                                if stale
                                else " (recent: may be a write in progress)"
                            ),
                            removable=stale,
                        )
                    )
                    continue
                stem, dot, extension = name.rpartition(".")
                if dot and parse_capture_id(stem) is not None:
                    if extension == self.extension:
                        continue
                    if extension in _KNOWN_EXTENSIONS:
                        continue  # another backend's capture
                strays.append(StrayFile(path=path, reason=f"not a {self.name} capture file name"))
        return strays


_live_stores: weakref.WeakValueDictionary[int, CaptureStorage] = weakref.WeakValueDictionary()
"""Every store of this process, to reset their locks in a forked child."""


def _after_fork_in_child() -> None:
    # A thread of the parent (a background writer setting up a directory) may have held a
    # store's lock at the fork: it does not exist in the child and would never release it.
    for store in list(_live_stores.values()):
        store._setup_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


_CONTAINER_FIELDS: tuple[tuple[str, str, type | tuple[type, ...]], ...] = (
    ("args", "a list", (list, tuple)),
    ("kwargs", "a mapping", Mapping),
    ("arg_names", "a list", (list, tuple)),
    ("filtered", "a list", (list, tuple)),
    ("metadata", "a mapping", Mapping),
    ("outcome", "a mapping or null", Mapping),
)

_KNOWN_EXTENSIONS = frozenset({"json", "pickle", "pkl", "capture"})


def _filestore_fsync(directory: Path) -> None:
    from ._atomic import fsync_directory

    fsync_directory(directory)


def _current_metadata() -> CallMetadata:
    from .__about__ import __version__

    thread = threading.current_thread()
    return CallMetadata(
        thread_name=thread.name,
        thread_id=threading.get_ident(),
        pid=os.getpid(),
        python_version=".".join(map(str, sys.version_info[:3])),
        snapy_version=__version__,
    )


def _check_retention(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(
            f"{where}: retention={value!r} is not valid; expected a whole number >= 1 "
            "(captures kept per function) or None for no limit"
        )
    return value


def _check_max_age(value: Any, where: str) -> dt.timedelta | None:
    from ._config import _Invalid, parse_duration

    try:
        return parse_duration(value)
    except _Invalid:
        raise ConfigError(
            f"{where}: max_age={value!r} is not valid; expected a positive timedelta, a "
            "number of seconds, a duration like '7d' or '12h', or None for no limit"
        ) from None


_WRITE_ADVICE_PATH = "point the store elsewhere with path=... or SNAP_CAPTURE_DEFAULT_PATH"


def _explain_write_error(error: OSError, root: Path) -> tuple[str, str]:
    code = error.errno
    if code in (errno.EACCES, errno.EPERM):
        return (
            "permission denied",
            f"Make {root} writable by this user (uid {_uid()}), or {_WRITE_ADVICE_PATH}.",
        )
    if code == errno.EROFS:
        return "the file system is read-only", f"Use a writable location: {_WRITE_ADVICE_PATH}."
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return (
            "no space left on the device (or the disk quota is used up)",
            "Free some space, keep fewer captures (SNAP_CAPTURE_DEFAULT_RETENTION), make them "
            f"smaller (SNAP_CAPTURE_MAX_SIZE), or {_WRITE_ADVICE_PATH}.",
        )
    if code == errno.EFBIG:
        return (
            "the file is larger than this process may write (file size limit)",
            "Make captures smaller (SNAP_CAPTURE_MAX_SIZE) or raise the limit (ulimit -f).",
        )
    if code in (errno.ENOTDIR, errno.EEXIST):
        where = f" ({error.filename})" if error.filename else ""
        return (
            f"a file is in the way of a capture directory{where}",
            f"Move that file away, or {_WRITE_ADVICE_PATH}.",
        )
    if code == errno.ENAMETOOLONG:
        return (
            "the path is too long for the file system",
            f"Use a shorter store path: {_WRITE_ADVICE_PATH}.",
        )
    detail = error.strerror or str(error) or type(error).__name__
    return detail, f"Check that {root} is a writable directory, or {_WRITE_ADVICE_PATH}."


def _uid() -> str:
    getuid = getattr(os, "getuid", None)
    return str(getuid()) if getuid else "?"


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
            f"no snapy storage backend named {name!r} is installed (installed: {installed})." + hint
        ) from None


def open_storage(
    name: str, root: str | os.PathLike[str] | None = None, **options: Any
) -> StorageBackend:
    """Create the backend ``name`` for the store at ``root`` (None: the configured path).

    ``options`` go to the backend (``retention``, ``max_age``, ``durable``, ...). Raises
    :class:`BackendNotFoundError` listing the installed backends if ``name`` is unknown.
    """
    info = get_backend_info(name)
    if root is None:
        from ._config import get_config

        root = get_config().path
    return info.factory(root=Path(root), **options)


__all__ = [
    "KNOWN_BACKEND_PACKAGES",
    "BackendInfo",
    "CaptureRef",
    "CaptureStorage",
    "FunctionSummary",
    "StorageBackend",
    "StrayFile",
    "available_backends",
    "function_dirname",
    "get_backend_info",
    "open_storage",
]
