"""A day of orders: the "production" traffic whose calls the demo captures.

python -m order_service.traffic
"""

from __future__ import annotations

from decimal import Decimal

from snapy_capture import flush

from .app import OrderError, OrderService, PaymentError
from .services import default_services

ORDERS = [
    # customer, items, card token (never stored), shipping address (its e-mail is redacted)
    (
        "cust_0001",
        [{"sku": "BOOK-1984", "quantity": 2, "unit_price": Decimal("8.99")}],
        "tok_live_4242424242424242",
        {"name": "Ada Lovelace", "city": "London", "country": "GB", "email": "ada@example.org"},
    ),
    (
        "cust_0002",
        [
            {"sku": "PEN-BLUE", "quantity": 10, "unit_price": Decimal("1.20")},
            {"sku": "BOOK-1984", "quantity": 1, "unit_price": Decimal("8.99")},
        ],
        "tok_live_5555555555554444",
        {
            "name": "Grace Hopper",
            "city": "Arlington",
            "country": "US",
            "email": "grace@example.org",
        },
    ),
    (
        "cust_0003",
        [{"sku": "LAMP-DESK", "quantity": 3, "unit_price": Decimal("45.00")}],
        "tok_live_378282246310005",
        {"name": "Alan Turing", "city": "Wilmslow", "country": "GB", "email": "alan@example.org"},
    ),
    (
        "cust_0004",
        [{"sku": "CHAIR-OAK", "quantity": 1, "unit_price": Decimal("620.00")}],
        "tok_live_6011111111111117",
        {"name": "Emmy Noether", "city": "Erlangen", "country": "DE", "email": "emmy@example.org"},
    ),
    (
        "cust_0005",
        [
            {"sku": "LAMP-DESK", "quantity": 1, "unit_price": Decimal("45.00")},
            {"sku": "PEN-BLUE", "quantity": 3, "unit_price": Decimal("1.20")},
        ],
        "tok_live_4000056655665556",
        {
            "name": "Katherine Johnson",
            "city": "Hampton",
            "country": "US",
            "email": "katherine@example.org",
        },
    ),
    (
        "cust_0006",
        [{"sku": "BOOK-1984", "quantity": 1, "unit_price": Decimal("8.99")}],
        "tok_live_4111111111111111",
        {
            "name": "Edsger Dijkstra",
            "city": "Nuenen",
            "country": "DE",
            "email": "edsger@example.org",
        },
    ),
]


def main() -> int:
    service = OrderService(*default_services())
    for customer_id, items, token, address in ORDERS:
        try:
            result = service.process_order(customer_id, items, token, address)
            print(
                f"  {customer_id}: order {result['order_id']}, total {result['total_amount']}, "
                f"delivery {result['estimated_delivery']}"
            )
        except (OrderError, PaymentError) as error:
            print(f"  {customer_id}: {type(error).__name__}: {error}")
    flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
