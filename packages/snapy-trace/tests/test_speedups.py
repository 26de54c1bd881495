"""The C recorder (``snapy_trace._speedups``): built, chosen, and writing what Python does.

Every other test of this package runs once per recorder (``conftest.recorder``); these
check the choice itself and compare the two recorders' traces directly.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import threading

import pytest

from snapy_core.errors import TraceWarning
from snapy_trace import FunctionTracer, TracerConfig

WORKLOAD = ["snapytrace_workload"]


@pytest.mark.own_recorders
def test_the_c_recorder_is_built_in_this_environment():
    """The build hook compiles it wherever a compiler and the Python headers are (the
    development and CI environments); only SNAPY_TRACE_BUILD_EXTENSION=0 leaves it out."""
    if os.environ.get("SNAPY_TRACE_BUILD_EXTENSION") == "0":
        pytest.skip("SNAPY_TRACE_BUILD_EXTENSION=0: built without the C recorder on purpose")
    from snapy_trace import _speedups

    assert _speedups.Recorder.__module__ == "snapy_trace._speedups"


def _trace(workload, recorder: str, monkeypatch, **config):
    monkeypatch.setenv("SNAPY_TRACE_RECORDER", recorder)
    tracer = FunctionTracer(WORKLOAD, TracerConfig(**config))
    with tracer:
        workload.everything()
        workload.run_threads(2, 3)
    return tracer


@pytest.mark.own_recorders
@pytest.mark.parametrize("detail", ["minimal", "standard"])
@pytest.mark.parametrize("all_threads", [False, True], ids=["calling thread", "all threads"])
def test_both_recorders_write_the_same_trace(workload, monkeypatch, recorder, detail, all_threads):
    config = {"detail_level": detail, "trace_all_threads": all_threads}
    in_c = _trace(workload, "c", monkeypatch, **config)
    in_python = _trace(workload, "python", monkeypatch, **config)
    assert (in_c.recorder, in_python.recorder) == ("C", "Python")

    def seen(tracer: FunctionTracer) -> list[tuple[object, ...]]:
        return [
            (e.event_type, e.function, e.depth, e.args, e.return_value, e.exception_type)
            for e in tracer.get_events()
        ]

    assert seen(in_c) == seen(in_python)
    assert in_c.format_trace() == in_python.format_trace()
    counts_c = {name: f["calls"] for name, f in in_c.get_metrics()["functions"].items()}
    counts_py = {name: f["calls"] for name, f in in_python.get_metrics()["functions"].items()}
    assert counts_c == counts_py


@pytest.mark.parametrize(
    "config",
    [
        {"detail_level": "verbose"},
        {"memory_tracking": True},
        {"capture_locals": True},
        {"enable_line_tracing": True},
    ],
    ids=lambda config: next(iter(config)),
)
def test_configurations_the_c_recorder_does_not_write_use_python(workload, recorder, config):
    tracer = FunctionTracer(WORKLOAD, TracerConfig(**config))
    with tracer:
        workload.fib(2)
    assert tracer.recorder == "Python"
    assert [e.event_type for e in tracer.get_events()].count("call") == 3


def test_an_overridden_should_trace_call_uses_python(workload, recorder):
    class EveryOther(FunctionTracer):
        def should_trace_call(self, frame, event, arg):
            return frame.f_locals.get("n", 0) != 1

    tracer = EveryOther(WORKLOAD)
    with tracer:
        workload.fib(2)
    assert tracer.recorder == "Python"
    assert [e.args for e in tracer.get_events() if e.is_call_event()] == [{"n": "2"}, {"n": "0"}]


def test_the_variable_chooses_the_recorder(workload, recorder):
    tracer = FunctionTracer(WORKLOAD, TracerConfig(detail_level="minimal"))
    with tracer:
        workload.fib(1)
    assert tracer.recorder == {"c": "C", "python": "Python"}[recorder]


def test_an_unknown_choice_warns_and_uses_auto(workload, monkeypatch, recorder):
    monkeypatch.setenv("SNAPY_TRACE_RECORDER", "fastest")
    tracer = FunctionTracer(WORKLOAD)
    with pytest.warns(TraceWarning, match=r"SNAPY_TRACE_RECORDER='fastest' is not one of auto, c"):
        tracer.start()
    tracer.stop()
    built = importlib.util.find_spec("snapy_trace._speedups") is not None
    assert tracer.recorder == ("C" if built else "Python")  # auto: C where it is built


@pytest.mark.own_recorders
def test_asking_for_c_where_it_is_not_built_says_how_to_get_it(tmp_path, recorder):
    """A fresh interpreter where the extension cannot be imported (a file of the same name
    that is not one shadows it): ``SNAPY_TRACE_RECORDER=c`` is a clear error, and the
    default quietly records in Python."""
    script = (
        "import sys\n"
        "sys.modules['snapy_trace._speedups'] = None\n"  # import now raises ImportError
        "from snapy_trace import FunctionTracer\n"
        "tracer = FunctionTracer(['json'])\n"
        "try:\n"
        "    tracer.start()\n"
        "except Exception as error:\n"
        "    print(type(error).__name__, error)\n"
        "else:\n"
        "    tracer.stop()\n"
        "    print('recorder', tracer.recorder)\n"
    )
    env = dict(os.environ, SNAPY_TRACE_RECORDER="c")
    strict = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert "TraceError SNAPY_TRACE_RECORDER=c, but snapy_trace._speedups is not built" in (
        strict.stdout
    )
    assert "SNAPY_TRACE_BUILD_EXTENSION" in strict.stdout
    assert "--no-binary snapy-trace" in strict.stdout
    env["SNAPY_TRACE_RECORDER"] = "auto"
    quiet = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert quiet.stdout.strip() == "recorder Python"


@pytest.mark.own_recorders
def test_the_recorder_rejects_what_it_cannot_record(recorder):
    from snapy_trace._speedups import Recorder

    with pytest.raises(TypeError, match="needs buffer"):
        Recorder()
    common = {
        "buffer": [],
        "atomic": frozenset({int}),
        "current_task": lambda: None,
        "perf_counter": lambda: 0.0,
        "thread": threading.get_ident(),
        "check_thread": False,
        "with_thread": False,
        "tasks": False,
        "c_clock": True,
        "resume": 1,
        "yield_": 3,
    }
    with pytest.raises(ValueError, match="minimal and standard detail levels, not 'verbose'"):
        Recorder(detail="verbose", **common)
    with pytest.raises(TypeError, match="settrace recording needs kept and rejected sets"):
        Recorder(detail="minimal", kept=set(), **common)
    code = test_the_recorder_rejects_what_it_cannot_record.__code__
    frame = sys._getframe()
    with pytest.raises(TypeError, match="not initialised"):
        Recorder.__new__(Recorder).on_start(code, 0)
    monitoring_only = Recorder(detail="minimal", **common)
    with pytest.raises(TypeError, match=r"made for sys\.monitoring: it has no settrace"):
        monitoring_only.trace_local(frame, "return", None)
    with pytest.raises(TypeError, match=r"made for sys\.monitoring: it has no settrace"):
        monitoring_only(frame, "call", None)
    with pytest.raises(TypeError, match=r"Recorder.on_start\(code, offset\): wrong arguments"):
        monitoring_only.on_start("not code", 0)
    assert common["buffer"] == []  # nothing recorded by calls that were refused


def test_a_raising_traced_call_is_unchanged(workload, recorder):
    tracer = FunctionTracer(WORKLOAD)
    with tracer, pytest.raises(workload.ValidationError, match="negative: -2"):
        workload.must_validate(-2)
    last = tracer.get_events()[-1]
    assert (last.event_type, last.exception_origin) == ("exception", "propagated")


def test_a_trace_function_put_back_by_another_tool_keeps_recording(workload, recorder):
    """Debuggers and coverage save ``sys.gettrace()`` and put it back later. On 3.10 the C
    recorder is the C-level trace function itself, and gettrace() returns the recorder:
    put back with ``sys.settrace`` it still records (it is callable like a trace
    function)."""
    tracer = FunctionTracer(WORKLOAD, TracerConfig(detail_level="minimal"))
    with tracer:
        saved = sys.gettrace()
        sys.settrace(None)
        workload.fib(1)  # no hook: not recorded
        sys.settrace(saved)
        workload.fib(2)
    calls = [e.qualname for e in tracer.get_events() if e.is_call_event()]
    if sys.version_info >= (3, 12):
        assert calls == ["fib"] * 4  # sys.monitoring does not use settrace at all
    else:
        assert calls == ["fib"] * 3
        assert callable(saved)
