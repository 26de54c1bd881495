"""JSON-native data (as ``orjson.loads`` returns it) -> the captured Python values.

Every malformed piece raises :class:`DecodeProblem` (a ``RecordError``, so a ``ValueError``)
whose message says what is wrong and where: ``args[0].$tuple[2]: malformed $decimal ...``.

What decoding runs, and nothing else:

* built-in tags build standard-library values from their text (``Decimal(text)``,
  ``datetime.fromisoformat(text)``, ``ZoneInfo(key)``, ...);
* ``$enum`` looks a member up by name (``cls.__members__[name]``), or calls ``cls(value)``
  for a flag combination;
* ``$namedtuple`` calls ``tuple.__new__(cls, values)``; ``$dataclass`` and ``$attrs`` call
  ``object.__new__(cls)`` and set each stored field with ``object.__setattr__``; no
  ``__init__``, ``__post_init__``, validator or converter runs (a field missing from the
  file gets its declared default);
* ``$object`` builds the class the way pickle does for ordinary classes:
  ``cls.__new__(cls, *new)`` (or ``cls(*call)`` when the class's own ``__reduce__``
  named the class), then ``obj.__setstate__(state)`` if the class defines it, else
  ``obj.__dict__.update(...)`` and ``object.__setattr__`` for slots, then ``extend`` /
  ``obj[key] = value`` for stored items;
* ``$global`` returns a function or class object, without calling it;
* plugin tags call the ``decode`` function the plugin registered.

The classes involved must pass the :class:`~snapy_storage_json._trust.TrustPolicy`; an
untrusted one becomes an :class:`~snapy_core.Untrusted` placeholder, and its module is
never imported.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import decimal
import enum
import os
import pathlib
import re
import uuid
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from snapy_core import Omitted, Placeholder, Redacted, Unserializable, Untrusted
from snapy_core.errors import RecordError

from ._encode import safe_repr
from ._serializers import Serializer
from ._trust import BadClassPath, TrustPolicy, UntrustedClass

_MAX_DECIMAL_DIGITS = 4300
_INT_TEXT = re.compile(r"-?(?:0x[0-9a-f]+|[0-9]+)\Z")
_SUFFIX = re.compile(r"\[([^\[\]]*)\]\Z")
_OFFSET = re.compile(r"([+-])(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{6}))?)?\Z")
_SHORT = 80
_SCALARS = frozenset({str, int, float, bool, type(None)})


class DecodeProblem(RecordError):
    """A JSON capture does not decode; ``str()`` names the place in the file."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.path: list[str] = []  # innermost first

    @property
    def where(self) -> str:
        """``args[0].$tuple[2]``: the place in the JSON document."""
        return "".join(reversed(self.path)).lstrip(".")

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.path else self.message


def _key_part(key: object) -> str:
    if isinstance(key, str) and (key.isidentifier() or key[1:].isidentifier()):
        return f".{key}"
    return f"[{key!r}]"


def _short(payload: object) -> str:
    text = repr(payload)
    return text if len(text) <= _SHORT else text[: _SHORT - 1] + "…"


_JSON_KINDS: dict[type, str] = {str: "string", list: "array", dict: "object"}


def _expect(payload: object, kind: type, tag: str) -> Any:
    if type(payload) is not kind:
        raise DecodeProblem(
            f"malformed {tag} value {_short(payload)}: expected a JSON "
            f"{_JSON_KINDS.get(kind, kind.__name__)}"
        )
    return payload


def _name(value: object, tag: str) -> str:
    if (
        not isinstance(value, str)
        or not value.isidentifier()
        or (value.startswith("__") and value.endswith("__"))
    ):
        raise DecodeProblem(f"{tag}: {value!r} is not an attribute name snapy sets")
    return value


def _blank(cls: type) -> Any:
    try:
        return object.__new__(cls)
    except TypeError:  # a builtin base (e.g. an exception) needs its own __new__
        return cls.__new__(cls)  # type: ignore[call-overload]


# -- text formats ---------------------------------------------------------------------------


def _split_suffixes(text: str) -> tuple[str, str | None, str | None, int]:
    """``iso[Zone/Key][tzname=X][fold=1]`` -> (iso, zone key, tz name, fold)."""
    zone = name = None
    fold = 0
    for _ in range(4):  # at most zone, tzname and fold: a longer chain is not ours
        match = _SUFFIX.search(text)
        if match is None:
            return text, zone, name, fold
        content = match.group(1)
        text = text[: match.start()]
        if content == "fold=1":
            fold = 1
        elif content.startswith("tzname="):
            name = content[len("tzname=") :]
        else:
            zone = content
    raise ValueError("too many [...] suffixes")


def _zone(key: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(key)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise DecodeProblem(
            f"time zone {key!r} is not known on this machine ({error}); install the "
            "'tzdata' package if the system has no time zone database"
        ) from None


def _apply_zone(value: Any, zone: str | None, name: str | None, fold: int) -> Any:
    if zone is not None:
        value = value.replace(tzinfo=_zone(zone))
    elif name is not None:
        offset = value.utcoffset()
        if offset is None:
            raise DecodeProblem(f"tzname={name!r} given without a UTC offset")
        value = value.replace(tzinfo=dt.timezone(offset, name))
    return value.replace(fold=1) if fold else value


def _take_offset(text: str) -> tuple[str, dt.timezone | None]:
    """Split a trailing UTC offset off ``text``.

    Parsed by hand: ``fromisoformat`` drops an offset of zero seconds and a few
    microseconds (``+00:00:00.000001``), which ``isoformat`` does write.
    """
    match = _OFFSET.search(text)
    if match is None:
        return text, None
    sign, hours, minutes, seconds, micros = match.groups()
    offset = dt.timedelta(
        hours=int(hours),
        minutes=int(minutes),
        seconds=int(seconds or 0),
        microseconds=int(micros or 0),
    )
    return text[: match.start()], dt.timezone(-offset if sign == "-" else offset)


def _with_offset(naive: Any, offset: dt.timezone | None) -> Any:
    return naive if offset is None else naive.replace(tzinfo=offset)


def _bytes(text: str) -> bytes:
    if text.startswith("base64:"):
        return base64.b64decode(text[len("base64:") :], validate=True)
    return text.encode("ascii")


def _int(text: str) -> int:
    if not _INT_TEXT.match(text):
        raise ValueError("expected decimal digits or 0x-prefixed hexadecimal digits")
    if "x" in text:
        negative = text.startswith("-")
        magnitude = int(text[3:] if negative else text[2:], 16)
        return -magnitude if negative else magnitude
    if len(text) > _MAX_DECIMAL_DIGITS:
        raise ValueError(f"more than {_MAX_DECIMAL_DIGITS} decimal digits")
    return int(text)


def _decimal(text: str) -> decimal.Decimal:
    try:
        return decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise ValueError(f"{text!r} is not a decimal number") from None


def _float_text(text: str) -> float:
    if text not in ("nan", "inf", "-inf"):
        raise ValueError("expected 'nan', 'inf' or '-inf'")
    return float(text)


if os.name == "nt":  # pragma: no cover - exercised on Windows only
    _POSIX_PATH: type = pathlib.PurePosixPath
    _WINDOWS_PATH: type = pathlib.WindowsPath
else:
    _POSIX_PATH = pathlib.PosixPath
    _WINDOWS_PATH = pathlib.PureWindowsPath


class Decoder:
    """Decodes one capture under one trust policy."""

    def __init__(self, serializers: Mapping[str, Serializer], policy: TrustPolicy) -> None:
        self.serializers = serializers
        self.policy = policy
        self._resolved: dict[tuple[str, str], object] = {}

    def decode(self, data: Any) -> Any:
        try:
            return self.value(data)
        except RecursionError:
            raise DecodeProblem("the data is nested too deeply to decode") from None

    # -- the recursion ---------------------------------------------------------------------

    def value(self, data: Any) -> Any:
        kind = type(data)
        value = self.value
        if kind is list:
            try:
                return [item if type(item) in _SCALARS else value(item) for item in data]
            except DecodeProblem:
                self._locate(enumerate(data), lambda index: f"[{index}]")
                raise
        if kind is dict:
            if len(data) == 1:
                for key, payload in data.items():
                    if key[:1] == "$":
                        return self.tag(key, payload)
            try:
                return {
                    key: item if type(item) in _SCALARS else value(item)
                    for key, item in data.items()
                }
            except DecodeProblem:
                self._locate(data.items(), _key_part)
                raise
        if kind in _SCALARS:
            return data
        raise DecodeProblem(f"unexpected {kind.__name__} in JSON data")

    def _locate(self, items: Iterable[tuple[Any, Any]], describe: Callable[[Any], str]) -> None:
        """Name the item that failed (decoding again, item by item: errors only)."""
        for where, item in items:
            try:
                self.value(item)
            except DecodeProblem as problem:
                problem.path.append(describe(where))
                raise

    def tag(self, tag: str, payload: Any) -> Any:
        decoder = _TAGS.get(tag)
        try:
            if decoder is not None:
                return decoder(self, payload)
            serializer = self.serializers.get(tag)
            if serializer is None:
                raise DecodeProblem(
                    f"unknown tag {tag!r}: it was written by a serializer plugin that is not "
                    "installed here, or the file is damaged"
                )
            return self._plugin(serializer, payload)
        except DecodeProblem as problem:
            problem.path.append(f".{tag}")
            raise
        except RecursionError:
            raise
        except Exception as error:
            malformed = DecodeProblem(
                f"malformed {tag} value {_short(payload)}: {type(error).__name__}: {error}"
            )
            malformed.path.append(f".{tag}")
            raise malformed from None

    def items(self, payload: Any, tag: str) -> list[Any]:
        result: list[Any] = self.value(_expect(payload, list, tag))
        return result

    def field(self, payload: Mapping[str, Any], name: str, tag: str) -> Any:
        try:
            return self.value(payload[name])
        except KeyError:
            raise DecodeProblem(f"{tag} value has no {name!r}") from None
        except DecodeProblem as problem:
            problem.path.append(f".{name}")
            raise

    def fields(self, payload: Mapping[str, Any], name: str, tag: str) -> dict[str, Any]:
        raw = payload.get(name, {})
        if type(raw) is not dict:
            raise DecodeProblem(f"{tag}.{name} must be a JSON object, got {_short(raw)}")
        decoded = {}
        key = None
        try:
            for key, item in raw.items():
                decoded[key] = self.value(item)
        except DecodeProblem as problem:
            problem.path.append(f".{name}{_key_part(key)}")
            raise
        return decoded

    def _plugin(self, serializer: Serializer, payload: Any) -> Any:
        primitive = self.value(payload)
        try:
            return serializer.decode(primitive)
        except Exception as error:
            raise DecodeProblem(
                f"serializer {serializer.tag!r} (plugin {serializer.plugin}) could not decode "
                f"{_short(primitive)}: {type(error).__name__}: {error}"
            ) from None

    # -- classes -----------------------------------------------------------------------------

    def resolve(self, path: Any, kind: str, tag: str) -> Any:
        key = (path, kind) if isinstance(path, str) else None
        found = self._resolved.get(key) if key is not None else None
        if found is not None:
            return found
        try:
            found = self.policy.resolve(path, kind=kind)
        except BadClassPath as error:
            raise DecodeProblem(f"{tag}: {error}") from None
        if key is not None:
            self._resolved[key] = found
        return found


def _class_payload(payload: Any, tag: str) -> tuple[dict[str, Any], str]:
    payload = _expect(payload, dict, tag)
    path = payload.get("class")
    if not isinstance(path, str):
        raise DecodeProblem(f"{tag} value has no 'class' string")
    return payload, path


def _qualname(path: str) -> str:
    return path.partition(":")[2] or path


def _call_repr(path: str, values: Mapping[str, Any]) -> str:
    inner = ", ".join(f"{name}={safe_repr(item)}" for name, item in values.items())
    text = f"{_qualname(path)}({inner})"
    return text if len(text) <= 200 else text[:199] + "…"


# -- tag decoders -------------------------------------------------------------------------------


def _d_tuple(self: Decoder, payload: Any) -> Any:
    return tuple(self.items(payload, "$tuple"))


def _d_set(self: Decoder, payload: Any) -> Any:
    return set(self.items(payload, "$set"))


def _d_frozenset(self: Decoder, payload: Any) -> Any:
    return frozenset(self.items(payload, "$frozenset"))


def _d_dict(self: Decoder, payload: Any) -> Any:
    result = {}
    for index, pair in enumerate(_expect(payload, list, "$dict")):
        if type(pair) is not list or len(pair) != 2:
            raise DecodeProblem(f"$dict item {index} must be a [key, value] pair")
        try:
            key = self.value(pair[0])
            value = self.value(pair[1])
        except DecodeProblem as problem:
            problem.path.append(f"[{index}]")
            raise
        try:
            result[key] = value
        except TypeError as error:
            raise DecodeProblem(f"$dict item {index}: unusable key ({error})") from None
    return result


def _d_text(tag: str, convert: Callable[[str], Any]) -> Callable[[Decoder, Any], Any]:
    def decoder(self: Decoder, payload: Any) -> Any:
        return convert(_expect(payload, str, tag))

    return decoder


def _d_complex(self: Decoder, payload: Any) -> Any:
    parts = self.items(payload, "$complex")
    if len(parts) != 2 or not all(type(part) in (float, int) for part in parts):
        raise DecodeProblem(f"malformed $complex value {_short(payload)}: expected [real, imag]")
    return complex(parts[0], parts[1])


def _d_datetime(self: Decoder, payload: Any) -> Any:
    return _zoned(payload, "$datetime", dt.datetime.fromisoformat)


def _d_time(self: Decoder, payload: Any) -> Any:
    return _zoned(payload, "$time", dt.time.fromisoformat)


def _zoned(payload: Any, tag: str, parse: Callable[[str], Any]) -> Any:
    """A ``$datetime`` or ``$time``: ISO text, then the offset and zone suffixes."""
    text, zone, name, fold = _split_suffixes(_expect(payload, str, tag))
    text, offset = _take_offset(text)
    naive = parse(text)
    if naive.tzinfo is not None:
        raise ValueError("malformed UTC offset")
    return _apply_zone(_with_offset(naive, offset), zone, name, fold)


def _d_timedelta(self: Decoder, payload: Any) -> Any:
    parts = _expect(payload, dict, "$timedelta")
    if set(parts) != {"days", "seconds", "microseconds"} or not all(
        type(part) is int for part in parts.values()
    ):
        raise DecodeProblem(
            f"malformed $timedelta value {_short(payload)}: expected integer days, seconds "
            "and microseconds"
        )
    return dt.timedelta(
        days=parts["days"], seconds=parts["seconds"], microseconds=parts["microseconds"]
    )


def _d_timezone(self: Decoder, payload: Any) -> Any:
    text, zone, name, fold = _split_suffixes(_expect(payload, str, "$timezone"))
    if zone is not None or fold:
        raise DecodeProblem(f"malformed $timezone value {payload!r}")
    rest, offset = _take_offset(text)
    if rest or offset is None:
        raise ValueError(f"{text!r} is not a UTC offset")
    return dt.timezone(offset.utcoffset(None), name) if name is not None else offset


def _d_str(self: Decoder, payload: Any) -> Any:
    raw = base64.b64decode(_expect(payload, str, "$str"), validate=True)
    return raw.decode("utf-8", "surrogatepass")


def _d_unserializable(self: Decoder, payload: Any) -> Any:
    payload = _expect(payload, dict, "$unserializable")
    reason, type_name = payload.get("reason"), payload.get("type", "")
    if not isinstance(reason, str) or not isinstance(type_name, str):
        raise DecodeProblem("$unserializable needs string 'reason' and 'type'")
    return Unserializable(reason, type_name=type_name)


def _d_untrusted(self: Decoder, payload: Any) -> Any:
    payload = _expect(payload, dict, "$untrusted")
    texts = [payload.get("reason"), payload.get("type", ""), payload.get("repr", "")]
    if not all(isinstance(text, str) for text in texts):
        raise DecodeProblem("$untrusted needs string 'reason', 'type' and 'repr'")
    return Untrusted(texts[0], type_name=texts[1], value_repr=texts[2])


def _d_global(self: Decoder, payload: Any) -> Any:
    path = _expect(payload, str, "$global")
    try:
        target = self.resolve(path, "reference", "$global")
    except UntrustedClass as untrusted:
        return Untrusted(untrusted.reason, type_name=untrusted.type_name, value_repr=path)
    if not callable(target):
        raise DecodeProblem(f"$global {path!r} is not a class or function")
    return target


def _d_enum(self: Decoder, payload: Any) -> Any:
    if type(payload) is str:
        path, _, name = payload.rpartition(".")
        try:
            cls = self.resolve(path, "lookup", "$enum")
        except UntrustedClass as untrusted:
            return Untrusted(
                untrusted.reason,
                type_name=untrusted.type_name,
                value_repr=f"{_qualname(path)}.{name}",
            )
        if not (isinstance(cls, type) and issubclass(cls, enum.Enum)):
            raise DecodeProblem(f"$enum: {path} is not an Enum class")
        try:
            return cls.__members__[name]
        except KeyError:
            raise DecodeProblem(
                f"$enum: {path} has no member {name!r} (renamed or removed since the capture)"
            ) from None
    payload, path = _class_payload(payload, "$enum")
    try:
        cls = self.resolve(path, "lookup", "$enum")
    except UntrustedClass as untrusted:
        value = self.field(payload, "value", "$enum")
        return Untrusted(
            untrusted.reason,
            type_name=untrusted.type_name,
            value_repr=f"{_qualname(path)}({safe_repr(value)})",
        )
    if not (isinstance(cls, type) and issubclass(cls, enum.Enum)):
        raise DecodeProblem(f"$enum: {path} is not an Enum class")
    return cls(self.field(payload, "value", "$enum"))


def _missing_default(field: Any, instance: Any) -> Any:
    """The declared default of a dataclass / attrs field, or ``attrs.NOTHING``."""
    if isinstance(field, dataclasses.Field):
        if field.default is not dataclasses.MISSING:
            return field.default
        if field.default_factory is not dataclasses.MISSING:
            return field.default_factory()
        return attrs.NOTHING
    default = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        return default.factory(instance) if default.takes_self else default.factory()
    return default


def _fields_decoder(tag: str, check: Callable[[type], bool], kind: str) -> Callable[..., Any]:
    def decoder(self: Decoder, payload: Any) -> Any:
        payload, path = _class_payload(payload, tag)
        try:
            cls = self.resolve(path, "lookup", tag)
        except UntrustedClass as untrusted:
            values = self.fields(payload, "fields", tag)
            return Untrusted(
                untrusted.reason,
                type_name=untrusted.type_name,
                value_repr=_call_repr(path, values),
            )
        if not (isinstance(cls, type) and check(cls)):
            raise DecodeProblem(f"{tag}: {path} is not {kind}")
        values = self.fields(payload, "fields", tag)
        extra = self.fields(payload, "extra", tag)
        instance = _blank(cls)
        for name, value in values.items():
            object.__setattr__(instance, _name(name, tag), value)
        declared = dataclasses.fields(cls) if tag == "$dataclass" else attrs.fields(cls)
        for field in declared:
            if field.name not in values:
                default = _missing_default(field, instance)
                if default is not attrs.NOTHING:
                    object.__setattr__(instance, field.name, default)
        if extra:
            try:
                attributes = object.__getattribute__(instance, "__dict__")
            except AttributeError:
                raise DecodeProblem(
                    f"{tag}: {path} has no __dict__ for the extra attributes "
                    f"{sorted(extra)} stored in the capture"
                ) from None
            attributes.update(extra)
        return instance

    return decoder


def _d_namedtuple(self: Decoder, payload: Any) -> Any:
    payload, path = _class_payload(payload, "$namedtuple")
    try:
        cls = self.resolve(path, "lookup", "$namedtuple")
    except UntrustedClass as untrusted:
        values = self.fields(payload, "fields", "$namedtuple")
        return Untrusted(
            untrusted.reason, type_name=untrusted.type_name, value_repr=_call_repr(path, values)
        )
    names = getattr(cls, "_fields", None)
    if not (isinstance(cls, type) and issubclass(cls, tuple) and isinstance(names, tuple)):
        raise DecodeProblem(f"$namedtuple: {path} is not a named tuple class")
    values = self.fields(payload, "fields", "$namedtuple")
    if set(values) != set(names):
        raise DecodeProblem(
            f"$namedtuple: {path} has fields {list(names)}, the capture has {sorted(values)} "
            "(the class changed since the capture was written)"
        )
    return tuple.__new__(cls, [values[name] for name in names])


def _d_object(self: Decoder, payload: Any) -> Any:
    payload, path = _class_payload(payload, "$object")
    try:
        cls = self.resolve(path, "construct", "$object")
    except UntrustedClass as untrusted:
        return Untrusted(
            untrusted.reason,
            type_name=untrusted.type_name,
            value_repr=_object_repr(self, payload, path),
        )
    if not isinstance(cls, type):
        raise DecodeProblem(f"$object: {path} is not a class")
    if "call" in payload:
        if "new" in payload or "new_kwargs" in payload:
            raise DecodeProblem("$object has both 'call' and 'new'")
        arguments = self.items(payload["call"], "$object.call")
        try:
            instance = cls(*arguments)
        except Exception as error:
            raise _rebuild_failed(path, "calling the class", error) from None
    else:
        arguments = self.items(payload.get("new", []), "$object.new")
        keywords = self.fields(payload, "new_kwargs", "$object")
        try:
            instance = cls.__new__(cls, *arguments, **keywords)
        except Exception as error:
            raise _rebuild_failed(path, "__new__", error) from None
    if "state" in payload:
        state = self.field(payload, "state", "$object")
        _set_state(instance, state, path)
    if "items" in payload:
        items = self.items(payload["items"], "$object.items")
        try:
            extend = getattr(instance, "extend", None)
            if extend is not None:
                extend(items)
            else:
                for item in items:
                    instance.append(item)
        except Exception as error:
            raise _rebuild_failed(path, "adding its items", error) from None
    if "dict_items" in payload:
        pairs = _d_dict(self, payload["dict_items"])
        try:
            for key, item in pairs.items():
                instance[key] = item
        except Exception as error:
            raise _rebuild_failed(path, "adding its items", error) from None
    return instance


def _object_repr(self: Decoder, payload: dict[str, Any], path: str) -> str:
    """``Class(arg, ..., attribute=value, ...)`` from the stored data, for an Untrusted."""
    parts = [
        safe_repr(item)
        for item in self.items(payload.get("call", payload.get("new", [])), "$object")
    ]
    if "state" in payload:
        state = self.field(payload, "state", "$object")
        if isinstance(state, tuple) and len(state) == 2:
            merged = dict(state[0] or {}) if isinstance(state[0], dict) else {}
            if isinstance(state[1], dict):
                merged.update(state[1])
            state = merged
        if isinstance(state, dict):
            parts.extend(f"{name}={safe_repr(item)}" for name, item in state.items())
        else:
            parts.append(f"state={safe_repr(state)}")
    text = f"{_qualname(path)}({', '.join(parts)})"
    return text if len(text) <= 200 else text[:199] + "…"


def _rebuild_failed(path: str, step: str, error: BaseException) -> DecodeProblem:
    return DecodeProblem(
        f"cannot rebuild {path} ({step} raised {type(error).__name__}: {error}); the class "
        "may have changed since the capture was written"
    )


def _set_state(instance: Any, state: Any, path: str) -> None:
    setstate = getattr(instance, "__setstate__", None)
    if setstate is not None:
        try:
            setstate(state)
        except Exception as error:
            raise _rebuild_failed(path, "__setstate__", error) from None
        return
    slots = None
    if isinstance(state, tuple) and len(state) == 2:
        state, slots = state
    if state:
        if not isinstance(state, dict) or not all(isinstance(key, str) for key in state):
            raise DecodeProblem(f"$object {path}: state must map attribute names to values")
        try:
            object.__getattribute__(instance, "__dict__").update(state)
        except AttributeError:
            raise DecodeProblem(f"$object {path}: instances have no __dict__") from None
    if slots:
        if not isinstance(slots, dict):
            raise DecodeProblem(f"$object {path}: slot state must be a mapping")
        for name, value in slots.items():
            try:
                object.__setattr__(instance, _name(name, "$object"), value)
            except AttributeError as error:
                raise _rebuild_failed(path, f"setting {name}", error) from None


def _placeholder(cls: type[Placeholder], tag: str) -> Callable[[Decoder, Any], Any]:
    def decoder(self: Decoder, payload: Any) -> Any:
        return cls(_expect(payload, str, tag))

    return decoder


_TAGS: dict[str, Callable[[Decoder, Any], Any]] = {
    "$tuple": _d_tuple,
    "$set": _d_set,
    "$frozenset": _d_frozenset,
    "$dict": _d_dict,
    "$int": _d_text("$int", _int),
    "$float": _d_text("$float", _float_text),
    "$complex": _d_complex,
    "$bytes": _d_text("$bytes", _bytes),
    "$bytearray": _d_text("$bytearray", lambda text: bytearray(_bytes(text))),
    "$str": _d_str,
    "$decimal": _d_text("$decimal", _decimal),
    "$datetime": _d_datetime,
    "$date": _d_text("$date", dt.date.fromisoformat),
    "$time": _d_time,
    "$timedelta": _d_timedelta,
    "$timezone": _d_timezone,
    "$zoneinfo": _d_text("$zoneinfo", _zone),
    "$uuid": _d_text("$uuid", uuid.UUID),
    "$path": _d_text("$path", _POSIX_PATH),
    "$windowspath": _d_text("$windowspath", _WINDOWS_PATH),
    "$pureposixpath": _d_text("$pureposixpath", pathlib.PurePosixPath),
    "$purewindowspath": _d_text("$purewindowspath", pathlib.PureWindowsPath),
    "$redacted": _placeholder(Redacted, "$redacted"),
    "$omitted": _placeholder(Omitted, "$omitted"),
    "$placeholder": _placeholder(Placeholder, "$placeholder"),
    "$unserializable": _d_unserializable,
    "$untrusted": _d_untrusted,
    "$global": _d_global,
    "$enum": _d_enum,
    "$dataclass": _fields_decoder("$dataclass", dataclasses.is_dataclass, "a dataclass"),
    "$attrs": _fields_decoder("$attrs", attrs.has, "an attrs class"),
    "$namedtuple": _d_namedtuple,
    "$object": _d_object,
}

TAGS = frozenset(_TAGS)
"""Every tag the codec writes itself."""

__all__ = ["TAGS", "DecodeProblem", "Decoder"]
