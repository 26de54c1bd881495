"""Atomic, private file writes: the only way snapy puts bytes on disk.

A capture is written to a temporary file in its final directory (a dot-name that every
reader skips), then renamed over its final name with :func:`os.replace`, which is atomic
on POSIX and Windows within one file system. A reader therefore sees either no file or the
complete file, even if the writer is killed half-way. With ``durable=True`` the file is
fsync'ed before the rename and the directory after it, so the capture also survives a
power cut.

Modes are applied with ``fchmod``/``chmod`` after creation, so they do not depend on the
process umask (a umask can only remove permission bits, and an odd one such as 0o277
would otherwise leave a capture the owner cannot rewrite).
"""

from __future__ import annotations

import errno
import os
from contextlib import suppress
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

TEMP_SUFFIX = ".tmp"
"""Temporary files are ``.<final name>.tmp``: hidden, and never matched as captures."""

_OPEN_FLAGS = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
)
_HAS_FCHMOD = hasattr(os, "fchmod")
_CAN_FSYNC_DIRECTORY = os.name == "posix"


def temp_name(final_name: str) -> str:
    """The temporary name a file is written under before it is renamed to ``final_name``."""
    return f".{final_name}{TEMP_SUFFIX}"


def write_atomic(
    path: str | os.PathLike[str],
    data: bytes,
    *,
    mode: int,
    durable: bool,
    temporary: str | None = None,
) -> None:
    """Write ``data`` to ``path`` atomically, with permissions exactly ``mode``.

    ``temporary`` is the name of the temporary file (default :func:`temp_name`); it must
    start with a dot and end with :data:`TEMP_SUFFIX` so readers skip it. Raises the
    :class:`OSError` of the failing step; the temporary file is removed and an existing
    file at ``path`` is left untouched.
    """
    directory, name = os.path.split(os.fspath(path))
    write_atomic_in(directory, name, data, mode=mode, durable=durable, temporary=temporary)


def write_atomic_in(
    directory: str,
    name: str,
    data: bytes,
    *,
    mode: int,
    durable: bool,
    temporary: str | None = None,
) -> None:
    """:func:`write_atomic` of ``directory/name``, for callers that hold both already."""
    final = directory + os.sep + name
    temporary = directory + os.sep + (temporary or f".{name}{TEMP_SUFFIX}")
    fd = os.open(temporary, _OPEN_FLAGS, mode)
    try:
        try:
            if _HAS_FCHMOD:  # the umask may have removed bits (and may change any time)
                os.fchmod(fd, mode)
            written = os.write(fd, data)
            if written < len(data):  # short writes happen on some file systems
                view = memoryview(data)[written:]
                while view:
                    view = view[os.write(fd, view) :]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        if not _HAS_FCHMOD:  # pragma: no cover - Windows before 3.13
            os.chmod(temporary, mode)
        os.replace(temporary, final)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise
    if durable:
        fsync_directory(directory)


def fsync_directory(directory: str | os.PathLike[str]) -> None:
    """Make a rename or unlink in ``directory`` durable (no-op where unsupported)."""
    if not _CAN_FSYNC_DIRECTORY:  # pragma: no cover - Windows
        return
    fd = os.open(os.fspath(directory) or ".", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_private_dirs(path: Path, mode: int) -> None:
    """Create ``path`` and its missing parents, each with permissions exactly ``mode``.

    Existing directories are left as they are: the user chose their permissions.
    """
    missing: list[Path] = []
    current = path
    while not current.is_dir():
        missing.append(current)
        parent = current.parent
        if parent == current:
            break
        current = parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, mode)
        except FileExistsError:
            if directory.is_dir():
                continue  # created meanwhile by another process: fine
            raise NotADirectoryError(
                errno.ENOTDIR, "a file is in the way of a capture directory", str(directory)
            ) from None
        os.chmod(directory, mode)


__all__ = [
    "TEMP_SUFFIX",
    "fsync_directory",
    "make_private_dirs",
    "temp_name",
    "write_atomic",
    "write_atomic_in",
]
