"""Shared pieces of the reliability tests (imported as ``tests.storage._helpers``)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from snapy_core import CaptureRecord, available_backends

PICKLE_KEY = "reliability-tests-signing-key-0123456789abcdef"

BACKENDS = sorted(
    name
    for name, info in available_backends().items()
    if name in ("json", "pickle")
    and getattr(info.factory, "__module__", "").startswith(f"snapy_storage_{name}")
)
"""snapy's own backends installed here (json once snapy-storage-json is); stand-ins that
other tests register under these names are not them."""

MODULE = "shop.orders"
QUALNAME = "OrderService.process_order"
FUNCTION = f"{MODULE}.{QUALNAME}"


def make_record(*args: Any, size: int = 0, **kwargs: Any) -> CaptureRecord:
    """A typical captured call; ``size`` adds a string payload of that many characters."""
    if size:
        kwargs["payload"] = "x" * size
    return CaptureRecord(
        module=MODULE,
        qualname=QUALNAME,
        timestamp=dt.datetime.now(dt.timezone.utc),
        args=args,
        kwargs=kwargs,
        arg_names=tuple(f"arg{i}" for i in range(len(args))),
    )


def files_in(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir()) if directory.is_dir() else []


def try_mount_tmpfs(target: Path, *, size: str, options: str = "") -> bool:
    """Mount a tmpfs at ``target`` if this process may (root with CAP_SYS_ADMIN)."""
    if sys.platform != "linux" or os.geteuid() != 0:
        return False
    target.mkdir(parents=True, exist_ok=True)
    extra = f",{options}" if options else ""
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700{extra}", "tmpfs", str(target)],
        capture_output=True,
    )
    return result.returncode == 0


def unmount(target: Path) -> None:
    subprocess.run(["umount", "-l", str(target)], capture_output=True)


def remount_read_only(target: Path) -> bool:
    result = subprocess.run(["mount", "-o", "remount,ro", str(target)], capture_output=True)
    return result.returncode == 0
