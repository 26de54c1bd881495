"""Captured values -> JSON-native Python values (dict with str keys, list, str, int, ...).

JSON-native values come out as they went in. Everything else becomes a *tag*: a JSON
object with exactly one key starting with ``$`` (``{"$tuple": [1, 2]}``). A user's dict
that happens to have exactly one key starting with ``$`` is written in the
``{"$dict": [[key, value], ...]}`` form, so a tag is never ambiguous.

The hot path is the type of the value: ``str``/``int``/``float``/``bool``/``None``/
``list``/``dict`` are tested first by identity of their type, every other type is looked
up in a dict of handlers, and a type seen for the first time is classified once (plugin
serializer, enum, dataclass, attrs, named tuple, class reference, generic object). Inside
containers, strings, bools, None and ints are passed through without a call; the codec
lets orjson check the int range while writing and, in the rare case it refuses (an int
beyond 64 bits, or a string with lone surrogates), encodes again with the *strict*
encoder, which checks every int and string (:meth:`Encoder.strict`).

Cycles: the first pass does not track object identities. If it goes deeper than
:data:`TRACK_CYCLES_AFTER` JSON levels it starts again with the identities of the
containers on the current path; a container that contains itself is written as an
``Unserializable`` placeholder at the point where it refers back ("cycle"). Shared,
non-cyclic references are written once per occurrence.
"""

from __future__ import annotations

import base64
import copyreg
import dataclasses
import datetime as dt
import decimal
import enum
import io
import pathlib
import re
import sys
import types
import uuid
import zoneinfo
from collections.abc import Callable, Iterable
from typing import Any

import attrs
import orjson

from snapy_core import Omitted, Placeholder, Redacted, Unserializable, Untrusted

from ._serializers import Serializer

INT_MIN = -(1 << 63)
INT_MAX = (1 << 64) - 1
"""Integers in this range are plain JSON numbers (what orjson reads back exactly)."""

TRACK_CYCLES_AFTER = 100
"""JSON nesting depth at which encoding restarts with cycle tracking."""

MAX_DEPTH = 240
"""JSON nesting depth beyond which a value is replaced by a placeholder (orjson: 255)."""

_MAX_DECIMAL_INT_BITS = 13_000
"""Larger integers are written in hexadecimal (Python limits int <-> decimal str)."""

_REPR_LIMIT = 200
_ADDRESS = re.compile(r" at 0x[0-9A-Fa-f]+")
_PRINTABLE_ASCII = bytes(range(32, 127)) + b"\t\n\r"
_SORT_OPTIONS = orjson.OPT_SORT_KEYS
_NUMBERS = frozenset({int, float, bool})
_STRINGS = frozenset({str})
_MAX_CACHED_TYPES = 10_000
# Values passed through untouched inside containers. The fast encoder lets every int
# through: one beyond 64 bits makes orjson refuse the document, and the codec then encodes
# again with the strict encoder, which checks ints (and strings) one by one.
_PLAIN = frozenset({str, bool, type(None), int})
_PLAIN_STRICT = frozenset({bool, type(None)})
_NEWOBJ = getattr(copyreg, "__newobj__")  # noqa: B009 - the stubs do not declare them
_NEWOBJ_EX = getattr(copyreg, "__newobj_ex__")  # noqa: B009

JSONValue = Any
Handler = Callable[["Encoder", Any, int, "set[int] | None"], JSONValue]


class _Restart(BaseException):
    """The fast pass went deep: encode again with cycle tracking (never escapes)."""


class Unsupported(Exception):
    """A value the JSON backend deliberately does not store; the message says why."""


def type_name(cls: type) -> str:
    module = getattr(cls, "__module__", None) or "?"
    return f"{module}.{getattr(cls, '__qualname__', cls.__name__)}"


def unserializable(cls: type, reason: str) -> JSONValue:
    return {"$unserializable": {"reason": reason, "type": type_name(cls)}}


def safe_repr(value: Any) -> str:
    """A bounded ``repr`` without memory addresses (so re-encoding gives the same bytes)."""
    try:
        text: object = repr(value)
    except Exception as error:
        text = f"<{type_name(type(value))} object; repr() failed: {type(error).__name__}>"
    if not isinstance(text, str):  # a broken __repr__ can return anything
        text = f"<{type_name(type(value))} object>"
    text = _ADDRESS.sub("", text)
    if len(text) > _REPR_LIMIT:
        text = text[: _REPR_LIMIT - 1] + "…"
    return text


def _class_path(cls: type) -> str:
    """``module:qualname`` of a class that can be found again by that name."""
    module = getattr(cls, "__module__", None)
    qualname = getattr(cls, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str):
        raise Unsupported(f"{cls!r} has no module or qualified name to find it again by")
    if "<locals>" in qualname or "<lambda>" in qualname:
        raise Unsupported(
            f"{module}.{qualname} is defined inside a function, so it cannot be found again "
            "by name; move it to module level, or register a serializer for it"
        )
    target: Any = sys.modules.get(module)
    for part in qualname.split("."):
        target = getattr(target, part, None)
    if target is not cls:
        raise Unsupported(
            f"{module}.{qualname} cannot be found again by name (the module attribute of "
            "that name is another object, e.g. a dynamically created class)"
        )
    return f"{module}:{qualname}"


# -- scalars ------------------------------------------------------------------------------


def _float(value: float) -> JSONValue:
    return value if value - value == 0.0 else {"$float": repr(value)}


def _big_int(value: int) -> JSONValue:
    if value.bit_length() <= _MAX_DECIMAL_INT_BITS:
        return {"$int": str(value)}
    return {"$int": hex(value)}


def _bytes_text(value: bytes | bytearray) -> str:
    if not value.translate(None, _PRINTABLE_ASCII) and not value.startswith(b"base64:"):
        return value.decode("ascii")
    return "base64:" + base64.b64encode(value).decode("ascii")


def _offset_text(offset: dt.timedelta) -> str:
    # The same spelling as datetime.isoformat(), which fromisoformat() reads back.
    return dt.datetime(2000, 1, 1, tzinfo=dt.timezone(offset)).isoformat()[19:]


def _zone_suffix(tz: dt.tzinfo | None, value: Any) -> str:
    """The ``[Zone/Key]`` / ``[tzname=...]`` suffix that isoformat() cannot express."""
    if tz is None:
        return ""
    if type(tz) is dt.timezone:
        offset = tz.utcoffset(None)
        name = tz.tzname(None)
        if name == dt.timezone(offset).tzname(None):
            return ""
        if "[" in name or "]" in name:
            raise Unsupported(f"time zone name {name!r} contains brackets")
        return f"[tzname={name}]"
    if type(tz) is zoneinfo.ZoneInfo:
        if tz.key is None:
            raise Unsupported("a ZoneInfo built from a file (no key) cannot be named")
        return f"[{tz.key}]"
    raise Unsupported(
        f"time zone {type_name(type(tz))} is not supported by the JSON backend (it stores "
        "datetime.timezone and zoneinfo.ZoneInfo); register a serializer for "
        f"{type_name(type(value))} or use the pickle backend"
    )


def _enc_datetime(enc: Encoder, value: dt.datetime, depth: int, active: Any) -> JSONValue:
    text = value.isoformat() + _zone_suffix(value.tzinfo, value)
    return {"$datetime": text + "[fold=1]" if value.fold else text}


def _enc_time(enc: Encoder, value: dt.time, depth: int, active: Any) -> JSONValue:
    text = value.isoformat() + _zone_suffix(value.tzinfo, value)
    return {"$time": text + "[fold=1]" if value.fold else text}


def _enc_date(enc: Encoder, value: dt.date, depth: int, active: Any) -> JSONValue:
    return {"$date": value.isoformat()}


def _enc_timedelta(enc: Encoder, value: dt.timedelta, depth: int, active: Any) -> JSONValue:
    return {
        "$timedelta": {
            "days": value.days,
            "seconds": value.seconds,
            "microseconds": value.microseconds,
        }
    }


def _enc_timezone(enc: Encoder, value: dt.timezone, depth: int, active: Any) -> JSONValue:
    return {"$timezone": _offset_text(value.utcoffset(None)) + _zone_suffix(value, value)}


def _enc_zoneinfo(enc: Encoder, value: zoneinfo.ZoneInfo, depth: int, active: Any) -> JSONValue:
    if value.key is None:
        raise Unsupported("a ZoneInfo built from a file (no key) cannot be named")
    return {"$zoneinfo": value.key}


def _simple(tag: str, convert: Callable[[Any], JSONValue]) -> Handler:
    def handler(enc: Encoder, value: Any, depth: int, active: Any) -> JSONValue:
        return {tag: convert(value)}

    return handler


def _enc_complex(enc: Encoder, value: complex, depth: int, active: Any) -> JSONValue:
    return {"$complex": [_float(value.real), _float(value.imag)]}


# -- containers --------------------------------------------------------------------------


def _sort_key(encoded: JSONValue) -> bytes:
    try:
        return orjson.dumps(encoded, option=_SORT_OPTIONS)
    except orjson.JSONEncodeError:  # a str with lone surrogates: still deterministic
        return b"\xff" + repr(encoded).encode("utf-8", "surrogatepass")


def _natural_order(values: list[Any]) -> bool:
    kinds = set(map(type, values))
    if kinds <= _STRINGS:
        return True
    return kinds <= _NUMBERS and all(value == value for value in values)


def _enc_tuple(enc: Encoder, value: tuple[Any, ...], depth: int, active: Any) -> JSONValue:
    child = depth + 2
    encode = enc.encode_at
    plain = enc._plain
    return {
        "$tuple": [item if type(item) in plain else encode(item, child, active) for item in value]
    }


def _set_handler(tag: str) -> Handler:
    def handler(enc: Encoder, value: Any, depth: int, active: Any) -> JSONValue:
        return {tag: enc.sorted_items(list(value), depth + 2, active)}

    return handler


# -- placeholders --------------------------------------------------------------------------


def _enc_redacted(enc: Encoder, value: Redacted, depth: int, active: Any) -> JSONValue:
    return {"$redacted": value.reason}


def _enc_omitted(enc: Encoder, value: Omitted, depth: int, active: Any) -> JSONValue:
    return {"$omitted": value.reason}


def _enc_placeholder(enc: Encoder, value: Placeholder, depth: int, active: Any) -> JSONValue:
    return {"$placeholder": value.reason}


def _enc_unserializable(enc: Encoder, value: Unserializable, depth: int, active: Any) -> JSONValue:
    return {"$unserializable": {"reason": value.reason, "type": value.type_name}}


def _enc_untrusted(enc: Encoder, value: Untrusted, depth: int, active: Any) -> JSONValue:
    return {
        "$untrusted": {"reason": value.reason, "repr": value.value_repr, "type": value.type_name}
    }


# -- functions, classes and things that cannot be stored -------------------------------------


def _enc_class(enc: Encoder, value: type, depth: int, active: Any) -> JSONValue:
    return {"$global": _class_path(value)}


def _enc_function(enc: Encoder, value: types.FunctionType, depth: int, active: Any) -> JSONValue:
    module, qualname = value.__module__, value.__qualname__
    if "<lambda>" in qualname:
        raise Unsupported(
            "a lambda cannot be stored: the JSON backend stores module-level functions by name only"
        )
    if "<locals>" in qualname:
        raise Unsupported(
            f"{qualname} is defined inside another function; the JSON backend stores "
            "module-level functions by name only"
        )
    if not isinstance(module, str):
        raise Unsupported(f"function {qualname} has no module to find it again by")
    return {"$global": f"{module}:{qualname}"}


def _enc_builtin_function(
    enc: Encoder, value: types.BuiltinFunctionType, depth: int, active: Any
) -> JSONValue:
    owner = getattr(value, "__self__", None)
    module = getattr(value, "__module__", None)
    if (owner is not None and not isinstance(owner, types.ModuleType)) or not isinstance(
        module, str
    ):
        raise Unsupported(
            f"bound method {value.__qualname__} cannot be stored: the JSON backend stores "
            "module-level functions by name only"
        )
    return {"$global": f"{module}:{value.__qualname__}"}


def _refuse(reason: str) -> Handler:
    def handler(enc: Encoder, value: Any, depth: int, active: Any) -> JSONValue:
        raise Unsupported(reason)

    return handler


_BOUND_METHOD = _refuse(
    "a bound method cannot be stored (it carries its object); the JSON backend stores "
    "module-level functions by name only"
)
_RUNNING = _refuse(
    "the state of a running generator or coroutine lives in its frame and cannot be stored"
)


# -- enums, dataclasses, attrs, named tuples, other objects ---------------------------------


def _enc_enum(enc: Encoder, value: enum.Enum, depth: int, active: Any) -> JSONValue:
    cls = type(value)
    path = enc.class_path(cls)
    name = value._name_
    if isinstance(name, str) and name.isidentifier() and cls.__members__.get(name) is value:
        return {"$enum": f"{path}.{name}"}
    return {"$enum": {"class": path, "value": enc.encode_at(value._value_, depth + 2, active)}}


def _extra_attributes(
    enc: Encoder, value: Any, known: frozenset[str], depth: int, active: Any
) -> dict[str, JSONValue] | None:
    try:
        attributes = object.__getattribute__(value, "__dict__")
    except AttributeError:
        return None
    if attributes.keys() <= known:  # the usual case: nothing but the fields
        return None
    extra = {
        name: enc.encode_at(item, depth, active)
        for name, item in attributes.items()
        if name not in known and isinstance(name, str)
    }
    return extra or None


def _fields_handler(tag: str, cls: type, names: tuple[str, ...]) -> Handler:
    known = frozenset(names)

    def handler(enc: Encoder, value: Any, depth: int, active: Any) -> JSONValue:
        child = depth + 3
        encode = enc.encode_at
        plain = enc._plain
        fields: dict[str, JSONValue] = {}
        for name in names:
            try:
                item = getattr(value, name)
            except AttributeError:  # a field never set (init=False without default)
                continue
            fields[name] = item if type(item) in plain else encode(item, child, active)
        payload: dict[str, JSONValue] = {"class": enc.class_path(cls), "fields": fields}
        extra = _extra_attributes(enc, value, known, child, active)
        if extra:
            payload["extra"] = extra
        return {tag: payload}

    return handler


def _namedtuple_handler(cls: type) -> Handler:
    names: tuple[str, ...] = tuple(cls._fields)  # type: ignore[attr-defined]

    def handler(enc: Encoder, value: Any, depth: int, active: Any) -> JSONValue:
        child = depth + 3
        encode = enc.encode_at
        plain = enc._plain
        fields = {
            name: item if type(item) in plain else encode(item, child, active)
            for name, item in zip(names, value, strict=True)
        }
        return {"$namedtuple": {"class": enc.class_path(cls), "fields": fields}}

    return handler


def _is_unserializable(encoded: JSONValue) -> bool:
    return type(encoded) is dict and len(encoded) == 1 and "$unserializable" in encoded


def _describe_callable(function: Any) -> str:
    module = getattr(function, "__module__", None) or "?"
    name = getattr(function, "__qualname__", None) or getattr(function, "__name__", None)
    return f"{module}.{name}" if name else repr(function)


def _enc_object(enc: Encoder, value: Any, depth: int, active: Any) -> JSONValue:
    """Any other object: class path + the data of ``__reduce_ex__(4)``, if it is plain data.

    Accepted reductions are the ones pickle uses for ordinary classes
    (``copyreg.__newobj__`` / ``__newobj_ex__``: ``cls.__new__(cls, *args)`` then the
    state) and ``(cls, args)`` (``cls(*args)``). A reduction naming any other callable is
    refused: the file never names a function to call.
    """
    cls = type(value)
    try:
        reduced = value.__reduce_ex__(4)
    except Exception as error:
        raise Unsupported(f"a {type_name(cls)} cannot be stored ({error})") from None
    path = enc.class_path(cls)
    if not isinstance(reduced, tuple) or not 2 <= len(reduced) <= 6:
        raise Unsupported(
            f"{type_name(cls)} cannot be stored: __reduce_ex__ returned {type(reduced).__name__}"
        )
    function, arguments, state, list_items, dict_items, state_setter = (reduced + (None,) * 4)[:6]
    if state_setter is not None:
        raise Unsupported(f"{type_name(cls)} cannot be stored: it uses a custom state setter")
    if not isinstance(arguments, tuple):
        raise Unsupported(f"{type_name(cls)} cannot be stored: malformed __reduce_ex__ result")
    child = depth + 3
    encode = enc.encode_at
    payload: dict[str, JSONValue] = {"class": path}
    if function is _NEWOBJ:
        if not arguments or arguments[0] is not cls:
            raise Unsupported(f"{type_name(cls)} cannot be stored: __newobj__ for another class")
        constructor = "new"
        if len(arguments) > 1:
            payload["new"] = [encode(item, child, active) for item in arguments[1:]]
    elif function is _NEWOBJ_EX:
        if len(arguments) != 3 or arguments[0] is not cls:
            raise Unsupported(f"{type_name(cls)} cannot be stored: __newobj_ex__ for another class")
        constructor = "new"
        payload["new"] = [encode(item, child, active) for item in arguments[1]]
        payload["new_kwargs"] = {
            str(name): encode(item, child, active) for name, item in arguments[2].items()
        }
    elif function is cls:
        constructor = "call"
        payload["call"] = [encode(item, child, active) for item in arguments]
    else:
        raise Unsupported(
            f"{type_name(cls)} cannot be stored: its __reduce__ names "
            f"{_describe_callable(function)}, and the JSON backend never stores a callable "
            "to run at load time; register a serializer for it (snapy_register_serializers) "
            "or use the pickle backend"
        )
    for item in payload.get(constructor, ()):
        if _is_unserializable(item):
            raise Unsupported(
                f"{type_name(cls)} cannot be stored: an argument needed to rebuild it "
                f"cannot be stored ({item['$unserializable']['reason']})"
            )
    if state is not None:
        payload["state"] = encode(state, depth + 2, active)
    if list_items is not None:
        payload["items"] = [encode(item, child, active) for item in list_items]
    if dict_items is not None:
        # Insertion order is part of an OrderedDict's value: keep it.
        payload["dict_items"] = [
            [encode(key, child + 1, active), encode(item, child + 1, active)]
            for key, item in dict_items
        ]
    return {"$object": payload}


def _plugin_handler(serializer: Serializer) -> Handler:
    tag = "$" + serializer.tag

    def handler(enc: Encoder, value: Any, depth: int, active: Any) -> JSONValue:
        try:
            primitive = serializer.encode(value)
        except Exception as error:
            raise Unsupported(
                f"serializer {serializer.tag!r} (plugin {serializer.plugin}) failed: "
                f"{type(error).__name__}: {error}"
            ) from None
        return {tag: enc.encode_at(primitive, depth + 1, active)}

    return handler


_BUILTIN_HANDLERS: dict[type, Handler] = {
    tuple: _enc_tuple,
    set: _set_handler("$set"),
    frozenset: _set_handler("$frozenset"),
    bytes: _simple("$bytes", _bytes_text),
    bytearray: _simple("$bytearray", _bytes_text),
    decimal.Decimal: _simple("$decimal", str),
    complex: _enc_complex,
    dt.datetime: _enc_datetime,
    dt.date: _enc_date,
    dt.time: _enc_time,
    dt.timedelta: _enc_timedelta,
    dt.timezone: _enc_timezone,
    zoneinfo.ZoneInfo: _enc_zoneinfo,
    uuid.UUID: _simple("$uuid", str),
    pathlib.PurePosixPath: _simple("$pureposixpath", str),
    pathlib.PureWindowsPath: _simple("$purewindowspath", str),
    pathlib.PosixPath: _simple("$path", str),
    pathlib.WindowsPath: _simple("$windowspath", str),
    Redacted: _enc_redacted,
    Omitted: _enc_omitted,
    Placeholder: _enc_placeholder,
    Unserializable: _enc_unserializable,
    Untrusted: _enc_untrusted,
    type: _enc_class,
    types.FunctionType: _enc_function,
    types.BuiltinFunctionType: _enc_builtin_function,
    types.MethodType: _BOUND_METHOD,
    types.ModuleType: _refuse(
        "a module cannot be stored; pass what the function needs from it instead"
    ),
    types.GeneratorType: _RUNNING,
    types.CoroutineType: _RUNNING,
    types.AsyncGeneratorType: _RUNNING,
}


class Encoder:
    """Encodes values for one codec: built-in handlers plus the codec's serializers."""

    def __init__(self, serializers: Iterable[Serializer] = (), *, strict_strings: bool = False):
        self._serializers: dict[type, Serializer] = {}
        for serializer in serializers:
            self._serializers[serializer.cls] = serializer  # later registrations win
        self._handlers: dict[type, Handler] = {
            cls: handler
            for cls, handler in _BUILTIN_HANDLERS.items()
            if cls not in self._serializers
        }
        self._class_paths: dict[type, str] = {}
        self._strict_strings = strict_strings
        # values that encode as themselves, tested inline in list comprehensions
        self._plain = _PLAIN_STRICT if strict_strings else _PLAIN
        if strict_strings:
            self.encode_at = self._encode_strict  # type: ignore[method-assign]

    def strict(self) -> Encoder:
        """A copy whose output is always JSON-safe: it checks every int (the fast one lets
        ints beyond 64 bits through inside containers) and escapes strings JSON cannot
        carry (lone surrogates)."""
        return Encoder(self._serializers.values(), strict_strings=True)

    # -- entry point ---------------------------------------------------------------------

    def encode(self, value: Any) -> JSONValue:
        """``value`` as JSON-native Python data; never raises for a bad value."""
        try:
            return self.encode_at(value, 0, None)
        except _Restart:
            pass
        try:
            return self.encode_at(value, 0, set())
        except RecursionError:
            return unserializable(type(value), "nested too deeply for Python's recursion limit")

    # -- the recursion -------------------------------------------------------------------

    def encode_at(self, value: Any, depth: int, active: set[int] | None) -> JSONValue:
        cls = type(value)
        if cls is str:
            return value
        if cls is int:
            return value if INT_MIN <= value <= INT_MAX else _big_int(value)
        if cls is float:
            return value if value - value == 0.0 else {"$float": repr(value)}
        if value is None or cls is bool:
            return value
        if depth >= TRACK_CYCLES_AFTER:
            if active is None:
                raise _Restart
            if depth >= MAX_DEPTH:
                return unserializable(
                    cls, f"nested more than {MAX_DEPTH} levels deep in the JSON file"
                )
        if active is None:
            if cls is list:
                child = depth + 1
                encode = self.encode_at
                plain = self._plain
                return [
                    item if type(item) in plain else encode(item, child, None) for item in value
                ]
            if cls is dict:
                return self._encode_dict(value, depth, None)
            return self._dispatch(cls, value, depth, None)
        key = id(value)
        if key in active:
            return unserializable(
                cls, "cycle: this value contains itself; the reference back is not stored"
            )
        active.add(key)
        try:
            if cls is list:
                child = depth + 1
                encode = self.encode_at
                plain = self._plain
                return [
                    item if type(item) in plain else encode(item, child, active) for item in value
                ]
            if cls is dict:
                return self._encode_dict(value, depth, active)
            return self._dispatch(cls, value, depth, active)
        finally:
            active.discard(key)

    def _encode_strict(self, value: Any, depth: int, active: set[int] | None) -> JSONValue:
        if type(value) is str and not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raw = value.encode("utf-8", "surrogatepass")
                return {"$str": base64.b64encode(raw).decode("ascii")}
        return Encoder.encode_at(self, value, depth, active)

    def _encode_dict(self, value: dict[Any, Any], depth: int, active: set[int] | None) -> JSONValue:
        # One pass: keys checked and values encoded together, the common scalars inline
        # (a call per value would cost more than the checks).
        if self._strict_strings:
            return self._encode_dict_strict(value, depth, active)
        encoded = {}
        child = depth + 1
        encode = self.encode_at
        plain = self._plain
        key: Any = None
        for key, item in value.items():
            if type(key) is not str:
                return {"$dict": self.sorted_pairs(value, depth + 3, active)}
            encoded[key] = item if type(item) in plain else encode(item, child, active)
        if len(encoded) == 1 and key[:1] == "$":
            return {"$dict": self.sorted_pairs(value, depth + 3, active)}
        return encoded

    def _encode_dict_strict(
        self, value: dict[Any, Any], depth: int, active: set[int] | None
    ) -> JSONValue:
        key: Any = None
        for key in value:
            if type(key) is not str or not _utf8_safe(key):
                break
        else:
            if len(value) != 1 or key[:1] != "$":
                child = depth + 1
                encode = self.encode_at
                return {name: encode(item, child, active) for name, item in value.items()}
        return {"$dict": self.sorted_pairs(value, depth + 3, active)}

    def _dispatch(self, cls: type, value: Any, depth: int, active: set[int] | None) -> JSONValue:
        handler = self._handlers.get(cls)
        if handler is None:
            handler = self._classify(cls)
        try:
            return handler(self, value, depth, active)
        except Unsupported as error:
            return unserializable(cls, str(error))
        except Exception as error:
            return unserializable(cls, f"encoding failed: {type(error).__name__}: {error}")

    # -- helpers for handlers --------------------------------------------------------------

    def class_path(self, cls: type) -> str:
        path = self._class_paths.get(cls)
        if path is None:
            path = _class_path(cls)
            if len(self._class_paths) >= _MAX_CACHED_TYPES:
                self._class_paths.clear()
            self._class_paths[cls] = path
        return path

    def sorted_items(self, values: list[Any], depth: int, active: set[int] | None) -> list[Any]:
        encode = self.encode_at
        plain = self._plain
        encoded = [item if type(item) in plain else encode(item, depth, active) for item in values]
        if _natural_order(values):
            order = sorted(range(len(values)), key=values.__getitem__)
        else:
            keys = [_sort_key(item) for item in encoded]
            order = sorted(range(len(values)), key=keys.__getitem__)
        return [encoded[index] for index in order]

    def sorted_pairs(
        self, mapping: dict[Any, Any], depth: int, active: set[int] | None
    ) -> list[list[Any]]:
        encode = self.encode_at
        keys = list(mapping)
        plain = self._plain
        encoded_keys = [key if type(key) in plain else encode(key, depth, active) for key in keys]
        if _natural_order(keys):
            order = sorted(range(len(keys)), key=keys.__getitem__)
        else:
            sort_keys = [_sort_key(item) for item in encoded_keys]
            order = sorted(range(len(keys)), key=sort_keys.__getitem__)
        return [
            [encoded_keys[index], encode(mapping[keys[index]], depth, active)] for index in order
        ]

    # -- classification of a type seen for the first time ---------------------------------

    def _serializer_for(self, cls: type) -> Serializer | None:
        if not self._serializers:
            return None
        for base in cls.__mro__:
            serializer = self._serializers.get(base)
            if serializer is not None:
                return serializer
        return None

    def _classify(self, cls: type) -> Handler:
        serializer = self._serializer_for(cls)
        handler: Handler
        if serializer is not None:
            handler = _plugin_handler(serializer)
        elif issubclass(cls, enum.Enum):
            handler = _enc_enum
        elif issubclass(cls, type):
            handler = _enc_class
        elif dataclasses.is_dataclass(cls):
            handler = _fields_handler(
                "$dataclass", cls, tuple(field.name for field in dataclasses.fields(cls))
            )
        elif attrs.has(cls):
            handler = _fields_handler(
                "$attrs", cls, tuple(field.name for field in attrs.fields(cls))
            )
        elif issubclass(cls, tuple) and isinstance(getattr(cls, "_fields", None), tuple):
            handler = _namedtuple_handler(cls)
        elif issubclass(cls, io.IOBase):
            handler = _refuse("an open file or stream cannot be stored")
        else:
            handler = _enc_object
        if len(self._handlers) >= _MAX_CACHED_TYPES:
            self._handlers = {
                cls: handler
                for cls, handler in _BUILTIN_HANDLERS.items()
                if cls not in self._serializers
            }
        self._handlers[cls] = handler
        return handler


def _utf8_safe(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


__all__ = [
    "INT_MAX",
    "INT_MIN",
    "MAX_DEPTH",
    "TRACK_CYCLES_AFTER",
    "Encoder",
    "Unsupported",
    "safe_repr",
    "type_name",
    "unserializable",
]
