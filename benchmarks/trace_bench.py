"""snapy-trace: tracing overhead against the untraced run, cProfile and VizTracer.

    python dev.py bench -- trace                         # Python 3.12, viztracer installed
    python benchmarks/trace_bench.py --calls 3900000     # any interpreter with snapy-trace

The workload is call-heavy: ``bench_app.step`` (the module kept by the filter) calls nine
tiny functions of ``bench_lib`` (filtered out), so about 10 % of the ~3.9 M calls are in
the kept module. Every variant runs the same workload in this process, interleaved with
the untraced run, ``--rounds`` times; the best (lowest) thread CPU time of each is kept,
so other processes on a shared machine inflate the figures less. Ratios are variant time
over untraced time from the same run.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import sys
import time
import types
from collections.abc import Callable
from dataclasses import dataclass, field

from snapy_trace import FunctionTracer, TracerConfig

LIB = """
def leaf(x):
    return x + 1

def mid(x):
    return leaf(x) + leaf(x + 1)

class Account:
    def __init__(self, owner):
        self.owner = owner
        self.total = 0

    def add(self, amount):
        self.total += amount
        return self.total
"""

APP = """
import bench_lib as lib

def step(i, account, label):
    a = lib.mid(i)
    b = lib.mid(a)
    c = lib.mid(b)
    return c

def run(n):
    account = lib.Account("bench")
    total = 0
    for i in range(n):
        total += step(i, account, "step")
    return total
"""


def load_workload() -> types.ModuleType:
    for name, source in (("bench_lib", LIB), ("bench_app", APP)):
        if name not in sys.modules:
            module = types.ModuleType(name)
            module.__file__ = f"/trace_bench/{name}.py"
            sys.modules[name] = module
            # a real file name makes both engines decide per file, as for normal modules
            exec(compile(source, f"/trace_bench/{name}.py", "exec"), module.__dict__)
    return sys.modules["bench_app"]


@dataclass
class Variant:
    name: str
    start: Callable[[], object]
    stop: Callable[[object], None]
    target: str = ""
    best: float = float("inf")
    notes: list[str] = field(default_factory=list)


def snapy(
    filter_modules: list[str], *, recorder: str | None = None, **config: object
) -> tuple[Callable[[], object], Callable[[object], None]]:
    """snapy's tracer; ``recorder="python"`` forces the pure-Python recorder."""

    def start() -> object:
        tracer = FunctionTracer(filter_modules, TracerConfig(max_events=None, **config))
        saved = os.environ.get("SNAPY_TRACE_RECORDER")
        if recorder is not None:
            os.environ["SNAPY_TRACE_RECORDER"] = recorder
        try:
            tracer.start()
        finally:
            if saved is None:
                os.environ.pop("SNAPY_TRACE_RECORDER", None)
            else:
                os.environ["SNAPY_TRACE_RECORDER"] = saved
        return tracer

    def stop(tracer: object) -> None:
        assert isinstance(tracer, FunctionTracer)
        tracer.stop()

    return start, stop


def floor(
    modules: list[str], *, arguments: bool = False
) -> tuple[Callable[[], object], Callable[[object], None]]:
    """Empty hooks on the same code: what any pure-Python recorder pays before it records.

    3.12+: empty ``sys.monitoring`` PY_START / PY_RETURN callbacks switched on for the code
    of ``modules`` only; 3.10/3.11: an empty ``sys.settrace`` function (it runs for every
    call, whatever the filter). With ``arguments`` (3.12+) the PY_START callback only reads
    ``sys._getframe(1).f_locals``, the one way to see a call's arguments there: on 3.12
    that builds a dict and raises and clears a ``KeyError`` per local not bound yet.
    """
    if sys.version_info < (3, 12):

        def empty(frame: object, event: str, arg: object) -> None:
            return None

        def start_settrace() -> object:
            sys.settrace(empty)
            return None

        def stop_settrace(handle: object) -> None:
            sys.settrace(None)

        return start_settrace, stop_settrace
    monitoring = sys.monitoring  # type: ignore[attr-defined]
    events = monitoring.events

    def nothing(*args: object) -> None:
        return None

    getframe = sys._getframe

    def read_locals(code: object, offset: int) -> None:
        getframe(1).f_locals  # noqa: B018 (the read is the cost measured)

    def codes() -> list[types.CodeType]:
        found = []
        for name in modules:
            for value in vars(sys.modules[name]).values():
                if isinstance(value, types.FunctionType):
                    found.append(value.__code__)
                elif isinstance(value, type):
                    found += [
                        f.__code__
                        for f in vars(value).values()
                        if isinstance(f, types.FunctionType)
                    ]
        return found

    def start() -> object:
        tool = next(t for t in (5, 4, 3, 2) if monitoring.get_tool(t) is None)
        monitoring.use_tool_id(tool, "trace_bench floor")
        monitoring.register_callback(tool, events.PY_START, read_locals if arguments else nothing)
        monitoring.register_callback(tool, events.PY_RETURN, nothing)
        for code in codes():
            monitoring.set_local_events(tool, code, events.PY_START | events.PY_RETURN)
        return tool

    def stop(tool: object) -> None:
        for code in codes():
            monitoring.set_local_events(tool, code, 0)
        monitoring.register_callback(tool, events.PY_START, None)
        monitoring.register_callback(tool, events.PY_RETURN, None)
        monitoring.free_tool_id(tool)

    return start, stop


def setprofile_recorder(
    record: bool,
) -> tuple[Callable[[], object], Callable[[object], None]]:
    """Why snapy uses sys.settrace on 3.10/3.11: the same filtered recorder on setprofile
    (it runs for every call, return, C call and C return) and an empty profile function."""
    buffer: list[object] = []
    append = buffer.append
    now = time.perf_counter
    kept = {"/trace_bench/bench_app.py"}

    def empty(frame: types.FrameType, event: str, arg: object) -> None:
        return None

    def recorder(frame: types.FrameType, event: str, arg: object) -> None:
        code = frame.f_code
        if code.co_filename in kept:
            if event == "call":
                append(code)
                append(now())
            elif event == "return":
                append(-now())

    def start() -> object:
        sys.setprofile(recorder if record else empty)
        return None

    def stop(handle: object) -> None:
        sys.setprofile(None)
        buffer.clear()

    return start, stop


def recorder() -> str:
    """Which recorder snapy's tracers use here (``SNAPY_TRACE_RECORDER`` chooses)."""
    tracer = FunctionTracer(["bench_app"], TracerConfig(detail_level="minimal"))
    with tracer:
        pass
    return tracer.recorder


def cprofile() -> tuple[Callable[[], object], Callable[[object], None]]:
    def start() -> object:
        profiler = cProfile.Profile()
        profiler.enable()
        return profiler

    def stop(profiler: object) -> None:
        assert isinstance(profiler, cProfile.Profile)
        profiler.disable()

    return start, stop


def viztracer(**options: object) -> tuple[Callable[[], object], Callable[[object], None]]:
    from viztracer import VizTracer

    def start() -> object:
        tracer = VizTracer(verbose=0, tracer_entries=5_000_000, **options)
        tracer.start()
        return tracer

    def stop(tracer: object) -> None:
        tracer.stop()  # type: ignore[attr-defined]
        tracer.clear()  # type: ignore[attr-defined]

    return start, stop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3_900_000, help="calls per run")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="TEXT",
        help="run only the variants whose name contains TEXT (cProfile always runs)",
    )
    options = parser.parse_args(argv)
    app = load_workload()
    steps = options.calls // 10
    modern = sys.version_info >= (3, 12)

    variants = [
        Variant("cProfile", *cprofile()),
        Variant(
            "floor: empty hooks on the kept code"
            if modern
            else "floor: empty sys.settrace function",
            *floor(["bench_app"]),
        ),
        Variant(
            "snapy: filter ~10%, minimal (call/return)",
            *snapy(["bench_app"], detail_level="minimal"),
            target="<= 1.6x" if modern else "<= 1.5x cProfile",
        ),
        *(
            [
                Variant(
                    "floor: kept code, hooks read f_locals",
                    *floor(["bench_app"], arguments=True),
                )
            ]
            if modern
            else []
        ),
        Variant(
            "snapy: filter ~10%, standard (arguments)",
            *snapy(["bench_app"]),
            target="<= 2.5x" if modern else "",
        ),
        Variant(
            "snapy: filter ~10%, verbose (repr)", *snapy(["bench_app"], detail_level="verbose")
        ),
        Variant(
            "snapy, Python recorder: filter ~10%, minimal",
            *snapy(["bench_app"], recorder="python", detail_level="minimal"),
        ),
        Variant(
            "snapy, Python recorder: filter ~10%, standard",
            *snapy(["bench_app"], recorder="python"),
        ),
        Variant(
            "snapy: everything, minimal",
            *snapy(["*"], detail_level="minimal"),
            target="<= 1.5x cProfile" if modern else "",
        ),
    ]
    if modern:
        variants.insert(
            len(variants) - 1,
            Variant("floor: empty hooks on all the code", *floor(["bench_app", "bench_lib"])),
        )
    else:
        variants += [
            Variant("empty sys.setprofile function", *setprofile_recorder(False)),
            Variant("setprofile recorder, filter ~10%", *setprofile_recorder(True)),
        ]
    try:
        import viztracer as _viztracer  # noqa: F401

        variants += [
            Variant("VizTracer: everything", *viztracer()),
            Variant(
                "VizTracer: include_files filter",
                *viztracer(include_files=["/trace_bench/bench_app.py"]),
            ),
            Variant("VizTracer: log_func_args", *viztracer(log_func_args=True)),
        ]
    except ImportError:
        pass

    if options.only:
        variants = [
            variant
            for variant in variants
            if variant.name == "cProfile" or any(text in variant.name for text in options.only)
        ]
    baseline = float("inf")
    gc.collect()
    for _ in range(options.rounds):
        started = time.thread_time()
        app.run(steps)
        baseline = min(baseline, time.thread_time() - started)
        for variant in variants:
            handle = variant.start()
            started = time.thread_time()
            app.run(steps)
            elapsed = time.thread_time() - started
            variant.stop(handle)
            variant.best = min(variant.best, elapsed)
            del handle
            gc.collect()

    print(
        f"Python {sys.version.split()[0]}, {steps * 10:,} calls, best of {options.rounds} "
        f"interleaved rounds (thread CPU time)"
    )
    print(f"untraced: {baseline:.3f} s; snapy records with its {recorder()} recorder")
    cprofile_ratio = variants[0].best / baseline
    print(f"{'variant':<46} {'seconds':>8} {'ratio':>7} {'vs cProfile':>12}  target")
    for variant in variants:
        ratio = variant.best / baseline
        print(
            f"{variant.name:<46} {variant.best:8.3f} {ratio:6.2f}x "
            f"{ratio / cprofile_ratio:11.2f}x  {variant.target}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
