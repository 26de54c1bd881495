"""Orders: a JSON-captured function with results, a pickle-captured method."""

from __future__ import annotations

import decimal
from typing import Any

from snapy_capture import capture_args

from .models import Item, OrderError


@capture_args(capture_result=True, retention="unlimited")
def process_order(
    customer_id: str,
    items: list[Item],
    payment_token: str,
    shipping_address: dict[str, str] | None = None,
) -> dict[str, Any]:
    if not items:
        raise OrderError(f"order of {customer_id} has no items")
    total = sum((item.price * item.quantity for item in items), decimal.Decimal(0))
    return {"customer_id": customer_id, "lines": len(items), "total": total}


class OrderService:
    @capture_args(backend="pickle", retention="unlimited", ignore_serialization_errors=True)
    def refund(self, order_id: int, reason: Any, lock: Any = None) -> dict[str, Any]:
        return {"order_id": order_id, "reason": str(reason)}


def small_payload(name: str, value: Any) -> bool:
    """Custom filter (seed 000 style): big payloads are left out of captures."""
    return name != "payload" or len(value) < 100


@capture_args(retention="unlimited", custom_filters=[small_payload])
def find(query: str, password: str | None = None, payload: str = "") -> str:
    return query.upper()
