"""The order service of seed 000, with the pricing and order record it leaves out.

``process_order`` is decorated exactly as in the seed: its captures go to
``./order_captures`` (relative to the working directory), the five newest are kept, and the
payment token is never stored.
"""

from __future__ import annotations

import hashlib
from decimal import ROUND_HALF_UP, Decimal

from snapy_capture import capture_args

TAX_RATES = {"GB": Decimal("0.20"), "DE": Decimal("0.19"), "US": Decimal("0.00")}
SHIPPING = {"GB": Decimal("4.99"), "DE": Decimal("6.50"), "US": Decimal("12.00")}
DELIVERY_DAYS = {"GB": "2-3 business days", "DE": "3-5 business days", "US": "5-8 business days"}
FREE_SHIPPING_FROM = Decimal("100.00")
CENT = Decimal("0.01")


class OrderError(Exception):
    """The order cannot be placed (e.g. items out of stock)."""


class PaymentError(Exception):
    """The payment was declined."""


class OrderService:
    def __init__(self, payment_service, inventory_service, notification_service):
        self.payment_service = payment_service
        self.inventory_service = inventory_service
        self.notification_service = notification_service

    @capture_args(
        path="./order_captures", retention=5, ignore_args=["payment_token", "customer_secret"]
    )
    def process_order(self, customer_id, items, payment_token, shipping_address):
        """Complete order processing workflow"""
        # Validate inventory
        availability = self.inventory_service.check_availability(items)
        if not availability["available"]:
            raise OrderError(f"Items not available: {availability['missing']}")

        # Calculate pricing
        pricing = self._calculate_pricing(items, shipping_address)
        total_amount = pricing["total"]

        # Process payment
        payment_result = self.payment_service.charge_payment(
            payment_token, total_amount, customer_id
        )

        if not payment_result["success"]:
            raise PaymentError(payment_result["error"])

        # Reserve inventory
        reservation_id = self.inventory_service.reserve_items(items, customer_id, expires_in=3600)

        # Create order record
        order = self._create_order_record(
            customer_id, items, pricing, payment_result["transaction_id"], reservation_id
        )

        # Send confirmation
        self.notification_service.send_order_confirmation(customer_id, order["order_id"])

        return {
            "order_id": order["order_id"],
            "total_amount": total_amount,
            "estimated_delivery": order["estimated_delivery"],
        }

    def _calculate_pricing(self, items, shipping_address):
        country = shipping_address.get("country", "US")
        subtotal = sum(
            (Decimal(item["unit_price"]) * item["quantity"] for item in items), Decimal("0")
        )
        tax = (subtotal * TAX_RATES.get(country, Decimal("0"))).quantize(CENT, ROUND_HALF_UP)
        shipping = (
            Decimal("0.00")
            if subtotal >= FREE_SHIPPING_FROM
            else SHIPPING.get(country, Decimal("15.00"))
        )
        return {
            "subtotal": subtotal.quantize(CENT),
            "tax": tax,
            "shipping": shipping,
            "total": (subtotal + tax + shipping).quantize(CENT),
            "country": country,
        }

    def _create_order_record(self, customer_id, items, pricing, transaction_id, reservation_id):
        digest = hashlib.sha256(f"{customer_id}|{transaction_id}|{reservation_id}".encode())
        return {
            "order_id": "ord_" + digest.hexdigest()[:10],
            "customer_id": customer_id,
            "lines": len(items),
            "total": pricing["total"],
            "estimated_delivery": DELIVERY_DAYS.get(pricing["country"], "7-14 business days"),
        }
