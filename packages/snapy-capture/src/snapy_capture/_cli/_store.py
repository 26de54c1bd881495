"""The store a command works on: its root, the backends that read it, name resolution.

A store may hold captures of several backends side by side (``.json`` next to
``.pickle``). Unless ``--backend`` names one, every installed backend (the configured one
first) is asked for the captures it recognises, through the ``StorageBackend`` protocol
only, so a backend registered by a third-party plugin works like the built-in two.
Listing goes through ``functions()`` / ``list()``, which read names and sizes, never
capture contents.
"""

from __future__ import annotations

import difflib
import os
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

from snapy_core import (
    BackendNotFoundError,
    CaptureCorruptError,
    CaptureNotFoundError,
    CaptureRecord,
    CaptureRef,
    FunctionSummary,
    StorageBackend,
    StorageError,
    available_backends,
    open_storage,
    resolve_config,
)

from ._errors import CliError, UsageProblem

CAPTURE_NAME = re.compile(r"\d{8}T\d{6}\.\d{6}Z-\d{1,10}-\d{6,20}\.(?P<extension>[A-Za-z0-9_]+)")
"""A capture file name of the snapy file layout, whatever the backend's extension."""


@attrs.frozen
class FunctionRow:
    """One function of the store, merged over the backends that hold captures of it."""

    function_key: str
    count: int
    newest: Any
    oldest: Any
    total_size: int
    backends: tuple[str, ...]
    module: str | None
    directory: Path | None


@attrs.frozen
class Located:
    """A capture and the backend it belongs to."""

    ref: CaptureRef
    backend: StorageBackend
    index: int
    """Position among the function's captures: 0 is the newest."""
    total: int


@attrs.frozen
class Loaded:
    """A capture read back: the record and where it came from."""

    record: CaptureRecord
    ref: CaptureRef | None
    backend: StorageBackend
    path: Path | None
    index: int | None = None
    total: int | None = None

    def size(self) -> int | None:
        if self.ref is not None and self.ref.size is not None:
            return self.ref.size
        if self.path is not None:
            try:
                return self.path.stat().st_size
            except OSError:
                return None
        return None


def configured_path() -> tuple[Path, str]:
    """The configured store path and a sentence saying where that setting came from."""
    resolved = resolve_config()
    value = resolved.source_of("path")
    path = Path(os.path.abspath(os.path.expanduser(resolved.config.path)))
    if value.detail:
        origin = f"{value.source.value}: {value.detail}"
    else:
        origin = f"the {value.source.value} path"
    return path, origin


def backend_extension(backend: StorageBackend) -> str | None:
    extension = getattr(backend, "extension", None)
    return extension if isinstance(extension, str) and extension else None


class Store:
    """The captures under one root, as seen by one or more backends."""

    def __init__(self, root: Path, backends: list[StorageBackend], *, origin: str) -> None:
        self.root = root
        self.backends = backends
        self.origin = origin
        """Why this root: ``--path``, or where the configured path was set."""
        self._rows: list[FunctionRow] | None = None

    @property
    def backend_names(self) -> list[str]:
        return [backend.name for backend in self.backends]

    def describe(self) -> str:
        return f"{self.root} ({self.origin})"

    # -- listing ------------------------------------------------------------------------

    def require_existing(self) -> None:
        """Fail with an explanation if the root is not a directory."""
        if self.root.is_dir():
            return
        if self.root.exists():
            raise CliError(
                f"the capture store {self.root} is not a directory ({self.origin}).",
                "Pass --path with the directory your captures are written to.",
            )
        nearby = find_stores(Path.cwd())
        if nearby:
            shown = ", ".join(_relative(store) for store in nearby[:5])
            hint = f"Capture stores found here: {shown}. Pass one with --path, e.g. " + (
                f"--path {_relative(nearby[0])}."
            )
        else:
            hint = (
                "Pass --path DIR (the path= of your @capture_args), or set "
                "SNAP_CAPTURE_DEFAULT_PATH; captures appear there after the first captured call."
            )
        raise CliError(f"there is no capture store at {self.root} ({self.origin}).", hint)

    def functions(self) -> list[FunctionRow]:
        """Every function with captures, merged across backends, sorted by key."""
        if self._rows is not None:
            return self._rows
        merged: dict[str, list[tuple[str, FunctionSummary]]] = {}
        from ._scan import scan, scannable

        fast = [backend for backend in self.backends if scannable(backend)]
        extensions = [backend_extension(backend) for backend in fast]
        fast = [b for b in fast if extensions.count(backend_extension(b)) == 1]
        try:
            scanned = scan(self.root, fast) if fast else {}
            for backend in self.backends:
                summaries = scanned[backend.name] if backend in fast else backend.functions()
                for summary in summaries:
                    if summary.count:
                        merged.setdefault(summary.function_key, []).append((backend.name, summary))
        except StorageError as error:
            raise CliError(str(error)) from error
        except OSError as error:
            raise CliError(
                f"cannot list the captures in {self.root}: {error.strerror or error}.",
                "Check that the directory is readable by this user.",
            ) from error
        rows = []
        for key, parts in merged.items():
            summaries = [summary for _, summary in parts]
            newest = [s.newest for s in summaries if s.newest is not None]
            oldest = [s.oldest for s in summaries if s.oldest is not None]
            rows.append(
                FunctionRow(
                    function_key=key,
                    count=sum(s.count for s in summaries),
                    newest=max(newest) if newest else None,
                    oldest=min(oldest) if oldest else None,
                    total_size=sum(s.total_size for s in summaries),
                    backends=tuple(name for name, _ in parts),
                    module=next((s.module for s in summaries if s.module), None),
                    directory=next((s.directory for s in summaries if s.directory), None),
                )
            )
        rows.sort(key=lambda row: row.function_key)
        self._rows = rows
        return rows

    def unclaimed_captures(self) -> dict[str, int]:
        """Capture-like files no opened backend reads, counted by extension.

        ``a.pickle`` files with only the JSON backend installed, for instance: the hint
        to install (or pass ``--backend``) the one that reads them.
        """
        known = {backend_extension(backend) for backend in self.backends}
        found: dict[str, int] = {}
        try:
            directories = [entry.path for entry in os.scandir(self.root) if entry.is_dir()]
        except OSError:
            return found
        for directory in directories:
            try:
                names = os.listdir(directory)
            except OSError:
                continue
            for name in names:
                match = CAPTURE_NAME.fullmatch(name)
                if match is None or match["extension"] in known:
                    continue
                extension = match["extension"]
                found[extension] = found.get(extension, 0) + 1
        return found

    # -- names --------------------------------------------------------------------------

    def resolve(self, name: str) -> str:
        """The function key ``name`` stands for: a key, a qualname or a bare name.

        Raises :class:`CliError` (nothing matches: exit 1) or :class:`UsageProblem`
        (several functions match: exit 2) with the candidates.
        """
        name = name.strip()
        if not name:
            raise UsageProblem(
                "the function name is empty.", "Name a function, e.g. process_order."
            )
        self.require_existing()
        rows = self.functions()
        keys = [row.function_key for row in rows]
        if name in keys:
            return name
        by_directory = [
            row.function_key for row in rows if row.directory and row.directory.name == name
        ]
        if len(by_directory) == 1:
            return by_directory[0]
        matches = [key for key in keys if key.endswith("." + name)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise UsageProblem(
                f"{name!r} matches {len(matches)} functions in {self.root}: "
                + ", ".join(matches)
                + ".",
                f"Name one of them in full, e.g. {matches[0]!r}.",
            )
        raise CliError(*self._not_found(name, keys))

    def _not_found(self, name: str, keys: list[str]) -> tuple[str, str]:
        where = f"{self.root} ({self.origin}; backends: {', '.join(self.backend_names)})"
        if not keys:
            hint = self.unclaimed_hint() or (
                "Pass --path with the directory your captures are written to."
            )
            return f"no captures of {name!r}: the store {where} holds no captures.", hint
        short: dict[str, str] = {}
        for key in keys:
            short.setdefault(key, key)
            short.setdefault(key.rsplit(".", 1)[-1], key)
        close = difflib.get_close_matches(name, list(short), n=5, cutoff=0.6)
        message = f"no captures of {name!r} in {where}."
        if close:
            near = list(dict.fromkeys(short[c] for c in close))
            return message, "Did you mean: " + ", ".join(near) + "? (`snapy list` shows them all)"
        return message, "`snapy list` shows the functions that have captures."

    def unclaimed_hint(self) -> str | None:
        unclaimed = self.unclaimed_captures()
        if not unclaimed:
            return None
        from snapy_core import KNOWN_BACKEND_PACKAGES

        parts = []
        for extension, count in sorted(unclaimed.items()):
            package = KNOWN_BACKEND_PACKAGES.get(extension)
            install = f" (pip install {package})" if package else ""
            parts.append(f"{count} .{extension} file(s){install}")
        return (
            "The store holds captures that no installed backend reads: "
            + ", ".join(parts)
            + ". Install the backend that wrote them, or pass --backend NAME."
        )

    # -- captures of one function -------------------------------------------------------

    def locate_all(self, function_key: str) -> list[Located]:
        """Every capture of the function, newest first, across backends."""
        found: list[tuple[CaptureRef, StorageBackend]] = []
        for backend in self.backends:
            try:
                refs = backend.list(function_key)
            except StorageError as error:
                raise CliError(str(error)) from error
            found.extend((ref, backend) for ref in refs)
        found.sort(key=lambda item: (item[0].timestamp, item[0].capture_id), reverse=True)
        total = len(found)
        return [Located(ref, backend, index, total) for index, (ref, backend) in enumerate(found)]

    def locate(
        self, function_key: str, *, index: int | None = None, capture_id: str | None = None
    ) -> Located:
        located = self.locate_all(function_key)
        if not located:
            raise CliError(
                f"{function_key} has no captures left in {self.root} (pruned meanwhile?)."
            )
        if capture_id is not None:
            return _by_id(function_key, located, capture_id)
        index = 0 if index is None else index
        if not -len(located) <= index < len(located):
            raise UsageProblem(
                f"{function_key} has {len(located)} capture(s); --index {index} is out of range.",
                f"Use 0 (the newest) to {len(located) - 1} (the oldest), or -1 for the oldest.",
            )
        return located[index]

    def read(self, located: Located) -> Loaded:
        record = located.backend.read(located.ref)
        return Loaded(
            record,
            located.ref,
            located.backend,
            located.ref.path,
            located.index,
            located.total,
        )

    def iter_records(
        self, function_key: str
    ) -> Iterator[tuple[Located, Loaded | CaptureCorruptError]]:
        """Read every capture of a function, newest first; unreadable ones as errors."""
        for located in self.locate_all(function_key):
            try:
                yield located, self.read(located)
            except CaptureCorruptError as error:
                yield located, error
            except CaptureNotFoundError:
                continue  # pruned since it was listed


def find_stores(base: Path, *, depth: int = 2, limit: int = 200) -> list[Path]:
    """Capture stores at most ``depth`` levels below ``base`` (for "did you mean --path").

    A store is a directory with a function directory holding ``.snapy-function.json``.
    Looks at no more than ``limit`` directories, skipping hidden ones other than ``.snapy``.
    """
    found: list[Path] = []
    queue = [(base, 0)]
    looked = 0
    while queue and looked < limit:
        directory, level = queue.pop(0)
        try:
            entries = sorted(
                (entry for entry in os.scandir(directory) if entry.is_dir(follow_symlinks=False)),
                key=lambda entry: entry.name,
            )
        except OSError:
            continue
        for entry in entries:
            looked += 1
            if any(
                os.path.isfile(os.path.join(entry.path, sub.name, ".snapy-function.json"))
                for sub in _subdirectories(entry.path, 5)
            ):
                found.append(Path(entry.path))
            elif level + 1 < depth and (not entry.name.startswith(".") or entry.name == ".snapy"):
                queue.append((Path(entry.path), level + 1))
    return found


def _subdirectories(path: str, limit: int) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(path) as entries:
            subdirectories = []
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    subdirectories.append(entry)
                    if len(subdirectories) >= limit:
                        break
            return subdirectories
    except OSError:
        return []


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _by_id(function_key: str, located: list[Located], capture_id: str) -> Located:
    capture_id = capture_id.strip()
    for suffix in ("", *(f".{backend_extension(item.backend)}" for item in located[:1])):
        if suffix and capture_id.endswith(suffix):
            capture_id = capture_id[: -len(suffix)]
    exact = [item for item in located if item.ref.capture_id == capture_id]
    if exact:
        return exact[0]
    prefixed = [item for item in located if item.ref.capture_id.startswith(capture_id)]
    if len(prefixed) == 1:
        return prefixed[0]
    if prefixed:
        raise UsageProblem(
            f"--id {capture_id!r} matches {len(prefixed)} captures of {function_key}: "
            + ", ".join(item.ref.capture_id for item in prefixed[:5])
            + (", ..." if len(prefixed) > 5 else "")
            + ".",
            "Give more of the id.",
        )
    raise CliError(
        f"{function_key} has no capture with id {capture_id!r}.",
        f"`snapy list {function_key} --captures` shows the ids; "
        f"the newest is {located[0].ref.capture_id}.",
    )


def open_store(path: Path | None, backend: str | None, *, require: bool = True) -> Store:
    """The store at ``path`` (default: the configured path) read by ``backend`` (or all)."""
    if path is None:
        root, origin = configured_path()
    else:
        root, origin = Path(os.path.abspath(os.path.expanduser(path))), "--path"
    backends = open_backends(root, backend)
    store = Store(root, backends, origin=origin)
    if require:
        store.require_existing()
    return store


def open_backends(root: Path, name: str | None) -> list[StorageBackend]:
    if name is not None:
        try:
            return [open_storage(name, root)]
        except BackendNotFoundError as error:
            raise UsageProblem(f"--backend {name}: {error}") from error
        except Exception as error:
            raise CliError(
                f"the {name!r} storage backend could not be opened on {root}: "
                f"{type(error).__name__}: {error}"
            ) from error
    installed = available_backends()
    if not installed:
        raise CliError(
            "no snapy storage backend is installed, so no capture can be read.",
            "Install one: pip install snapy-storage-json (or snapy-storage-pickle).",
        )
    configured = resolve_config().config.backend
    order = sorted(installed, key=lambda backend: (backend != configured, backend))
    backends = []
    for backend_name in order:
        try:
            backends.append(open_storage(backend_name, root))
        except Exception as error:
            warnings.warn(
                f"the {backend_name!r} storage backend (plugin {installed[backend_name].plugin}) "
                f"could not be opened on {root} and is skipped: {type(error).__name__}: {error}",
                stacklevel=2,
            )
    if not backends:
        raise CliError(f"none of the installed storage backends could open {root}.")
    return backends


# -- single files ---------------------------------------------------------------------------


def read_file(path: Path, backend: str | None) -> Loaded:
    """A capture file given by path (``snapy show --file``, ``snapy diff --file``)."""
    path = Path(os.path.abspath(os.path.expanduser(path)))
    if not path.is_file():
        raise CliError(
            f"capture file {path} does not exist."
            if not path.exists()
            else f"{path} is not a file.",
            "Give the path of a capture file, as `snapy show --json` reports it.",
        )
    root = path.parent.parent
    candidates = open_backends(root, backend)
    if backend is None:
        extension = path.name.rpartition(".")[2]
        matching = [b for b in candidates if backend_extension(b) == extension]
        others = [b for b in candidates if b not in matching]
        candidates = matching or others
    problems: list[str] = []
    for candidate in candidates:
        reader = getattr(candidate, "read_path", None)
        if reader is None:
            problems.append(f"{candidate.name}: this backend cannot read a file by path")
            continue
        try:
            record = reader(path)
        except CaptureCorruptError as error:
            if len(candidates) == 1:
                raise CliError(str(error)) from error
            problems.append(f"{candidate.name}: {error.reason}")
            continue
        return Loaded(record, None, candidate, path)
    raise CliError(
        f"no installed backend can read {path}: " + "; ".join(problems) + ".",
        "Pass --backend NAME if the file was written by a backend with another extension.",
    )


__all__ = [
    "FunctionRow",
    "Loaded",
    "Located",
    "Store",
    "configured_path",
    "open_backends",
    "open_store",
    "read_file",
]
