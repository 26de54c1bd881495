"""Trace sinks: built-in JSON lines and Chrome trace files, plugins through the hook."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator

import pytest

from snapy_core import get_plugin_manager, hookimpl, reset_plugin_manager
from snapy_core.errors import ConfigError, TraceError, TraceWarning
from snapy_trace import FunctionTracer, TracerConfig
from snapy_trace._sinks import registered_sinks

WORKLOAD = ["snapytrace_workload"]


def test_builtin_sinks_are_registered_through_the_hook():
    sinks = registered_sinks()
    assert {"jsonl", "chrome"} <= set(sinks)


def test_jsonl_sink(workload, tmp_path):
    path = tmp_path / "traces" / "run.jsonl"
    tracer = FunctionTracer(WORKLOAD, TracerConfig(sinks=[{"name": "jsonl", "path": path}]))
    with tracer:
        workload.fib(2)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["event"] for line in lines] == [
        "call",
        "call",
        "return",
        "call",
        "return",
        "return",
    ]
    assert lines[0]["args"] == {"n": "2"}
    assert lines[-1]["value"] == "1"
    assert lines[-1]["duration"] > 0
    assert "timestamp" in lines[0]


def test_sinks_get_every_period_once(workload, tmp_path):
    path = tmp_path / "run.jsonl"
    tracer = FunctionTracer(WORKLOAD, TracerConfig(sinks=f"jsonl:{path}", auto_cleanup=False))
    with tracer:
        workload.square(1)
    with tracer:
        workload.square(2)
    tracer.close()
    values = [json.loads(line).get("value") for line in path.read_text().splitlines()]
    assert values == [None, "1", None, "4"]


def test_chrome_sink_with_compression(workload, tmp_path):
    path = tmp_path / "run.json"
    config = TracerConfig(
        sinks=[{"name": "chrome", "path": path}, f"jsonl:{tmp_path}/e.jsonl"], compression=True
    )
    with FunctionTracer(WORKLOAD, config):
        workload.fib(3)
    with gzip.open(tmp_path / "run.json.gz", "rt") as file:
        document = json.load(file)
    slices = [e for e in document["traceEvents"] if e["ph"] == "X"]
    assert len(slices) == 5
    with gzip.open(tmp_path / "e.jsonl.gz", "rt") as file:
        assert len(file.read().splitlines()) == 10
    assert not path.exists()


def test_a_sink_object(workload):
    class Collect:
        def __init__(self):
            self.batches = []
            self.closed = False

        def write(self, events):
            self.batches.append([e.event_type for e in events])

        def close(self):
            self.closed = True

    sink = Collect()
    with FunctionTracer(WORKLOAD, TracerConfig(sinks=[sink])):
        workload.square(1)
    assert sink.batches == [["call", "return"]]
    assert sink.closed


class CountingSinkPlugin:
    """A third-party plugin offering a sink; counts how often its hook is asked."""

    hook_calls = 0
    written: list[str] = []

    @hookimpl
    def snapy_register_trace_sinks(self, register):
        type(self).hook_calls += 1

        class MemorySink:
            def __init__(self, prefix="event"):
                self.prefix = prefix

            def write(self, events):
                CountingSinkPlugin.written.extend(f"{self.prefix}:{e.event_type}" for e in events)

            def close(self):
                CountingSinkPlugin.written.append("closed")

        register("memory", MemorySink)


@pytest.fixture
def counting_plugin() -> Iterator[type[CountingSinkPlugin]]:
    reset_plugin_manager()
    get_plugin_manager().register(CountingSinkPlugin(), name="counting-sink")
    CountingSinkPlugin.hook_calls = 0
    CountingSinkPlugin.written = []
    yield CountingSinkPlugin
    reset_plugin_manager()


def test_plugin_sinks_are_resolved_once_never_per_event(workload, counting_plugin):
    config = TracerConfig(sinks=[{"name": "memory", "prefix": "e"}])
    tracer = FunctionTracer(WORKLOAD, config)
    with tracer:
        workload.fib(10)  # 177 calls
    assert counting_plugin.hook_calls == 1
    assert counting_plugin.written.count("e:call") == 177
    assert counting_plugin.written[-1] == "closed"


def test_unknown_sinks_are_explained(workload, counting_plugin):
    with pytest.raises(
        TraceError,
        match=r"no trace sink named 'nope'; available: chrome, "
        r"jsonl, memory",
    ):
        FunctionTracer(WORKLOAD, TracerConfig(sinks=["nope"])).start()
    with pytest.raises(ConfigError, match="needs a path"):
        FunctionTracer(WORKLOAD, TracerConfig(sinks=["jsonl"])).start()
    with pytest.raises(ConfigError, match="sink is a registered name"):
        FunctionTracer(WORKLOAD, TracerConfig(sinks=[42])).start()


def test_a_failing_sink_never_breaks_the_program(workload, tmp_path):
    class Broken:
        def write(self, events):
            raise OSError(28, "No space left on device")

        def close(self):
            pass

    tracer = FunctionTracer(WORKLOAD, TracerConfig(sinks=[Broken()]))
    with pytest.warns(TraceWarning, match="No space left on device"), tracer:
        assert workload.square(3) == 9
    assert len(tracer.get_events()) == 2
