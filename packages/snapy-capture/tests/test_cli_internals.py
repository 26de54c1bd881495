"""The pieces behind `snapy diff` and `snapy stats`: structural diff, shapes, placeholders."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snapy_capture._cli._diff import Change, diff_records, diff_values
from snapy_capture._cli._values import placeholders, shape, short_repr, walk
from snapy_core import CallOutcome, CaptureRecord, Omitted, Redacted, Unserializable

json_like = st.recursive(
    st.none() | st.integers(-3, 3) | st.text("ab", max_size=3),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text("xyz", max_size=2), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(json_like, json_like)
def test_no_change_exactly_when_the_values_are_equal(old: object, new: object) -> None:
    changes = diff_values(old, new, "arg")
    assert (changes == []) == (old == new)
    assert all(change.path.startswith("arg") for change in changes)
    assert all(change.kind in ("added", "removed", "changed") for change in changes)


@settings(max_examples=100, deadline=None)
@given(json_like)
def test_a_value_equals_its_copy(value: object) -> None:
    import copy

    assert diff_values(value, copy.deepcopy(value), "arg") == []


def test_one_inserted_item_is_one_change_not_a_shift_of_all() -> None:
    old = [{"sku": "A"}, {"sku": "B"}, {"sku": "C"}]
    new = [{"sku": "A"}, {"sku": "X"}, {"sku": "B"}, {"sku": "C"}]

    assert diff_values(old, new, "items") == [Change("items[1]", "added", new={"sku": "X"})]


@dataclasses.dataclass
class Address:
    street: str
    zip: str


def test_nested_objects_are_compared_field_by_field() -> None:
    old = {"to": Address("Main St 1", "10115"), "express": False}
    new = {"to": Address("Main St 1", "10117"), "express": False, "gift": True}

    assert diff_values(old, new, "shipping") == [
        Change("shipping['to'].zip", "changed", "10115", "10117"),
        Change("shipping['gift']", "added", new=True),
    ]


def test_a_type_change_is_one_change() -> None:
    assert diff_values(1, 1.0, "n") == [Change("n", "changed", 1, 1.0)]
    assert diff_values({1, 2}, {2, 3}, "s") == [
        Change("s{-}", "removed", old=1),
        Change("s{+}", "added", new=3),
    ]


def record(*args: object, outcome: CallOutcome | None = None, **kwargs: object) -> CaptureRecord:
    return CaptureRecord(
        module="shop",
        qualname="process_order",
        timestamp=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc),
        args=args,
        arg_names=("customer_id", "items")[: len(args)],
        kwargs=kwargs,
        outcome=outcome,
    )


def test_records_are_compared_argument_by_argument() -> None:
    old = record(
        "C-1",
        [1, 2],
        token=Redacted("name matches 'token'"),
        outcome=CallOutcome(kind="return", value=3),
    )
    new = record(
        "C-1",
        [1, 2, 3],
        express=True,
        outcome=CallOutcome(kind="raise", exc_type="ValueError", exc_message="bad"),
    )

    result = diff_records(old, new)

    assert [(a.name, a.status) for a in result.arguments] == [
        ("customer_id", "same"),
        ("items", "changed"),
        ("token", "removed"),
        ("express", "added"),
    ]
    assert result.arguments[1].changes == (Change("items[2]", "added", new=3),)
    assert result.outcome == (Change("outcome", "changed", 3, "raised ValueError: bad"),)
    assert not result.identical
    assert diff_records(old, old).identical


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, "int"),
        (None, "NoneType"),
        ({"b": 1, "a": [1]}, "dict{a, b}"),
        ({1: "x"}, "dict{1}"),
        ([1, "a", 2], "list[int | str]"),
        ((), "tuple[]"),
        ([{"k": 1}, {"k": 2}], "list[dict{k}]"),
        (Address("s", "z"), f"{__name__}.Address"),
        (decimal.Decimal(1), "decimal.Decimal"),
        (Redacted("x"), "<redacted>"),
        ([Omitted("big")], "list[<omitted>]"),
    ],
)
def test_shapes(value: object, expected: str) -> None:
    assert shape(value) == expected


def test_placeholders_are_found_with_their_paths_and_cycles_end() -> None:
    cyclic: list[object] = []
    cyclic.append(cyclic)
    value = {
        "card": {"number": Redacted("looks like a card number"), "holder": "Ann"},
        "lines": [1, Unserializable("cannot be pickled", type_name="_thread.lock")],
        "self": cyclic,
    }

    found = placeholders(value, "order")

    assert [(path, type(p).__name__) for path, p in found] == [
        ("order['card']['number']", "Redacted"),
        ("order['lines'][1]", "Unserializable"),
    ]
    assert sum(1 for _ in walk(cyclic, "c")) == 2


def test_short_repr_is_one_bounded_line() -> None:
    text = short_repr({"text": "x" * 500, "nested": [[[[1]]]]})
    assert "\n" not in text
    assert len(text) <= 120


@pytest.mark.parametrize(
    ("method_kind", "init_parameters", "call_style"),
    [
        ("function", None, "plain"),
        ("function", None, "async generator"),
        ("instance", [], "coroutine"),
        ("instance", ["payment_service", "inventory_service", "notification_service"], "plain"),
        ("static", None, "generator"),
    ],
)
def test_generated_test_modules_compile_and_fit_in_100_columns(
    method_kind: str, init_parameters: list[str] | None, call_style: str
) -> None:
    from snapy_capture._cli._gentest import render_module

    qualname = "process_order" if method_kind == "function" else "OrderService.process_order"
    source = render_module(
        function_key=f"order_service.application.{qualname}",
        module="order_service.application",
        qualname=qualname,
        store_relative="../.snapy/captures",
        count=12,
        command=f"snapy gen-test {qualname} -o tests/test_replay_process_order_with_a_long_name.py",
        method_kind=method_kind,
        init_parameters=init_parameters,
        call_style=call_style,
        redacted={"payment_token": "redacted when captured: name matches 'token'"},
    )

    compile(source, "test_replay.py", "exec")
    assert max(len(line) for line in source.splitlines()) <= 100, source
    assert "# 'payment_token': ...,  # redacted when captured: name matches 'token'" in source
    if init_parameters:
        assert "raise NotImplementedError(" in source
        assert "OrderService(payment_service, inventory_service, notification_service)" in source
    if method_kind == "static":
        assert "OrderService.process_order(*args, **kwargs)" in source
