"""Read-only and missing directories, full disks: a clear CaptureWriteError, nothing lost.

How each condition is produced, for real:

* read-only: a tmpfs remounted read-only (EROFS) when this process may mount (root with
  CAP_SYS_ADMIN, as in the snapy CI container); otherwise a directory without write
  permission (EACCES), which works for any user but root.
* full disk: a 256 KiB tmpfs filled with captures until the kernel says ENOSPC (mount
  needed, as above); and, for everyone on POSIX, a child writer under ``RLIMIT_FSIZE``,
  where the kernel refuses to grow a file past the limit (EFBIG) the way a full disk
  refuses more blocks.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from snapy_core import (
    CaptureNotFoundError,
    CaptureStorage,
    CaptureWriteError,
    StorageError,
    function_dirname,
)
from tests.storage._helpers import (
    FUNCTION,
    files_in,
    make_record,
    remount_read_only,
    try_mount_tmpfs,
    unmount,
)
from tests.storage._workers import context, run, write_as_nobody, write_under_file_size_limit

MakeStorage = Callable[..., CaptureStorage]


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    target = tmp_path / "disk"
    if not try_mount_tmpfs(target, size="256k"):
        pytest.skip("cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN on Linux)")
    try:
        yield target
    finally:
        unmount(target)


def _temporary_files(directory: Path) -> list[str]:
    return [name for name in files_in(directory) if name.endswith(".tmp")]


# -- read-only ---------------------------------------------------------------------


@pytest.fixture(params=["read-only mount", "no write permission"])
def read_only_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Path, Callable[[], None], str]]:
    """(root, make_read_only, expected reason): a store that turns read-only on demand."""
    if request.param == "read-only mount":
        root = tmp_path / "disk"
        if not try_mount_tmpfs(root, size="1m"):
            pytest.skip("cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN on Linux)")

        def make_read_only() -> None:
            assert remount_read_only(root)

        try:
            yield root, make_read_only, "the file system is read-only"
        finally:
            unmount(root)
    else:
        if os.name != "posix" or os.geteuid() == 0:
            pytest.skip("permissions do not stop root")
        root = tmp_path / "store"
        function_directory = root / function_dirname(FUNCTION)

        def make_read_only() -> None:
            function_directory.chmod(0o500)
            root.chmod(0o500)

        try:
            yield root, make_read_only, "permission denied"
        finally:
            for directory in (root, function_directory):
                if directory.exists():
                    directory.chmod(0o700)


def test_read_only_store_refuses_writes_clearly_and_still_reads(
    make_storage: MakeStorage, read_only_store: tuple[Path, Callable[[], None], str]
) -> None:
    root, make_read_only, reason = read_only_store
    storage = make_storage(root, retention=1)
    first = storage.write(make_record("kept"))
    make_read_only()

    with pytest.raises(CaptureWriteError) as caught:
        storage.write(make_record("refused"))
    message = str(caught.value)
    assert reason in message
    assert FUNCTION in message
    assert str(root) in message
    assert "SNAP_CAPTURE_DEFAULT_PATH" in message  # what to do
    # nothing else in the store changed, and it still reads
    assert [ref.capture_id for ref in storage.list(FUNCTION)] == [first.capture_id]
    assert storage.read(first).args == ("kept",)
    assert _temporary_files(root / function_dirname(FUNCTION)) == []
    # a new function needs a new directory: refused the same way
    with pytest.raises(CaptureWriteError, match=reason):
        make_storage(root).write_encoded("other.function", first.timestamp, b"data")
    with pytest.raises(StorageError, match="could not prune"):
        storage.prune(FUNCTION, keep=0)


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() != 0,
    reason="switches to another user: needs root",
)
def test_store_of_another_user_gives_permission_denied(
    backend: str, make_storage: MakeStorage, tmp_path: Path
) -> None:
    root = tmp_path / "store"
    kept = make_storage(root).write(make_record("kept"))  # 0700 folders owned by root
    receive, send = context().Pipe(duplex=False)
    assert run(write_as_nobody, backend, root, send) == 0
    message = receive.recv()
    assert "permission denied" in message
    assert "writable by this user (uid 65534)" in message
    assert [ref.capture_id for ref in make_storage(root).list(FUNCTION)] == [kept.capture_id]


def test_root_whose_parent_cannot_be_created(make_storage: MakeStorage, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the store's parent should be")
    storage = make_storage(blocker / "captures" / "deeper")
    with pytest.raises(CaptureWriteError) as caught:
        storage.write(make_record(1))
    assert "a file is in the way" in str(caught.value)
    assert str(blocker) in str(caught.value)
    assert blocker.read_text() == "a file where the store's parent should be"


# -- missing directories -----------------------------------------------------------------


def test_missing_root_is_created_private_on_first_write(
    make_storage: MakeStorage, tmp_path: Path
) -> None:
    root = tmp_path / "a" / "b" / "captures"
    storage = make_storage(root)
    assert storage.list(FUNCTION) == []
    assert not (tmp_path / "a").exists()  # reading created nothing
    ref = storage.write(make_record(1))
    assert storage.read(ref).args == (1,)
    if os.name == "posix":
        for directory in (
            tmp_path / "a",
            tmp_path / "a" / "b",
            root,
            root / function_dirname(FUNCTION),
        ):
            assert stat.S_IMODE(directory.stat().st_mode) == 0o700


def test_store_removed_while_in_use(make_storage: MakeStorage, tmp_path: Path) -> None:
    root = tmp_path / "store"
    writer, reader = make_storage(root), make_storage(root)
    ref = writer.write(make_record(1))
    listed = reader.list(FUNCTION)
    shutil.rmtree(root)

    with pytest.raises(CaptureNotFoundError, match="pruned or deleted"):
        reader.read(listed[0])
    assert reader.load_all(FUNCTION) == ([], [])
    assert reader.functions() == []
    again = writer.write(make_record(2))  # the writer recreates what it needs
    assert reader.read(again).args == (2,)
    assert again.capture_id != ref.capture_id


# -- full disk -------------------------------------------------------------------------


def test_full_disk_fails_the_write_and_loses_nothing(
    make_storage: MakeStorage, tmp_path: Path, tmpfs: Path
) -> None:
    storage = make_storage(tmpfs)
    written = []
    message = ""
    for i in range(1000):
        try:
            written.append(storage.write(make_record(i, size=10_000)).capture_id)
        except CaptureWriteError as error:
            message = str(error)
            break
    assert "no space left on the device" in message
    assert str(tmpfs) in message
    assert "SNAP_CAPTURE_DEFAULT_RETENTION" in message
    assert len(written) > 3

    directory = tmpfs / function_dirname(FUNCTION)
    assert _temporary_files(directory) == []  # the failed write cleaned up after itself
    records, errors = storage.load_all(FUNCTION)
    assert errors == []
    assert sorted(record.capture_id for record in records) == sorted(written)

    # a new function on the full disk: refused too, without a half-written metadata file
    with pytest.raises(CaptureWriteError, match="no space left"):
        storage.write_encoded("other.function", records[0].timestamp, b"x" * 50_000)
    other = tmpfs / function_dirname("other.function")
    assert _temporary_files(other) == []
    assert storage.list("other.function") == []
    if (other / ".snapy-function.json").exists():
        assert json.loads((other / ".snapy-function.json").read_text())["function_key"] == (
            "other.function"
        )

    # once space is freed, writing works again
    storage.prune(FUNCTION, keep=2)
    ref = storage.write(make_record("after", size=10_000))
    assert storage.read(ref).args == ("after",)


@pytest.mark.skipif(os.name != "posix", reason="needs RLIMIT_FSIZE (POSIX)")
def test_file_size_limit_fails_the_write_and_loses_nothing(
    backend: str, make_storage: MakeStorage, tmp_path: Path
) -> None:
    receive, send = context().Pipe(duplex=False)
    # SIGXFSZ is ignored by Python: the write fails with EFBIG instead of killing it
    assert run(write_under_file_size_limit, backend, tmp_path / "s", send) == 0
    message = receive.recv()
    assert "larger than this process may write" in message
    assert "SNAP_CAPTURE_MAX_SIZE" in message

    storage = make_storage(tmp_path / "s")
    records, errors = storage.load_all(FUNCTION)
    assert errors == []
    assert [record.args for record in records] == [("small",)]
    assert _temporary_files(tmp_path / "s" / function_dirname(FUNCTION)) == []
