from __future__ import annotations

import threading
from pathlib import Path

from snapy_capture import CaptureProfiler, capture_args


def test_profiler_counts_captures_of_every_thread_inside_its_block(live: Path) -> None:
    @capture_args(path="caps", retention="unlimited")
    def sync_call(data):
        return len(data)

    @capture_args(path="caps", async_storage=True, retention="unlimited")
    def async_call(data):
        return len(data)

    sync_call("before the block")
    with CaptureProfiler() as profiler:
        sync_call("x" * 1000)
        worker = threading.Thread(target=async_call, args=("y" * 1000,))
        worker.start()
        worker.join()
    sync_call("after the block")
    assert profiler.captures == 2
    assert profiler.capture_time_ms > 0
    assert profiler.background_time_ms > 0  # the async one was encoded by the writer
    assert profiler.serialized_size_bytes > 2000
    assert set(profiler.by_function) == {
        sync_call.__snapy__.function_key,
        async_call.__snapy__.function_key,
    }
    assert profiler.by_function[sync_call.__snapy__.function_key].captures == 1
    assert "captures=2" in repr(profiler)


def test_nested_profilers_both_see_inner_captures(live: Path) -> None:
    @capture_args(path="caps", retention="unlimited")
    def call(x):
        return x

    with CaptureProfiler() as outer:
        call(1)
        with CaptureProfiler() as inner:
            call(2)
    assert (outer.captures, inner.captures) == (2, 1)
