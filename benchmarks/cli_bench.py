"""How long `snapy list` takes on a store of 100,000 captures.

    python dev.py bench -- cli                       # via the bench environment
    python benchmarks/cli_bench.py [--captures N] [--functions F] [--keep DIR]

Builds a store of N real captures (default 100,000: F=100 functions x 1,000 captures,
JSON backend, each capture encoded by the backend with its own timestamp and written
under its own name, so every file is a loadable capture), then runs the installed
`snapy` console script as a subprocess, several times, and prints the best wall time of:

* ``python -c "import snapy_capture._cli"``: the start-up floor (interpreter + imports);
* ``snapy list --path STORE --json`` and ``snapy list --path STORE`` (the table).

The difference between the two is the cost of listing 100,000 captures. `snapy list`
never opens a capture: it reads directory listings and file sizes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 5

# What a user's installed snapy runs with: pip writes byte code at install time, so no run
# pays for compiling the sources. (This workplace sets PYTHONDONTWRITEBYTECODE, which would
# add a compile of every imported module, ~1 s, to each run; the warm-up run in best_of
# writes the byte code once instead.)
INSTALLED_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def snapy_executable() -> str:
    candidate = Path(sys.executable).parent / ("snapy.exe" if os.name == "nt" else "snapy")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("snapy")
    if found is None:
        sys.exit("the snapy console script is not installed in this environment")
    return found


def build_store(root: Path, captures: int, functions: int) -> float:
    """Write the captures through the JSON backend; returns the seconds it took."""
    from snapy_core import CallMetadata, CaptureRecord, FilterAction, Redacted, open_storage

    storage = open_storage("json", root)
    start = time.perf_counter()
    per_function = captures // functions
    base = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    for number in range(functions):
        module, qualname = f"shop.module{number % 10}", f"Service{number}.handle"
        for position in range(per_function):
            timestamp = base + dt.timedelta(minutes=position, microseconds=number)
            record = CaptureRecord(
                module=module,
                qualname=qualname,
                timestamp=timestamp,
                args=(f"C-{position}", [{"sku": "A-1", "quantity": position % 7}]),
                kwargs={"token": Redacted("name matches 'token'"), "express": position % 2 == 0},
                arg_names=("customer_id", "items"),
                filtered=(
                    FilterAction(path="token", action="redacted", reason="name matches 'token'"),
                ),
                metadata=CallMetadata(thread_name="MainThread", pid=4242, python_version="3.12.0"),
            )
            storage.write_encoded(
                record.function_key, timestamp, storage.encode(record), module=module
            )
    return time.perf_counter() - start


def _children_cpu() -> float:
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return float("nan")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def best_of(
    command: list[str], runs: int = RUNS, env: dict[str, str] | None = None
) -> tuple[float, float, str]:
    """Best wall time, best CPU time (user + system) of the process, and its output."""
    best = best_cpu = float("inf")
    output = ""
    subprocess.run(command, capture_output=True, check=False, env=env or INSTALLED_ENV)
    for _ in range(runs):
        cpu = _children_cpu()
        start = time.perf_counter()
        result = subprocess.run(
            command, capture_output=True, text=True, check=False, env=env or INSTALLED_ENV
        )
        elapsed = time.perf_counter() - start
        if result.returncode != 0:
            sys.exit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr}")
        best = min(best, elapsed)
        best_cpu = min(best_cpu, _children_cpu() - cpu)
        output = result.stdout
    return best, best_cpu, output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--captures", type=int, default=100_000)
    parser.add_argument("--functions", type=int, default=100)
    parser.add_argument("--keep", type=Path, help="build the store here and keep it")
    options = parser.parse_args()

    snapy = snapy_executable()
    workdir = Path(tempfile.mkdtemp(prefix="snapy-cli-bench-"))
    root = options.keep or workdir / "captures"
    try:
        if not (root.is_dir() and any(root.iterdir())):
            print(f"building {options.captures:,} captures in {root} ...", flush=True)
            seconds = build_store(root, options.captures, options.functions)
            print(f"  written in {seconds:.1f} s through JSONStorage.write_encoded", flush=True)
        count = sum(len(files) for _, _, files in os.walk(root)) - options.functions
        print(f"store: {root} ({count:,} capture files, {options.functions} functions)")

        floor, floor_cpu, _ = best_of([sys.executable, "-c", "import snapy_capture._cli"])
        listed_json, json_cpu, output = best_of([snapy, "list", "--path", str(root), "--json"])
        listed_table, table_cpu, _ = best_of([snapy, "list", "--path", str(root)])
        # the plugins snapy loads are part of the cost: the row without snapy-trace's
        # shows what loading that one costs
        no_trace = {**INSTALLED_ENV, "SNAPY_DISABLED_PLUGINS": "trace"}
        without_trace, without_trace_cpu, _ = best_of(
            [snapy, "list", "--path", str(root), "--json"], env=no_trace
        )
        import json

        reported = sum(item["count"] for item in json.loads(output)["functions"])
        if reported != count:
            sys.exit(f"snapy list reported {reported} captures, the store holds {count}")

        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(
            f"\nbest of {RUNS} runs of the whole process (load average {load:.1f} on "
            f"{os.cpu_count()} CPUs: wall time grows with the load, CPU time much less):"
        )
        rows = [
            ("python -c 'import snapy_capture._cli' (start-up floor)", floor, floor_cpu),
            (f"snapy list --path STORE --json  ({count:,} captures)", listed_json, json_cpu),
            (f"snapy list --path STORE         ({count:,} captures)", listed_table, table_cpu),
            (
                "  --json, SNAPY_DISABLED_PLUGINS=trace",
                without_trace,
                without_trace_cpu,
            ),
        ]
        print(f"  {'':<58} {'wall':>8} {'':>12} {'CPU':>8}")
        for label, seconds, cpu in rows:
            print(f"  {label:<58} {seconds:6.3f} s  {seconds / floor:4.2f}x floor  {cpu:6.3f} s")
        print(
            f"\nlisting itself (list --json minus the floor): {listed_json - floor:.3f} s wall, "
            f"{json_cpu - floor_cpu:.3f} s CPU; target: the whole command well under 2 s"
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
