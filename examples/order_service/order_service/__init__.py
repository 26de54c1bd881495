"""A small order service: the application the snapy demo captures and replays."""

from .app import OrderError, OrderService, PaymentError
from .services import InventoryService, NotificationService, PaymentService

__all__ = [
    "InventoryService",
    "NotificationService",
    "OrderError",
    "OrderService",
    "PaymentError",
    "PaymentService",
]
