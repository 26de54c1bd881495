"""Fill the store named by SNAP_CAPTURE_DEFAULT_PATH with real captures of the shop.

``python make_captures.py`` makes the main set; ``python make_captures.py ping`` only calls
``ping`` (run it with SNAP_CAPTURE_BACKEND=pickle for a function stored by two backends);
``python make_captures.py notify`` captures a coroutine and a generator.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import decimal
import re
import sys
import threading

import attrs
from shop import catalog, notify
from shop.models import Item, OrderError
from shop.orders import OrderService, find, process_order

from snapy_core import open_storage, resolve_config


def main() -> None:
    if sys.argv[1:] == ["ping"]:
        catalog.ping(2)
        catalog.ping(3)
        return
    if sys.argv[1:] == ["notify"]:
        asyncio.run(notify.send("C-1", "your order has shipped"))
        list(notify.batches([1, 2, 3, 4, 5], 2))
        return
    price = decimal.Decimal
    process_order(
        "C-1",
        [Item("A-1", 1, price("9.99")), Item("B-2", 2, price("5.00"))],
        "tok_live_1",
        {"zip": "10115", "city": "Berlin"},
    )
    process_order(
        "C-1",
        [Item("A-1", 1, price("9.99")), Item("B-2", 3, price("5.00"))],
        "tok_live_2",
        {"zip": "10117", "city": "Berlin"},
    )
    with contextlib.suppress(OrderError):
        process_order("C-2", [], "tok_live_3")
    service = OrderService()
    service.refund(41, "damaged")
    service.refund(42, re.compile("late|lost"))  # pickles, but JSON cannot keep it
    service.refund(43, "late", lock=threading.Lock())  # not even pickle can keep a lock
    find("shoes", password="hunter2", payload="x" * 1000)
    find("shoes", password="hunter2", payload="x" * 1000)
    catalog.find("hats")
    catalog.ping(1)
    # two captures from long ago, written by the JSON backend itself
    storage = open_storage("json", resolve_config().config.path)
    newest = storage.read(storage.list("shop.catalog.ping")[0])
    for days in (40, 41):
        storage.write(
            attrs.evolve(
                newest, timestamp=newest.timestamp - dt.timedelta(days=days), args=(-days,)
            )
        )


if __name__ == "__main__":
    main()
