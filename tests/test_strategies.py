"""The shared comparison must be able to fail: it is what every round-trip test trusts."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from tests.strategies import Color, Item, Pair, Point, Priority, Tag, assert_same, same

PARIS = dt.timezone(dt.timedelta(hours=1))


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        (1, True),
        (1.0, 1),
        ([1, 2], (1, 2)),
        ((1, 2), Pair(1, 2)),
        (-0.0, 0.0),
        (Decimal("1.0"), Decimal("1.00")),
        (complex(1, -0.0), complex(1, 0.0)),
        (b"x", bytearray(b"x")),
        (PurePosixPath("a"), Path("a")),
        ({1: "a"}, {True: "a"}),
        ({"a": [1]}, {"a": [2]}),
        ({(1, 2)}, {(1, 3)}),
        (frozenset({1}), {1}),
        (Priority.LOW, 1),
        (Color.RED, "red"),
        (Point(1, 2.0), Point(1, 2.5)),
        (Item("a", 1, [1]), Item("a", 1, (1,))),
        (Tag("t", 1), Tag("t", True)),
        (dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc), dt.datetime(2024, 1, 1, 1, tzinfo=PARIS)),
        (dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)),
        (dt.datetime(2024, 1, 1, fold=1), dt.datetime(2024, 1, 1)),
        (dt.time(1, tzinfo=PARIS), dt.time(1)),
        (dt.date(2024, 1, 1), dt.datetime(2024, 1, 1)),
        (math.nan, 0.0),
    ],
)
def test_different_values_are_caught(actual: Any, expected: Any) -> None:
    assert not same(actual, expected)
    with pytest.raises(AssertionError):
        assert_same(actual, expected)


@pytest.mark.parametrize(
    "value",
    [
        math.nan,
        [math.nan, complex(math.nan, -0.0)],
        Decimal("NaN"),
        Decimal("sNaN"),
        {"a": {1, 2}, 3: frozenset({(1, "x")})},
        Pair(Point(1, math.inf), Tag("x")),
    ],
)
def test_equal_values_pass_even_with_nan(value: Any) -> None:
    import copy

    assert_same(copy.deepcopy(value), value)


def test_dict_and_set_order_does_not_matter() -> None:
    assert_same({2: "b", 1: "a"}, {1: "a", 2: "b"})
    assert_same({3, 1, 2}, {1, 2, 3})
