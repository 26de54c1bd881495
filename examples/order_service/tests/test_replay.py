"""Replay the captured production orders against syrupy snapshots.

The captures are found through the decorator's own ``path`` (importing ``order_service``
registers it); calls made by these tests are captured into pytest's session store, never
into ``order_captures``.
"""

from __future__ import annotations

import pytest
from order_service import OrderError, OrderService, PaymentError
from order_service.services import default_services

from snapy_capture import load_capture, replay_arguments, snapy_captures
from snapy_trace import TracedSnapshot

TEST_CARD = "tok_test_visa"


def replay(args, kwargs):
    service = OrderService(*default_services())
    try:
        return {"result": service.process_order(*args, **kwargs)}
    except (OrderError, PaymentError) as error:
        return {"error": type(error).__name__, "message": str(error)}


@pytest.mark.parametrize("capture", snapy_captures("OrderService.process_order"))
def test_every_captured_order_replays_like_its_snapshot(capture, snapshot):
    # the card token was never stored: the test supplies one of its own
    args, kwargs = replay_arguments(capture, overrides={"payment_token": TEST_CARD})
    assert replay(args, kwargs) == snapshot


def test_newest_order_with_load_capture(snapshot):
    args, kwargs = load_capture("process_order", overrides={"payment_token": TEST_CARD})
    assert replay(args, kwargs) == snapshot


def test_newest_order_call_tree(snapshot):
    # snapy-trace: what the replayed call executes, as a deterministic call tree
    args, kwargs = load_capture("process_order", overrides={"payment_token": TEST_CARD})
    service = OrderService(*default_services())
    traced = TracedSnapshot(filter_modules=["order_service.*"])
    with traced:
        service.process_order(*args, **kwargs)
    assert traced == snapshot


def test_the_captured_data_fixture(captured_data):
    args, kwargs = captured_data(
        "OrderService.process_order", index=1, overrides={"payment_token": TEST_CARD}
    )
    assert args[0].startswith("cust_")
    assert "result" in replay(args, kwargs) or "error" in replay(args, kwargs)
