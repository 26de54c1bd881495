"""Many writers at once: retention holds, the newest captures survive, every file loads.

Real processes and real threads write the same function of one store at the same time;
nothing is mocked.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from snapy_core import CaptureStorage, function_dirname
from tests.storage._helpers import FUNCTION, files_in, make_record
from tests.storage._workers import context, write_many

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs forkserver (POSIX)")

WRITERS = 8
WRITES = 300
RETENTION = 50


def _check_store(storage: CaptureStorage, written: list[str], retention: int) -> None:
    remaining = [ref.capture_id for ref in storage.list(FUNCTION)]
    assert len(remaining) <= retention
    # exactly the newest ones: nothing newer was deleted while something older was kept
    assert sorted(remaining) == sorted(written)[-retention:]
    records, errors = storage.load_all(FUNCTION)
    assert errors == []
    assert [record.capture_id for record in records] == remaining
    directory = storage.root / function_dirname(FUNCTION)
    leftovers = [name for name in files_in(directory) if name.startswith(".")]
    assert leftovers == [".snapy-function.json"]  # no temporary file left behind


@pytest.mark.slow
def test_processes_writing_one_function_keep_the_newest_within_retention(
    backend: str, make_storage: Callable[..., CaptureStorage], tmp_path: Path
) -> None:
    root = tmp_path / "store"
    go = context().Event()
    outs = [tmp_path / f"writer-{index}.ids" for index in range(WRITERS)]
    writers = [
        context().Process(
            target=write_many, args=(backend, root, index, WRITES, RETENTION, go, out)
        )
        for index, out in enumerate(outs)
    ]
    for writer in writers:
        writer.start()
    go.set()
    for writer in writers:
        writer.join(timeout=120)
    assert [writer.exitcode for writer in writers] == [0] * WRITERS

    written = [line for out in outs for line in out.read_text().splitlines()]
    assert len(set(written)) == WRITERS * WRITES  # every capture got its own name
    _check_store(make_storage(root), written, RETENTION)


def test_threads_sharing_one_store_keep_the_newest_within_retention(
    make_storage: Callable[..., CaptureStorage], tmp_path: Path
) -> None:
    storage = make_storage(tmp_path, retention=15)
    written: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def write(index: int) -> None:
        start.wait()
        for i in range(40):
            capture_id = storage.write(make_record(index, i)).capture_id
            with lock:
                written.append(capture_id)

    threads = [threading.Thread(target=write, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(written)) == 160
    _check_store(storage, written, 15)
