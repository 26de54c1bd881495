"""How fast snapy-storage-json encodes and decodes captures.

    python benchmarks/json_codec_bench.py            # or: python dev.py bench

Prints microseconds per operation for a typical record (three small arguments, as the
capture decorator stores them) and a nested one, and the ratio against plain
``orjson.dumps`` / ``orjson.loads`` of the same record with every value already
JSON-native (the floor: what any JSON backend must pay). Ratios come from one run on the
same machine, so they are comparable even when the machine is noisy; the absolute
figures are not.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import gc
import os
import time
import uuid
from collections.abc import Callable
from typing import Any

import orjson

from snapy_core import CallMetadata, CaptureRecord, Redacted, record_to_primitive
from snapy_storage_json import JSONCodec, JSONStorage


@dataclasses.dataclass
class Address:
    street: str
    city: str
    postcode: str
    country: str = "FR"


@dataclasses.dataclass
class LineItem:
    sku: str
    quantity: int
    unit_price: decimal.Decimal
    tags: frozenset[str] = frozenset()


def _metadata() -> CallMetadata:
    return CallMetadata(
        call_depth=0,
        thread_name="MainThread",
        thread_id=140_000_000_000,
        pid=os.getpid(),
        host="bench-host",
        python_version="3.12.0",
        snapy_version="0.1.0",
    )


def typical_record() -> CaptureRecord:
    """Three small arguments, one of them redacted: what most captures look like."""
    return CaptureRecord(
        module="shop.orders",
        qualname="OrderService.process_order",
        timestamp=dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.timezone.utc),
        args=("cust_42", [{"sku": "A-1", "qty": 2}, {"sku": "B-7", "qty": 1}]),
        kwargs={"payment_token": Redacted("name matches 'token'"), "express": True},
        arg_names=("customer_id", "items"),
        metadata=_metadata(),
    )


def nested_record() -> CaptureRecord:
    """Dataclasses, Decimals, tuples, sets, datetimes, UUIDs: a heavier capture."""
    items = [
        LineItem(f"SKU-{index}", index + 1, decimal.Decimal(f"{index}.99"), frozenset({"a", "b"}))
        for index in range(10)
    ]
    return CaptureRecord(
        module="shop.orders",
        qualname="OrderService.process_order",
        timestamp=dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.timezone.utc),
        args=(uuid.UUID(int=42), items, Address("1 rue de la Paix", "Paris", "75002")),
        kwargs={
            "placed_at": dt.datetime(2024, 5, 1, 12, 29, tzinfo=dt.timezone.utc),
            "window": (dt.time(9), dt.time(17)),
            "coupons": {"SPRING", "VIP"},
            "history": {day: [index, index * 2] for index, day in enumerate(range(20))},
        },
        arg_names=("order_id", "items", "address"),
        metadata=_metadata(),
    )


def _json_native(value: Any) -> Any:
    """The record with every captured value replaced by a JSON-native look-alike."""
    return orjson.loads(JSONCodec(plugins=False, use_config=False).dumps(value))


def per_call(function: Callable[[], Any], budget: float = 0.4) -> float:
    """Best-of-5 microseconds per call, each sample running ~``budget``/5 seconds."""
    count = 1
    while True:
        start = time.thread_time()
        for _ in range(count):
            function()
        if time.thread_time() - start > budget / 25:
            break
        count *= 2
    samples = []
    gc.disable()
    try:
        for _ in range(5):
            start = time.thread_time()
            for _ in range(count):
                function()
            samples.append((time.thread_time() - start) / count)
    finally:
        gc.enable()
    return min(samples) * 1e6


def main() -> None:
    # the dataclasses of the nested record live in this script: trust it, as a user would
    storage = JSONStorage("/nonexistent-never-written", trusted_modules=[__name__])
    codec = storage.codec
    options = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE
    print(f"{'case':<9} {'operation':<34} {'µs':>8} {'orjson µs':>10} {'ratio':>7}")
    for label, record in (("typical", typical_record()), ("nested", nested_record())):
        data = record_to_primitive(record)
        native = _json_native(data)
        raw = storage.encode(record)
        floor_dump = per_call(lambda native=native: orjson.dumps(native, option=options))
        floor_load = per_call(lambda raw=raw: orjson.loads(raw))
        rows = [
            ("codec.dumps(record dict)", per_call(lambda data=data: codec.dumps(data)), floor_dump),
            (
                "storage.encode(record) [+ core]",
                per_call(lambda record=record: storage.encode(record)),
                floor_dump,
            ),
            (
                "codec.loads(bytes)",
                per_call(lambda raw=raw: codec.loads(raw, module="shop")),
                floor_load,
            ),
            (
                "storage.decode(bytes) [+ core]",
                per_call(lambda raw=raw: storage.decode(raw, source="bench")),
                floor_load,
            ),
        ]
        for operation, micros, floor in rows:
            print(
                f"{label:<9} {operation:<34} {micros:>8.2f} {floor:>10.2f} {micros / floor:>6.1f}x"
            )
        print(f"{label:<9} {'file size':<34} {len(raw):>8} bytes")
    print()
    print(
        "µs: CPU time per call, best of 5 samples. ratio: against orjson.dumps / orjson.loads\n"
        "of the same record with every value already JSON-native. [+ core]: includes\n"
        "snapy-core's record_to_primitive / record_from_primitive (cattrs)."
    )


if __name__ == "__main__":
    main()
