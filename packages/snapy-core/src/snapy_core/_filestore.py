"""Names on disk: function directories, capture file names, directory metadata.

Everything here works from names alone, so listing a store never opens a capture.

* A function's directory is :func:`function_dirname` of its ``module.qualname``: the key
  itself when it is a safe file name, otherwise a cleaned-up version with ``~`` and a hash
  of the key appended (``~`` never survives cleaning, so a hashed name can't equal a clean
  key and two keys never share a directory).
* Each directory holds ``.snapy-function.json``, written once, atomically, naming the
  original key: hashed directory names can be mapped back to their function without
  parsing a capture, and a case-insensitive file system's ``mod.Foo`` / ``mod.foo``
  collision is noticed instead of mixing two functions.
* A capture's file name is ``<YYYYmmddTHHMMSS.ffffffZ>-<pid>-<seq>.<extension>``: the
  UTC timestamp of the call, the writing process and a per-process counter. The names
  sort in time order, so "newest first" is a sort of names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
import re
import threading
import time
from typing import TYPE_CHECKING, Any

import attrs

from ._atomic import TEMP_SUFFIX, write_atomic

if TYPE_CHECKING:
    from pathlib import Path

METADATA_NAME = ".snapy-function.json"
"""Per-directory metadata: the function key the directory belongs to."""

MAX_DIRNAME_LENGTH = 120
"""Longest directory name kept as is; longer keys are cut and hashed (file systems allow 255
bytes, and the whole path must stay well below Windows' 260 characters where it applies)."""

STALE_TEMP_AGE = 10 * 60.0
"""A temporary file this old (seconds) whose writer process is gone is removed by prune."""

ABANDONED_TEMP_AGE = 60 * 60.0
"""A temporary file this old is removed even if its pid is alive (the pid was reused)."""

_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]")
_DOTS = re.compile(r"\.{2,}")
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
)
_HASH_LENGTH = 12


def function_dirname(function_key: str) -> str:
    """The directory name a function's captures live in, safe on every file system.

    Keeps ``[A-Za-z0-9_.-]``; anything else, a leading dot or dash, ``..``, a trailing dot,
    a Windows device name (``con``, ``nul``, ...) or an over-long key is replaced and a
    short hash of the original key is appended after ``~``, so no key can escape the store
    root and two different keys never share a directory.

    >>> function_dirname("shop.orders.OrderService.process_order")
    'shop.orders.OrderService.process_order'
    >>> function_dirname("../../etc/passwd")
    '__.._etc_passwd~...'  # doctest: +SKIP
    """
    if not isinstance(function_key, str):
        raise TypeError(f"function key must be a str, got {type(function_key).__name__}")
    if _is_clean(function_key):
        return function_key
    return hashed_dirname(function_key)


def _is_clean(key: str) -> bool:
    return (
        0 < len(key) <= MAX_DIRNAME_LENGTH
        and not _UNSAFE.search(key)
        and key[0] not in ".-"
        and not key.endswith(".")
        and ".." not in key
        and key.split(".", 1)[0].lower() not in _WINDOWS_RESERVED
    )


def hashed_dirname(function_key: str) -> str:
    """The always-hashed form of :func:`function_dirname` (also used after a collision)."""
    cleaned = _UNSAFE.sub("_", function_key)
    cleaned = _DOTS.sub(lambda match: "_" * len(match.group()), cleaned)
    cleaned = cleaned.lstrip(".-").rstrip(".")
    cleaned = cleaned[: MAX_DIRNAME_LENGTH - _HASH_LENGTH - 2].rstrip(".") or "_"
    if cleaned.split(".", 1)[0].lower() in _WINDOWS_RESERVED:
        cleaned = "_" + cleaned  # Windows reserves NUL.anything too
    digest = hashlib.sha256(function_key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{cleaned}~{digest[:_HASH_LENGTH]}"


def is_safe_dirname(name: str) -> bool:
    """Whether ``name`` could have been produced by :func:`function_dirname`."""
    if "~" not in name:
        return _is_clean(name)
    base, _, digest = name.partition("~")
    return (
        len(digest) == _HASH_LENGTH
        and all(char in "0123456789abcdef" for char in digest)
        and 0 < len(base) < MAX_DIRNAME_LENGTH
        and not _UNSAFE.search(base)
        and base[0] not in ".-"
        and not base.endswith(".")
        and ".." not in base
    )


# -- capture ids ---------------------------------------------------------------------------

_sequence = itertools.count(1)
_UTC = dt.timezone.utc
_pid_text = str(os.getpid())
_second_prefix: tuple[tuple[int, ...], str] = ((), "")
"""The last second formatted (``YYYYmmddTHHMMSS.``): most ids share it with the previous."""


def _after_fork_in_child() -> None:
    global _pid_text
    _pid_text = str(os.getpid())


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)

_CAPTURE_ID = re.compile(
    r"(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})T(?P<hour>\d{2})(?P<minute>\d{2})"
    r"(?P<second>\d{2})\.(?P<micro>\d{6})Z-(?P<pid>\d{1,10})-(?P<seq>\d{6,20})"
)
_ID_PREFIX_LENGTH = 24
"""``YYYYmmddTHHMMSS.ffffffZ-``: fixed width, so names sort by time."""


def new_capture_id(timestamp: dt.datetime) -> str:
    """A capture id for a call made at ``timestamp``: unique in this process, sortable."""
    global _second_prefix
    zone = timestamp.tzinfo
    if zone is not _UTC:
        if zone is None:
            raise ValueError(
                f"capture timestamps must be timezone-aware (UTC), got naive {timestamp!r}"
            )
        timestamp = timestamp.astimezone(_UTC)
    # called on every write: formatting six numbers costs more than comparing them
    second = (
        timestamp.year,
        timestamp.month,
        timestamp.day,
        timestamp.hour,
        timestamp.minute,
        timestamp.second,
    )
    cached_second, prefix = _second_prefix
    if second != cached_second:
        year, month, day, hour, minute, sec = second
        prefix = f"{year:04d}{month:02d}{day:02d}T{hour:02d}{minute:02d}{sec:02d}."
        _second_prefix = (second, prefix)
    return f"{prefix}{timestamp.microsecond:06d}Z-{_pid_text}-{next(_sequence):06d}"


def parse_capture_id(capture_id: str) -> dt.datetime | None:
    """The UTC timestamp in a capture id, or None if ``capture_id`` is not one.

    Capture ids are ``<timestamp>-<pid>-<seq>``, e.g. ``20240915T103000.123456Z-42-000001``
    (the file name of a capture without its extension, as ``snapy list`` shows it).
    """
    if _CAPTURE_ID.fullmatch(capture_id) is None:
        return None
    # fixed positions (checked by the pattern): slicing is cheaper than match groups
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
    except ValueError:  # month 13 and the like: a file that only looks like a capture
        return None


def looks_like_capture(name: str, suffix: str) -> bool:
    """Cheap check on a directory entry (used on every write): a capture file name?

    Names that pass are confirmed with :func:`parse_capture_id` before they are used.
    """
    return (
        name.endswith(suffix)
        and len(name) > _ID_PREFIX_LENGTH + len(suffix)
        and name[8] == "T"
        and name[22:24] == "Z-"
        and name[0].isdigit()
    )


def capture_pid(capture_id: str) -> int | None:
    match = _CAPTURE_ID.fullmatch(capture_id)
    return int(match["pid"]) if match else None


# -- directory metadata ----------------------------------------------------------------


@attrs.frozen
class DirectoryMetadata:
    function_key: str
    module: str | None = None


def read_metadata(directory: Path) -> DirectoryMetadata | None:
    """The metadata of a function directory; None if missing or unreadable."""
    try:
        raw = (directory / METADATA_NAME).read_bytes()
        data: Any = json.loads(raw)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("function_key"), str):
        return None
    module = data.get("module")
    return DirectoryMetadata(data["function_key"], module if isinstance(module, str) else None)


def write_metadata(
    directory: Path, metadata: DirectoryMetadata, *, mode: int, durable: bool
) -> None:
    from .__about__ import __version__

    content = {
        "function_key": metadata.function_key,
        "module": metadata.module,
        "written_by": f"snapy-core {__version__}",
    }
    # a per-thread temporary name: two writers creating the directory at once must not
    # share (and O_EXCL-fail on) one temporary file; they write the same content anyway
    write_atomic(
        directory / METADATA_NAME,
        json.dumps(content, indent=2).encode() + b"\n",
        mode=mode,
        durable=durable,
        temporary=f"{METADATA_NAME}.{os.getpid()}-{threading.get_ident()}{TEMP_SUFFIX}",
    )


# -- temporary files ---------------------------------------------------------------------


def is_temp_name(name: str) -> bool:
    return name.startswith(".") and name.endswith(TEMP_SUFFIX)


def temp_is_stale(path: Path, *, now: float | None = None) -> bool:
    """Whether a temporary file was left by a writer that is gone (never a live one's)."""
    try:
        age = (time.time() if now is None else now) - path.stat().st_mtime
    except OSError:
        return False
    if age >= ABANDONED_TEMP_AGE:
        return True
    if age < STALE_TEMP_AGE:
        return False
    stem = path.name[1 : -len(TEMP_SUFFIX)]
    pid = capture_pid(stem.rsplit(".", 1)[0])
    if pid is None:
        pid = _metadata_temp_pid(stem)
    return pid is None or not _pid_alive(pid)


def _metadata_temp_pid(stem: str) -> int | None:
    prefix = METADATA_NAME[1:] + "."
    pid = stem[len(prefix) :].split("-", 1)[0]
    return int(pid) if stem.startswith(prefix) and pid.isdigit() else None


def _pid_alive(pid: int) -> bool:
    if os.name != "posix":  # pragma: no cover - os.kill(pid, 0) would kill it on Windows
        return True
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: alive, owned by someone else
        return True
    return True


__all__ = [
    "METADATA_NAME",
    "DirectoryMetadata",
    "function_dirname",
    "hashed_dirname",
    "is_safe_dirname",
    "is_temp_name",
    "looks_like_capture",
    "new_capture_id",
    "parse_capture_id",
    "read_metadata",
    "temp_is_stale",
    "write_metadata",
]
