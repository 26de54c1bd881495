from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

SAMPLES = Path(__file__).parent / "samples"

try:
    from snapy_trace import _speedups  # noqa: F401

    C_RECORDER_BUILT = True
except ImportError:
    C_RECORDER_BUILT = False


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "own_recorders: the test chooses its recorders itself (runs once)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("own_recorders") is None:
        metafunc.parametrize(
            "recorder", ["c", "python"], ids=["C recorder", "Python recorder"], indirect=True
        )


@pytest.fixture(autouse=True)
def recorder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test of this package runs with each recorder: both must write the same
    records (``SNAPY_TRACE_RECORDER``; pytester runs inherit it). Tests marked
    ``own_recorders`` run once, with the default choice."""
    choice = getattr(request, "param", "auto")
    if choice == "c" and not C_RECORDER_BUILT:
        pytest.skip("snapy_trace._speedups is not built (see test_speedups.py)")
    monkeypatch.setenv("SNAPY_TRACE_RECORDER", choice)
    return str(choice)


@pytest.fixture(scope="session")
def samples_path() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def workload() -> ModuleType:
    """The sample workload module, imported from tests/samples."""
    sys.path.insert(0, str(SAMPLES))
    try:
        return importlib.import_module("snapytrace_workload")
    finally:
        sys.path.remove(str(SAMPLES))


# The tree of snapytrace_workload.everything() at the standard detail level: the same on
# every supported Python version.
EVERYTHING_TREE = """\
snapytrace_workload.everything() -> None
  snapytrace_workload.fib(n=3) -> 2
    snapytrace_workload.fib(n=2) -> 1
      snapytrace_workload.fib(n=1) -> 1
      snapytrace_workload.fib(n=0) -> 0
    snapytrace_workload.fib(n=1) -> 1
  snapytrace_workload.delegate(n=2) => yield 2
    snapytrace_workload.countdown(n=2) => yield 2
  snapytrace_workload.delegate (resumed) => yield 1
    snapytrace_workload.countdown (resumed) => yield 1
  snapytrace_workload.delegate (resumed) -> 'liftoff'
    snapytrace_workload.countdown (resumed) -> 'liftoff'
  snapytrace_workload.validate_all(values=<list>) -> <list>
    snapytrace_workload.validate(value=1) -> 1
    snapytrace_workload.validate(value=-1) !! raised snapytrace_workload.ValidationError: negative: -1
  snapytrace_workload.must_validate(value=-2) !! propagated snapytrace_workload.ValidationError: negative: -2
    snapytrace_workload.validate(value=-2) !! raised snapytrace_workload.ValidationError: negative: -2
  snapytrace_workload.cleanup_on_error(value=-3) !! propagated snapytrace_workload.ValidationError: negative: -3
    snapytrace_workload.validate(value=-3) !! raised snapytrace_workload.ValidationError: negative: -3
    snapytrace_workload._cleanup() -> None
  snapytrace_workload.Account.opened(cls=<type>, balance=10) -> <Account>
    snapytrace_workload.Account.__init__(self=<Account>, balance=10) -> None
  snapytrace_workload.Account.fee(amount=50) -> 5
  snapytrace_workload.Account.deposit(self=<Account>, amount=5) -> 15
  snapytrace_workload.Account.doubled(self=<Account>) -> 30
  snapytrace_workload.make_multiplier(k=3) -> <function>
  snapytrace_workload.make_multiplier.<locals>.multiply(x=4) -> 12
  snapytrace_workload.comprehensions(n=3) -> 13
    snapytrace_workload.square(i=0) -> 0
    snapytrace_workload.square(i=1) -> 1
    snapytrace_workload.square(i=2) -> 4
    snapytrace_workload.square(i=0) -> 0
    snapytrace_workload.square(i=1) -> 1
    snapytrace_workload.square(i=2) -> 4
    snapytrace_workload.comprehensions.<locals>.<genexpr>(.0=<range_iterator>) => yield 0
      snapytrace_workload.square(i=0) -> 0
    snapytrace_workload.comprehensions.<locals>.<genexpr> (resumed) => yield 1
      snapytrace_workload.square(i=1) -> 1
    snapytrace_workload.comprehensions.<locals>.<genexpr> (resumed) => yield 4
      snapytrace_workload.square(i=2) -> 4
    snapytrace_workload.comprehensions.<locals>.<genexpr> (resumed) -> None
  snapytrace_workload.run_async(n=2) -> <list>
    snapytrace_workload.gather_all(n=2) [Task-1] => yield <_GatheringFuture>
    snapytrace_workload.fetch(i=0) [Task-2] => yield None
    snapytrace_workload.fetch(i=1) [Task-3] => yield None
    snapytrace_workload.fetch (resumed) [Task-2] -> 0
      snapytrace_workload.square(i=0) -> 0
    snapytrace_workload.fetch (resumed) [Task-3] -> 1
      snapytrace_workload.square(i=1) -> 1
    snapytrace_workload.gather_all (resumed) [Task-1] -> <list>
  snapytrace_workload.throw_and_close() -> None
    snapytrace_workload.countdown(n=3) => yield 3
    snapytrace_workload.countdown (resumed) !! raised KeyError: 'stop'
    snapytrace_workload.countdown(n=2) => yield 2"""  # noqa: E501


@pytest.fixture(scope="session")
def everything_tree() -> str:
    return EVERYTHING_TREE
