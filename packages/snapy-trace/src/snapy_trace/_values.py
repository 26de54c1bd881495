"""How argument, return and local values are kept while tracing, and shown afterwards.

The hot path never calls ``repr`` at the ``standard`` detail level: immutable atomic
values (``None``, ``bool``, ``int``, ``float``, ``complex``, ``str``, ``bytes``) are kept
as they are (they cannot change later, and neither they nor the type objects kept for
everything else are new objects the garbage collector would have to track), and any
other value is kept as its type, shown as ``<TypeName>``. Strings and bytes are shown
bounded (``STRING_LIMIT``). ``verbose`` stores a
bounded, exception-safe ``repr`` string taken when the event happens, so mutable
arguments show the state they had at the call.

Everything shown is normalised for snapshots: object addresses (``at 0x7f...``),
``id='...'`` of mocks and temporary directories are removed, so the same run gives the
same text in another process.
"""

from __future__ import annotations

import os
import re
import reprlib
import tempfile
from functools import lru_cache
from typing import Any

STRING_LIMIT = 200
"""Characters of a ``str`` (or items of ``bytes``) shown at the standard detail level."""

REPR_LIMIT = 240
"""Characters of a verbose ``repr`` kept per value."""

ATOMIC_TYPES: frozenset[type] = frozenset({type(None), bool, int, float, complex, str, bytes})
"""Immutable values the standard detail level keeps as they are (shown bounded)."""


class _SafeRepr(reprlib.Repr):
    """``reprlib`` limits, plus protection against ``__repr__`` that raises or recurses."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxdict = 8
        self.maxlist = 8
        self.maxtuple = 8
        self.maxset = 8
        self.maxfrozenset = 8
        self.maxdeque = 8
        self.maxarray = 8
        self.maxlong = 60
        self.maxstring = 80
        self.maxother = REPR_LIMIT

    def repr_instance(self, x: Any, level: int) -> str:
        try:
            text = repr(x)
        except BaseException as error:
            if isinstance(error, (KeyboardInterrupt, SystemExit)):
                raise
            return f"<{_type_name(type(x))} (repr failed: {type(error).__name__})>"
        if len(text) > self.maxother:
            return text[: self.maxother - 3] + "..."
        return text


_safe_repr = _SafeRepr().repr


def keep_verbose(value: Any) -> str:
    """What the verbose detail level stores for one value: a bounded ``repr``."""
    try:
        return _safe_repr(value)
    except BaseException as error:
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        return f"<{_type_name(type(value))} (repr failed: {type(error).__name__})>"


def _type_name(kind: type) -> str:
    name = getattr(kind, "__qualname__", None) or getattr(kind, "__name__", None)
    return name if isinstance(name, str) else "?"


def show_standard(kept: Any) -> str:
    """The text of a value kept at the standard level: the value, or ``<Type>``."""
    if isinstance(kept, type):
        return f"<{_type_name(kept)}>"
    kind = type(kept)
    if (kind is str or kind is bytes) and len(kept) > STRING_LIMIT:
        unit = "characters" if kind is str else "bytes"
        prefix = repr(kept[:STRING_LIMIT])
        return f"{prefix[:-1]}...{prefix[-1]} ({len(kept)} {unit})"
    text = repr(kept)
    return text if len(text) <= REPR_LIMIT else text[: REPR_LIMIT - 3] + "..."


def show_verbose(kept: Any) -> str:
    """The text of a value kept by :func:`keep_verbose`, normalised for snapshots."""
    return normalize(kept) if isinstance(kept, str) else show_standard(kept)


_ADDRESS = re.compile(r"\s+at\s+0x[0-9a-fA-F]+|\s+id='\d+'|\s+id=\d+")
_HEX = re.compile(r"0x[0-9a-fA-F]{6,}")


@lru_cache(maxsize=1)
def _temporary_roots() -> tuple[str, ...]:
    roots = {tempfile.gettempdir(), os.path.realpath(tempfile.gettempdir())}
    for variable in ("TMPDIR", "TEMP", "TMP"):
        value = os.environ.get(variable)
        if value:
            roots.update({value, os.path.realpath(value)})
    return tuple(
        sorted((root.rstrip("/\\") for root in roots if len(root) > 1), key=len, reverse=True)
    )


_PYTEST_TMP = re.compile(r"pytest-of-[^/\\'\"]+[/\\]pytest-\d+[/\\]")


def normalize(text: str) -> str:
    """Remove addresses, mock ids and temporary directories from a ``repr``."""
    if "0x" in text or "id=" in text:
        text = _ADDRESS.sub("", text)
        text = _HEX.sub("0x...", text)
    for root in _temporary_roots():
        if root in text:
            text = text.replace(root, "<tmp>")
    if "pytest-of-" in text:
        text = _PYTEST_TMP.sub("", text)
    return text


def describe_exception(error: BaseException) -> tuple[str, str]:
    """``(type name, bounded message)`` of an exception, taken when it happens."""
    kind = type(error)
    module = getattr(kind, "__module__", "")
    name = _type_name(kind)
    if module and module != "builtins":
        name = f"{module}.{name}"
    try:
        message = str(error)
    except BaseException as failure:
        if isinstance(failure, (KeyboardInterrupt, SystemExit)):
            raise
        message = f"<str() failed: {type(failure).__name__}>"
    if len(message) > REPR_LIMIT:
        message = message[: REPR_LIMIT - 3] + "..."
    return name, message


__all__ = [
    "ATOMIC_TYPES",
    "REPR_LIMIT",
    "STRING_LIMIT",
    "describe_exception",
    "keep_verbose",
    "normalize",
    "show_standard",
    "show_verbose",
]
