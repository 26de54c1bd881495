"""``snapy trace show``: snapy-trace's JSON-lines and Chrome trace files as call trees."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from snapy_capture._cli import main

SNAPY = Path(sys.executable).parent / ("snapy.exe" if os.name == "nt" else "snapy")

# What snapy-trace's sinks write (TraceEvent.to_dict(timings=True) per line, and
# chrome_trace()): a call tree main -> load -> parse x2, main -> save raising.
JSONL_EVENTS = [
    {
        "event": "call",
        "module": "app",
        "qualname": "main",
        "depth": 0,
        "thread": 0,
        "timestamp": 0.0,
        "thread_id": 1,
        "thread_name": "MainThread",
    },
    {
        "event": "call",
        "module": "app.io",
        "qualname": "load",
        "depth": 1,
        "thread": 0,
        "timestamp": 0.001,
        "thread_id": 1,
        "thread_name": "MainThread",
    },
    {
        "event": "line",
        "module": "app.io",
        "qualname": "load",
        "line": 3,
        "depth": 1,
        "thread": 0,
        "timestamp": 0.0011,
        "thread_id": 1,
        "thread_name": "MainThread",
    },
    {
        "event": "call",
        "module": "app.io",
        "qualname": "parse",
        "depth": 2,
        "thread": 0,
        "timestamp": 0.002,
        "thread_id": 1,
        "thread_name": "MainThread",
    },
    {
        "event": "return",
        "module": "app.io",
        "qualname": "parse",
        "depth": 2,
        "thread": 0,
        "timestamp": 0.003,
        "duration": 0.001,
        "value": "1",
        "thread_id": 1,
        "thread_name": "MainThread",
    },
    {
        "event": "call",
        "module": "app.io",
        "qualname": "parse",
        "depth": 2,
        "thread": 0,
        "timestamp": 0.004,
        "thread_id": 1,
        "thread_name": "MainThread",
    },
    {
        "event": "return",
        "module": "app.io",
        "qualname": "parse",
        "depth": 2,
        "thread": 0,
        "timestamp": 0.005,
        "duration": 0.001,
        "value": "2",
        "thread_id": 1,
        "thread_name": "MainThread",
    },
    {
        "event": "return",
        "module": "app.io",
        "qualname": "load",
        "depth": 1,
        "thread": 0,
        "timestamp": 0.006,
        "duration": 0.005,
        "thread_id": 1,
        "thread_name": "MainThread",
    },
    {
        "event": "call",
        "module": "app.io",
        "qualname": "save",
        "depth": 1,
        "thread": 0,
        "timestamp": 0.007,
        "thread_id": 1,
        "thread_name": "MainThread",
    },
    {
        "event": "exception",
        "module": "app.io",
        "qualname": "save",
        "depth": 1,
        "thread": 0,
        "timestamp": 0.009,
        "duration": 0.002,
        "exception": {"type": "OSError", "message": "disk full", "origin": "raised"},
        "thread_id": 1,
        "thread_name": "MainThread",
    },
    {
        "event": "exception",
        "module": "app",
        "qualname": "main",
        "depth": 0,
        "thread": 0,
        "timestamp": 0.010,
        "duration": 0.010,
        "exception": {"type": "OSError", "message": "disk full", "origin": "propagated"},
        "thread_id": 1,
        "thread_name": "MainThread",
    },
]

CHROME = {
    "traceEvents": [
        {
            "name": "process_name",
            "ph": "M",
            "pid": 7,
            "tid": 0,
            "ts": 0,
            "args": {"name": "snapy-trace"},
        },
        {
            "name": "thread_name",
            "ph": "M",
            "pid": 7,
            "tid": 0,
            "ts": 0,
            "args": {"name": "MainThread"},
        },
        {
            "name": "main",
            "cat": "call",
            "ph": "X",
            "pid": 7,
            "tid": 0,
            "ts": 0.0,
            "dur": 10000.0,
            "args": {"exception": "OSError: disk full"},
        },
        {
            "name": "load",
            "cat": "call",
            "ph": "X",
            "pid": 7,
            "tid": 0,
            "ts": 1000.0,
            "dur": 5000.0,
            "args": {},
        },
        {
            "name": "parse",
            "cat": "call",
            "ph": "X",
            "pid": 7,
            "tid": 0,
            "ts": 2000.0,
            "dur": 1000.0,
            "args": {"return": "1"},
        },
        {
            "name": "parse",
            "cat": "call",
            "ph": "X",
            "pid": 7,
            "tid": 0,
            "ts": 4000.0,
            "dur": 1000.0,
            "args": {"return": "2"},
        },
        {
            "name": "save",
            "cat": "call",
            "ph": "X",
            "pid": 7,
            "tid": 0,
            "ts": 7000.0,
            "dur": 2000.0,
            "args": {"exception": "OSError: disk full"},
        },
        {"name": "line 3", "cat": "line", "ph": "i", "s": "t", "pid": 7, "tid": 0, "ts": 1100.0},
        {"name": "worker", "cat": "call", "ph": "B", "pid": 7, "tid": 1, "ts": 500.0, "args": {}},
    ],
    "displayTimeUnit": "ms",
}


def show(path: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["trace", "show", str(path), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_jsonl_trace_as_a_tree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trace = tmp_path / "trace.jsonl"
    trace.write_text("".join(json.dumps(event) + "\n" for event in JSONL_EVENTS))

    code, out, _ = show(trace, capsys=capsys)

    assert code == 0
    lines = [line.rstrip() for line in out.splitlines()]
    assert lines[1] == "thread MainThread"
    assert lines[2].startswith("└── app.main  10.00 ms  raised OSError: disk full")
    assert lines[3].startswith("    ├── app.io.load  5.00 ms")
    assert lines[4] == "    │   └── app.io.parse \u00d72  2.00 ms"
    assert lines[5].startswith("    └── app.io.save  2.00 ms  raised OSError: disk full")


def test_jsonl_trace_as_json_with_depth_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trace = tmp_path / "trace.jsonl.gz"
    with gzip.open(trace, "wt") as file:
        file.writelines(json.dumps(event) + "\n" for event in JSONL_EVENTS)

    code, out, _ = show(trace, "--json", "--max-depth", "1", "--no-durations", capsys=capsys)

    assert code == 0
    data = json.loads(out)
    assert data["format"] == "jsonl"
    assert data["events"] == len(JSONL_EVENTS)
    (thread,) = data["threads"]
    assert thread["calls"] == [
        {
            "name": "app.main",
            "error": "OSError: disk full",
            "children": [
                {"name": "app.io.load"},
                {"name": "app.io.save", "error": "OSError: disk full"},
            ],
        }
    ]


def test_chrome_trace_nests_complete_events_by_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trace = tmp_path / "trace.json"
    trace.write_text(json.dumps(CHROME))

    code, out, _ = show(trace, "--json", capsys=capsys)

    assert code == 0
    data = json.loads(out)
    assert data["format"] == "chrome"
    main_thread, worker = data["threads"]
    assert main_thread["thread"] == "MainThread (pid 7: snapy-trace)"
    (root,) = main_thread["calls"]
    assert root["name"] == "main"
    assert root["duration_ns"] == 10_000_000
    assert root["error"] == "OSError: disk full"
    assert [child["name"] for child in root["children"]] == ["load", "save"]
    load = root["children"][0]
    assert load["children"] == [{"name": "parse", "count": 2, "duration_ns": 2_000_000}]
    assert worker["calls"] == [{"name": "worker"}]  # begun, never ended: no duration


def test_trace_show_as_a_console_script(tmp_path: Path) -> None:
    trace = tmp_path / "trace.json"
    trace.write_text(json.dumps(CHROME["traceEvents"]))  # the bare array form
    result = subprocess.run(
        [str(SNAPY), "trace", "show", str(trace)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "Chrome trace, 9 events" in result.stdout
    assert "parse \u00d72" in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        ("not json at all\n", "line 1: not JSON"),
        ('{"event": "call"}\n[1, 2]\n', "line 2: expected a JSON object"),
        ('{"hello": "world"}\n', "no call or return events that snapy recognises"),
    ],
)
def test_unreadable_trace_files_are_explained(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    trace = tmp_path / "trace.jsonl"
    trace.write_text(content)

    code, out, err = show(trace, capsys=capsys)

    assert code == 1
    assert out == ""
    assert message in err


def test_missing_trace_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = show(tmp_path / "nope.json", capsys=capsys)
    assert code == 1
    assert "does not exist" in err


WORK = """
def parse(text):
    return int(text)


def load(lines):
    return [parse(line) for line in lines]


def save(values):
    raise OSError("disk full")


def main():
    values = load(["1", "2"])
    try:
        save(values)
    except OSError:
        pass
    return values
"""

TRACE_IT = """
from snapy_trace import FunctionTracer, TracerConfig

import work

config = TracerConfig(sinks=["jsonl:trace.jsonl", "chrome:trace.json"])
with FunctionTracer(filter_modules=["work"], config=config):
    work.main()
"""


def test_trace_files_written_by_snapy_trace(tmp_path: Path) -> None:
    (tmp_path / "work.py").write_text(WORK)
    subprocess.run([sys.executable, "-c", TRACE_IT], cwd=tmp_path, check=True, timeout=120)

    trees = {}
    for name in ("trace.jsonl", "trace.json"):
        result = subprocess.run(
            [str(SNAPY), "trace", "show", name, "--json", "--no-durations"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        (thread,) = json.loads(result.stdout)["threads"]
        trees[name] = thread["calls"]

    def shape(calls: list[dict[str, object]]) -> list[object]:
        return [
            (
                str(call["name"]).rsplit(".", 1)[-1],
                call.get("count", 1),
                "error" in call,
                shape(call.get("children", [])),
            )  # type: ignore[arg-type]
            for call in calls
        ]

    expected = [
        ("main", 1, False, [("load", 1, False, [("parse", 2, False, [])]), ("save", 1, True, [])])
    ]
    assert shape(trees["trace.jsonl"]) == expected
    assert shape(trees["trace.json"]) == expected
