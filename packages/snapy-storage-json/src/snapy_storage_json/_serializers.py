"""Value serializers contributed by plugins through ``snapy_register_serializers``."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from snapy_core import Registration, collect_registrations
from snapy_core.errors import PluginWarning

RESERVED_TAGS = frozenset(
    {
        "attrs",
        "bytearray",
        "bytes",
        "complex",
        "dataclass",
        "date",
        "datetime",
        "decimal",
        "dict",
        "enum",
        "float",
        "frozenset",
        "global",
        "int",
        "namedtuple",
        "object",
        "omitted",
        "path",
        "placeholder",
        "pureposixpath",
        "purewindowspath",
        "redacted",
        "set",
        "str",
        "time",
        "timedelta",
        "timezone",
        "tuple",
        "unserializable",
        "untrusted",
        "uuid",
        "windowspath",
        "zoneinfo",
    }
)
"""Tags the JSON codec uses itself (written as ``{"$tuple": ...}``); plugins may not."""


@attrs.frozen
class Serializer:
    """How one type is encoded: ``encode(value)`` -> something encodable, ``decode`` back.

    The encoded form is ``{"$<tag>": <encoded primitive>}``.
    """

    cls: type
    tag: str
    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]
    plugin: str = "(direct)"


def _from_registration(registration: Registration) -> Serializer:
    args, kwargs = registration.args, dict(registration.kwargs)
    names = ("cls", "tag", "encode", "decode")
    if len(args) > len(names):
        raise TypeError(f"register() takes at most 4 positional arguments, got {len(args)}")
    values = dict(zip(names, args, strict=False))
    for name in names[len(args) :]:
        if name in kwargs:
            values[name] = kwargs.pop(name)
    if kwargs:
        raise TypeError(f"register() got unexpected keyword argument(s) {sorted(kwargs)}")
    missing = [name for name in names if name not in values]
    if missing:
        raise TypeError(f"register() is missing {', '.join(missing)}")
    return make_serializer(plugin=registration.plugin, **values)


def make_serializer(
    cls: Any, tag: Any, encode: Any, decode: Any, *, plugin: str = "(direct)"
) -> Serializer:
    """Validate one serializer; TypeError/ValueError say what is wrong."""
    if not isinstance(cls, type):
        raise TypeError(f"the first argument must be a class, got {cls!r}")
    if not isinstance(tag, str) or not tag.strip() or tag != tag.strip():
        raise ValueError(f"tag must be a non-empty string without surrounding spaces, got {tag!r}")
    if tag.startswith("$"):
        raise ValueError(f"tag {tag!r} must not start with '$' (the codec adds it)")
    if tag in RESERVED_TAGS:
        raise ValueError(f"tag {tag!r} is used by snapy-storage-json itself; pick another")
    if not callable(encode) or not callable(decode):
        raise TypeError("encode and decode must be callables")
    return Serializer(cls, tag, encode, decode, plugin)


def collect_serializers(extra: Iterable[Serializer] = ()) -> list[Serializer]:
    """Serializers from every plugin (later ones win), then ``extra``.

    A registration that is malformed is skipped with a :class:`PluginWarning` naming the
    plugin and the problem.
    """
    serializers: list[Serializer] = []
    for registration in collect_registrations("snapy_register_serializers"):
        try:
            serializers.append(_from_registration(registration))
        except (TypeError, ValueError) as error:
            warnings.warn(
                f"snapy plugin {registration.plugin!r} registered an invalid serializer "
                f"({error}); snapy-storage-json ignores it",
                PluginWarning,
                stacklevel=3,
            )
    serializers.extend(extra)
    return serializers


__all__ = ["RESERVED_TAGS", "Serializer", "collect_serializers", "make_serializer"]
