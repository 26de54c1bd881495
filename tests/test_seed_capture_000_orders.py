"""Seed 000, "1. E-commerce Order Processing": the OrderService tests, run as written.

The application is ``examples/order_service`` (the seed's ``OrderService``, decorated as in
the seed, with the pricing and order-record helpers the seed leaves empty). Scaffolding the
test class assumes but does not define is marked ``# scaffolding``: the ``OrderService``
and ``OrderError`` imports, the module-level ``order_service`` used by
``test_order_error_scenarios``, and the helper methods ``_get_test_order_data``,
``_identify_failure_point`` and ``_capture_service_state_at_failure``, attached to the
class after it (the class itself is as written). "Production" captures are made before
the tests into a temporary store standing for the production one: index 0 a normal order,
index 1 an order whose item is out of stock (the seed's "different scenario"). The calls the
tests make are captured into a store of their own, so the order of the tests does not
change which capture is index 0.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from unittest.mock import Mock

import pytest

from snapy_capture import (
    add_search_path,
    capture_enabled,
    flush,
    redirect_captures,
    remove_search_path,
)

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "order_service"
sys.path.insert(0, str(EXAMPLE))

from order_service import OrderError, OrderService  # noqa: E402  # scaffolding
from order_service.services import default_services  # noqa: E402  # scaffolding

from snapy_testing import TracedSnapshot  # noqa: E402

ORDERS = [  # scaffolding: the production traffic, oldest first
    (
        "cust_0042",
        [{"sku": "LAMP-DESK", "quantity": 5, "unit_price": Decimal("45.00")}],
        "tok_live_4242424242424242",
        {"name": "Ada Lovelace", "city": "London", "country": "GB", "email": "ada@example.org"},
    ),
    (
        "cust_0007",
        [{"sku": "BOOK-1984", "quantity": 2, "unit_price": Decimal("8.99")}],
        "tok_live_5555555555554444",
        {"name": "Grace Hopper", "city": "Arlington", "country": "US"},
    ),
]


@pytest.fixture(scope="module", autouse=True)
def production_captures(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    store = tmp_path_factory.mktemp("order_captures")
    service = OrderService(*default_services())
    with capture_enabled(), redirect_captures(store):  # even with --snapy-capture=off
        for customer_id, items, token, address in ORDERS:
            with contextlib.suppress(OrderError):
                service.process_order(customer_id, items, token, address)
    flush()
    add_search_path(store)
    # The tests call process_order too. Were those calls captured into a store the loaders
    # search (the decorator's ./order_captures with --snapy-capture=live, or whenever the
    # session's redirection is not in force), the newest capture would be the previous
    # test's call and index 0 / 1 would depend on test order. Their own store is only a
    # fallback for the loaders, whatever the capture mode.
    with redirect_captures(tmp_path_factory.mktemp("captures_made_by_tests")):
        yield store
    flush()
    remove_search_path(store)


# scaffolding: the order service test_order_error_scenarios uses without creating it
order_service = OrderService(*default_services())


# -- the seed's tests/test_order_service.py, as written --------------------------------------


class TestOrderService:
    def test_order_processing_with_captured_data(self, snapshot):
        """Test order processing using real captured arguments"""

        # Load real arguments from production-like scenario
        if has_capture("process_order"):
            args, kwargs = load_capture("process_order")
        else:
            # Fallback to manual test data
            args, kwargs = self._get_test_order_data()

        # Mock external services with realistic responses
        payment_service = Mock()
        payment_service.charge_payment.return_value = {
            "success": True,
            "transaction_id": "txn_12345",
        }

        inventory_service = Mock()
        inventory_service.check_availability.return_value = {"available": True, "missing": []}
        inventory_service.reserve_items.return_value = "reservation_789"

        notification_service = Mock()

        # Create service with mocks
        order_service = OrderService(payment_service, inventory_service, notification_service)

        # Execute with tracing to capture full workflow
        traced = TracedSnapshot(detail_level="verbose")
        with traced:
            result = order_service.process_order(*args, **kwargs)

        # Comprehensive snapshot including result and execution trace
        complete_test_data = {
            "order_result": result,
            "execution_trace": traced.format_trace(),
            "service_interactions": {
                "payment_calls": payment_service.charge_payment.call_args_list,
                "inventory_calls": {
                    "availability_checks": inventory_service.check_availability.call_args_list,
                    "reservations": inventory_service.reserve_items.call_args_list,
                },
                "notification_calls": notification_service.send_order_confirmation.call_args_list,
            },
            "performance_metrics": traced.get_performance_metrics(),
        }

        assert complete_test_data == snapshot

    def test_order_error_scenarios(self, snapshot):
        """Test error handling with traced execution"""

        # Test inventory unavailable scenario
        traced = TracedSnapshot()

        with traced:  # noqa: SIM117 (as in seed 000)
            with pytest.raises(OrderError):  # noqa: PT012 (as in seed 000)
                # Use captured args that should trigger inventory error
                args, kwargs = load_capture("process_order", index=1)  # Different scenario
                result = order_service.process_order(*args, **kwargs)  # noqa: F841

        error_trace = {
            "error_type": "OrderError",
            "execution_flow": traced.format_trace(),
            "failed_at_step": self._identify_failure_point(traced.get_events()),
            "service_state": self._capture_service_state_at_failure(),
        }

        assert error_trace == snapshot


# -- scaffolding: the imports and helpers the seed's test file assumes ----------------------

from snapy_capture import has_capture, load_capture  # noqa: E402


def _get_test_order_data(self):
    return (("cust_fallback", [], "tok_test", {"country": "GB"}), {})


def _identify_failure_point(self, events):
    calls = [event.function_name for event in events if event.event_type == "call"]
    return calls[-1] if calls else None


def _capture_service_state_at_failure(self):
    return {
        "stock": dict(order_service.inventory_service.stock),
        "charges": len(order_service.payment_service.charges),
        "confirmations": len(order_service.notification_service.sent),
    }


TestOrderService._get_test_order_data = _get_test_order_data
TestOrderService._identify_failure_point = _identify_failure_point
TestOrderService._capture_service_state_at_failure = _capture_service_state_at_failure
