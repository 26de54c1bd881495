"""Property: any nesting of the supported types comes back equal and of the same type."""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import datetime as dt
import enum
import http
import math
import os
import pathlib
import typing

import attrs
import orjson
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from snapy_core import Omitted, Redacted, Unserializable, Untrusted
from snapy_core.errors import RecordError
from snapy_storage_json import JSONCodec
from tests import strategies as shared_strategies

# hypothesis reprs the recursive strategies (tens of kB) for its report, once per session
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

HERE = __name__

CODEC = JSONCodec(trusted_modules=[HERE], use_config=False, plugins=False)
COMPACT = JSONCodec(trusted_modules=[HERE], use_config=False, plugins=False, indent=False)


class Shade(enum.Enum):
    DARK = "dark"
    LIGHT = "light"


class Size(enum.IntEnum):
    S = 1
    M = 2


class Mode(enum.Flag):
    R = 1
    W = 2
    X = 4


@dataclasses.dataclass
class Box:
    content: object
    note: object = None


@dataclasses.dataclass(frozen=True)
class Key:
    a: object
    b: object


@attrs.define
class Record:
    value: object
    _hidden: object = None


@attrs.frozen
class FrozenRecord:
    value: object


class Couple(typing.NamedTuple):
    first: object
    second: object


class Bag:
    def __init__(self, content: object) -> None:
        self.content = content


class Slots:
    __slots__ = ("content",)

    def __init__(self, content: object) -> None:
        self.content = content


# -- strategies ----------------------------------------------------------------------------------

fixed_offsets = st.builds(
    dt.timezone,
    st.timedeltas(
        min_value=dt.timedelta(hours=-23, minutes=-59), max_value=dt.timedelta(hours=23, minutes=59)
    ),
)
named_offsets = st.builds(
    dt.timezone,
    st.timedeltas(min_value=dt.timedelta(hours=-12), max_value=dt.timedelta(hours=12)),
    st.text(
        st.characters(blacklist_characters="[]", blacklist_categories=("Cs",)),
        min_size=1,
        max_size=5,
    ),
)
time_zones = st.none() | st.just(dt.timezone.utc) | fixed_offsets | named_offsets | st.timezones()

paths = st.text(
    st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=12
)
placeholders = st.one_of(
    st.builds(Redacted, st.text(max_size=10)),
    st.builds(Omitted, st.text(max_size=10)),
    st.builds(Unserializable, st.text(max_size=10), type_name=st.text(max_size=10)),
    st.builds(
        Untrusted,
        st.text(max_size=5),
        type_name=st.text(max_size=5),
        value_repr=st.text(max_size=5),
    ),
)

hashable_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**64, max_value=2**300),
    st.integers(min_value=-(2**300), max_value=-(2**63) - 1),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.sampled_from(["$tuple", "$dict", "$set", "$int", "$object", "$", "$$", "$unknown"]),
    st.binary(max_size=8),
    st.decimals(allow_nan=False),
    st.complex_numbers(allow_nan=False),
    st.datetimes(timezones=time_zones),
    st.dates(),
    st.times(timezones=time_zones),
    st.timedeltas(),
    st.uuids(),
    st.builds(pathlib.PurePosixPath, paths),
    st.builds(pathlib.PureWindowsPath, paths),
    st.builds(pathlib.Path, paths),
    st.sampled_from(Shade),
    st.sampled_from(Size),
    st.builds(Mode, st.integers(min_value=0, max_value=7)),
    st.sampled_from([http.HTTPStatus.OK, http.HTTPStatus.NOT_FOUND]),
    placeholders,
    fixed_offsets,
    named_offsets,
    st.timezones(),
)

scalars = st.one_of(
    hashable_scalars,
    st.floats(),
    st.sampled_from([math.nan, math.inf, -math.inf, -0.0]),
    st.decimals(),  # NaN, sNaN, Infinity
    st.complex_numbers(),
    st.binary(max_size=8).map(bytearray),
)

hashables = st.recursive(
    hashable_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3).map(tuple),
        st.frozensets(children, max_size=3),
        st.builds(Key, children, children),
        st.builds(FrozenRecord, children),
        st.builds(Couple, children, children),
    ),
    max_leaves=6,
)

str_keys = st.one_of(
    st.text(max_size=6),
    st.sampled_from(["$tuple", "$dict", "$set", "$int", "$object", "$", "$$", "$unknown"]),
)


def _containers(children: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(str_keys, children, max_size=4),
        st.dictionaries(hashables, children, max_size=3),
        st.sets(hashables, max_size=4),
        st.frozensets(hashables, max_size=4),
        st.builds(Box, children, children),
        st.builds(Record, children, children),
        st.builds(Couple, children, children),
        st.builds(Bag, children),
        st.builds(Slots, children),
        st.lists(children, max_size=3).map(collections.deque),
        st.dictionaries(st.text(max_size=4), children, max_size=3).map(collections.OrderedDict),
    )


_values = st.recursive(scalars, _containers, max_leaves=25)
# given() puts the repr of its strategies into the test's database key; a deferred
# strategy's repr is one line instead of the whole nested definition.
values = st.deferred(lambda: _values)


@settings(
    max_examples=int(os.environ.get("SNAPY_ROUNDTRIP_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(values)
def test_round_trip_is_lossless_and_stable(same, value: object) -> None:
    raw = CODEC.dumps(value)
    back = CODEC.loads(raw)
    same(value, back)
    assert CODEC.dumps(back) == raw
    assert (
        COMPACT.dumps(value) == orjson.dumps(orjson.loads(raw), option=orjson.OPT_SORT_KEYS) + b"\n"
    )


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(max_size=6).filter(lambda key: not key.startswith("$")), children, max_size=4
        )
    ),
    max_leaves=20,
)


@settings(max_examples=100, deadline=None)
@given(st.deferred(lambda: json_values))
def test_json_native_values_are_plain_json(value: object) -> None:
    raw = CODEC.dumps(value)
    assert orjson.loads(raw) == value
    assert CODEC.loads(raw) == value


# Arbitrary JSON, biased towards tag-shaped objects, must decode or raise RecordError only.
tag_names = st.sampled_from(
    [
        "$tuple",
        "$set",
        "$frozenset",
        "$dict",
        "$int",
        "$float",
        "$complex",
        "$bytes",
        "$bytearray",
        "$str",
        "$decimal",
        "$datetime",
        "$date",
        "$time",
        "$timedelta",
        "$timezone",
        "$zoneinfo",
        "$uuid",
        "$path",
        "$pureposixpath",
        "$purewindowspath",
        "$windowspath",
        "$redacted",
        "$omitted",
        "$placeholder",
        "$unserializable",
        "$untrusted",
        "$global",
        "$enum",
        "$dataclass",
        "$attrs",
        "$namedtuple",
        "$object",
        "$other",
    ]
)
class_paths = st.sampled_from(
    [
        "os:system",
        "builtins:eval",
        "subprocess:Popen",
        "importlib:import_module",
        "collections:OrderedDict",
        "fractions:Fraction",
        f"{HERE}:Box",
        f"{HERE}:Bag",
        f"{HERE}:Couple",
        f"{HERE}:Shade",
        "http:HTTPStatus",
        "no colon",
        "a:b.__class__",
    ]
)
fuzz_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=6)
    | class_paths,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "class",
                    "fields",
                    "new",
                    "call",
                    "state",
                    "value",
                    "reason",
                    "type",
                    "repr",
                    "items",
                    "dict_items",
                ]
            )
            | st.text(max_size=3),
            children,
            max_size=4,
        )
        | st.builds(lambda tag, payload: {tag: payload}, tag_names, children)
    ),
    max_leaves=12,
)


@settings(max_examples=int(os.environ.get("SNAPY_FUZZ_EXAMPLES", "300")), deadline=None)
@given(st.deferred(lambda: fuzz_json))
def test_arbitrary_json_decodes_or_raises_record_error(data: object) -> None:
    with contextlib.suppress(RecordError):
        CODEC.loads(orjson.dumps(data))


_flat = st.one_of(scalars, _containers(scalars))
_flat_values = st.deferred(lambda: _flat)


def test_every_tag_is_exercised_by_the_strategies() -> None:
    """Guard against the strategy silently losing a type: sample and collect the tags."""
    seen: set[str] = set()

    def collect(node: object) -> None:
        if isinstance(node, dict):
            for key, item in node.items():
                if key.startswith("$") and len(node) == 1:
                    seen.add(key)
                collect(item)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    @seed(20240501)
    @settings(max_examples=400, database=None)
    @given(_flat_values)
    def sample(value: object) -> None:
        collect(CODEC.encode(value))

    sample()
    expected = {
        "$tuple",
        "$set",
        "$frozenset",
        "$dict",
        "$int",
        "$float",
        "$complex",
        "$bytes",
        "$bytearray",
        "$decimal",
        "$datetime",
        "$date",
        "$time",
        "$timedelta",
        "$uuid",
        "$pureposixpath",
        "$purewindowspath",
        "$path",
        "$timezone",
        "$zoneinfo",
        "$enum",
        "$dataclass",
        "$attrs",
        "$namedtuple",
        "$object",
        "$redacted",
        "$omitted",
        "$unserializable",
        "$untrusted",
    }
    assert expected <= seen, sorted(expected - seen)


# The strategies every storage backend is held to (root tests/strategies.py); the ones
# above add what only the JSON codec has to care about (tag-shaped keys, placeholders,
# plain and slotted objects, collections types, time zones as values).
SHARED = JSONCodec(trusted_modules=["tests"], use_config=False, plugins=False)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.deferred(lambda: shared_strategies.capture_values()))
def test_round_trip_of_the_shared_capture_values(value: object) -> None:
    raw = SHARED.dumps(value)
    back = SHARED.loads(raw)
    shared_strategies.assert_same(back, value)
    assert SHARED.dumps(back) == raw
