"""Keep what pickles, replace what doesn't: an unpicklable value costs only itself.

A lock in one argument must not lose the whole capture. When the record as a whole does
not pickle, each captured value (argument, keyword argument, result, metadata extra) is
tried on its own; inside plain lists, tuples, sets and dicts the search goes down to the
element, so ``[order, lock]`` keeps ``order``. Whatever still fails becomes an
:class:`~snapy_core.Unserializable` placeholder naming the type and the reason.
"""

from __future__ import annotations

import pickle
from typing import Any

from snapy_core import Unserializable

PROTOCOL = 5
_MAX_DEPTH = 16
_MAX_REASON = 200


def dumps(value: Any) -> bytes:
    return pickle.dumps(value, protocol=PROTOCOL)


def picklable(value: Any, depth: int = 0) -> Any:
    """``value`` itself if it pickles, else a copy with the unpicklable parts replaced."""
    try:
        dumps(value)
    except Exception as error:
        return _replace(value, error, depth)
    return value


def _replace(value: Any, error: Exception, depth: int) -> Any:
    kind = type(value)
    if depth < _MAX_DEPTH:
        try:
            if kind is list:
                return [picklable(item, depth + 1) for item in value]
            if kind is tuple:
                return tuple(picklable(item, depth + 1) for item in value)
            if kind is dict:
                for key in value:
                    dumps(key)  # an unpicklable key: the whole dict is replaced below
                return {key: picklable(item, depth + 1) for key, item in value.items()}
            if kind in (set, frozenset):
                return kind(picklable(item, depth + 1) for item in value)
        except Exception as inner:  # any failure: replace it whole
            error = inner
    reason = f"cannot be pickled: {type(error).__name__}: {error}"
    if len(reason) > _MAX_REASON:
        reason = reason[: _MAX_REASON - 3] + "..."
    return Unserializable(reason, type_name=f"{kind.__module__}.{kind.__qualname__}")


def dumps_record(data: dict[str, Any]) -> bytes:
    """Pickle a record dict, replacing only the captured values that do not pickle."""
    try:
        return dumps(data)
    except Exception:  # fall back value by value
        pass
    data = dict(data)
    data["args"] = [picklable(value) for value in data.get("args", ())]
    data["kwargs"] = {name: picklable(value) for name, value in data.get("kwargs", {}).items()}
    outcome = data.get("outcome")
    if isinstance(outcome, dict) and "value" in outcome:
        data["outcome"] = {**outcome, "value": picklable(outcome["value"])}
    metadata = data.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("extra"), dict):
        extra = {key: picklable(value) for key, value in metadata["extra"].items()}
        data["metadata"] = {**metadata, "extra": extra}
    return dumps(data)


__all__ = ["PROTOCOL", "dumps", "dumps_record", "picklable"]
