"""The capture record model and its conversion to and from plain data."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import attrs
import pytest

from snapy_core import (
    SCHEMA_VERSION,
    CallMetadata,
    CallOutcome,
    CaptureRecord,
    FilterAction,
    RecordError,
    Redacted,
    record_from_primitive,
    record_to_primitive,
)

WHEN = dt.datetime(2026, 11, 21, 10, 30, 0, 123456, tzinfo=dt.timezone.utc)


@attrs.define
class Point:
    x: int
    y: int


@dataclasses.dataclass
class Order:
    id: int
    lines: list[str]


def make_record(**changes) -> CaptureRecord:
    fields = {
        "module": "shop.orders",
        "qualname": "OrderService.process_order",
        "timestamp": WHEN,
        "args": (42, [Point(1, 2)]),
        "kwargs": {"payment_token": Redacted("listed in ignore_args"), "order": Order(1, ["a"])},
        "arg_names": ("customer_id", "items"),
        "filtered": (
            FilterAction(path="payment_token", action="redacted", reason="listed in ignore_args"),
        ),
        "metadata": CallMetadata(
            call_depth=1,
            thread_name="MainThread",
            thread_id=7,
            pid=99,
            python_version="3.12.1",
            extra={"tenant": Point(0, 0)},
        ),
        "outcome": CallOutcome(kind="return", value=Point(3, 4)),
    }
    fields.update(changes)
    return CaptureRecord(**fields)


def test_primitive_round_trip_keeps_captured_values_as_python_objects() -> None:
    record = make_record()
    primitive = record_to_primitive(record)

    assert primitive["schema"] == SCHEMA_VERSION
    assert primitive["timestamp"] == "2026-11-21T10:30:00.123456Z"
    # the envelope is plain data ...
    json.dumps(
        {k: v for k, v in primitive.items() if k not in {"args", "kwargs"}}
        | {
            "metadata": {**primitive["metadata"], "extra": {}},
            "outcome": {**primitive["outcome"], "value": None},
        }
    )
    # ... while captured values are left for the backend, untouched
    assert primitive["args"][1][0] is record.args[1][0]
    assert primitive["kwargs"]["order"] is record.kwargs["order"]
    assert primitive["outcome"]["value"] is record.outcome.value
    assert primitive["metadata"]["extra"]["tenant"] is record.metadata.extra["tenant"]

    assert record_from_primitive(primitive) == record


def test_unknown_future_fields_are_tolerated() -> None:
    primitive = record_to_primitive(make_record())
    primitive["added_in_a_later_version"] = {"anything": 1}
    primitive["metadata"]["gpu"] = "H100"
    assert record_from_primitive(primitive) == make_record()


@pytest.mark.parametrize("missing", ["module", "qualname", "timestamp"])
def test_missing_required_fields_give_a_clear_error(missing: str) -> None:
    primitive = record_to_primitive(make_record())
    del primitive[missing]
    with pytest.raises(RecordError, match=rf"captures/x.json: missing required field.*'{missing}'"):
        record_from_primitive(primitive, source="captures/x.json")


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"timestamp": 17}, "field 'timestamp': expected an ISO 8601 timestamp"),
        ({"timestamp": "yesterday"}, "field 'timestamp'"),
        ({"metadata": {"call_depth": "deep"}}, "field 'metadata': field 'call_depth'"),
        ({"outcome": {"value": 1}}, "missing field 'kind'"),
        ({"filtered": [{"path": "x"}]}, "field 'filtered'"),
        ({"filtered": ["path"]}, "expected a mapping, got str"),
        ({"metadata": "call_depth"}, "field 'metadata': expected a mapping, got str"),
        ({"metadata": ["call_depth"]}, "field 'metadata': expected a mapping, got list"),
        ({"outcome": "kind"}, "field 'outcome': expected a mapping, got str"),
        ({"args": "abc"}, "field 'args': expected a list, got str"),
        ({"arg_names": "abc"}, "field 'arg_names': expected a list of parameter names"),
        ({"outcome": {"kind": "bogus"}}, "field 'kind': bogus not in literal"),
        ({"kwargs": [["a", 1]]}, "field 'kwargs': expected a mapping, got list"),
    ],
)
def test_malformed_fields_are_named(change: dict, fragment: str) -> None:
    primitive = record_to_primitive(make_record()) | change
    with pytest.raises(RecordError) as raised:
        record_from_primitive(primitive, source="f.json")
    assert str(raised.value).startswith("f.json: malformed capture record")
    assert fragment in str(raised.value)


def test_a_non_mapping_is_rejected() -> None:
    with pytest.raises(RecordError, match=r"expected a mapping.*got list"):
        record_from_primitive([1, 2, 3])


def test_naive_timestamps_are_refused_and_others_normalised_to_utc() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        make_record(timestamp=dt.datetime(2026, 1, 1))
    paris = dt.timezone(dt.timedelta(hours=1))
    record = make_record(timestamp=dt.datetime(2026, 1, 1, 12, tzinfo=paris))
    assert record.timestamp == dt.datetime(2026, 1, 1, 11, tzinfo=dt.timezone.utc)
    assert record.timestamp.tzinfo is dt.timezone.utc


def test_names_and_named_arguments() -> None:
    record = make_record(args=(1, 2, 3, 4), arg_names=("a", "b"), kwargs={"c": 5})
    assert record.function_key == "shop.orders.OrderService.process_order"
    assert record.function_name == "process_order"
    assert record.named_arguments() == {"a": 1, "b": 2, "*args[2]": 3, "*args[3]": 4, "c": 5}


def test_as_dict_has_the_seed_storage_format() -> None:
    as_dict = make_record().as_dict()
    assert as_dict["function_name"] == "process_order"
    assert as_dict["timestamp"] == "2026-11-21T10:30:00.123456Z"
    assert as_dict["args"] == [42, [Point(1, 2)]]
    assert as_dict["metadata"]["call_depth"] == 1
    assert as_dict["metadata"]["thread_name"] == "MainThread"


def test_records_are_immutable() -> None:
    record = make_record()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        record.module = "elsewhere"  # type: ignore[misc]
