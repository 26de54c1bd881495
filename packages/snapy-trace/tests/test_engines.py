"""The two engines: sys.monitoring (3.12+) and sys.settrace (3.10/3.11, fallback)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest

from snapy_core.errors import TraceWarning
from snapy_trace import FunctionTracer, TracerConfig

WORKLOAD = ["snapytrace_workload"]
monitoring_only = pytest.mark.skipif(sys.version_info < (3, 12), reason="sys.monitoring")


@pytest.fixture
def held_tool_ids() -> Iterator[list[int]]:
    """On 3.12+, take every sys.monitoring tool id snapy could use (like other tools
    would), so that tracers fall back to sys.settrace. A no-op before 3.12."""
    held: list[int] = []
    if sys.version_info >= (3, 12):
        for tool in (2, 3, 4, 5):
            if sys.monitoring.get_tool(tool) is None:
                sys.monitoring.use_tool_id(tool, "another tool")
                held.append(tool)
    yield held
    for tool in held:
        sys.monitoring.free_tool_id(tool)


def _settrace_tracer(*args, **kwargs) -> FunctionTracer:
    """A started tracer on the settrace engine (the fallback warning expected on 3.12+)."""
    tracer = FunctionTracer(*args, **kwargs)
    if sys.version_info >= (3, 12):
        with pytest.warns(TraceWarning, match="no two free tool ids"):
            tracer.start()
    else:
        tracer.start()
    assert tracer.engine.startswith("sys.settrace")
    return tracer


@monitoring_only
def test_monitoring_takes_two_tool_ids_and_gives_them_back(workload):
    tracer = FunctionTracer(WORKLOAD)
    with tracer:
        assert sys.monitoring.get_tool(3) == "snapy-trace"
        assert sys.monitoring.get_tool(4) == "snapy-trace"
        workload.square(1)
    assert tracer.engine == "sys.monitoring (tool ids 3 and 4)"
    assert sys.monitoring.get_tool(3) is None
    assert sys.monitoring.get_tool(4) is None


@monitoring_only
def test_monitoring_uses_other_free_ids(workload):
    sys.monitoring.use_tool_id(3, "another tool")
    try:
        tracer = FunctionTracer(WORKLOAD)
        with tracer:
            workload.fib(2)
        assert tracer.engine == "sys.monitoring (tool ids 4 and 5)"
        assert len(tracer.get_events()) == 6
    finally:
        sys.monitoring.free_tool_id(3)


@monitoring_only
def test_exceptions_in_untraced_code_leave_the_hooks_working(workload):
    """PY_UNWIND is global and must never return DISABLE (CPython raises for it)."""

    def untraced(depth):
        if depth == 0:
            raise KeyError(depth)
        return untraced(depth - 1)

    tracer = FunctionTracer(WORKLOAD)
    with tracer:
        for _ in range(3):
            with pytest.raises(KeyError):
                untraced(5)
        workload.square(4)
    assert [e.function for e in tracer.get_events()] == ["snapytrace_workload.square"] * 2


def test_falls_back_to_settrace_when_no_tool_ids_are_free(workload, held_tool_ids, everything_tree):
    tracer = _settrace_tracer(WORKLOAD)
    workload.everything()
    tracer.stop()
    assert tracer.format_trace() == everything_tree


def test_settrace_chains_to_a_trace_function_already_installed(workload, held_tool_ids):
    seen: list[str] = []

    def debugger(frame, event, arg):
        seen.append(f"{event}:{frame.f_code.co_name}")
        return debugger

    sys.settrace(debugger)
    try:
        tracer = _settrace_tracer(WORKLOAD)
        workload.fib(2)
        with pytest.warns(TraceWarning, match="already used by .*debugger"):
            tracer.stop()
        assert sys.gettrace() is debugger
    finally:
        sys.settrace(None)
    # both kept working: the debugger saw calls, returns and lines, the tracer its events
    assert seen.count("call:fib") == 3
    assert seen.count("return:fib") == 3
    assert any(entry.startswith("line:") for entry in seen)
    assert [e.event_type for e in tracer.get_events()].count("call") == 3


def test_settrace_says_when_its_hook_was_replaced(workload, held_tool_ids):
    tracer = _settrace_tracer(WORKLOAD)
    workload.square(1)

    def other(frame, event, arg):
        return None

    sys.settrace(other)
    try:
        workload.square(2)
        with pytest.warns(TraceWarning, match="replaced during tracing"):
            tracer.stop()
    finally:
        sys.settrace(None)
    assert [e.args for e in tracer.get_events() if e.is_call_event()] == [{"i": "1"}]


def test_settrace_nested_tracers(workload, held_tool_ids):
    outer = _settrace_tracer(WORKLOAD)
    workload.square(1)
    inner = _settrace_tracer(WORKLOAD)  # chains to the outer tracer, silently: it is ours
    workload.fib(1)
    inner.stop()
    workload.square(2)
    outer.stop()
    assert sys.gettrace() is None
    assert [e.qualname for e in outer.get_events() if e.is_call_event()] == [
        "square",
        "fib",
        "square",
    ]
    assert [e.qualname for e in inner.get_events() if e.is_call_event()] == ["fib"]


def test_settrace_outer_stopped_before_inner(workload, held_tool_ids):
    outer = _settrace_tracer(WORKLOAD)
    inner = _settrace_tracer(WORKLOAD)
    outer.stop()  # not the hook owner any more: it switches itself off
    workload.square(3)
    inner.stop()
    assert outer.get_events() == []
    assert [e.args for e in inner.get_events() if e.is_call_event()] == [{"i": "3"}]
    assert sys.gettrace() is None


def test_threads_reusing_an_identifier_stay_apart(workload):
    """Thread identifiers are reused once a thread ends; each thread is its own."""
    tracer = FunctionTracer(WORKLOAD, TracerConfig(trace_all_threads=True))
    idents = []
    with tracer:
        for _ in range(4):
            thread = threading.Thread(target=workload.square, args=(2,))
            thread.start()
            thread.join()
            idents.append(thread.ident)
    events = tracer.get_events()
    assert sorted({e.thread_index for e in events}) == [1, 2, 3, 4]
    assert tracer.get_metrics()["threads"] == 5
    assert len(events) == 8


def test_all_threads_with_settrace(workload, held_tool_ids):
    tracer = _settrace_tracer(WORKLOAD, TracerConfig(trace_all_threads=True))
    workload.run_threads(2, 2)
    tracer.stop()
    calls = [e.qualname for e in tracer.get_events() if e.is_call_event()]
    assert sorted(calls) == ["fib", "fib", "fib", "fib", "run_threads", "worker", "worker"]
    assert threading.gettrace() is None


@monitoring_only
def test_callbacks_check_threads_once_a_second_thread_runs(workload):
    """While the tracing thread is alone the callbacks do not check threads; a
    threading.Thread (seen when it starts) or a raw _thread (seen by the watcher) makes
    them check, so other threads' calls stay out of the trace."""
    import _thread
    import time

    from snapy_trace._watcher import watcher

    def alone() -> bool:
        return not set(sys._current_frames()) - {threading.get_ident(), watcher.ident}

    tracer = FunctionTracer(WORKLOAD)
    was_alone = alone()  # other tests may leave threads running (then it checks at once)
    with tracer:
        engine = tracer._engine
        assert engine.check_threads is not was_alone
        release = threading.Event()
        done = threading.Event()

        def raw_thread():
            release.wait()
            workload.fib(3)
            done.set()

        _thread.start_new_thread(raw_thread, ())
        deadline = time.monotonic() + 10
        while not engine.check_threads and time.monotonic() < deadline:
            time.sleep(0.01)
        assert engine.check_threads
        release.set()
        assert done.wait(10)
        workload.square(2)
    assert [e.function for e in tracer.get_events() if e.is_call_event()] == [
        "snapytrace_workload.square"
    ]

    started = FunctionTracer(WORKLOAD)
    was_alone = alone()
    with started:
        assert started._engine.check_threads is not was_alone
        thread = threading.Thread(target=workload.fib, args=(3,))
        thread.start()
        thread.join()
        assert started._engine.check_threads
    assert started.get_events() == []


def _arguments_seen(tracer: FunctionTracer) -> list[tuple[object, ...]]:
    return [(e.event_type, e.qualname, e.args, e.return_value) for e in tracer.get_events()]


def _standard_trace(workload, *, all_threads: bool, settrace: bool) -> list[tuple[object, ...]]:
    config = TracerConfig(detail_level="standard", trace_all_threads=all_threads)
    if settrace:
        tracer = _settrace_tracer(WORKLOAD, config)
    else:
        tracer = FunctionTracer(WORKLOAD, config)
        tracer.start()
    try:
        workload.everything()
    finally:
        tracer.stop()
    return _arguments_seen(tracer)


@pytest.mark.parametrize("settrace", [False, True], ids=["default engine", "settrace"])
def test_arguments_are_the_same_slot_by_slot_or_in_one_record(workload, settrace, request):
    """One thread appends a call's argument slots one by one; all-threads tracing appends
    the record in one piece. Both keep the same values: closures, cells, classmethods,
    generators, coroutines (their records also hold the task)."""
    if settrace:
        request.getfixturevalue("held_tool_ids")
    one_by_one = _standard_trace(workload, all_threads=False, settrace=settrace)
    in_one_piece = _standard_trace(workload, all_threads=True, settrace=settrace)
    assert one_by_one == in_one_piece
    calls = {
        (qualname, tuple(args.items())) for kind, qualname, args, _ in one_by_one if kind == "call"
    }
    assert ("make_multiplier.<locals>.multiply", (("x", "4"),)) in calls
    assert ("Account.deposit", (("self", "<Account>"), ("amount", "5"))) in calls
    assert ("fetch", (("i", "1"),)) in calls
