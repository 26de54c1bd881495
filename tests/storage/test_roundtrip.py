"""Every installed backend keeps every value of the shared strategies (tests/strategies.py)
exactly: same types and content, nested anywhere in arguments, keywords and the result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings

from snapy_core import CallOutcome, CaptureRecord, CaptureStorage
from tests.strategies import assert_same, capture_values

MakeStorage = Callable[..., CaptureStorage]


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(value=capture_values())
def test_round_trip_keeps_values_and_types(
    backend: str, make_storage: MakeStorage, tmp_path: Path, value: Any
) -> None:
    # the JSON backend rebuilds classes of the captured function's top-level package:
    # the strategies' classes live in tests.strategies, so "capture" a function of tests
    storage = make_storage(tmp_path)
    record = CaptureRecord(
        module="tests.strategies",
        qualname="captured_function",
        timestamp=dt.datetime.now(dt.timezone.utc),
        args=(value, [value]),
        kwargs={"named": value},
        arg_names=("value", "values"),
        outcome=CallOutcome(kind="return", value=value),
    )
    loaded = storage.decode(storage.encode(record), source="memory")
    assert_same(loaded.args, (value, [value]))
    assert_same(loaded.kwargs, {"named": value})
    assert loaded.outcome is not None
    assert_same(loaded.outcome.value, value)
