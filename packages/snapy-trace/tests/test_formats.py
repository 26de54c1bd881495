"""format_trace(): tree, flat, json and chrome (validated against the Trace Event Format).

Loading the chrome output in Perfetto's trace processor (``pip install perfetto``) was
tried: the package installs, but ``TraceProcessor`` downloads its ``trace_processor_shell``
binary from storage.googleapis.com at first use, which this environment cannot reach. The
validator below, written from the format's specification, is the check.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

from snapy_trace import FunctionTracer, TracerConfig

WORKLOAD = ["snapytrace_workload"]

# Trace Event Format (https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU):
# phases, metadata event names and instant-event scopes defined by the format.
PHASES = set("BEXiICbneSTpFsftPNODMVvRc()") | {"I"}
METADATA_NAMES = {
    "process_name",
    "process_labels",
    "process_sort_index",
    "thread_name",
    "thread_sort_index",
}


def validate_trace_event_format(document: Any) -> list[dict[str, Any]]:
    """Check a JSON Object Format trace; returns its events. Raises AssertionError."""
    assert isinstance(document, dict), "the object format is a JSON object"
    events = document["traceEvents"]
    assert isinstance(events, list)
    assert document.get("displayTimeUnit", "ms") in ("ms", "ns")
    open_begins: dict[tuple[int, int], list[dict[str, Any]]] = {}
    slices: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for event in events:
        assert isinstance(event, dict)
        assert isinstance(event.get("name"), str), event
        assert event["name"], event
        phase = event.get("ph")
        assert phase in PHASES, f"unknown phase {phase!r}"
        assert isinstance(event.get("pid"), int), event
        assert isinstance(event.get("tid"), int), event
        if "cat" in event:
            assert isinstance(event["cat"], str)
        if "args" in event:
            assert isinstance(event["args"], dict)
        if phase == "M":
            assert event["name"] in METADATA_NAMES, event
            assert "name" in event["args"] or "sort_index" in event["args"]
            continue
        ts = event.get("ts")
        assert isinstance(ts, (int, float)), f"ts in microseconds: {event}"
        assert ts >= 0, event
        track = (event["pid"], event["tid"])
        if phase == "X":
            dur = event.get("dur")
            assert isinstance(dur, (int, float)), f"X needs dur: {event}"
            assert dur >= 0, event
            slices.setdefault(track, []).append((ts, ts + dur))
        elif phase == "B":
            open_begins.setdefault(track, []).append(event)
        elif phase == "E":
            assert open_begins.get(track), f"E without B: {event}"
            open_begins[track].pop()
        elif phase in "iI":
            assert event.get("s", "t") in ("g", "p", "t")
    # complete events on one thread must nest (Perfetto rejects overlapping slices)
    for intervals in slices.values():
        intervals.sort(key=lambda item: (item[0], -item[1]))
        stack: list[tuple[float, float]] = []
        for start, end in intervals:
            while stack and stack[-1][1] <= start + 1e-3:
                stack.pop()
            if stack:
                assert end <= stack[-1][1] + 1e-3, f"overlapping slices {stack[-1]} {(start, end)}"
            stack.append((start, end))
    return events


def test_chrome_trace_is_valid_trace_event_format(workload):
    tracer = FunctionTracer(
        WORKLOAD, TracerConfig(trace_all_threads=True, enable_line_tracing=True)
    )
    with tracer:
        workload.everything()
        workload.run_threads(2, 3)
    document = json.loads(tracer.format_trace("chrome"))
    events = validate_trace_event_format(document)
    phases = {event["ph"] for event in events}
    assert {"M", "X", "i"} <= phases
    threads = {e["args"]["name"] for e in events if e["name"] == "thread_name"}
    assert len(threads) == 3
    fib = [e for e in events if e["ph"] == "X" and e["name"] == "snapytrace_workload.fib"]
    assert len(fib) == 5 + 2 * (1 + 1 + 3)  # fib(3); fib(0..2) in two threads
    top = next(e for e in events if e["name"] == "snapytrace_workload.everything")
    assert top["dur"] > 0
    assert top["args"] == {"return": "None"}
    raised = next(e for e in events if "exception" in e.get("args", {}))
    assert raised["args"]["exception"].startswith("snapytrace_workload.ValidationError")
    assert document["otherData"]["truncated"] is False


def test_chrome_trace_of_a_truncated_trace_has_open_slices(workload):
    tracer = FunctionTracer(WORKLOAD, TracerConfig(max_events=4))
    with tracer:
        workload.fib(4)
    document = json.loads(tracer.format_trace("chrome"))
    events = validate_trace_event_format(document)
    assert [e["ph"] for e in events if e["ph"] != "M"] == ["B"] * 4  # 4 calls, no exit yet
    assert document["otherData"] == {
        "producer": "snapy-trace",
        "dropped_events": 14,
        "truncated": True,
    }


def test_flat(workload):
    tracer = FunctionTracer(WORKLOAD)
    with tracer:
        workload.must_validate(3)
        list(workload.countdown(1))
    assert tracer.format_trace("flat") == (
        "call      snapytrace_workload.must_validate(value=3)\n"
        "call        snapytrace_workload.validate(value=3)\n"
        "return      snapytrace_workload.validate -> 3\n"
        "return    snapytrace_workload.must_validate -> 3\n"
        "call      snapytrace_workload.countdown(n=1)\n"
        "yield     snapytrace_workload.countdown => yield 1\n"
        "resume    snapytrace_workload.countdown (resumed)\n"
        "return    snapytrace_workload.countdown -> 'liftoff'"
    )


def test_json_is_deterministic_unless_timings_are_asked_for(workload):
    tracer = FunctionTracer(WORKLOAD)
    with tracer, contextlib.suppress(workload.ValidationError):
        workload.must_validate(-1)
    document = json.loads(tracer.format_trace("json"))
    assert document["dropped_events"] == 0
    assert document["truncated"] is False
    assert document["events"][0] == {
        "event": "call",
        "module": "snapytrace_workload",
        "qualname": "must_validate",
        "line": workload.must_validate.__code__.co_firstlineno,
        "depth": 0,
        "thread": 0,
        "args": {"value": "-1"},
    }
    assert document["events"][-1]["exception"] == {
        "type": "snapytrace_workload.ValidationError",
        "message": "negative: -1",
        "origin": "propagated",
    }
    assert "timestamp" not in json.dumps(document)
    timed = json.loads(tracer.format_trace("json", timings=True))
    assert all("timestamp" in event for event in timed["events"])
    assert timed["events"][-1]["duration"] > 0


def test_tree_timings_on_request(workload):
    tracer = FunctionTracer(WORKLOAD)
    with tracer:
        workload.square(2)
    assert tracer.format_trace() == "snapytrace_workload.square(i=2) -> 4"
    assert re.fullmatch(
        r"snapytrace_workload\.square\(i=2\) -> 4 \[\d+\.\d{3} ms\]",
        tracer.format_trace("tree", timings=True),
    )
