"""Copies of argument values as they are at the start of a call.

Used when a capture cannot be encoded before the call runs: with ``capture_result=True``
(the record needs the outcome too) and with ``async_storage=True`` (encoding happens on
the writer thread). Immutable values are shared, everything else is ``copy.deepcopy``-ed
with one memo per call, so two arguments that share an object still share it in the
snapshot and cycles are fine.
"""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import enum
import fractions
import pathlib
import uuid
from collections.abc import Sequence
from typing import Any

from snapy_core import Placeholder

_IMMUTABLE: frozenset[type] = frozenset(
    {
        str,
        int,
        float,
        bool,
        complex,
        bytes,
        type(None),
        type(Ellipsis),
        range,
        decimal.Decimal,
        fractions.Fraction,
        dt.datetime,
        dt.date,
        dt.time,
        dt.timedelta,
        dt.timezone,
        uuid.UUID,
        pathlib.PurePosixPath,
        pathlib.PureWindowsPath,
        pathlib.PosixPath,
        pathlib.WindowsPath,
        pathlib.Path,
        pathlib.PurePath,
    }
)


IMMUTABLE_TYPES = _IMMUTABLE
"""Types whose values are shared, never copied (a capture of them cannot change)."""


def _is_immutable(value: Any) -> bool:
    cls = type(value)
    if cls in _IMMUTABLE:
        return True
    if cls is tuple or cls is frozenset:
        return all(_is_immutable(item) for item in value)
    return isinstance(value, (enum.Enum, Placeholder))


def snapshot_values(values: Sequence[Any]) -> tuple[list[Any], list[int]]:
    """Copies of ``values``; also the positions that could not be copied.

    A value ``deepcopy`` refuses (it holds a lock, a socket, ...) is kept by reference:
    the backend usually cannot encode such a value either and stores a placeholder.
    """
    if _IMMUTABLE.issuperset(map(type, values)):  # the common case: nothing to copy
        return list(values), []
    memo: dict[int, Any] = {}
    copies: list[Any] = []
    failed: list[int] = []
    for position, value in enumerate(values):
        if _is_immutable(value):
            copies.append(value)
            continue
        try:
            copies.append(copy.deepcopy(value, memo))
        except Exception:
            copies.append(value)
            failed.append(position)
    return copies, failed


def snapshot_value(value: Any) -> tuple[Any, bool]:
    """A copy of one value, and whether copying worked."""
    copies, failed = snapshot_values((value,))
    return copies[0], not failed


__all__ = ["IMMUTABLE_TYPES", "snapshot_value", "snapshot_values"]
