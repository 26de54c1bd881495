"""Metrics, call graphs, and call counts checked against cProfile."""

from __future__ import annotations

import contextlib
import cProfile
import pstats
import sys
import threading

from snapy_trace import FunctionTracer, Seconds, TracerConfig
from snapy_trace._raw import COMPREHENSIONS


def _cprofile_counts(stats: pstats.Stats, filename: str) -> dict[tuple[int, str], int]:
    counts: dict[tuple[int, str], int] = {}
    for (file, line, name), (_, ncalls, *_rest) in stats.stats.items():  # type: ignore[attr-defined]
        if file == filename and name not in COMPREHENSIONS:
            counts[(line, name)] = counts.get((line, name), 0) + ncalls
    return counts


def _our_counts(tracer: FunctionTracer, filename: str) -> dict[tuple[int, str], int]:
    counts: dict[tuple[int, str], int] = {}
    for event in tracer.get_events():
        if event.filename == filename and event.is_entry_event():
            key = (event.lineno, event.function_name)
            counts[key] = counts.get(key, 0) + 1
    return counts


def _workload(w, target=None):
    w.fib(6)
    list(w.delegate(3))
    w.validate_all([1, -1, 2])
    for bad in (-2, -3):
        with contextlib.suppress(w.ValidationError):
            w.must_validate(bad)
    with contextlib.suppress(w.ValidationError):
        w.cleanup_on_error(-4)
    account = w.Account.opened(10)
    account.deposit(w.Account.fee(50))
    _ = account.doubled
    w.make_multiplier(3)(4)
    w.comprehensions(4)
    w.run_async(3)
    w.run_threads(2, 5, target)
    first = w.countdown(3)
    next(first)
    with contextlib.suppress(KeyError):
        first.throw(KeyError("stop"))


def test_call_counts_match_cprofile(workload):
    """calls + resumes per function == cProfile's ncalls, on every Python version.

    cProfile counts a generator or coroutine resumption as a call (setprofile's "call"
    event on 3.10/3.11, PY_RESUME / PY_THROW on 3.12+); comprehensions are frames only
    before 3.12 and are left out of both sides. cProfile sees other threads only on 3.12+
    (it uses sys.monitoring there), so on 3.10/3.11 the threads get their own profiler.
    """
    filename = workload.__file__
    tracer = FunctionTracer(["snapytrace_workload"], TracerConfig(trace_all_threads=True))
    thread_stats: list[cProfile.Profile] = []
    lock = threading.Lock()

    def profiled_worker(n):
        profiler = cProfile.Profile()
        profiler.enable()
        try:
            workload.worker(n)
        finally:
            profiler.disable()
            with lock:
                thread_stats.append(profiler)

    target = profiled_worker if sys.version_info < (3, 12) else None
    profiler = cProfile.Profile()
    with tracer:
        profiler.enable()
        _workload(workload, target)
        profiler.disable()
    stats = pstats.Stats(profiler)
    for extra in thread_stats:
        stats.add(extra)
    expected = _cprofile_counts(stats, filename)
    ours = _our_counts(tracer, filename)
    # profiled_worker is test code, not in the workload file; worker itself is
    assert ours == expected
    assert ours[(workload.fib.__code__.co_firstlineno, "fib")] == 25 + 2 * (
        1 + 1 + 3 + 5 + 9
    )  # fib(6); fib(0..4) in 2 threads
    assert tracer.get_metrics()["threads"] == 3


def test_metrics_per_function(workload):
    tracer = FunctionTracer(["snapytrace_workload"])
    with tracer:
        workload.fib(4)
        list(workload.countdown(2))
        with contextlib.suppress(workload.ValidationError):
            workload.must_validate(-1)
    metrics = tracer.get_metrics()
    functions = metrics["functions"]
    assert functions["snapytrace_workload.fib"]["calls"] == 9
    assert functions["snapytrace_workload.countdown"] == {
        **functions["snapytrace_workload.countdown"],
        "calls": 1,
        "resumes": 2,
        "exceptions": 0,
    }
    assert functions["snapytrace_workload.validate"]["exceptions"] == 1
    assert functions["snapytrace_workload.must_validate"]["exceptions"] == 1
    assert metrics["total_calls"] == 9 + 1 + 2
    assert metrics["exceptions"] == 2
    assert metrics["max_depth"] == 4  # fib(4) -> fib(3) -> fib(2) -> fib(1)
    assert metrics["dropped_events"] == 0
    assert metrics["truncated"] is False
    assert metrics["memory_usage"] is None
    fib = functions["snapytrace_workload.fib"]
    assert isinstance(fib["total_time"], Seconds)
    # inclusive time counts the outermost recursive call once; self time sums all levels
    assert 0 < fib["self_time"] <= fib["total_time"] <= metrics["total_time"]
    assert repr(fib["total_time"]) == "Seconds(...)"


def test_call_graph(workload):
    tracer = FunctionTracer(["snapytrace_workload"])
    with tracer:
        workload.fib(3)
        workload.comprehensions(2)
    graph = tracer.get_call_graph()
    assert graph == {
        "<root>": {"snapytrace_workload.fib": 1, "snapytrace_workload.comprehensions": 1},
        "snapytrace_workload.fib": {"snapytrace_workload.fib": 4},
        "snapytrace_workload.comprehensions": {
            "snapytrace_workload.square": 4,
            "snapytrace_workload.comprehensions.<locals>.<genexpr>": 1,
        },
        "snapytrace_workload.comprehensions.<locals>.<genexpr>": {
            "snapytrace_workload.square": 2,
        },
    }
