"""One pass over a file store for every file backend at once (``snapy list`` on big stores).

Backends built on :class:`snapy_core.CaptureStorage` that keep its ``functions()`` share
one on-disk layout (``<root>/<function dir>/<timestamp>-<pid>-<seq>.<extension>``, the
function key in ``.snapy-function.json``), so one ``scandir`` of each function directory
serves all of them (the ``stat`` calls for the sizes are most of the time left on a big
store). The result is exactly what each backend's own
``functions()`` returns (a test compares them); backends that list captures their own way
are asked through ``functions()`` as usual.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeGuard

from snapy_core import CaptureStorage, FunctionSummary, StorageBackend, parse_capture_id

METADATA_NAME = ".snapy-function.json"
_PREFIX = 24  # "YYYYmmddTHHMMSS.ffffffZ-"


def scannable(backend: StorageBackend) -> TypeGuard[CaptureStorage]:
    """Whether the backend lists captures with the standard file-store ``functions()``."""
    return (
        isinstance(backend, CaptureStorage)
        and type(backend).functions is CaptureStorage.functions
        and bool(getattr(backend, "extension", None))
    )


def _metadata(directory: str) -> tuple[str | None, str | None]:
    try:
        with open(os.path.join(directory, METADATA_NAME), "rb") as file:
            data: Any = json.loads(file.read())
    except (OSError, ValueError):
        return None, None
    if not isinstance(data, dict) or not isinstance(data.get("function_key"), str):
        return None, None
    module = data.get("module")
    return data["function_key"], module if isinstance(module, str) else None


def _scan_directory(
    directory: str, name: str, suffixes: dict[str, str]
) -> list[tuple[str, str, str | None, str, int, str, str, int]]:
    """``(backend, key, module, directory, count, newest, oldest, size)`` per backend."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except (FileNotFoundError, NotADirectoryError):
        return []
    try:
        # the checks of CaptureStorage's looks_like_capture, cheapest first
        names = [
            entry
            for entry in os.listdir(fd)
            if entry[22:24] == "Z-" and entry[8:9] == "T" and entry[:1].isdigit()
        ]
        by_extension: dict[str, list[str]] = {}
        for entry in names:
            by_extension.setdefault(entry[entry.rfind(".") + 1 :], []).append(entry)
        found = []
        stat = os.stat
        for extension, group in by_extension.items():
            backend = suffixes.get(extension)
            if backend is None:
                continue
            shortest = _PREFIX + len(extension) + 1
            captures = [entry for entry in group if len(entry) > shortest]
            sizes = []
            for entry in captures:
                try:
                    sizes.append(stat(entry, dir_fd=fd, follow_symlinks=False).st_size)
                except FileNotFoundError:
                    sizes.append(-1)  # pruned meanwhile
            kept = [entry for entry, size in zip(captures, sizes, strict=True) if size >= 0]
            if kept:
                found.append(
                    (backend, len(kept), max(kept), min(kept), sum(s for s in sizes if s > 0))
                )
    finally:
        os.close(fd)
    if not found:
        return []
    key, module = _metadata(directory)
    return [
        (backend, key or name, module, directory, count, newest, oldest, size)
        for backend, count, newest, oldest, size in found
    ]


def scan(root: Path, backends: Iterable[CaptureStorage]) -> dict[str, list[FunctionSummary]]:
    """``functions()`` of each backend (by name), from one pass over the store."""
    suffixes = {backend.extension: backend.name for backend in backends}
    results: dict[str, list[FunctionSummary]] = {name: [] for name in suffixes.values()}
    try:
        directories = [
            (entry.path, entry.name)
            for entry in os.scandir(root)
            if not entry.name.startswith(".") and entry.is_dir(follow_symlinks=False)
        ]
    except FileNotFoundError:
        return results
    # (a thread pool for the stat calls measured no faster: the per-entry Python work
    # holds the GIL)
    scanned = [_scan_directory(path, name, suffixes) for path, name in directories]
    for found in scanned:
        for backend, key, module, directory, count, newest, oldest, size in found:
            extension_length = len(newest) - newest.rfind(".")
            results[backend].append(
                FunctionSummary(
                    function_key=key,
                    count=count,
                    newest=parse_capture_id(newest[:-extension_length]),
                    oldest=parse_capture_id(oldest[:-extension_length]),
                    total_size=size,
                    backend=backend,
                    module=module,
                    directory=Path(directory),
                )
            )
    for summaries in results.values():
        summaries.sort(key=lambda summary: summary.function_key)
    return results


__all__ = ["scan", "scannable"]
