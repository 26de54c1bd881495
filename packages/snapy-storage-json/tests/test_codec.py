"""The JSON codec on concrete values: format, round trips, stability, the unstorable."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import decimal
import enum
import fractions
import http
import ipaddress
import os
import pathlib
import socket
import subprocess
import sys
import threading
import types
import typing
import uuid
import zoneinfo

import attrs
import orjson
import pytest

from snapy_core import Omitted, Placeholder, Redacted, Unserializable, Untrusted
from snapy_core.errors import RecordError
from snapy_storage_json import JSONCodec, decode_value, dumps, encode_value, loads
from snapy_storage_json._encode import MAX_DEPTH, TRACK_CYCLES_AFTER

HERE = __name__
CLASS = f"{HERE}:"


@pytest.fixture(scope="module")
def codec() -> JSONCodec:
    return JSONCodec(trusted_modules=[HERE], use_config=False, plugins=False)


def roundtrip(codec: JSONCodec, value: object) -> object:
    return codec.loads(codec.dumps(value))


# -- types the tests capture ------------------------------------------------------------------


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"
    CRIMSON = "red"  # noqa: PIE796 - an alias, on purpose


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Permission(enum.Flag):
    READ = 1
    WRITE = 2
    EXECUTE = 4


@dataclasses.dataclass
class Point:
    x: float
    y: float = 0.0
    label: str = dataclasses.field(default="", compare=False)


@dataclasses.dataclass(frozen=True)
class FrozenPoint:
    x: int
    y: int


@dataclasses.dataclass
class Derived:
    base: int
    computed: int = dataclasses.field(init=False)
    init_calls: typing.ClassVar[int] = 0

    def __post_init__(self) -> None:
        type(self).init_calls += 1
        self.computed = self.base * 2
        self._cache = {"hits": 0}


@attrs.define
class Account:
    owner: str
    _balance: decimal.Decimal = decimal.Decimal("0")
    tags: set[str] = attrs.field(factory=set)


@attrs.frozen
class Money:
    amount: decimal.Decimal
    currency: str


class Pair(typing.NamedTuple):
    left: object
    right: object


class Plain:
    def __init__(self, name: str, items: list[object]) -> None:
        self.name = name
        self.items = items


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self, a: object) -> None:
        self.a = a


class WithState:
    setstate_calls = 0

    def __init__(self, value: int) -> None:
        self.value = value
        self.lock = threading.Lock()

    def __getstate__(self) -> dict[str, int]:
        return {"value": self.value}

    def __setstate__(self, state: dict[str, int]) -> None:
        type(self).setstate_calls += 1
        self.value = state["value"]
        self.lock = threading.Lock()


class NewArgs:
    def __new__(cls, size: int, *, unit: str = "B") -> NewArgs:
        instance = super().__new__(cls)
        instance.size = size
        instance.unit = unit
        return instance

    def __getnewargs_ex__(self) -> tuple[tuple[int], dict[str, str]]:
        return (self.size,), {"unit": self.unit}


class Name(str):
    pass


class Tagged(list):  # type: ignore[type-arg]
    def __init__(self, items: list[object], tag: str) -> None:
        super().__init__(items)
        self.tag = tag


class CustomError(Exception):
    pass


class NamesFactory:
    """Its __reduce__ names a function: the JSON backend must not store that."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.getcwd, ())  # type: ignore[return-value]


def module_function(value: int) -> int:
    return value


# -- plain JSON stays plain JSON ----------------------------------------------------------------


def test_json_native_values_are_written_as_plain_json(codec: JSONCodec) -> None:
    value = {
        "name": "Ada",
        "age": 36,
        "ratio": 0.25,
        "active": True,
        "nothing": None,
        "items": [1, "two", [3.5, False], {"nested": {"deep": []}}],
        "big": 2**64 - 1,
        "small": -(2**63),
        "$not a tag": 1,
        "$also": 2,
    }
    raw = codec.dumps(value)
    assert orjson.loads(raw) == value
    assert b"$" not in raw.replace(b'"$not a tag"', b"").replace(b'"$also"', b"")


def test_output_is_indented_sorted_and_ends_with_a_newline(codec: JSONCodec) -> None:
    raw = codec.dumps({"b": 1, "a": {"d": 2, "c": 3}})
    assert raw == b'{\n  "a": {\n    "c": 3,\n    "d": 2\n  },\n  "b": 1\n}\n'
    compact = JSONCodec(indent=False, plugins=False).dumps({"b": 1, "a": (1,)})
    assert compact == b'{"a":{"$tuple":[1]},"b":1}\n'
    assert dumps({"b": [1]}, indent=False) == b'{"b":[1]}\n'
    assert codec.dumps([1], indent=False) == b"[1]\n"


# -- the tagged forms ---------------------------------------------------------------------------


TAGGED = [
    pytest.param((1, "a"), {"$tuple": [1, "a"]}, id="tuple"),
    pytest.param({3, 1, 2}, {"$set": [1, 2, 3]}, id="set"),
    pytest.param(frozenset({"b", "a"}), {"$frozenset": ["a", "b"]}, id="frozenset"),
    pytest.param({2: "b", 1: "a"}, {"$dict": [[1, "a"], [2, "b"]]}, id="int-keys"),
    pytest.param({"$tuple": [1]}, {"$dict": [["$tuple", [1]]]}, id="tag-like-user-dict"),
    pytest.param(b"GET / HTTP/1.1\r\n", {"$bytes": "GET / HTTP/1.1\r\n"}, id="ascii-bytes"),
    pytest.param(b"\x00\xff", {"$bytes": "base64:AP8="}, id="binary-bytes"),
    pytest.param(b"base64:x", {"$bytes": "base64:YmFzZTY0Ong="}, id="bytes-like-prefix"),
    pytest.param(bytearray(b"ok"), {"$bytearray": "ok"}, id="bytearray"),
    pytest.param(decimal.Decimal("1.10"), {"$decimal": "1.10"}, id="decimal"),
    pytest.param(2**64, {"$int": "18446744073709551616"}, id="int-65-bits"),
    pytest.param(-(2**63) - 1, {"$int": "-9223372036854775809"}, id="int-below-64-bits"),
    pytest.param(float("nan"), {"$float": "nan"}, id="nan"),
    pytest.param(float("-inf"), {"$float": "-inf"}, id="minus-inf"),
    pytest.param(complex(1, -2), {"$complex": [1.0, -2.0]}, id="complex"),
    pytest.param(dt.date(2024, 2, 29), {"$date": "2024-02-29"}, id="date"),
    pytest.param(dt.datetime(2024, 5, 1, 12, 30), {"$datetime": "2024-05-01T12:30:00"}, id="naive"),
    pytest.param(
        dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.timezone.utc),
        {"$datetime": "2024-05-01T12:30:00+00:00"},
        id="utc",
    ),
    pytest.param(
        dt.datetime(2024, 5, 1, 12, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")),
        {"$datetime": "2024-05-01T12:30:00+02:00[Europe/Paris]"},
        id="zoneinfo",
    ),
    pytest.param(
        dt.datetime(2024, 11, 3, 1, 30, fold=1, tzinfo=zoneinfo.ZoneInfo("America/New_York")),
        {"$datetime": "2024-11-03T01:30:00-05:00[America/New_York][fold=1]"},
        id="zoneinfo-fold",
    ),
    pytest.param(
        dt.datetime(2024, 5, 1, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30), "IST")),
        {"$datetime": "2024-05-01T00:00:00+05:30[tzname=IST]"},
        id="named-offset",
    ),
    pytest.param(dt.time(8, 15, 0, 5), {"$time": "08:15:00.000005"}, id="time"),
    pytest.param(
        dt.time(8, 15, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo")),
        {"$time": "08:15:00[Asia/Tokyo]"},
        id="time-zoneinfo",
    ),
    pytest.param(
        dt.timedelta(days=-1, seconds=5, microseconds=7),
        {"$timedelta": {"days": -1, "microseconds": 7, "seconds": 5}},
        id="timedelta",
    ),
    pytest.param(
        dt.timezone(dt.timedelta(hours=-3, seconds=30)), {"$timezone": "-02:59:30"}, id="timezone"
    ),
    pytest.param(zoneinfo.ZoneInfo("Europe/Paris"), {"$zoneinfo": "Europe/Paris"}, id="zone"),
    pytest.param(
        uuid.UUID("12345678-1234-5678-1234-567812345678"),
        {"$uuid": "12345678-1234-5678-1234-567812345678"},
        id="uuid",
    ),
    pytest.param(pathlib.PurePosixPath("/srv/app"), {"$pureposixpath": "/srv/app"}, id="pure"),
    pytest.param(pathlib.PureWindowsPath("C:/x"), {"$purewindowspath": "C:\\x"}, id="pure-win"),
    pytest.param(Color.RED, {"$enum": f"{CLASS}Color.RED"}, id="enum"),
    pytest.param(
        Permission.READ | Permission.WRITE,
        {"$enum": {"class": f"{CLASS}Permission", "value": 3}},
        id="flag-combination",
    ),
    pytest.param(
        http.HTTPStatus.NOT_FOUND, {"$enum": "http:HTTPStatus.NOT_FOUND"}, id="stdlib-enum"
    ),
    pytest.param(
        FrozenPoint(1, 2),
        {"$dataclass": {"class": f"{CLASS}FrozenPoint", "fields": {"x": 1, "y": 2}}},
        id="dataclass",
    ),
    pytest.param(
        Money(decimal.Decimal("9.99"), "EUR"),
        {
            "$attrs": {
                "class": f"{CLASS}Money",
                "fields": {"amount": {"$decimal": "9.99"}, "currency": "EUR"},
            }
        },
        id="attrs",
    ),
    pytest.param(
        Pair(1, "b"),
        {"$namedtuple": {"class": f"{CLASS}Pair", "fields": {"left": 1, "right": "b"}}},
        id="namedtuple",
    ),
    pytest.param(module_function, {"$global": f"{CLASS}module_function"}, id="function"),
    pytest.param(Point, {"$global": f"{CLASS}Point"}, id="class"),
    pytest.param(
        Redacted("name matches 'password'"), {"$redacted": "name matches 'password'"}, id="redacted"
    ),
    pytest.param(Omitted("larger than 1 KiB"), {"$omitted": "larger than 1 KiB"}, id="omitted"),
]


@pytest.mark.parametrize(("value", "encoded"), TAGGED)
def test_tagged_forms(codec: JSONCodec, same, value: object, encoded: object) -> None:
    assert codec.encode(value) == encoded
    same(value, roundtrip(codec, value))


def test_concrete_path_round_trips_as_the_native_path(codec: JSONCodec, same) -> None:
    path = pathlib.Path("/tmp") / "captures" / "x.json"
    assert codec.encode(path) == {"$path" if os.name != "nt" else "$windowspath": str(path)}
    same(path, roundtrip(codec, path))


# -- round trips of the awkward cases ------------------------------------------------------------


def _with_attribute(value: Tagged) -> Tagged:
    return value


EXAMPLES = [
    pytest.param(-0.0, id="negative-zero"),
    pytest.param(5e-324, id="denormal"),
    pytest.param(1.7976931348623157e308, id="max-float"),
    pytest.param(2**64 - 1, id="u64-max"),
    pytest.param(-(10**5000), id="int-5000-digits"),
    pytest.param(decimal.Decimal("-0"), id="decimal-negative-zero"),
    pytest.param(decimal.Decimal("1E+2"), id="decimal-exponent"),
    pytest.param(decimal.Decimal("NaN"), id="decimal-nan"),
    pytest.param(decimal.Decimal("-Infinity"), id="decimal-inf"),
    pytest.param(complex(float("nan"), float("-inf")), id="complex-nan"),
    pytest.param(b"", id="empty-bytes"),
    pytest.param(bytes(range(256)), id="all-bytes"),
    pytest.param("emoji 🐍 and \x00 control \u2028", id="unicode"),
    pytest.param(dt.datetime.min, id="datetime-min"),
    pytest.param(dt.datetime.max.replace(tzinfo=dt.timezone.utc), id="datetime-max"),
    pytest.param(
        dt.datetime(2024, 3, 31, 2, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")), id="dst-gap"
    ),
    pytest.param(dt.time(23, 59, 59, 999999, fold=1), id="time-fold"),
    pytest.param(
        dt.time(1, tzinfo=dt.timezone(-dt.timedelta(hours=23, minutes=59), "far")), id="time-name"
    ),
    pytest.param(dt.timedelta.min, id="timedelta-min"),
    pytest.param(dt.timezone.utc, id="timezone-utc"),
    pytest.param(dt.timezone(dt.timedelta(minutes=90), "Custom"), id="timezone-named"),
    pytest.param(Level.HIGH, id="int-enum"),
    pytest.param(Color.CRIMSON, id="enum-alias"),
    pytest.param(Permission(0), id="empty-flag"),
    pytest.param(Permission.EXECUTE, id="flag-member"),
    pytest.param(Point(1.5, label="kept"), id="dataclass-uncompared-field"),
    pytest.param(Account("ada", decimal.Decimal("10.5"), {"vip"}), id="attrs-private-field"),
    pytest.param(Pair(Pair((1,), {2}), frozenset({3})), id="nested-namedtuple"),
    pytest.param(Plain("p", [Point(1, 2), (3,), {4: {5}}]), id="plain-object"),
    pytest.param(Slotted(Slotted((1, 2))), id="slots"),
    pytest.param(NewArgs(5, unit="KiB"), id="getnewargs-ex"),
    pytest.param(Name("typed str"), id="str-subclass"),
    pytest.param(Tagged([1, (2,)], "t"), id="list-subclass-with-attribute"),
    pytest.param(collections.OrderedDict([("b", 1), ("a", 2)]), id="ordereddict"),
    pytest.param(collections.defaultdict(list, {"x": [1]}), id="defaultdict"),
    pytest.param(collections.deque([1, 2, 3], maxlen=5), id="deque"),
    pytest.param(collections.Counter("abracadabra"), id="counter"),
    pytest.param(fractions.Fraction(-7, 3), id="fraction"),
    pytest.param(ipaddress.ip_network("10.0.0.0/8"), id="ip-network"),
    pytest.param(ipaddress.IPv6Address("::1"), id="ipv6"),
    pytest.param(types.SimpleNamespace(a=1, b=(2,)), id="simplenamespace"),
    pytest.param(range(1, 10, 3), id="range"),
    pytest.param(Unserializable("a lock", type_name="_thread.lock"), id="unserializable"),
    pytest.param(Untrusted("not trusted", type_name="x.Y", value_repr="Y()"), id="untrusted"),
    pytest.param(Placeholder("generic"), id="placeholder"),
    pytest.param({(1, 2): {frozenset({"a"}): [None]}}, id="nested-non-str-keys"),
    pytest.param({True: "bool key", 2.5: "float key", None: "none key"}, id="odd-keys"),
    pytest.param({"$dict": 1, "x": 2}, id="multi-key-dict-with-tag-key"),
    pytest.param([{"$set": {"$tuple": ({"$int": 1},)}}], id="nested-tag-like-dicts"),
    pytest.param(((),), id="empty-tuple"),
    pytest.param({frozenset(), ()}, id="empty-members"),
]


@pytest.mark.parametrize("value", EXAMPLES)
def test_round_trip_keeps_value_and_type(codec: JSONCodec, same, value: object) -> None:
    back = roundtrip(codec, value)
    same(value, back)
    assert codec.dumps(back) == codec.dumps(value)


def test_dataclass_with_extra_attributes_is_rebuilt_without_init(codec: JSONCodec, same) -> None:
    value = Derived(21)
    value._cache["hits"] = 3
    calls = Derived.init_calls
    back = roundtrip(codec, value)
    same(value, back)
    assert Derived.init_calls == calls  # neither __init__ nor __post_init__ ran
    assert back._cache == {"hits": 3}


def test_class_with_setstate_uses_it(codec: JSONCodec) -> None:
    calls = WithState.setstate_calls
    back = roundtrip(codec, WithState(7))
    assert isinstance(back, WithState)
    assert back.value == 7
    assert WithState.setstate_calls == calls + 1


def test_exceptions_round_trip_with_args_and_attributes(codec: JSONCodec) -> None:
    error = CustomError("boom", 42)
    error.detail = {"code": (1, 2)}
    back = roundtrip(codec, error)
    assert type(back) is CustomError
    assert back.args == ("boom", 42)
    assert back.detail == {"code": (1, 2)}
    assert type(roundtrip(codec, KeyError("k"))) is KeyError


def test_missing_field_gets_its_default(codec: JSONCodec) -> None:
    encoded = {"$attrs": {"class": f"{CLASS}Account", "fields": {"owner": "ada"}}}
    account = codec.decode(encoded)
    assert account == Account("ada")


# -- stability ---------------------------------------------------------------------------------


def test_same_value_gives_byte_identical_output(codec: JSONCodec) -> None:
    value = {
        "set": {"b", "a", "c"},
        "mixed": {1, "one", (1, "x"), frozenset({2, "two"}), None, 2.5, b"x"},
        "keys": {(2, "b"): 1, (1, "a"): 2, "s": 3, 4: 4},
        "objects": [Plain("a", [{5, 3}]), Point(1, 2)],
    }
    first = codec.dumps(value)
    assert codec.dumps(value) == first
    assert codec.dumps(roundtrip(codec, value)) == first
    reordered = {
        "objects": [Plain("a", [{3, 5}]), Point(1, 2)],
        "keys": {4: 4, "s": 3, (1, "a"): 2, (2, "b"): 1},
        "mixed": {b"x", 2.5, None, frozenset({"two", 2}), (1, "x"), "one", 1},
        "set": {"c", "a", "b"},
    }
    assert codec.dumps(reordered) == first


def test_sets_of_numbers_and_strings_are_sorted_naturally(codec: JSONCodec) -> None:
    assert codec.encode({10, 2, 1.5, -3}) == {"$set": [-3, 1.5, 2, 10]}
    assert codec.encode({"b", "a", "B"}) == {"$set": ["B", "a", "b"]}
    encoded = codec.encode({float("nan"), 1.0})
    assert len(encoded["$set"]) == 2


_HASH_SEED_SCRIPT = """
import sys
from snapy_storage_json import JSONCodec
value = {
    "words": {"alpha", "beta", "gamma", "delta", "epsilon", "zeta"},
    "mixed": {"x", 1, ("t", 2), frozenset({"a", "b", "c"}), b"raw", None},
    "keys": {("k", 1): 1, ("j", 2): 2, "plain": 3},
}
sys.stdout.buffer.write(JSONCodec(plugins=False, use_config=False).dumps(value))
"""


def test_output_does_not_depend_on_hash_randomization() -> None:
    outputs = set()
    for seed in ("1", "2"):
        result = subprocess.run(
            [sys.executable, "-c", _HASH_SEED_SCRIPT],
            capture_output=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
            timeout=60,
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1


# -- values that cannot be stored ----------------------------------------------------------------


async def _coroutine() -> None:
    return None


def _generator() -> typing.Iterator[int]:
    yield 1


def _unstorable_values(tmp_path: pathlib.Path) -> dict[str, tuple[object, str]]:
    def local_function() -> None:
        return None

    class Local:
        pass

    handle = (tmp_path / "file.txt").open("w")
    coroutine = _coroutine()
    values = {
        "lock": (threading.Lock(), "_thread.lock"),
        "rlock": (threading.RLock(), "_thread.RLock"),
        "socket": (socket.socket(), "socket.socket"),
        "file": (handle, "_io.TextIOWrapper"),
        "generator": (_generator(), "builtins.generator"),
        "coroutine": (coroutine, "builtins.coroutine"),
        "module": (os, "builtins.module"),
        "lambda": (lambda: None, "builtins.function"),
        "local function": (local_function, "builtins.function"),
        "bound method": ("text".upper, "builtins.builtin_function_or_method"),
        "method": (Plain("a", []).__init__, "builtins.method"),
        "local class instance": (Local(), f"{HERE}._unstorable_values.<locals>.Local"),
        "local class": (Local, "builtins.type"),
        "reduce names a function": (NamesFactory(), f"{HERE}.NamesFactory"),
        "dynamic class": (type("Dynamic", (), {})(), f"{HERE}.Dynamic"),
    }
    return values


def test_unstorable_values_become_placeholders_and_the_rest_is_kept(
    codec: JSONCodec, tmp_path: pathlib.Path
) -> None:
    values = _unstorable_values(tmp_path)
    try:
        document = {name: [value, "kept"] for name, (value, _) in values.items()}
        back = roundtrip(codec, document)
    finally:
        values["socket"][0].close()  # type: ignore[attr-defined]
        values["file"][0].close()  # type: ignore[attr-defined]
        values["coroutine"][0].close()  # type: ignore[attr-defined]
    for name, (_, type_name) in values.items():
        placeholder, kept = back[name]
        assert kept == "kept"
        assert isinstance(placeholder, Unserializable), name
        assert placeholder.type_name == type_name, name
        assert placeholder.reason, name
    assert "lambda" in back["lambda"][0].reason
    assert "getcwd" in back["reduce names a function"][0].reason
    assert "never stores a callable" in back["reduce names a function"][0].reason


def test_object_whose_constructor_argument_cannot_be_stored_is_unserializable(
    codec: JSONCodec,
) -> None:
    value = collections.defaultdict(lambda: 0, {"a": 1})
    placeholder = roundtrip(codec, value)
    assert isinstance(placeholder, Unserializable)
    assert "lambda" in placeholder.reason


def test_encoding_failure_inside_a_value_is_contained(codec: JSONCodec) -> None:
    class Exploding:
        def __reduce_ex__(self, protocol: int) -> object:
            raise RuntimeError("no")

    back = roundtrip(codec, {"bad": Exploding(), "good": (1,)})
    assert isinstance(back["bad"], Unserializable)
    assert back["good"] == (1,)


# -- cycles and depth --------------------------------------------------------------------------


def test_a_list_that_contains_itself(codec: JSONCodec) -> None:
    value: list[object] = [1]
    value.append(value)
    back = roundtrip(codec, value)
    assert back[0] == 1
    assert isinstance(back[1], Unserializable)
    assert back[1].type_name == "builtins.list"
    assert "cycle" in back[1].reason


def test_objects_with_back_references(codec: JSONCodec) -> None:
    parent = Plain("parent", [])
    child = Plain("child", [parent])
    parent.items.append(child)
    back = roundtrip(codec, {"tree": parent})
    rebuilt_child = back["tree"].items[0]
    assert rebuilt_child.name == "child"
    assert isinstance(rebuilt_child.items[0], Unserializable)
    assert "cycle" in rebuilt_child.items[0].reason


def test_shared_references_are_not_cycles(codec: JSONCodec, same) -> None:
    shared = [1, 2]
    value = {"a": shared, "b": (shared, shared), "deep": [[[[[[shared]]]]]] * 30}
    same(value, roundtrip(codec, value))


def test_deep_nesting_round_trips_up_to_the_limit(codec: JSONCodec, same) -> None:
    value: list[object] = ["bottom"]
    for _ in range(TRACK_CYCLES_AFTER + 50):
        value = [value]
    same(value, roundtrip(codec, value))


def test_nesting_beyond_the_limit_is_cut_with_a_placeholder(codec: JSONCodec) -> None:
    value: object = "bottom"
    for _ in range(MAX_DEPTH + 100):
        value = (value,)
    back = roundtrip(codec, value)
    depth = 0
    while isinstance(back, tuple):
        back = back[0]
        depth += 1
    assert isinstance(back, Unserializable)
    assert "nested more than" in back.reason
    assert 0 < depth < MAX_DEPTH


# -- strings JSON cannot carry -------------------------------------------------------------------


def test_lone_surrogates_survive(codec: JSONCodec, same) -> None:
    name = os.fsdecode(b"caf\xe9.txt")  # what os.listdir gives for a latin-1 file name
    value = {"name": name, name: [name, "fine"]}
    raw = codec.dumps(value)
    assert b"$str" in raw
    same(value, codec.loads(raw))


# -- module-level helpers ------------------------------------------------------------------------


def test_module_level_functions(same, fresh_plugins) -> None:
    value = {"when": dt.date(2020, 1, 1), "ids": {1, 2}}
    assert decode_value(encode_value(value)) == value
    same(value, loads(dumps(value)))
    assert loads(dumps(Point(1, 2)), module=HERE) == Point(1, 2)
    assert loads(dumps(Point(1, 2)), trusted_modules=[HERE]) == Point(1, 2)


# -- malformed input -------------------------------------------------------------------------------


BAD = [
    pytest.param(b'{"a": [1, 2', "not valid JSON", id="truncated"),
    pytest.param(b"\xff\xfe\x00garbage", "not valid JSON", id="random-bytes"),
    pytest.param(b'{"$nope": 1}', "unknown tag '$nope'", id="unknown-tag"),
    pytest.param(b'{"a": [0, {"$tuple": 5}]}', "a[1].$tuple: malformed $tuple", id="tuple"),
    pytest.param(b'{"$set": [[1]]}', "unhashable", id="unhashable-set-item"),
    pytest.param(b'{"$dict": [[[1], 2]]}', "unusable key", id="unhashable-key"),
    pytest.param(b'{"$dict": [[1, 2, 3]]}', "[key, value] pair", id="bad-pair"),
    pytest.param(b'{"$int": "12a"}', "malformed $int", id="bad-int"),
    pytest.param(b'{"$int": "' + b"9" * 5000 + b'"}', "decimal digits", id="huge-decimal-int"),
    pytest.param(b'{"$float": "1.5"}', "'nan', 'inf' or '-inf'", id="bad-float"),
    pytest.param(b'{"$bytes": "base64:***"}', "malformed $bytes", id="bad-base64"),
    pytest.param(b'{"$bytes": "caf\xc3\xa9"}', "malformed $bytes", id="non-ascii-bytes"),
    pytest.param(b'{"$decimal": "one"}', "malformed $decimal", id="bad-decimal"),
    pytest.param(b'{"$datetime": "yesterday"}', "malformed $datetime", id="bad-datetime"),
    pytest.param(b'{"$datetime": "2024-01-01T00:00:00[No/Such_Zone]"}', "not known", id="zone"),
    pytest.param(
        b'{"$datetime": "2024-01-01T00:00:00[../../etc/passwd]"}', "time zone", id="zone-path"
    ),
    pytest.param(
        b'{"$datetime": "2024-01-01T00:00:00' + b"[x]" * 100_000 + b'"}',
        "too many [...] suffixes",
        id="suffix-chain",
    ),
    pytest.param(b'{"$timedelta": {"days": 1}}', "integer days", id="bad-timedelta"),
    pytest.param(b'{"$complex": [1]}', "[real, imag]", id="bad-complex"),
    pytest.param(b'{"$uuid": "x"}', "malformed $uuid", id="bad-uuid"),
    pytest.param(b'{"$redacted": 5}', "expected a JSON string", id="bad-placeholder"),
    pytest.param(b'{"$object": {"repr": "x"}}', "no 'class'", id="object-without-class"),
    pytest.param(b'{"$object": {"class": "no colon"}}', "class path", id="bad-class-path"),
    pytest.param(b'{"x": {"$enum": "x"}}', "x.$enum", id="bad-enum"),
]


@pytest.mark.parametrize(("raw", "message"), BAD)
def test_malformed_input_raises_record_error_saying_where(
    codec: JSONCodec, raw: bytes, message: str
) -> None:
    with pytest.raises(RecordError) as caught:
        codec.loads(raw)
    assert message in str(caught.value)


def test_error_names_the_path_through_the_document(codec: JSONCodec) -> None:
    raw = b'{"args": [1, {"$tuple": [2, {"$decimal": []}]}]}'
    with pytest.raises(RecordError) as caught:
        codec.loads(raw)
    assert str(caught.value).startswith("args[1].$tuple[1].$decimal: malformed $decimal")


def test_renamed_class_gives_a_clear_error(codec: JSONCodec) -> None:
    raw = orjson.dumps({"$dataclass": {"class": f"{CLASS}Vanished", "fields": {}}})
    with pytest.raises(RecordError, match="renamed or removed"):
        codec.loads(raw)


def test_changed_namedtuple_gives_a_clear_error(codec: JSONCodec) -> None:
    raw = orjson.dumps({"$namedtuple": {"class": f"{CLASS}Pair", "fields": {"left": 1}}})
    with pytest.raises(RecordError, match="the class changed"):
        codec.loads(raw)


def test_decoding_deeply_nested_json_fails_cleanly(codec: JSONCodec) -> None:
    with pytest.raises(RecordError):
        codec.loads(b"[" * 5000 + b"]" * 5000)
    with pytest.raises(RecordError):
        codec.decode(_nest(50_000))


def _nest(depth: int) -> object:
    value: object = []
    for _ in range(depth):
        value = [value]
    return value


def test_functions_are_references_resolved_only_from_trusted_modules(codec: JSONCodec) -> None:
    assert codec.encode(len) == {"$global": "builtins:len"}
    untrusted = roundtrip(codec, len)
    assert isinstance(untrusted, Untrusted)
    assert untrusted.type_name == "builtins.len"
    trusting_builtins = JSONCodec(trusted_modules=["builtins"], plugins=False, use_config=False)
    assert roundtrip(trusting_builtins, len) is len
    assert roundtrip(codec, module_function) is module_function
    assert roundtrip(codec, int) is int  # a safe class


def test_integers_beyond_64_bits_anywhere(codec: JSONCodec, same) -> None:
    value = {
        "list": [2**70, -(2**64)],
        "dict": {"n": 2**64},
        "tuple": (2**65,),
        "keys": {2**80: "k"},
        "set": {2**90, 1},
        "fields": FrozenPoint(2**100, -(2**100)),
    }
    same(value, roundtrip(codec, value))
    assert codec.encode([2**70]) == [{"$int": str(2**70)}]  # encode() output is JSON-safe
    orjson.dumps(codec.encode(value))


def test_class_from_another_processes_main_script_gives_a_clear_error() -> None:
    raw = orjson.dumps({"$dataclass": {"class": "__main__:ScriptOnly", "fields": {}}})
    with pytest.raises(RecordError, match="defined in the script that made the capture"):
        JSONCodec(plugins=False, use_config=False).loads(raw, module="__main__")
