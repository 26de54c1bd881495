"""PickleStorage: full fidelity, signing, refusal of tampered files, placeholders."""

from __future__ import annotations

import datetime as dt
import os
import pickle
import socket
import threading
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import snapy_storage_pickle
from snapy_core import (
    CallOutcome,
    CaptureCorruptError,
    CaptureRecord,
    CaptureTamperedError,
    Unserializable,
    available_backends,
    open_storage,
)
from snapy_storage_pickle import MAGIC, PickleStorage, PickleTrustWarning
from tests.strategies import assert_same, capture_values

UTC = dt.timezone.utc
KEY = "secret-key-for-tests-0123456789"


def record(*args: Any, outcome: CallOutcome | None = None, **kwargs: Any) -> CaptureRecord:
    return CaptureRecord(
        module="shop.orders",
        qualname="process_order",
        timestamp=dt.datetime.now(UTC),
        args=args,
        kwargs=kwargs,
        outcome=outcome,
    )


def test_public_api_is_pinned() -> None:
    assert snapy_storage_pickle.__all__ == [
        "FORMAT_VERSION",
        "KEY_VARIABLE",
        "MAGIC",
        "PickleStorage",
        "PickleTrustWarning",
        "__version__",
    ]


def test_registered_as_the_pickle_backend(tmp_path: Path) -> None:
    info = available_backends()["pickle"]
    assert info.plugin == "pickle"
    assert "HMAC" in info.description
    storage = open_storage("pickle", tmp_path, retention=3, key=KEY)
    assert isinstance(storage, PickleStorage)
    assert storage.retention == 3
    assert storage.signed


_STORAGE = PickleStorage("unused-root", key=KEY)  # encode/decode only: no file is written


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=capture_values())
def test_round_trip_is_lossless(value: Any) -> None:
    captured = record(value, [value], named=value, outcome=CallOutcome(kind="return", value=value))
    loaded = _STORAGE.decode(_STORAGE.encode(captured), source="memory")
    assert_same(loaded.args, (value, [value]))
    assert_same(loaded.kwargs, {"named": value})
    assert loaded.outcome is not None
    assert_same(loaded.outcome.value, value)


def test_shared_references_and_cycles_survive(tmp_path: Path) -> None:
    shared: list[Any] = [1, 2]
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    storage = PickleStorage(tmp_path, key=KEY)
    loaded = storage.read(storage.write(record(shared, shared, cyclic)))
    assert loaded.args[0] is loaded.args[1]
    assert loaded.args[2][0] is loaded.args[2]


# -- unpicklable values --------------------------------------------------------------


def test_an_unpicklable_argument_costs_only_itself(tmp_path: Path) -> None:
    lock = threading.Lock()
    with socket.socket() as sock:
        captured = record(
            {"order": 42},
            [1, lock, (2, lock)],
            lambda: None,
            conn=sock,
            amount=3,
            outcome=CallOutcome(kind="return", value={"ok": True, "handle": lock}),
        )
        storage = PickleStorage(tmp_path, key=KEY)
        loaded = storage.read(storage.write(captured))

    order, items, function = loaded.args
    assert order == {"order": 42}
    assert items[0] == 1
    assert isinstance(items[1], Unserializable)
    assert items[1].type_name == "_thread.lock"
    assert "cannot pickle" in items[1].reason
    assert items[2][0] == 2
    assert isinstance(items[2][1], Unserializable)
    assert isinstance(function, Unserializable)
    assert function.type_name == "builtins.function"
    assert isinstance(loaded.kwargs["conn"], Unserializable)
    assert loaded.kwargs["conn"].type_name == "socket.socket"
    assert loaded.kwargs["amount"] == 3
    assert loaded.outcome is not None
    assert loaded.outcome.value["ok"] is True
    assert isinstance(loaded.outcome.value["handle"], Unserializable)


def test_unpicklable_dict_key_replaces_that_dict_only(tmp_path: Path) -> None:
    class Local:  # a local class pickles by reference and fails: <locals> in its name
        __hash__ = object.__hash__

    storage = PickleStorage(tmp_path, key=KEY)
    loaded = storage.read(storage.write(record({Local(): 1}, {"fine": 2})))
    assert isinstance(loaded.args[0], Unserializable)
    assert loaded.args[0].type_name == "builtins.dict"
    assert loaded.args[1] == {"fine": 2}


def test_a_generator_in_metadata_extra_is_replaced(tmp_path: Path) -> None:
    from snapy_core import CallMetadata

    captured = CaptureRecord(
        module="m",
        qualname="f",
        timestamp=dt.datetime.now(UTC),
        metadata=CallMetadata(extra={"gen": (i for i in range(3)), "ok": 1}),
    )
    storage = PickleStorage(tmp_path, key=KEY)
    loaded = storage.read(storage.write(captured))
    assert isinstance(loaded.metadata.extra["gen"], Unserializable)
    assert loaded.metadata.extra["ok"] == 1


# -- signing -------------------------------------------------------------------------


def _signed_file(tmp_path: Path) -> tuple[PickleStorage, Path]:
    storage = PickleStorage(tmp_path, key=KEY)
    ref = storage.write(record("payload", amount=10))
    assert ref.path is not None
    return storage, ref.path


def test_signed_files_have_the_header_and_verify(tmp_path: Path) -> None:
    storage, path = _signed_file(tmp_path)
    data = path.read_bytes()
    assert data.startswith(MAGIC + bytes([1, 1]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a verified file gives no trust warning
        assert storage.read_path(path).args == ("payload",)


@pytest.mark.parametrize(
    ("where", "change"),
    [
        ("payload", lambda data: data[:-5] + bytes([data[-5] ^ 0x01]) + data[-4:]),
        ("signature", lambda data: data[:20] + bytes([data[20] ^ 0xFF]) + data[21:]),
        ("truncated", lambda data: data[: len(data) // 2]),
        ("signature cut", lambda data: data[:30]),
        ("appended", lambda data: data + b"."),
    ],
)
def test_tampered_files_are_refused_before_unpickling(
    tmp_path: Path, where: str, change: Any
) -> None:
    storage, path = _signed_file(tmp_path)
    path.write_bytes(change(path.read_bytes()))
    with pytest.raises(CaptureTamperedError) as caught:
        storage.read_path(path)
    assert str(path) in str(caught.value)
    assert "refusing to unpickle" in caught.value.reason


def test_signed_flag_cleared_becomes_unsigned_and_is_refused(tmp_path: Path) -> None:
    storage, path = _signed_file(tmp_path)
    data = bytearray(path.read_bytes())
    data[len(MAGIC) + 1] = 0  # claim "unsigned", keep the rest
    path.write_bytes(bytes(data))
    with pytest.raises(CaptureTamperedError, match="not signed, but a signing key is set"):
        storage.read_path(path)


def test_other_key_is_refused(tmp_path: Path) -> None:
    _storage, path = _signed_file(tmp_path)
    with pytest.raises(CaptureTamperedError, match="signed with a different key"):
        PickleStorage(tmp_path, key="another key").read_path(path)


class _Exploit:
    """What an attacker puts in a pickle: unpickling calls Path.touch(marker)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


def _malicious_capture(tmp_path: Path, marker: Path) -> Path:
    payload = pickle.dumps(
        {
            "schema": 1,
            "module": "m",
            "qualname": "f",
            "timestamp": "2024-01-01T00:00:00Z",
            "args": [_Exploit(marker)],
        }
    )
    directory = tmp_path / "store" / "m.f"
    directory.mkdir(parents=True)
    path = directory / f"20240101T000000.000000Z-{os.getpid()}-000001.pickle"
    path.write_bytes(MAGIC + bytes([1, 0]) + payload)
    return path


def test_with_a_key_an_unsigned_malicious_file_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = _malicious_capture(tmp_path, marker)
    storage = PickleStorage(tmp_path / "store", key=KEY)
    records, errors = storage.load_all("m.f")
    assert records == []
    assert [type(error) for error in errors] == [CaptureTamperedError]
    assert errors[0].path == path
    assert not marker.exists()


def test_without_a_key_pickles_run_code_and_a_warning_says_so(tmp_path: Path) -> None:
    # Why the README insists: an unsigned pickle from an untrusted place runs its code.
    marker = tmp_path / "pwned"
    path = _malicious_capture(tmp_path, marker)
    storage = PickleStorage(tmp_path / "store")
    with pytest.warns(PickleTrustWarning, match="without a signature check") as caught:
        storage.read_path(path)
    assert marker.exists()
    assert "SNAP_CAPTURE_PICKLE_KEY" in str(caught[0].message)


def test_trust_warning_is_given_once_per_process(tmp_path: Path) -> None:
    storage = PickleStorage(tmp_path)
    refs = [storage.write(record(i)) for i in range(3)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for ref in refs:
            storage.read(ref)
    assert [warning.category for warning in caught] == [PickleTrustWarning]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        storage.read(refs[0])


def test_signed_file_read_without_a_key_loads_with_the_warning(tmp_path: Path) -> None:
    _storage, path = _signed_file(tmp_path)
    with pytest.warns(PickleTrustWarning):
        assert PickleStorage(tmp_path).read_path(path).args == ("payload",)


def test_key_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SNAP_CAPTURE_PICKLE_KEY", KEY)
    storage = PickleStorage(tmp_path)
    assert storage.signed
    ref = storage.write(record(1))
    assert PickleStorage(tmp_path, key=KEY).read(ref).args == (1,)
    monkeypatch.setenv("SNAP_CAPTURE_PICKLE_KEY", "")
    assert not PickleStorage(tmp_path).signed


def test_bad_key_type_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="non-empty str or bytes"):
        PickleStorage(tmp_path, key=b"")
    with pytest.raises(TypeError, match="non-empty str or bytes"):
        PickleStorage(tmp_path, key=123)  # type: ignore[arg-type]


# -- corrupt and foreign files -------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "an empty file"),
        (b"SNAPY", "expected the SNAPYPKL header"),
        (b'{"json": "instead"}', "starts with b'{\"json\":'"),
        (MAGIC + bytes([9, 0]) + b"x", "newer snapy-storage-pickle (file format 9"),
        (MAGIC + bytes([1, 0x80]) + b"x", "damaged header"),
        (MAGIC + bytes([1, 0]) + pickle.dumps([1, 2]), "holds a list, not a capture record"),
        (MAGIC + bytes([1, 0]) + pickle.dumps({"a": 1}), "missing required field(s)"),
        (MAGIC + bytes([1, 0]) + pickle.dumps({"a": 1})[:-3], "not a valid pickle capture"),
        (MAGIC + bytes([1, 0]) + b"cnot_a_module_xyz\nThing\n.", "cannot be imported here"),
    ],
)
def test_corrupt_files_name_the_file_and_the_reason(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    storage = PickleStorage(tmp_path)
    good = storage.write(record("good"))
    assert good.path is not None
    bad = good.path.with_name(f"20000101T000000.000000Z-{os.getpid()}-000001.pickle")
    bad.write_bytes(content)
    with pytest.warns(PickleTrustWarning):
        records, errors = storage.load_all("shop.orders.process_order")
    assert [r.args for r in records] == [("good",)]
    [error] = errors
    assert isinstance(error, CaptureCorruptError)
    assert error.path == bad
    assert reason in error.reason
