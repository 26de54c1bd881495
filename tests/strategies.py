"""Hypothesis strategies for captured values, shared by every storage backend's tests.

    from tests.strategies import assert_same, capture_values

    @given(capture_values())
    def test_round_trip(value):
        assert_same(load(store(value)), value)

``capture_values()`` draws nested values of every type a backend must keep losslessly
(issue 3): tuple, list, set, frozenset, dict with non-string keys, bytes/bytearray,
Decimal, ints beyond 64 bits, float nan/inf/-0.0, complex, datetime/date/time/timedelta
with and without tz, UUID, Path, Enum, dataclasses, attrs classes, NamedTuple, nesting.

``assert_same(actual, expected)`` is stricter than ``==``: same types all the way down
(``True`` is not ``1``, a tuple is not a list), nan equals nan, ``-0.0`` is not ``0.0``,
``Decimal("1.0")`` is not ``Decimal("1.00")``, tz-aware values keep their tzinfo and
``fold``. Dicts and sets compare without regard to order.

The classes below live at module level, so they can be imported (and pickled, and rebuilt
by a loader that trusts ``tests``) by name.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import math
from decimal import Decimal
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, NamedTuple

import attrs
from hypothesis import strategies as st

# -- user types ------------------------------------------------------------------------


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Mode(str, enum.Enum):
    READ = "r"
    WRITE = "w"


class Permission(enum.Flag):
    READ = 1
    WRITE = 2
    EXECUTE = 4


@dataclasses.dataclass
class Point:
    x: int
    y: float


@dataclasses.dataclass(frozen=True)
class Tag:
    """Frozen, so hashable when its content is: usable as a dict key and in sets."""

    name: str
    weight: Any = None


@dataclasses.dataclass
class Box:
    label: str
    content: Any
    extras: list[Any] = dataclasses.field(default_factory=list)


@attrs.define
class Item:
    sku: str
    quantity: int
    details: Any = None


@attrs.frozen
class Money:
    amount: Decimal
    currency: str


class Pair(NamedTuple):
    left: Any
    right: Any


ENUM_MEMBERS = [*Color, *Priority, *Mode, Permission.READ | Permission.WRITE, Permission(0)]

# -- scalars -------------------------------------------------------------------------------

big_ints = st.one_of(
    st.integers(),
    st.integers(min_value=2**63, max_value=2**256),
    st.integers(min_value=-(2**256), max_value=-(2**63) - 1),
)
floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 0.0, 5e-324, 1.7976931348623157e308]),
)
finite_floats = st.floats(allow_nan=False, allow_infinity=False)
decimals = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False),
    st.sampled_from(
        [Decimal("NaN"), Decimal("-Infinity"), Decimal("1.00"), Decimal("-0"), Decimal("1E+30")]
    ),
)
hashable_decimals = st.decimals(allow_nan=False, allow_infinity=False)

_offsets = st.builds(
    dt.timezone,
    st.timedeltas(
        min_value=dt.timedelta(hours=-23, minutes=-59), max_value=dt.timedelta(hours=23, minutes=59)
    ).map(lambda delta: dt.timedelta(minutes=round(delta.total_seconds() / 60))),
)
_zones = st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"]).map(
    lambda key: _zoneinfo(key)
)


def _zoneinfo(key: str) -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(key)


timezones = st.one_of(st.just(dt.timezone.utc), _offsets, _zones)
datetimes = st.one_of(st.datetimes(), st.datetimes(timezones=timezones))
times = st.one_of(st.times(), st.times(timezones=_offsets))
dates = st.dates()
timedeltas = st.timedeltas()

_path_part = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\\\x00"),
    min_size=1,
    max_size=8,
).filter(lambda part: part not in (".", ".."))
paths = st.one_of(
    st.lists(_path_part, min_size=1, max_size=4).map(lambda parts: Path(*parts)),
    st.lists(_path_part, min_size=1, max_size=3).map(lambda parts: Path("/", *parts)),
    st.lists(_path_part, min_size=1, max_size=3).map(lambda parts: PurePosixPath(*parts)),
    st.just(PureWindowsPath("C:/Users/x/file.txt")),
)
texts = st.text(max_size=20)  # surrogates included: valid Python str, must survive

hashable_scalars = st.one_of(
    st.none(),
    st.booleans(),
    big_ints,
    finite_floats,
    texts,
    st.binary(max_size=16),
    hashable_decimals,
    st.complex_numbers(allow_nan=False, allow_infinity=False),
    datetimes,
    dates,
    times,
    timedeltas,
    st.uuids(),
    paths,
    st.sampled_from(ENUM_MEMBERS),
)
scalars = st.one_of(
    hashable_scalars,
    floats,
    decimals,
    st.complex_numbers(allow_nan=True, allow_infinity=True),
    st.binary(max_size=16).map(bytearray),
)


def hashables(max_leaves: int = 8) -> st.SearchStrategy[Any]:
    """Hashable values: set elements and dict keys (tuples, frozensets, frozen objects)."""
    return st.recursive(
        hashable_scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=3).map(tuple),
            st.frozensets(children, max_size=3),
            st.builds(Pair, children, children),
            st.builds(Tag, texts, children),
            st.builds(Money, hashable_decimals, st.sampled_from(["EUR", "USD"])),
        ),
        max_leaves=max_leaves,
    )


def capture_values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Nested values of every type a lossless backend must keep."""
    keys = hashables(max_leaves=4)
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.lists(children, max_size=4).map(tuple),
            st.sets(keys, max_size=4),
            st.frozensets(keys, max_size=4),
            st.dictionaries(texts, children, max_size=4),
            st.dictionaries(keys, children, max_size=4),  # non-string keys
            st.builds(Point, big_ints, floats),
            st.builds(Box, texts, children, st.lists(children, max_size=2)),
            st.builds(Item, texts, big_ints, children),
            st.builds(Money, decimals, st.sampled_from(["EUR", "USD"])),
            st.builds(Pair, children, children),
            st.builds(Tag, texts, keys),
        ),
        max_leaves=max_leaves,
    )


# -- comparison ------------------------------------------------------------------------


def assert_same(actual: Any, expected: Any, path: str = "value") -> None:
    """Assert that ``actual`` is ``expected`` rebuilt: same types, same content, anywhere."""
    problem = _difference(actual, expected, path)
    if problem:
        raise AssertionError(f"{problem}\n  expected: {expected!r}\n  actual:   {actual!r}")


def same(actual: Any, expected: Any) -> bool:
    return _difference(actual, expected, "value") is None


def _same_float(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def _difference(a: Any, b: Any, path: str) -> str | None:
    if type(a) is not type(b):
        return f"{path}: type {type(a).__qualname__} != {type(b).__qualname__}"
    kind = type(b)
    if isinstance(b, enum.Enum):
        return None if a is b else f"{path}: {a!r} is not {b!r}"
    if kind is float:
        return None if _same_float(a, b) else f"{path}: {a!r} != {b!r}"
    if kind is complex:
        ok = _same_float(a.real, b.real) and _same_float(a.imag, b.imag)
        return None if ok else f"{path}: {a!r} != {b!r}"
    if kind is Decimal:
        return None if a.as_tuple() == b.as_tuple() else f"{path}: {a!r} != {b!r}"
    if kind in (dt.datetime, dt.time):
        if a.tzinfo != b.tzinfo or type(a.tzinfo) is not type(b.tzinfo):
            return f"{path}: tzinfo {a.tzinfo!r} != {b.tzinfo!r}"
        if a.replace(tzinfo=None) != b.replace(tzinfo=None) or a.fold != b.fold:
            return f"{path}: {a!r} != {b!r}"
        return None
    if isinstance(b, tuple) and hasattr(kind, "_fields"):  # NamedTuple
        return _sequence_difference(a, b, path)
    if kind in (list, tuple):
        return _sequence_difference(a, b, path)
    if kind is dict:
        if len(a) != len(b):
            return f"{path}: {len(a)} keys != {len(b)} keys"
        remaining = list(a.items())
        for key, value in b.items():
            for index, (other_key, other_value) in enumerate(remaining):
                if same(other_key, key):
                    problem = _difference(other_value, value, f"{path}[{key!r}]")
                    if problem:
                        return problem
                    del remaining[index]
                    break
            else:
                return f"{path}: key {key!r} missing"
        return None
    if kind in (set, frozenset):
        if len(a) != len(b):
            return f"{path}: {len(a)} elements != {len(b)} elements"
        remaining = list(a)
        for element in b:
            match = next((i for i, other in enumerate(remaining) if same(other, element)), None)
            if match is None:
                return f"{path}: element {element!r} missing"
            del remaining[match]
        return None
    if dataclasses.is_dataclass(b):
        for field in dataclasses.fields(b):
            problem = _difference(
                getattr(a, field.name), getattr(b, field.name), f"{path}.{field.name}"
            )
            if problem:
                return problem
        return None
    if attrs.has(kind):
        for attribute in attrs.fields(kind):
            problem = _difference(
                getattr(a, attribute.name), getattr(b, attribute.name), f"{path}.{attribute.name}"
            )
            if problem:
                return problem
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"


def _sequence_difference(a: Any, b: Any, path: str) -> str | None:
    if len(a) != len(b):
        return f"{path}: length {len(a)} != {len(b)}"
    for index, (x, y) in enumerate(zip(a, b, strict=True)):
        problem = _difference(x, y, f"{path}[{index}]")
        if problem:
            return problem
    return None


__all__ = [
    "ENUM_MEMBERS",
    "Box",
    "Color",
    "Item",
    "Mode",
    "Money",
    "Pair",
    "Permission",
    "Point",
    "Priority",
    "Tag",
    "assert_same",
    "capture_values",
    "hashables",
    "same",
    "scalars",
]
