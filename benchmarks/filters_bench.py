"""How much does redaction cost per captured call?

    python benchmarks/filters_bench.py            # or: python dev.py bench

For a few typical argument shapes, prints the time of one ``Redactor.apply`` in
microseconds and its ratio to a bare ``list(values)`` copy of the same arguments and to
``copy.deepcopy(values)`` (what keeping the arguments "as they were when the call began"
costs anyway), all measured in the same run (the machine may be shared and noisy: compare
ratios, not absolute numbers across runs). A benchmark, not a test: nothing is asserted.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import statistics
import sys
import time
import timeit

from snapy_core import CaptureConfig, build_redactor


@dataclasses.dataclass
class Address:
    street: str
    city: str
    email: str


@dataclasses.dataclass
class Customer:
    customer_id: int
    name: str
    address: Address
    tags: list[str]


def shapes() -> dict[str, list[tuple[str, object]]]:
    order = {
        "order_id": 123456789012345,
        "items": [{"sku": f"SKU-{n}", "qty": n, "price": 9.99} for n in range(10)],
        "shipping": {"street": "Main St 1", "city": "Oslo", "zip": "0150"},
        "note": "leave at the door",
    }
    return {
        "3 small args (int, str, dict)": [
            ("customer_id", 42),
            ("name", "alice"),
            ("options", {"page": 2, "sort": "name", "desc": False}),
        ],
        "seed process_order (4 args, nested)": [
            ("customer_id", 42),
            ("items", order["items"]),
            ("payment_token", "tok_visa_4242"),
            ("shipping_address", order["shipping"]),
        ],
        "order dict, 10 items, no secret": [("order", order)],
        "dataclass with nested e-mail (redacts)": [
            (
                "customer",
                Customer(7, "Ann", Address("Main St 1", "Oslo", "ann@example.com"), ["vip"]),
            ),
        ],
        "headers with Authorization (redacts)": [
            (
                "headers",
                {
                    "Accept": "application/json",
                    "Authorization": "Bearer abc.def.ghi",
                    "User-Agent": "snapy/1.0",
                },
            ),
        ],
        "list of 1000 ints": [("values", list(range(1000)))],
        "10 strings of 200 chars": [(f"text{n}", "lorem ipsum dolor " * 11) for n in range(10)],
    }


def measure(function, number: int) -> float:
    """Best of 5 repeats, in microseconds of CPU time per call.

    CPU time (``time.process_time``) rather than wall time: on a shared machine other
    processes then inflate the figures less.
    """
    times = timeit.Timer(function, timer=time.process_time).repeat(number=number, repeat=5)
    return min(times) / number * 1e6


def main() -> None:
    configs = {
        "default": CaptureConfig(),
        "production": CaptureConfig(production_mode=True),
    }
    print(
        f"Python {sys.version.split()[0]}; CPU µs per call, best of 5; ratio = apply / list(values)"
    )
    print(
        f"{'shape':42} {'config':11} {'apply µs':>9} {'list() µs':>9} {'ratio':>6} "
        f"{'deepcopy µs':>11} {'ratio':>6}"
    )
    ratios = []
    for label, arguments in shapes().items():
        values = [value for _, value in arguments]
        for config_name, config in configs.items():
            redactor = build_redactor(config, plugins=False)
            redactor.apply(arguments)  # warm the name caches, as a real function would
            number = 5000 if len(repr(arguments)) < 2000 else 500
            apply_us = measure(functools.partial(redactor.apply, arguments), number)
            copy_us = measure(functools.partial(list, values), number * 20)
            deep_us = measure(functools.partial(copy.deepcopy, values), max(number // 4, 50))
            ratios.append(apply_us / copy_us)
            print(
                f"{label:42} {config_name:11} {apply_us:9.2f} {copy_us:9.3f} "
                f"{apply_us / copy_us:5.0f}x {deep_us:11.2f} {apply_us / deep_us:5.2f}x"
            )
    print(f"median ratio to list(values): {statistics.median(ratios):.0f}x")


if __name__ == "__main__":
    main()
