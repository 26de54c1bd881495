"""FunctionTracer: the event stream, the same on every Python version, and its options."""

from __future__ import annotations

import gc
import importlib
import json
import random
import subprocess
import sys
import threading
import tracemalloc

import pytest

from snapy_core.errors import ConfigError, TraceError
from snapy_trace import Bytes, FunctionTracer, Seconds, TraceEvent, TracerConfig

WORKLOAD = ["snapytrace_workload"]


def test_the_same_events_on_every_python_version(workload, everything_tree):
    """Recursion, generators (yield from, throw, close), exceptions raised / propagated /
    caught, methods, properties, closures, comprehensions (frames only before 3.12) and
    asyncio tasks give this exact tree on 3.10, 3.11, 3.12 and 3.13."""
    tracer = FunctionTracer(WORKLOAD)
    with tracer:
        workload.everything()
    assert tracer.format_trace() == everything_tree


def test_event_fields(workload):
    tracer = FunctionTracer(WORKLOAD)
    with tracer:
        workload.fib(2)
    events = tracer.get_events()
    assert [(e.event_type, e.depth, e.args, e.return_value) for e in events] == [
        ("call", 0, {"n": "2"}, None),
        ("call", 1, {"n": "1"}, None),
        ("return", 1, None, "1"),
        ("call", 1, {"n": "0"}, None),
        ("return", 1, None, "0"),
        ("return", 0, None, "1"),
    ]
    first, *_, last = events
    assert first.is_call_event()
    assert not first.is_return_event()
    assert last.is_return_event()
    assert last.is_exit_event()
    assert first.function_name == "fib"
    assert first.module_name == "snapytrace_workload"
    assert first.qualname == "fib"
    assert first.function == "snapytrace_workload.fib"
    assert first.filename == workload.__file__
    assert first.lineno == workload.fib.__code__.co_firstlineno
    assert first.duration is None
    assert first.memory_usage is None
    assert last.call_index == 0
    assert last.entry_index == 0
    assert isinstance(last.duration, Seconds)
    assert last.duration >= 0
    assert repr(last.duration) == "Seconds(...)"
    assert float(last.duration) == last.timestamp - first.timestamp
    timestamps = [e.timestamp for e in events]
    assert timestamps == sorted(timestamps)
    assert {e.thread_index for e in events} == {0}
    assert {e.thread_id for e in events} == {threading.get_ident()}
    assert {e.task_name for e in events} == {None}


def test_detail_levels(workload):
    minimal = FunctionTracer(WORKLOAD, TracerConfig(detail_level="minimal"))
    verbose = FunctionTracer(WORKLOAD, TracerConfig(detail_level="verbose"))
    with minimal:
        workload.validate_all([1, -1])
    with verbose:
        workload.validate_all([1, -1])
    assert minimal.format_trace() == (
        "snapytrace_workload.validate_all()\n"
        "  snapytrace_workload.validate()\n"
        "  snapytrace_workload.validate() !! raised snapytrace_workload.ValidationError:"
        " negative: -1"
    )
    assert verbose.format_trace() == (
        "snapytrace_workload.validate_all(values=[1, -1]) -> [1, None]\n"
        "  snapytrace_workload.validate(value=1) -> 1\n"
        "  snapytrace_workload.validate(value=-1) !! raised snapytrace_workload.ValidationError:"
        " negative: -1"
    )


def test_arguments_are_taken_when_the_call_starts(workload):
    """A mutated argument shows what the function received (verbose) and the standard
    level keeps only immutable values (or the type) so nothing can change later."""
    items = [1]
    tracer = FunctionTracer(["snapytrace_workload"], TracerConfig(detail_level="verbose"))
    with tracer:
        workload.validate_all(items)
        items.append(2)
        workload.validate_all(items)
    calls = [
        e.args for e in tracer.get_events() if e.qualname == "validate_all" and e.is_call_event()
    ]
    assert calls == [{"values": "[1]"}, {"values": "[1, 2]"}]


def test_standard_keeps_long_strings_bounded(workload):
    tracer = FunctionTracer(WORKLOAD)
    with tracer:
        workload.square(3)
        workload.make_multiplier("x" * 1000)
    args = [e.args for e in tracer.get_events() if e.is_call_event()]
    assert args[0] == {"i": "3"}
    shown = args[1]["k"]
    assert shown.startswith("'xxxx")
    assert shown.endswith("...' (1000 characters)")
    assert len(shown) < 260


def test_verbose_values_are_normalised(workload):
    class Opaque:
        pass

    tracer = FunctionTracer(WORKLOAD, TracerConfig(detail_level="verbose"))
    with tracer:
        workload.make_multiplier(Opaque())
    text = tracer.format_trace()
    assert "0x" not in text
    assert "Opaque object>" in text


def test_a_failing_repr_never_breaks_the_traced_call(workload):
    class Hostile:
        def __repr__(self):
            raise RuntimeError("no repr for you")

    class Endless:
        def __repr__(self):
            return repr(self)

    tracer = FunctionTracer(WORKLOAD, TracerConfig(detail_level="verbose"))
    with tracer:
        multiply = workload.make_multiplier(Hostile())
        workload.make_multiplier(Endless())
    assert callable(multiply)
    shown = [e.args["k"] for e in tracer.get_events() if e.is_call_event()]
    assert shown == [
        "<test_a_failing_repr_never_breaks_the_traced_call.<locals>.Hostile "
        "(repr failed: RuntimeError)>",
        "<test_a_failing_repr_never_breaks_the_traced_call.<locals>.Endless "
        "(repr failed: RecursionError)>",
    ]


def test_only_the_calling_thread_by_default(workload):
    tracer = FunctionTracer(WORKLOAD)
    with tracer:
        workload.run_threads(2, 3)
        workload.square(2)
    functions = {e.function for e in tracer.get_events()}
    assert functions == {"snapytrace_workload.run_threads", "snapytrace_workload.square"}


def test_all_threads_on_request(workload):
    tracer = FunctionTracer(WORKLOAD, TracerConfig(trace_all_threads=True))
    with tracer:
        workload.run_threads(3, 3)
    events = tracer.get_events()
    by_thread: dict[int, list[TraceEvent]] = {}
    for event in events:
        by_thread.setdefault(event.thread_index, []).append(event)
    assert len(by_thread) == 4
    assert [e.function for e in by_thread[0]] == ["snapytrace_workload.run_threads"] * 2
    for index in (1, 2, 3):
        calls = [e for e in by_thread[index] if e.is_call_event()]
        assert [e.qualname for e in calls] == ["worker", "fib", "fib", "fib", "fib", "fib"]
        assert calls[0].depth == 0
        assert calls[1].depth == 1
    assert tracer.format_trace().startswith("[thread 0]\n  snapytrace_workload.run_threads(")


def test_max_events_keeps_the_first_events_and_says_so(workload):
    tracer = FunctionTracer(WORKLOAD, TracerConfig(max_events=10))
    with tracer:
        workload.fib(6)  # 25 calls, 50 events
    events = tracer.get_events()
    assert len(events) == 10
    full = FunctionTracer(WORKLOAD)
    with full:
        workload.fib(6)
    assert events == full.get_events()[:10]
    metrics = tracer.get_metrics()
    assert metrics["truncated"] is True
    assert metrics["dropped_events"] == 40
    assert metrics["total_events"] == 10


def test_max_events_bounds_memory_while_tracing(workload):
    """A watcher thread stops storing events a few milliseconds after the budget is
    spent (no length check per event): the buffer stays far below the whole trace."""
    tracer = FunctionTracer(WORKLOAD, TracerConfig(max_events=100))
    calls = 57_313  # fib(22)
    with tracer:
        workload.fib(22)
        recording = tracer._current
        assert recording is not None
        kept_slots = len(recording.buffer)
    all_slots = 2 * calls * 4  # code, time and one argument or value slot per event
    assert kept_slots < all_slots / 3
    metrics = tracer.get_metrics()
    assert metrics["total_events"] == 100
    assert metrics["dropped_events"] == 2 * calls - 100
    assert metrics["truncated"] is True


def test_memory_tracking(workload):
    assert not tracemalloc.is_tracing()
    tracer = FunctionTracer(WORKLOAD, TracerConfig(memory_tracking=True))
    with tracer:
        assert tracemalloc.is_tracing()
        workload.comprehensions(50)
    assert not tracemalloc.is_tracing()  # started by the tracer, stopped by it
    events = tracer.get_events()
    assert all(isinstance(e.memory_usage, Bytes) for e in events if e.event_type != "line")
    assert repr(events[0].memory_usage) == "Bytes(...)"
    memory = tracer.get_metrics()["memory_usage"]
    assert set(memory) == {"start", "end", "peak"}
    assert memory["peak"] >= memory["start"] > 0


def test_memory_tracking_keeps_a_running_tracemalloc(workload):
    tracemalloc.start()
    try:
        with FunctionTracer(WORKLOAD, TracerConfig(memory_tracking=True)):
            workload.square(1)
        assert tracemalloc.is_tracing()
    finally:
        tracemalloc.stop()


LINES_TREE = """\
snapytrace_workload.validate_all(values=<list>) -> <list>
  locals: values=[-1], out=[None], value=-1
  line 37
  line 38
  line 39
  line 40
  snapytrace_workload.validate(value=-1) !! raised snapytrace_workload.ValidationError: negative: -1
    locals: value=-1
    line 31
    line 32
  line 41
  line 42
  line 38
  line 43"""


def test_line_tracing_and_locals_are_the_same_everywhere(workload):
    tracer = FunctionTracer(WORKLOAD, TracerConfig(enable_line_tracing=True, capture_locals=True))
    with tracer:
        workload.validate_all([-1])
    assert tracer.format_trace() == LINES_TREE


class Sampling(FunctionTracer):
    def __init__(self, rate, seed):
        super().__init__(WORKLOAD)
        self.rate = rate
        self.random = random.Random(seed)
        self.asked = 0

    def should_trace_call(self, frame, event, arg):
        self.asked += 1
        assert event == "call"
        assert arg is None
        if self.random.random() > self.rate:
            return False
        return super().should_trace_call(frame, event, arg)


def test_should_trace_call_override_samples_calls(workload):
    tracer = Sampling(rate=0.5, seed=1)
    with tracer:
        workload.fib(8)
        list(workload.countdown(5))
    events = tracer.get_events()
    calls = [e for e in events if e.is_call_event()]
    assert tracer.asked == 67 + 1  # once per call, never per resume or return
    assert 10 < len(calls) < 60
    # a skipped call takes its exits and resumes with it: the recorded tree is consistent
    entries = sum(e.is_entry_event() for e in events)
    exits = sum(e.is_exit_event() for e in events)
    assert entries == exits
    assert all(e.function_name in {"fib", "countdown"} for e in events)


def test_should_trace_call_override_can_reject_one_function(workload):
    class NoSquares(FunctionTracer):
        def should_trace_call(self, frame, event, arg):
            return frame.f_code.co_name != "square" and super().should_trace_call(frame, event, arg)

    tracer = NoSquares(WORKLOAD)
    with tracer:
        workload.comprehensions(2)
    assert "square" not in tracer.format_trace()
    assert "<genexpr>" in tracer.format_trace()


def test_the_override_point_costs_nothing_when_not_overridden(workload):
    tracer = FunctionTracer(WORKLOAD)
    with tracer:
        source = tracer._engine.source
    assert "should_trace" not in source
    assert "skipped" not in source
    sampling = Sampling(rate=1.0, seed=0)
    with sampling:
        assert "should_trace" in sampling._engine.source


def test_hooks_are_released_when_the_block_raises(workload):
    before = sys.gettrace()
    tracer = FunctionTracer(WORKLOAD, TracerConfig(memory_tracking=True))
    with pytest.raises(workload.ValidationError), tracer:
        workload.must_validate(-1)
    assert not tracer.is_running
    assert sys.gettrace() is before
    assert not tracemalloc.is_tracing()
    if sys.version_info >= (3, 12):
        assert all(sys.monitoring.get_tool(tool) is None for tool in (3, 4))
    assert tracer.get_events()[-1].exception_type == "snapytrace_workload.ValidationError"


def test_start_stop_periods_add_up_and_clear_forgets(workload):
    tracer = FunctionTracer(WORKLOAD, TracerConfig(auto_cleanup=False))
    tracer.start()
    workload.square(1)
    tracer.stop()
    workload.square(2)  # not traced
    with tracer:
        workload.square(3)
    assert [e.args for e in tracer.get_events() if e.is_call_event()] == [{"i": "1"}, {"i": "3"}]
    tracer.clear()
    assert tracer.get_events() == []
    tracer.close()


def test_nested_tracers_both_record(workload):
    outer = FunctionTracer(WORKLOAD)
    inner = FunctionTracer(WORKLOAD, TracerConfig(detail_level="minimal"))
    with outer:
        workload.square(1)
        with inner:
            workload.fib(2)
        workload.square(2)
    assert [e.qualname for e in outer.get_events() if e.is_call_event()] == [
        "square",
        "fib",
        "fib",
        "fib",
        "square",
    ]
    assert [e.qualname for e in inner.get_events() if e.is_call_event()] == ["fib"] * 3


def test_tracers_one_after_another_with_other_filters(workload):
    """Code a first tracer switched off (DISABLE on 3.12+) is seen by the next one."""
    first = FunctionTracer(["snapytrace_workload.nothing_here"])
    with first:
        workload.fib(2)
    assert first.get_events() == []
    second = FunctionTracer(WORKLOAD)
    with second:
        workload.fib(2)
    assert len(second.get_events()) == 6


def test_a_module_imported_while_tracing_is_traced(tmp_path):
    (tmp_path / "snapytrace_late_module.py").write_text(
        "def late(x):\n    return helper(x) + 1\n\ndef helper(x):\n    return x * 2\n"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        tracer = FunctionTracer(["snapytrace_late_*"])
        with tracer:
            module = importlib.import_module("snapytrace_late_module")
            module.late(1)
            module.late(2)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("snapytrace_late_module", None)
    assert tracer.format_trace() == (
        "snapytrace_late_module.<module>() -> None\n"
        "snapytrace_late_module.late(x=1) -> 3\n"
        "  snapytrace_late_module.helper(x=1) -> 2\n"
        "snapytrace_late_module.late(x=2) -> 5\n"
        "  snapytrace_late_module.helper(x=2) -> 4"
    )


def test_code_created_while_tracing_in_a_traced_module(workload):
    namespace = {"__name__": "snapytrace_workload"}
    tracer = FunctionTracer(WORKLOAD)
    with tracer:
        exec(compile("def made_later(x):\n    return x + 1\n", "<generated>", "exec"), namespace)
        namespace["made_later"](1)
    assert "snapytrace_workload.made_later(x=1) -> 2" in tracer.format_trace()


def test_the_default_scope_is_your_code(workload):
    tracer = FunctionTracer()
    with tracer:
        json.dumps({"a": [workload.square(2)]})
    functions = {e.function for e in tracer.get_events()}
    assert "snapytrace_workload.square" in functions
    assert not any(name.startswith(("json", "snapy_")) for name in functions)


def test_compression_gives_the_same_events(workload):
    plain = FunctionTracer(WORKLOAD, TracerConfig(detail_level="verbose"))
    packed = FunctionTracer(WORKLOAD, TracerConfig(detail_level="verbose", compression=True))
    for tracer in (plain, packed):
        with tracer:
            workload.everything()
    assert packed._decoded().packed
    assert packed.get_events() == plain.get_events()
    assert packed.format_trace() == plain.format_trace()
    assert packed.get_metrics()["total_calls"] == plain.get_metrics()["total_calls"]
    durations = [e.duration for e in packed.get_events()]
    assert durations == [e.duration for e in packed.get_events()]
    assert packed._decoded().size_hint()["bytes"] < plain._decoded().size_hint()["bytes"]


def test_bad_configuration_is_explained():
    with pytest.raises(ConfigError, match="detail level"):
        TracerConfig(detail_level="everything")
    with pytest.raises(ConfigError, match="positive integer"):
        TracerConfig(max_events=0)
    with pytest.raises(ConfigError, match="True or False"):
        TracerConfig(memory_tracking="yes")  # type: ignore[arg-type]
    with pytest.raises(TraceError, match="TracerConfig"):
        FunctionTracer(WORKLOAD, config={"max_events": 3})  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="module pattern"):
        FunctionTracer(["my app/*"])
    with pytest.raises(TraceError, match="unknown format"):
        FunctionTracer(WORKLOAD).format_trace("svg")


def test_an_exception_through_a_comprehension(workload):
    """Comprehensions are frames before 3.12 only; the calls are the same everywhere."""
    tracer = FunctionTracer(WORKLOAD)
    with pytest.raises(workload.ValidationError), tracer:
        workload.validate_each([1, -1])
    assert tracer.format_trace() == (
        "snapytrace_workload.validate_each(values=<list>) !! propagated "
        "snapytrace_workload.ValidationError: negative: -1\n"
        "  snapytrace_workload.validate(value=1) -> 1\n"
        "  snapytrace_workload.validate(value=-1) !! raised snapytrace_workload.ValidationError:"
        " negative: -1"
    )


def test_lines_of_a_comprehension_belong_to_its_function(workload):
    """Line events follow each interpreter's line tracing (around comprehensions and
    exception handlers they differ between versions); they are never attributed to a
    comprehension frame."""
    tracer = FunctionTracer(WORKLOAD, TracerConfig(enable_line_tracing=True))
    with pytest.raises(workload.ValidationError), tracer:
        workload.validate_each([1, -1])
    lines = [(e.qualname, e.lineno, e.depth) for e in tracer.get_events() if e.event_type == "line"]
    comprehension_line = workload.validate_each.__code__.co_firstlineno + 1
    assert {name for name, *_ in lines} == {"validate_each", "validate"}
    assert {(line, depth) for name, line, depth in lines if name == "validate_each"} == {
        (comprehension_line, 0)
    }


def test_a_forgotten_tracer_releases_its_hooks_when_collected(workload):
    tracer = FunctionTracer(WORKLOAD)
    tracer.start()
    workload.square(1)
    del tracer
    gc.collect()
    assert sys.gettrace() is None
    if sys.version_info >= (3, 12):
        assert all(sys.monitoring.get_tool(tool) is None for tool in (3, 4))


@pytest.mark.slow
def test_a_tracer_running_at_exit_is_stopped_and_its_sinks_written(tmp_path, samples_path):
    script = tmp_path / "forgets.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(samples_path)!r})\n"
        "import snapytrace_workload\n"
        "from snapy_trace import FunctionTracer, TracerConfig\n"
        f"sink = {{'name': 'jsonl', 'path': {str(tmp_path / 'events.jsonl')!r}}}\n"
        "tracer = FunctionTracer(['snapytrace_workload'], TracerConfig(sinks=[sink]))\n"
        "tracer.start()\n"
        "snapytrace_workload.fib(2)\n"
        "KEEP = tracer  # still referenced, still running when the interpreter exits\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    events = [
        json.loads(line)["event"] for line in (tmp_path / "events.jsonl").read_text().splitlines()
    ]
    assert events == ["call", "call", "return", "call", "return", "return"]


@pytest.mark.parametrize("detail_level", ["minimal", "standard", "verbose"])
def test_every_optional_slot_at_once(workload, everything_tree, detail_level):
    """Thread ids, task slots, values, locals and memory figures together decode to the
    same calls, on both engines' record layouts."""
    config = TracerConfig(
        detail_level=detail_level,
        trace_all_threads=True,
        capture_locals=True,
        memory_tracking=True,
    )
    tracer = FunctionTracer(WORKLOAD, config)
    with tracer:
        workload.everything()
    events = tracer.get_events()
    assert all(e.memory_usage is not None for e in events)
    assert all(e.locals is not None for e in events if e.is_exit_event())
    plain = FunctionTracer(WORKLOAD, TracerConfig(detail_level=detail_level))
    with plain:
        workload.everything()
    shape = [(e.event_type, e.function, e.depth, e.task_name) for e in events]
    assert shape == [(e.event_type, e.function, e.depth, e.task_name) for e in plain.get_events()]
    if detail_level == "standard":
        lines = [
            line
            for line in tracer.format_trace().splitlines()
            if not line.lstrip().startswith("locals:")
        ]
        assert "\n".join(lines) == everything_tree


GENERATED_METHODS = """
import dataclasses

import attrs


@dataclasses.dataclass
class Point:
    x: int
    y: int


@attrs.define
class Box:
    width: int


def build():
    return Point(1, 2) == Point(1, 2), Box(3)
"""


def test_generated_methods_are_named_after_their_class(tmp_path, monkeypatch):
    """dataclass / attrs methods: the same names on every Python (co_qualname differs)."""
    (tmp_path / "snapytrace_generated.py").write_text(GENERATED_METHODS)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("snapytrace_generated")
    tracer = FunctionTracer(filter_modules=["snapytrace_generated"])
    with tracer:
        module.build()
    calls = [event.qualname for event in tracer.get_events() if event.is_call_event()]
    assert calls == ["build", "Point.__init__", "Point.__init__", "Point.__eq__", "Box.__init__"]


TRACE_EVERYTHING = """
from snapy_trace import FunctionTracer, TracerConfig

def work(x):
    return x + 1

for max_events in (1000, None):
    tracer = FunctionTracer(filter_modules=["*"], config=TracerConfig(max_events=max_events))
    with tracer:
        work(1)
    print(sorted({event.function for event in tracer.get_events()}))
"""


def test_a_tracer_of_everything_records_nothing_of_its_own():
    """Its helper thread starts, and it registers itself, before the hooks go on."""
    done = subprocess.run(
        [sys.executable, "-c", TRACE_EVERYTHING], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["['__main__.work']"] * 2
