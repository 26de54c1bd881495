"""Damaged, foreign and hostile files: a CaptureCorruptError naming the file, and every
other capture of the function still loads."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snapy_core import (
    SCHEMA_VERSION,
    CaptureCorruptError,
    CaptureRecord,
    CaptureStorage,
    CaptureTamperedError,
    record_to_primitive,
)
from tests.storage._helpers import FUNCTION, make_record

MakeStorage = Callable[..., CaptureStorage]
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _store_with_good_captures(
    make_storage: MakeStorage, root: Path
) -> tuple[CaptureStorage, bytes]:
    storage = make_storage(root)
    if not storage.list(FUNCTION):
        for i in range(3):
            storage.write(make_record(i, items=[{"sku": "A-1", "qty": i}], note="good"))
    newest = storage.list(FUNCTION)[0]
    assert newest.path is not None
    return storage, newest.path.read_bytes()


def _plant(storage: CaptureStorage, content: bytes) -> Path:
    """Put ``content`` in the store as if it were the newest capture."""
    [newest] = storage.list(FUNCTION, limit=1)
    assert newest.path is not None
    stamp = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
    name = f"{stamp:%Y%m%dT%H%M%S.%fZ}-{os.getpid()}-999999.{storage.extension}"
    path = newest.path.with_name(name)
    path.write_bytes(content)
    return path


def _outcome(storage: CaptureStorage, path: Path) -> CaptureRecord | CaptureCorruptError:
    """Reading ``path``: a record or a CaptureCorruptError; anything else fails the test."""
    error: CaptureCorruptError | None = None
    try:
        return storage.read_path(path)
    except CaptureCorruptError as caught:
        error = caught
    assert error.path == path
    assert str(path) in str(error)
    assert error.reason
    return error


def _others_still_load(storage: CaptureStorage, planted: Path) -> None:
    records, errors = storage.load_all(FUNCTION)
    good = [record for record in records if record.capture_id != planted.name.rsplit(".", 1)[0]]
    assert [record.args for record in good] == [(2,), (1,), (0,)]
    assert [error.path for error in errors] in ([], [planted])
    planted.unlink()


@FUZZ
@given(content=st.binary(max_size=2048))
def test_random_bytes(make_storage: MakeStorage, tmp_path: Path, content: bytes) -> None:
    storage, _ = _store_with_good_captures(make_storage, tmp_path)
    planted = _plant(storage, content)
    assert isinstance(_outcome(storage, planted), CaptureCorruptError)
    _others_still_load(storage, planted)


@FUZZ
@given(data=st.data())
def test_truncated_captures(make_storage: MakeStorage, tmp_path: Path, data: Any) -> None:
    storage, good = _store_with_good_captures(make_storage, tmp_path)
    cut = data.draw(st.integers(min_value=0, max_value=len(good) - 1))
    planted = _plant(storage, good[:cut])
    result = _outcome(storage, planted)
    if isinstance(result, CaptureRecord):  # only trailing whitespace was cut
        assert good[cut:].strip() == b""
    _others_still_load(storage, planted)


@FUZZ
@given(data=st.data())
def test_flipped_inserted_or_deleted_bytes(
    backend: str, make_storage: MakeStorage, tmp_path: Path, data: Any
) -> None:
    storage, good = _store_with_good_captures(make_storage, tmp_path)
    position = data.draw(st.integers(min_value=0, max_value=len(good) - 1))
    change = data.draw(st.sampled_from(["flip", "insert", "delete"]))
    if change == "flip":
        bit = data.draw(st.integers(min_value=0, max_value=7))
        damaged = good[:position] + bytes([good[position] ^ (1 << bit)]) + good[position + 1 :]
    elif change == "insert":
        damaged = good[:position] + data.draw(st.binary(min_size=1, max_size=4)) + good[position:]
    else:
        damaged = good[:position] + good[position + 1 :]
    planted = _plant(storage, damaged)
    result = _outcome(storage, planted)
    if backend == "pickle":  # signed: any change at all is caught before unpickling
        assert isinstance(result, CaptureCorruptError)
        if position >= 10:  # header intact: the signature is what catches it
            assert isinstance(result, CaptureTamperedError)
    _others_still_load(storage, planted)


WRONG_SHAPES: list[Any] = [
    {},
    {"hello": "world"},
    {"module": 1, "qualname": ["x"], "timestamp": "yesterday"},
    {"module": "m", "qualname": "f", "timestamp": "2024-01-01T00:00:00Z", "args": 5},
    {"module": "m", "qualname": "f", "timestamp": "2024-01-01T00:00:00Z", "kwargs": [1, 2]},
    {"module": "m", "qualname": "f", "timestamp": "2024-01-01T00:00:00Z", "metadata": "x"},
    {"module": "m", "qualname": "f", "timestamp": "2024-01-01T00:00:00Z", "schema": "one"},
]


@pytest.mark.parametrize("shape", WRONG_SHAPES, ids=range(len(WRONG_SHAPES)))
def test_well_formed_file_of_the_wrong_shape(
    make_storage: MakeStorage, tmp_path: Path, shape: dict[str, Any]
) -> None:
    storage, _ = _store_with_good_captures(make_storage, tmp_path)
    planted = _plant(storage, _serialize(storage, shape))
    result = _outcome(storage, planted)
    assert isinstance(result, CaptureCorruptError)
    _others_still_load(storage, planted)


def test_future_schema_says_to_upgrade(make_storage: MakeStorage, tmp_path: Path) -> None:
    storage, _ = _store_with_good_captures(make_storage, tmp_path)
    future = record_to_primitive(make_record(1))
    future["schema"] = SCHEMA_VERSION + 1
    future["metadata"]["snapy_version"] = "3.0.0"
    planted = _plant(storage, _serialize(storage, future))
    result = _outcome(storage, planted)
    assert isinstance(result, CaptureCorruptError)
    assert "snapy 3.0.0" in result.reason
    assert "pip install -U snapy-core" in result.reason
    _others_still_load(storage, planted)


def test_another_backends_file_is_reported_not_misread(
    make_storage: MakeStorage, tmp_path: Path
) -> None:
    storage, _ = _store_with_good_captures(make_storage, tmp_path)
    foreign = b"SNAPYPKL\x01\x00" if storage.name != "pickle" else b'{"schema": 1}'
    planted = _plant(storage, foreign + b"\x80\x05N.")
    assert isinstance(_outcome(storage, planted), CaptureCorruptError)
    _others_still_load(storage, planted)


def _serialize(storage: CaptureStorage, data: dict[str, Any]) -> bytes:
    encoded = storage.serialize_data(data)
    return encoded.encode() if isinstance(encoded, str) else encoded
