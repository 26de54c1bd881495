"""Looking inside captured values: children, placeholders, shapes, short reprs, JSON.

Paths name a value inside a call the way snapy's filters do: ``items[2].card_number``,
``headers['Authorization']``.
"""

from __future__ import annotations

import dataclasses
import reprlib
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from snapy_core import Placeholder, Unserializable

MAX_DEPTH = 64


def _is_plain_object(value: Any) -> bool:
    """An instance whose ``__dict__`` is its state (not a class, module or function)."""
    return (
        hasattr(value, "__dict__")
        and not isinstance(value, type)
        and not callable(value)
        and type(value).__module__ not in ("builtins", "types")
    )


def children(value: Any) -> list[tuple[str, Any]] | None:
    """``(path suffix, child)`` of a container or object; None for a leaf."""
    if isinstance(value, Placeholder):
        return None
    if isinstance(value, Mapping):
        return [(f"[{key!r}]", item) for key, item in value.items()]
    if isinstance(value, (list, tuple)):
        return [(f"[{position}]", item) for position, item in enumerate(value)]
    if isinstance(value, (set, frozenset)):
        return [(f"{{{position}}}", item) for position, item in enumerate(sorted_items(value))]
    if attrs.has(type(value)):
        return [
            (f".{field.name}", getattr(value, field.name, None))
            for field in attrs.fields(type(value))
        ]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [
            (f".{field.name}", getattr(value, field.name, None))
            for field in dataclasses.fields(value)
        ]
    if _is_plain_object(value):
        try:
            state = vars(value)
        except TypeError:
            return None
        return [(f".{name}", item) for name, item in state.items()]
    return None


def sorted_items(values: Any) -> list[Any]:
    """Set members in a stable order (by value when comparable, else by repr)."""
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=safe_repr)


def walk(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every value inside ``value`` (itself first) with its path; cycles are cut."""
    seen: set[int] = set()
    stack: list[tuple[str, Any, int]] = [(path, value, 0)]
    while stack:
        current_path, current, depth = stack.pop()
        yield current_path, current
        if depth >= MAX_DEPTH:
            continue
        nested = children(current)
        if not nested:
            continue
        if id(current) in seen:
            continue
        seen.add(id(current))
        for suffix, child in reversed(nested):
            stack.append((current_path + suffix, child, depth + 1))


def placeholders(value: Any, path: str) -> list[tuple[str, Placeholder]]:
    """The placeholders inside ``value`` with their paths."""
    return [(p, v) for p, v in walk(value, path) if isinstance(v, Placeholder)]


def unserializable(value: Any, path: str) -> list[tuple[str, Unserializable]]:
    return [(p, v) for p, v in walk(value, path) if isinstance(v, Unserializable)]


# -- shapes ---------------------------------------------------------------------------------


def type_label(value: Any) -> str:
    cls = type(value)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


MAX_SHAPE_KEYS = 12


def shape(value: Any) -> str:
    """A short description of a value's type and structure, for ``snapy stats``.

    ``int``, ``dict{customer_id, items}``, ``list[dict]``, ``shop.Order``,
    ``<redacted>``. Two values of the same shape are the same kind of input.
    """
    if isinstance(value, Placeholder):
        return f"<{value.kind}>"
    if isinstance(value, Mapping):
        keys = [str(key) if isinstance(key, str) else repr(key) for key in value]
        shown = sorted(keys)[:MAX_SHAPE_KEYS]
        more = ", ..." if len(keys) > MAX_SHAPE_KEYS else ""
        name = "dict" if type(value) is dict else type_label(value)
        return f"{name}{{{', '.join(shown)}{more}}}"
    if isinstance(value, (list, tuple, set, frozenset)) and not hasattr(value, "_fields"):
        members = sorted({shape_of_member(item) for item in value})
        name = type(value).__name__ if type(value).__module__ == "builtins" else type_label(value)
        return f"{name}[{' | '.join(members)}]"
    return type_label(value)


def shape_of_member(value: Any) -> str:
    """The shape of an item inside a container: its type only, keys for dicts."""
    if isinstance(value, Placeholder):
        return f"<{value.kind}>"
    if isinstance(value, Mapping):
        return shape(value)
    return type_label(value)


# -- text -------------------------------------------------------------------------------------

_short = reprlib.Repr()
_short.maxstring = 80
_short.maxother = 80
_short.maxlist = _short.maxtuple = _short.maxset = _short.maxfrozenset = 8
_short.maxdict = 8
_short.maxlevel = 3


def safe_repr(value: Any) -> str:
    """``repr(value)``, or a description if ``__repr__`` itself fails."""
    try:
        return repr(value)
    except Exception as error:
        return f"<{type_label(value)} (repr failed: {type(error).__name__})>"


def short_repr(value: Any) -> str:
    """A one-line repr cut to a readable length."""
    try:
        text = _short.repr(value)
    except Exception:
        text = safe_repr(value)
    text = " ".join(text.split())
    return text if len(text) <= 120 else text[:117] + "..."


# -- JSON --------------------------------------------------------------------------------------


def json_codec() -> Any:
    """snapy-storage-json's value encoder when it is installed, else None."""
    try:
        from snapy_storage_json import encode_value
    except ImportError:
        return None
    return encode_value


def to_json(value: Any) -> Any:
    """A captured value as JSON-ready data.

    With snapy-storage-json installed this is its tagged JSON (plain JSON for plain values,
    ``{"$tuple": [...]}`` and the like for the rest), so nothing is lost. Without it,
    containers become lists and objects, and anything else its ``repr``.
    """
    encode = json_codec()
    if encode is not None:
        try:
            return encode(value)
        except Exception:
            pass
    return _plain_json(value, 0, set())


def _plain_json(value: Any, depth: int, active: set[int]) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if depth > MAX_DEPTH or id(value) in active:
        return {"$repr": short_repr(value)}
    if isinstance(value, Placeholder):
        return {f"${value.kind}": str(value)}
    active.add(id(value))
    try:
        if isinstance(value, Mapping):
            return {
                key if isinstance(key, str) else safe_repr(key): _plain_json(
                    item, depth + 1, active
                )
                for key, item in value.items()
            }
        if isinstance(value, (list, tuple)):
            return [_plain_json(item, depth + 1, active) for item in value]
        if isinstance(value, (set, frozenset)):
            return [_plain_json(item, depth + 1, active) for item in sorted_items(value)]
        return {"$repr": safe_repr(value), "$type": type_label(value)}
    finally:
        active.discard(id(value))


__all__ = [
    "children",
    "placeholders",
    "safe_repr",
    "shape",
    "short_repr",
    "to_json",
    "type_label",
    "unserializable",
    "walk",
]
