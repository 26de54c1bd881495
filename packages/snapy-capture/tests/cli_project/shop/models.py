"""Plain data classes (no captured functions): what captures of the shop contain."""

from __future__ import annotations

import dataclasses
import decimal


@dataclasses.dataclass
class Item:
    sku: str
    quantity: int
    price: decimal.Decimal


class OrderError(Exception):
    pass
