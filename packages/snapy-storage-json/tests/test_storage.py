"""``JSONStorage``: whole records on disk, the backend registration, corrupt files."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import os
import threading
from pathlib import Path

import attrs
import orjson
import pytest

import snapy_core
from snapy_core import (
    CallMetadata,
    CallOutcome,
    CaptureCorruptError,
    CaptureRecord,
    FilterAction,
    Redacted,
    Unserializable,
    Untrusted,
)
from snapy_storage_json import FORMAT, JSONStorage

HERE = __name__


@dataclasses.dataclass(frozen=True)
class Address:
    street: str
    postcode: str


def make_record(**changes: object) -> CaptureRecord:
    fields: dict[str, object] = {
        "module": HERE,
        "qualname": "OrderService.process_order",
        "timestamp": dt.datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=dt.timezone.utc),
        "args": ("cust_42", [{"sku": "A-1", "qty": 2, "price": decimal.Decimal("9.99")}]),
        "kwargs": {
            "payment_token": Redacted("name matches 'token'"),
            "shipping_address": Address("1 rue de la Paix", "75002"),
            "tags": {"vip", "express"},
        },
        "arg_names": ("customer_id", "items"),
        "filtered": (
            FilterAction(path="payment_token", action="redacted", reason="name matches 'token'"),
        ),
        "metadata": CallMetadata(
            thread_name="MainThread", pid=os.getpid(), extra={"trace": (1, 2)}
        ),
        "outcome": CallOutcome(
            kind="return", value={"order_id": (7, "x"), "total": decimal.Decimal("19.98")}
        ),
    }
    fields.update(changes)
    return CaptureRecord(**fields)  # type: ignore[arg-type]


def test_write_and_read_back_a_record(tmp_path: Path, same) -> None:
    storage = JSONStorage(tmp_path)
    record = make_record()
    ref = storage.write(record)
    assert ref.path is not None
    assert ref.path.suffix == ".json"
    loaded = storage.read(ref)
    assert loaded.function_key == record.function_key
    same(record.args, loaded.args)
    same(record.kwargs, loaded.kwargs)
    same(record.outcome.value, loaded.outcome.value)
    same(record.metadata.extra, loaded.metadata.extra)
    assert loaded.filtered == record.filtered
    assert loaded.timestamp == record.timestamp
    assert loaded.capture_id == ref.capture_id


def test_the_file_is_readable_json(tmp_path: Path) -> None:
    ref = JSONStorage(tmp_path).write(make_record())
    text = ref.path.read_text(encoding="utf-8")
    document = orjson.loads(text)
    assert document["codec"] == FORMAT
    assert document["module"] == HERE
    assert document["qualname"] == "OrderService.process_order"
    assert document["args"][0] == "cust_42"
    assert document["kwargs"]["payment_token"] == {"$redacted": "name matches 'token'"}
    assert document["kwargs"]["tags"] == {"$set": ["express", "vip"]}
    assert '\n  "args": [\n' in text  # indented: one value per line, diffs cleanly
    assert text.endswith("}\n")
    assert list(document) == sorted(document)


def test_compact_files(tmp_path: Path) -> None:
    ref = JSONStorage(tmp_path, indent=False).write(make_record())
    assert ref.path.read_bytes().count(b"\n") == 1


def test_same_record_gives_the_same_bytes(tmp_path: Path) -> None:
    storage = JSONStorage(tmp_path)
    record = make_record()
    assert storage.encode(record) == storage.encode(make_record())
    loaded = storage.read(storage.write(record))
    assert storage.encode(attrs.evolve(loaded, capture_id="")) == storage.encode(record)


def test_unstorable_argument_is_a_placeholder_and_the_record_is_written(tmp_path: Path) -> None:
    storage = JSONStorage(tmp_path)
    lock = threading.Lock()
    loaded = storage.read(storage.write(make_record(args=("cust_42", lock))))
    assert loaded.args[0] == "cust_42"
    assert isinstance(loaded.args[1], Unserializable)
    assert loaded.args[1].type_name == "_thread.lock"


def test_the_captured_functions_package_is_trusted(tmp_path: Path) -> None:
    storage = JSONStorage(tmp_path)
    ref = storage.write(make_record())
    assert type(storage.read(ref).kwargs["shipping_address"]) is Address
    foreign = make_record(module="other_app.orders")
    ref = storage.write(foreign)
    untrusted = storage.read(ref).kwargs["shipping_address"]
    assert isinstance(untrusted, Untrusted)
    assert untrusted.value_repr == "Address(postcode='75002', street='1 rue de la Paix')"
    trusting = JSONStorage(tmp_path, trusted_modules=[HERE.split(".")[0]])
    assert type(trusting.read(ref).kwargs["shipping_address"]) is Address


def test_json_is_the_registered_backend(tmp_path: Path, fresh_plugins: None) -> None:
    info = snapy_core.get_backend_info("json")
    assert info.factory is JSONStorage
    storage = snapy_core.open_storage("json", tmp_path, retention=2)
    assert isinstance(storage, JSONStorage)
    for second in range(3):
        storage.write(
            make_record(timestamp=dt.datetime(2024, 1, 1, 0, 0, second, tzinfo=dt.timezone.utc))
        )
    refs = storage.list(make_record().function_key)
    assert len(refs) == 2
    assert [ref.timestamp.second for ref in refs] == [2, 1]


# -- corrupt files -----------------------------------------------------------------------------


def _corrupt_variants(good: bytes) -> dict[str, tuple[bytes, str]]:
    document = orjson.loads(good)
    return {
        "truncated": (good[: len(good) // 2], "not valid JSON"),
        "empty": (b"", "not valid JSON"),
        "random bytes": (bytes(range(256)) * 4, "not valid JSON"),
        "array": (b"[1, 2, 3]\n", "found a JSON array"),
        "string": (b'"capture"\n', "found a JSON string"),
        "no codec": (
            orjson.dumps({k: v for k, v in document.items() if k != "codec"}),
            "not written by snapy-storage-json",
        ),
        "newer codec": (
            orjson.dumps({**document, "codec": "snapy-json/9"}),
            "upgrade it: pip install -U snapy-storage-json",
        ),
        "foreign codec": (orjson.dumps({**document, "codec": 3}), "not a snapy-storage-json"),
        "unknown tag": (
            orjson.dumps({**document, "args": [{"$frobnicate": 1}]}),
            "args[0].$frobnicate: unknown tag '$frobnicate'",
        ),
        "bad tag payload": (
            orjson.dumps({**document, "kwargs": {"when": {"$datetime": 5}}}),
            "kwargs.when.$datetime: malformed $datetime",
        ),
        "wrong shape": (
            orjson.dumps({"codec": FORMAT, "hello": "world"}),
            "missing required field",
        ),
        "top-level tag": (orjson.dumps({"codec": FORMAT, "$tuple": []}), "not a capture record"),
    }


@pytest.mark.parametrize(
    "variant",
    [
        "truncated",
        "empty",
        "random bytes",
        "array",
        "string",
        "no codec",
        "newer codec",
        "foreign codec",
        "unknown tag",
        "bad tag payload",
        "wrong shape",
        "top-level tag",
    ],
)
def test_corrupt_files_name_the_file_and_the_reason(tmp_path: Path, variant: str) -> None:
    storage = JSONStorage(tmp_path)
    good_ref = storage.write(make_record())
    content, reason = _corrupt_variants(good_ref.path.read_bytes())[variant]
    bad_ref = storage.write(make_record(timestamp=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)))
    bad_ref.path.write_bytes(content)
    with pytest.raises(CaptureCorruptError) as caught:
        storage.read(bad_ref)
    assert caught.value.path == bad_ref.path
    assert reason in caught.value.reason
    assert str(bad_ref.path) in str(caught.value)
    records, errors = storage.load_all(make_record().function_key)
    assert [record.capture_id for record in records] == [good_ref.capture_id]
    assert [error.path for error in errors] == [bad_ref.path]


# -- the fast encode path gives exactly the bytes of the general one --------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from snapy_core import CaptureStorage  # noqa: E402
from tests import strategies as shared  # noqa: E402

_odd = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    shared.texts,
    st.builds(Address, shared.texts, shared.texts),
    st.integers(min_value=2**64),  # orjson refuses it: the general path's strict encoder
)
_values = shared.capture_values(max_leaves=8)
_names = st.text(st.characters(codec="utf-8"), max_size=12)


def _deep(depth: int) -> object:
    value: object = "bottom"
    for _ in range(depth):
        value = [value]
    return value


def _records(text: st.SearchStrategy[object]) -> st.SearchStrategy[CaptureRecord]:
    return st.builds(
        CaptureRecord,
        module=st.one_of(st.just(HERE), text),
        qualname=text,
        timestamp=shared.datetimes.filter(lambda moment: moment.tzinfo is not None),
        args=st.lists(st.one_of(_values, st.integers(90, 110).map(_deep)), max_size=3),
        kwargs=st.dictionaries(shared.texts, _values, max_size=3),
        arg_names=st.lists(text, max_size=3),
        filtered=st.lists(
            st.builds(
                FilterAction,
                path=text,
                action=st.sampled_from(["redacted", "omitted"]),
                reason=text,
            ),
            max_size=2,
        ),
        metadata=st.builds(
            CallMetadata,
            call_depth=st.one_of(st.integers(0, 5), _odd),
            thread_name=text,
            thread_id=st.integers(0, 2**40),
            task_name=st.one_of(st.none(), text),
            pid=st.integers(0, 2**22),
            host=st.one_of(st.none(), text),
            duration_ns=st.one_of(st.none(), st.integers(0, 10**12), _odd),
            extra=st.dictionaries(shared.texts, _values, max_size=2),
        ),
        outcome=st.one_of(
            st.none(),
            st.builds(CallOutcome, kind=st.just("return"), value=_values),
            st.builds(
                CallOutcome,
                kind=st.just("raise"),
                exc_type=st.one_of(st.none(), text),
                exc_message=st.one_of(st.none(), text),
            ),
        ),
    )


# mostly records as snapy makes them (the fast path), some with odd envelope values (the
# general path): the bytes must be the same either way
_any_records = st.one_of(_records(_names), _records(_names), _records(st.one_of(_names, _odd)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=_any_records, indent=st.booleans())
def test_fast_encode_writes_the_bytes_of_the_general_path(
    tmp_path_factory: pytest.TempPathFactory, record: CaptureRecord, indent: bool
) -> None:
    storage = JSONStorage(tmp_path_factory.getbasetemp() / "unused", indent=indent)
    assert storage.encode(record) == CaptureStorage.encode(storage, record)


def test_fast_encode_is_not_used_by_a_subclass_that_changes_serialize_data(tmp_path: Path) -> None:
    class Marked(JSONStorage):
        def serialize_data(self, data: dict[str, object]) -> bytes:
            return b"marked:" + super().serialize_data(data)

    assert Marked(tmp_path).encode(make_record()).startswith(b"marked:")
