"""Writers killed with SIGKILL at random moments never leave a capture that is listed but
cannot be read; their temporary files are invisible to readers and removed by prune."""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from snapy_core import CaptureNotFoundError, CaptureStorage, function_dirname
from tests.storage._helpers import FUNCTION
from tests.storage._workers import context, write_forever

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")

ROUNDS = 20


@pytest.mark.slow
def test_sigkill_at_random_moments_never_exposes_a_partial_capture(
    backend: str, make_storage: Callable[..., CaptureStorage], tmp_path: Path
) -> None:
    rng = random.Random(20240915)
    storage = make_storage(tmp_path)
    directory = tmp_path / function_dirname(FUNCTION)
    reads = 0
    for _ in range(ROUNDS):
        ready = context().Event()
        writer = context().Process(target=write_forever, args=(backend, tmp_path, ready))
        writer.start()
        assert ready.wait(timeout=60)
        # read the newest capture while the writer works: never a partial file
        deadline = time.monotonic() + rng.uniform(0.01, 0.15)
        while time.monotonic() < deadline:
            newest = storage.list(FUNCTION, limit=1)
            if newest:
                try:
                    storage.read(newest[0])
                    reads += 1
                except CaptureNotFoundError:
                    pass  # pruned between listing and reading: fine
        os.kill(writer.pid, signal.SIGKILL)
        writer.join(timeout=30)
        assert writer.exitcode == -signal.SIGKILL

        records, errors = storage.load_all(FUNCTION)
        assert errors == []
        assert len(records) == len(storage.list(FUNCTION)) > 0
    assert reads > 0

    # what the killed writers left: temporary files only, never listed; prune removes
    # them once they are old enough and their writer is gone
    leftovers = [path for path in directory.iterdir() if path.name.endswith(".tmp")]
    for path in leftovers:
        assert path.name.startswith(".")
        old = time.time() - 11 * 60
        os.utime(path, (old, old))
    storage.prune(FUNCTION)
    assert [path for path in directory.iterdir() if path.name.endswith(".tmp")] == []
    assert storage.load_all(FUNCTION)[1] == []
