"""Storage backends: writes/s and reads/s of a typical capture, JSON vs pickle, and the
cost of finding the newest capture among many.

    python dev.py bench -- storage
    python benchmarks/storage_bench.py --dir /dev/shm      # on a tmpfs: less disk noise

What is measured, in one run and one process, on real files in a temporary directory:

1. ``write``: ``storage.write(record)`` (encode + atomic write), for each installed
   backend, next to a baseline that writes the same bytes with a bare
   ``open/write/close/rename`` (what any atomic write costs on this file system), and
   ``write_encoded`` (the file work alone, as a background writer does it). With
   ``retention=10`` too, the steady state of a busy function: every write also lists the
   directory and removes the oldest capture.
2. ``encode`` / ``decode``: the backend's work alone, without the file system.
3. ``read``: ``storage.read(ref)`` of a stored capture.
4. newest of 10,000: ``storage.read(storage.list(key, limit=1)[0])`` with 10,000 captures
   of one function on disk (target: under 10 ms; it sorts names, it must not parse
   files), against listing all 10,000 and against decoding every file.
5. ``functions()`` (what ``snapy list`` shows) over 100,000 captures in 100 functions.

Times are medians of repeated rounds; the machine is shared, so compare the ratios.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from snapy_core import (
    CallMetadata,
    CaptureRecord,
    CaptureStorage,
    available_backends,
    function_dirname,
    open_storage,
)

KEY_MODULE = "shop.orders"
KEY_QUALNAME = "OrderService.process_order"
FUNCTION = f"{KEY_MODULE}.{KEY_QUALNAME}"
UTC = dt.timezone.utc
os.environ.setdefault("SNAP_CAPTURE_PICKLE_KEY", "benchmark-signing-key-0123456789abcdef")


def typical_record(index: int = 0) -> CaptureRecord:
    """One call of seed 000's ``process_order``: ~1 KB of everyday values."""
    items = [
        {
            "sku": f"SKU-{n:04d}",
            "quantity": n + 1,
            "price": Decimal("19.99") + n,
            "tags": {"gift", "fragile"} if n % 2 else set(),
        }
        for n in range(3)
    ]
    return CaptureRecord(
        module=KEY_MODULE,
        qualname=KEY_QUALNAME,
        timestamp=dt.datetime.now(UTC),
        args=(4242 + index, items),
        kwargs={
            "shipping_address": {
                "name": "Ada Lovelace",
                "street": "12 St James's Square",
                "city": "London",
                "postcode": "SW1Y 4JH",
                "country": "GB",
            },
            "requested_at": dt.datetime(2024, 9, 15, 10, 30, tzinfo=UTC),
            "order_id": uuid.UUID(int=index),
            "notes": None,
        },
        arg_names=("customer_id", "items"),
        metadata=CallMetadata(
            thread_name="MainThread",
            thread_id=1,
            pid=os.getpid(),
            python_version="3.12.1",
            snapy_version="0.1.0",
        ),
    )


def timed(
    function: Callable[[], Any], *, number: int, rounds: int = 5, clock: Any = time.perf_counter
) -> float:
    """Median seconds per call over ``rounds`` rounds of ``number`` calls."""
    results = []
    for _ in range(rounds):
        start = clock()
        for _ in range(number):
            function()
        results.append((clock() - start) / number)
    return statistics.median(results)


def us(seconds: float) -> str:
    return f"{seconds * 1e6:9.1f} µs"


def raw_atomic_writer(directory: Path, data: bytes) -> Callable[[], None]:
    """The baseline: the bare system calls of an atomic write (no Python store logic)."""
    directory.mkdir(parents=True, exist_ok=True)
    prefix = str(directory) + os.sep
    counter = iter(range(10**9))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL

    def write() -> None:
        name = f"{next(counter):012d}.bin"
        temporary = f"{prefix}.{name}.tmp"
        fd = os.open(temporary, flags, 0o600)
        os.write(fd, data)
        os.close(fd)
        os.replace(temporary, prefix + name)

    return write


def timed_together(
    functions: dict[str, Callable[[], Any]], *, number: int, rounds: int = 7
) -> dict[str, float]:
    """Median seconds per call of each function; the rounds interleave the functions, so
    a burst of noise from other processes hits all of them, not one."""
    results: dict[str, list[float]] = {label: [] for label in functions}
    for _ in range(rounds):
        for label, function in functions.items():
            start = time.perf_counter()
            for _ in range(number):
                function()
            results[label].append((time.perf_counter() - start) / number)
    return {label: statistics.median(values) for label, values in results.items()}


def bench_write_read(names: list[str], base: Path, number: int) -> None:
    print(f"\n1-3. one typical capture ({number} calls per round, median of 7 rounds)")
    record = typical_record()
    stamp = record.timestamp
    functions: dict[str, Callable[[], Any]] = {}
    sizes: dict[str, int] = {}
    for name in names:
        storage: Any = open_storage(name, base / f"{name}-plain")
        kept: Any = open_storage(name, base / f"{name}-kept", retention=10)
        data = storage.encode(record)
        sizes[name] = len(data)
        ref = storage.write(record)
        functions.update(
            {
                f"{name}|raw atomic write": raw_atomic_writer(base / f"{name}-raw", data),
                f"{name}|write": lambda s=storage: s.write(record),
                f"{name}|write_encoded": lambda s=storage, d=data: s.write_encoded(
                    FUNCTION, stamp, d, module=KEY_MODULE
                ),
                f"{name}|write, retention": lambda s=kept: s.write(record),
                f"{name}|encode": lambda s=storage: s.encode(record),
                f"{name}|decode": lambda s=storage, d=data: s.decode(d, source="memory"),
                f"{name}|read": lambda s=storage, r=ref: s.read(r),
            }
        )
    times = timed_together(functions, number=number)

    def cell(name: str, label: str) -> float:
        return times[f"{name}|{label}"]

    print(f"{'':18}" + "".join(f"{name:>16}" for name in names))
    print(f"{'file size':18}" + "".join(f"{sizes[name]:>14} B" for name in names))
    for label in (
        "raw atomic write",
        "write",
        "write_encoded",
        "write, retention",
        "encode",
        "decode",
        "read",
    ):
        print(f"{label:18}" + "".join(f"{us(cell(name, label)):>16}" for name in names))
    print(f"{'writes/s':18}" + "".join(f"{1 / cell(n, 'write'):>16,.0f}" for n in names))
    print(f"{'reads/s':18}" + "".join(f"{1 / cell(n, 'read'):>16,.0f}" for n in names))
    for name in names:
        raw = cell(name, "raw atomic write")
        print(
            f"  {name}: write / raw atomic write of the same bytes = "
            f"{cell(name, 'write') / raw:.2f}x; write_encoded / raw = "
            f"{cell(name, 'write_encoded') / raw:.2f}x"
        )
    print("  (write_encoded is the file work alone, as a background writer does it: its excess")
    print("  over the raw atomic write is the store's own Python work per capture)")
    if len(names) == 2:
        a, b = names
        print(
            f"  {b} writes / {a} writes (same run) = "
            f"{cell(a, 'write') / cell(b, 'write'):.2f}x; {b} reads / {a} reads = "
            f"{cell(a, 'read') / cell(b, 'read'):.2f}x"
        )


def fill(
    storage: CaptureStorage, count: int, key: str = FUNCTION, module: str = KEY_MODULE
) -> None:
    """``count`` captures of ``key``, one second apart (encoded once: this measures reads)."""
    data = storage.encode(typical_record())
    start = dt.datetime(2024, 1, 1, tzinfo=UTC)
    for index in range(count):
        storage.write_encoded(key, start + dt.timedelta(seconds=index), data, module=module)


def bench_newest_of_many(names: list[str], base: Path, count: int) -> None:
    print(f"\n4. the newest capture when {count:,} are stored for one function")
    for name in names:
        storage: Any = open_storage(name, base / f"{name}-many")
        fill(storage, count)
        newest = timed(lambda s=storage: s.read(s.list(FUNCTION, limit=1)[0]), number=20)
        # CPU time of this process only: what the lookup costs when the machine is not
        # shared (wall time on a busy machine also counts waiting for a CPU)
        newest_cpu = timed(
            lambda s=storage: s.read(s.list(FUNCTION, limit=1)[0]),
            number=20,
            clock=time.process_time,
        )
        directory = storage.root / function_dirname(FUNCTION)
        floor = timed(lambda d=directory: os.listdir(d), number=20)
        [newest_ref] = storage.list(FUNCTION, limit=1)
        one = timed(lambda s=storage, r=newest_ref: s.read(r), number=20)
        listing = timed(lambda s=storage: s.list(FUNCTION), number=3, rounds=3)
        refs = storage.list(FUNCTION)
        sample = refs[:: max(1, len(refs) // 500)]
        per_file = timed(lambda s=storage, r=sample: [s.read(x) for x in r], number=1) / len(sample)
        everything = per_file * len(refs)
        target = "under" if newest < 0.010 else "OVER"
        print(
            f"  {name:7} newest: {newest * 1e3:7.2f} ms wall ({target} the 10 ms target), "
            f"{newest_cpu * 1e3:.2f} ms CPU = os.listdir of the directory {floor * 1e3:.2f} ms"
            f" + reading one capture {one * 1e3:.2f} ms + {(newest - floor - one) * 1e3:.2f} ms"
        )
        print(
            f"          list all {len(refs):,} refs: {listing * 1e3:7.1f} ms; decoding every "
            f"file: ~{everything:6.2f} s ({everything / newest:,.0f}x the newest)"
        )


def bench_functions(name: str, base: Path, total: int, functions: int) -> None:
    per_function = total // functions
    print(
        f"\n5. functions() (snapy list) over {per_function * functions:,} captures "
        f"in {functions} functions"
    )
    storage: Any = open_storage(name, base / "listing")
    started = time.perf_counter()
    data = b"{}"  # listing never opens files: their content does not matter here
    stamp = dt.datetime(2024, 1, 1, tzinfo=UTC)
    for f in range(functions):
        key = f"app.module{f:03d}.function"
        storage.write_encoded(key, stamp, data, module=f"app.module{f:03d}")
        directory = storage.root / function_dirname(key)
        for index in range(1, per_function):
            (
                directory / f"20240101T{index // 3600 % 24:02d}{index // 60 % 60:02d}"
                f"{index % 60:02d}.{index:06d}Z-1-{index:06d}.{storage.extension}"
            ).write_bytes(data)
    print(f"  (created in {time.perf_counter() - started:.1f} s)")
    seconds = timed(storage.functions, number=1, rounds=3)
    summaries = storage.functions()
    assert sum(summary.count for summary in summaries) == per_function * functions
    print(
        f"  {name}: functions() = {seconds:.3f} s for {len(summaries)} functions "
        f"({seconds / (per_function * functions) * 1e6:.2f} µs per capture)"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dir", help="where to create the stores (default: the temp dir)")
    parser.add_argument("--number", type=int, default=300, help="calls per timing round")
    parser.add_argument("--many", type=int, default=10_000, help="captures for test 4")
    parser.add_argument(
        "--listing", type=int, default=100_000, help="captures for test 5 (0 to skip)"
    )
    options = parser.parse_args(argv)

    names = [name for name in ("json", "pickle") if name in available_backends()]
    if not names:
        print("no storage backend installed (pip install snapy-storage-json)")
        return 1
    base = Path(tempfile.mkdtemp(prefix="snapy-storage-bench-", dir=options.dir))
    try:
        print(
            f"Python {sys.version.split()[0]}, stores in {base} "
            f"({_filesystem(base)}), backends: {', '.join(names)}"
        )
        reference = timed(lambda: sum(range(10**6)), number=3, clock=time.process_time)
        print(
            f"machine reference: sum(range(10**6)) takes {reference * 1e3:.1f} ms CPU here; "
            f"load average {_load()}"
        )
        bench_write_read(names, base, options.number)
        bench_newest_of_many(names, base, options.many)
        if options.listing:
            bench_functions(names[0], base, options.listing, 100)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


def _load() -> str:
    try:
        with open("/proc/loadavg") as loadavg:
            return " ".join(loadavg.read().split()[:3])
    except OSError:
        return "unknown"


def _filesystem(path: Path) -> str:
    try:
        best = ""
        kind = "unknown file system"
        with open("/proc/mounts") as mounts:
            for line in mounts:
                _device, point, fs_type, *_ = line.split()
                if str(path).startswith(point) and len(point) > len(best):
                    best, kind = point, fs_type
        return kind
    except OSError:
        return "unknown file system"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
