"""``snapy_captures``: parametrize a pytest test over the stored captures of a function."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Literal

from snapy_core import CaptureNotFoundError, CaptureRecord

from ._loader import CaptureLoader

IdStyle = Literal["index", "timestamp", "capture_id"]


def capture_id_for(record: CaptureRecord, index: int, ids: IdStyle | Callable[..., str]) -> str:
    """The test id of one capture: ``process_order-0`` (0 = newest) by default."""
    if callable(ids):
        return str(ids(record, index))
    if ids == "timestamp":
        stamp = record.timestamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return f"{record.function_name}-{stamp}"
    if ids == "capture_id":
        return record.capture_id or f"{record.function_name}-{index}"
    if ids == "index":
        return f"{record.function_name}-{index}"
    raise ValueError(f"ids must be 'index', 'timestamp', 'capture_id' or a callable, got {ids!r}")


def snapy_captures(
    function_name: str | Callable[..., Any],
    *,
    path: str | os.PathLike[str] | None = None,
    limit: int | None = None,
    ids: IdStyle | Callable[[CaptureRecord, int], str] = "index",
    missing: Literal["skip", "error"] = "skip",
) -> list[Any]:
    """Every stored capture of a function as ``pytest.param``s, newest first::

        @pytest.mark.parametrize("capture", snapy_captures("OrderService.process_order"))
        def test_replay(capture, snapshot):
            args, kwargs = replay_arguments(capture, overrides={"payment_token": "tok_test"})
            assert OrderService(...).process_order(*args, **kwargs) == snapshot

    Each value is a :class:`~snapy_core.CaptureRecord`; ids are ``process_order-0``,
    ``process_order-1``, ... (stable from run to run, so they suit syrupy snapshots), or
    ``ids="timestamp"`` / ``"capture_id"`` / a callable ``(record, index) -> str``. With no
    capture stored the test is reported as skipped with the loader's explanation
    (``missing="error"`` raises it instead). ``limit`` keeps the newest N.
    """
    import pytest

    loader = CaptureLoader(path)
    try:
        records = loader.load_all(function_name)
    except CaptureNotFoundError as error:
        if missing == "error":
            raise
        return [pytest.param(None, marks=pytest.mark.skip(reason=str(error)), id="no-captures")]
    if limit is not None:
        records = records[:limit]
    if not records:
        reason = f"no readable capture of {function_name!r}"
        if missing == "error":
            raise CaptureNotFoundError(reason)
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="no-captures")]
    return [
        pytest.param(record, id=capture_id_for(record, index, ids))
        for index, record in enumerate(records)
    ]


__all__ = ["capture_id_for", "snapy_captures"]
