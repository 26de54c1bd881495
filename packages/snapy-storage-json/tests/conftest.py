from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import decimal
import enum
import math
import pathlib
import types
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pytest

import snapy_core


def assert_same(expected: Any, actual: Any, where: str = "value") -> None:
    """``actual`` equals ``expected`` and has the same type, all the way down.

    NaN equals NaN here, -0.0 differs from 0.0, Decimal compares by its text (exponent
    and sign included), datetimes by ``repr`` (time zone object and fold included).
    """
    kind = type(expected)
    assert type(actual) is kind, f"{where}: {type(actual).__name__} instead of {kind.__name__}"
    if isinstance(expected, (type, types.FunctionType, types.BuiltinFunctionType)):
        assert actual is expected, f"{where}: {actual!r} is not {expected!r}"
    elif isinstance(expected, pathlib.PurePath):
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"
        assert str(actual) == str(expected), where
    elif kind is float:
        if math.isnan(expected):
            assert math.isnan(actual), f"{where}: {actual!r} instead of nan"
        else:
            assert actual == expected, f"{where}: {actual!r} != {expected!r}"
            assert math.copysign(1, actual) == math.copysign(1, expected), where
    elif kind is complex:
        assert_same(expected.real, actual.real, f"{where}.real")
        assert_same(expected.imag, actual.imag, f"{where}.imag")
    elif kind is decimal.Decimal:
        assert str(actual) == str(expected), f"{where}: {actual!r} != {expected!r}"
    elif kind in (dt.datetime, dt.time, dt.timezone):
        assert repr(actual) == repr(expected), f"{where}: {actual!r} != {expected!r}"
        assert actual == expected, where
    elif isinstance(expected, enum.Enum):
        assert actual is expected, f"{where}: {actual!r} is not {expected!r}"
    elif isinstance(expected, (set, frozenset)):
        assert len(actual) == len(expected), f"{where}: {actual!r} != {expected!r}"
        by_value = {item: item for item in actual}
        for item in expected:
            assert item in by_value, f"{where}: {item!r} missing from {actual!r}"
            assert_same(item, by_value[item], f"{where}{{{item!r}}}")
    elif isinstance(expected, dict):
        assert len(actual) == len(expected), f"{where}: {actual!r} != {expected!r}"
        if isinstance(expected, collections.OrderedDict):
            assert list(actual) == list(expected), f"{where}: order differs"
        keys = {key: key for key in actual}
        for key, item in expected.items():
            assert key in keys, f"{where}: key {key!r} missing"
            assert_same(key, keys[key], f"{where} key {key!r}")
            assert_same(item, actual[key], f"{where}[{key!r}]")
        _same_attributes(expected, actual, where)
    elif isinstance(expected, (list, tuple, collections.deque)):
        assert len(actual) == len(expected), f"{where}: {actual!r} != {expected!r}"
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            assert_same(left, right, f"{where}[{index}]")
        if isinstance(expected, collections.deque):
            assert actual.maxlen == expected.maxlen, where
        _same_attributes(expected, actual, where)
    elif dataclasses.is_dataclass(expected) or attrs.has(kind):
        names = (
            [field.name for field in dataclasses.fields(expected)]
            if dataclasses.is_dataclass(expected)
            else [field.name for field in attrs.fields(kind)]
        )
        for name in names:
            assert_same(getattr(expected, name), getattr(actual, name), f"{where}.{name}")
        _same_attributes(expected, actual, where)
    elif isinstance(expected, snapy_core.Placeholder):
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"
    elif hasattr(expected, "__dict__") or hasattr(kind, "__slots__"):
        if kind.__eq__ is not object.__eq__:
            assert actual == expected, f"{where}: {actual!r} != {expected!r}"
        _same_attributes(expected, actual, where)
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


def _slot_names(kind: type) -> Iterator[str]:
    for klass in kind.__mro__:
        slots = klass.__dict__.get("__slots__", ())
        yield from ([slots] if isinstance(slots, str) else slots)


def _same_attributes(expected: Any, actual: Any, where: str) -> None:
    left = getattr(expected, "__dict__", None)
    if isinstance(left, dict):
        right = vars(actual)
        assert sorted(right) == sorted(left), (
            f"{where}: attributes {sorted(right)} != {sorted(left)}"
        )
        for name, value in left.items():
            assert_same(value, right[name], f"{where}.{name}")
    for name in _slot_names(type(expected)):
        if name in ("__dict__", "__weakref__"):
            continue
        has = hasattr(expected, name)
        assert hasattr(actual, name) == has, f"{where}.{name} set on one side only"
        if has:
            assert_same(getattr(expected, name), getattr(actual, name), f"{where}.{name}")


@pytest.fixture(scope="session")
def same() -> Callable[..., None]:
    """The deep equal-and-same-type assertion (see ``assert_same``)."""
    return assert_same


@pytest.fixture
def fresh_plugins() -> Iterator[None]:
    """A plugin manager built for the test, forgotten afterwards."""
    snapy_core.reset_plugin_manager()
    yield
    snapy_core.reset_plugin_manager()
