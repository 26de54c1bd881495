"""Atomic private writes: all or nothing, exact permissions, private folders."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from snapy_core._atomic import make_private_dirs, temp_name, write_atomic


def test_replaces_the_file_in_one_step(tmp_path: Path) -> None:
    target = tmp_path / "capture.json"
    write_atomic(target, b"first", mode=0o600, durable=False)
    write_atomic(target, b"second", mode=0o600, durable=True)
    assert target.read_bytes() == b"second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["capture.json"]


def test_failure_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "capture.json"
    target.write_bytes(b"old")

    with pytest.raises(TypeError):
        write_atomic(target, "not bytes", mode=0o600, durable=False)  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["capture.json"]


def test_a_leftover_temporary_file_is_not_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "capture.json"
    leftover = tmp_path / temp_name("capture.json")
    leftover.write_bytes(b"someone else's")
    with pytest.raises(FileExistsError):
        write_atomic(target, b"new", mode=0o600, durable=False)
    assert leftover.read_bytes() == b"someone else's"
    assert not target.exists()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_mode_is_exact_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o777)
    try:
        write_atomic(tmp_path / "a", b"x", mode=0o600, durable=False)
        make_private_dirs(tmp_path / "b" / "c", 0o700)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "b").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "b" / "c").stat().st_mode) == 0o700


def test_private_dirs_with_a_file_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        make_private_dirs(tmp_path / "file" / "sub", 0o700)
    make_private_dirs(tmp_path, 0o700)  # existing: left alone, no error
