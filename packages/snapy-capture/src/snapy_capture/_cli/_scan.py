"""One pass over a file store for every file backend at once (``snapy list`` on big stores).

Backends built on :class:`snapy_core.CaptureStorage` that keep its ``functions()`` share
one on-disk layout (``<root>/<function dir>/<timestamp>-<pid>-<seq>.<extension>``, the
function key in ``.snapy-function.json``), so one ``scandir`` of each function directory
serves all of them, and the ``stat`` calls for the sizes (most of the time on a big store)
run on a few threads: they release the GIL. The result is exactly what each backend's own
``functions()`` returns (a test compares them); backends that list captures their own way
are asked through ``functions()`` as usual.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from snapy_core import CaptureStorage, FunctionSummary, StorageBackend

METADATA_NAME = ".snapy-function.json"
_PREFIX = 24  # "YYYYmmddTHHMMSS.ffffffZ-"


def scannable(backend: StorageBackend) -> bool:
    """Whether the backend lists captures with the standard file-store ``functions()``."""
    return (
        isinstance(backend, CaptureStorage)
        and type(backend).functions is CaptureStorage.functions
        and bool(getattr(backend, "extension", None))
    )


def _timestamp(capture_id: str) -> dt.datetime | None:
    """The UTC time in a capture id (``20240915T103000.123456Z-42-000001``)."""
    try:
        return dt.datetime(
            int(capture_id[0:4]),
            int(capture_id[4:6]),
            int(capture_id[6:8]),
            int(capture_id[9:11]),
            int(capture_id[11:13]),
            int(capture_id[13:15]),
            int(capture_id[16:22]),
            tzinfo=dt.timezone.utc,
        )
    except ValueError:
        return None


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
    counts: dict[str, list[Any]] = {}
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                entry_name = entry.name
                # the checks of CaptureStorage's looks_like_capture, cheapest first
                if (
                    entry_name[22:24] != "Z-"
                    or entry_name[8:9] != "T"
                    or not entry_name[0].isdigit()
                ):
                    continue
                extension = entry_name[entry_name.rfind(".") + 1 :]
                backend = suffixes.get(extension)
                if backend is None or len(entry_name) <= _PREFIX + len(extension) + 1:
                    continue
                try:
                    size = entry.stat(follow_symlinks=False).st_size
                except FileNotFoundError:
                    continue  # pruned meanwhile
                found = counts.get(backend)
                if found is None:
                    counts[backend] = [1, entry_name, entry_name, size]
                else:
                    found[0] += 1
                    found[3] += size
                    if entry_name > found[1]:
                        found[1] = entry_name
                    if entry_name < found[2]:
                        found[2] = entry_name
    except (FileNotFoundError, NotADirectoryError):
        return []
    if not counts:
        return []
    key, module = _metadata(directory)
    return [
        (backend, key or name, module, directory, count, newest, oldest, size)
        for backend, (count, newest, oldest, size) in counts.items()
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
    workers = max(1, min(4, os.cpu_count() or 1, len(directories)))
    if workers > 1 and len(directories) > 1:
        with ThreadPoolExecutor(workers) as pool:
            scanned = list(
                pool.map(lambda item: _scan_directory(item[0], item[1], suffixes), directories)
            )
    else:
        scanned = [_scan_directory(path, name, suffixes) for path, name in directories]
    for found in scanned:
        for backend, key, module, directory, count, newest, oldest, size in found:
            extension_length = len(newest) - newest.rfind(".")
            results[backend].append(
                FunctionSummary(
                    function_key=key,
                    count=count,
                    newest=_timestamp(newest[:-extension_length]),
                    oldest=_timestamp(oldest[:-extension_length]),
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
