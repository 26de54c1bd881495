"""In-memory stand-ins for the payment provider, the warehouse and the mailer."""

from __future__ import annotations

import hashlib
from decimal import Decimal


class PaymentService:
    """Charges a card token; declines amounts above the per-customer limit."""

    def __init__(self, limit=Decimal("500.00")):
        self.limit = Decimal(limit)
        self.charges = []

    def charge_payment(self, payment_token, amount, customer_id):
        if amount > self.limit:
            return {"success": False, "error": f"amount {amount} exceeds the limit {self.limit}"}
        digest = hashlib.sha256(f"{customer_id}|{amount}|{len(self.charges)}".encode())
        transaction_id = "txn_" + digest.hexdigest()[:8]
        self.charges.append((customer_id, amount, transaction_id))
        return {"success": True, "transaction_id": transaction_id}


class InventoryService:
    """Stock per SKU; reservations take items out of stock."""

    def __init__(self, stock):
        self.stock = dict(stock)
        self.reservations = []

    def check_availability(self, items):
        missing = [
            item["sku"] for item in items if self.stock.get(item["sku"], 0) < item["quantity"]
        ]
        return {"available": not missing, "missing": missing}

    def reserve_items(self, items, customer_id, expires_in=3600):
        for item in items:
            self.stock[item["sku"]] -= item["quantity"]
        reservation_id = f"res_{len(self.reservations) + 1:04d}"
        self.reservations.append((reservation_id, customer_id, expires_in))
        return reservation_id


class NotificationService:
    """Records the confirmations it would e-mail."""

    def __init__(self):
        self.sent = []

    def send_order_confirmation(self, customer_id, order_id):
        self.sent.append((customer_id, order_id))


DEFAULT_STOCK = {"BOOK-1984": 10, "PEN-BLUE": 100, "LAMP-DESK": 2, "CHAIR-OAK": 1}


def default_services():
    return PaymentService(), InventoryService(DEFAULT_STOCK), NotificationService()
