"""The default JSON backend end to end: ``@capture_args`` in one process, the loader in a
fresh one, through real files.

The application is a real package on disk (``shopapp``, with its models in a submodule)
and a third-party library (``vendorlib``) whose import leaves a marker file. The loading
process has imported neither: the loader must import ``shopapp.models`` (trusted: the
captured function's own package) to rebuild its classes, and must not import
``vendorlib`` (not trusted) but hand back ``Untrusted`` placeholders for its objects.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

APP = {
    "shopapp/__init__.py": "",
    "shopapp/models.py": """
        import dataclasses
        import enum
        from decimal import Decimal

        class Shipping(enum.Enum):
            STANDARD = "standard"
            EXPRESS = "express"

        @dataclasses.dataclass(frozen=True)
        class Address:
            street: str
            postcode: str

        @dataclasses.dataclass
        class Line:
            sku: str
            quantity: int
            price: Decimal
    """,
    "shopapp/orders.py": """
        from snapy_capture import capture_args

        @capture_args(retention=5)
        def place_order(customer_id, lines, address, *, shipping, coupons, payment_token,
                        when, vendor_info, lock):
            return len(lines)
    """,
    "vendorlib/__init__.py": """
        import os
        open(os.environ["VENDORLIB_MARKER"], "w").close()

        class Receipt:
            def __init__(self, number):
                self.number = number
    """,
}

CAPTURE = """
import datetime as dt, threading, zoneinfo
from decimal import Decimal
from snapy_capture import flush, redirect_captures
from shopapp.models import Address, Line, Shipping
from shopapp.orders import place_order
import vendorlib

with redirect_captures({store!r}):
    place_order(
        "cust_42",
        [Line("A-1", 2, Decimal("9.99")), Line("B-7", 1, Decimal("0.50"))],
        Address("1 rue de la Paix", "75002"),
        shipping=Shipping.EXPRESS,
        coupons={{"VIP", "SPRING"}},
        payment_token="tok_live_123",
        when=dt.datetime(2024, 5, 3, 9, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")),
        vendor_info=(vendorlib.Receipt(7), 2**70),
        lock=threading.Lock(),
    )
flush()
"""

LOAD = """
import json, sys
from snapy_capture import CaptureLoader

(record,) = CaptureLoader({store!r}).load_all("place_order")
args, kwargs = record.args, record.kwargs
import shopapp.models as models
receipt, big = kwargs["vendor_info"]
print(json.dumps({{
    "customer": args[0],
    "lines": [[type(line).__name__, line.sku, line.quantity, repr(line.price)] for line in args[1]],
    "line_types_ok": all(type(line) is models.Line for line in args[1]),
    "address_ok": args[2] == models.Address("1 rue de la Paix", "75002"),
    "shipping_ok": kwargs["shipping"] is models.Shipping.EXPRESS,
    "coupons": sorted(kwargs["coupons"]), "coupons_type": type(kwargs["coupons"]).__name__,
    "token": type(kwargs["payment_token"]).__name__,
    "when": repr(kwargs["when"]),
    "vendor_info_type": type(kwargs["vendor_info"]).__name__,
    "receipt": [type(receipt).__name__, receipt.type_name, receipt.value_repr],
    "big": big == 2**70,
    "lock": [type(kwargs["lock"]).__name__, kwargs["lock"].type_name],
    "vendorlib_imported": "vendorlib" in sys.modules,
}}))
"""


def _run(script: str, site: Path, marker: Path) -> str:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SNAPY_", "SNAP_CAPTURE_"))
    }
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(site), *filter(None, [environment.get("PYTHONPATH")])]
    )
    environment["VENDORLIB_MARKER"] = str(marker)
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=environment,
        cwd=site.parent,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.slow
def test_capture_in_one_process_load_in_another(tmp_path: Path) -> None:
    site = tmp_path / "site"
    for name, source in APP.items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    store = tmp_path / "store"
    marker = tmp_path / "vendorlib-imported"

    _run(CAPTURE.format(store=str(store)), site, marker)
    assert marker.exists()  # the capturing process did use vendorlib
    directory = store / "shopapp.orders.place_order"
    (capture_file,) = [path for path in directory.glob("*.json") if not path.name.startswith(".")]
    text = capture_file.read_text()
    assert "tok_live_123" not in text
    assert '"$dataclass"' in text
    assert '"class": "shopapp.models:Line"' in text
    assert '"$enum": "shopapp.models:Shipping.EXPRESS"' in text
    assert "[Europe/Paris]" in text

    marker.unlink()
    loaded = json.loads(_run(LOAD.format(store=str(store)), site, marker))
    assert loaded["customer"] == "cust_42"
    assert loaded["lines"] == [
        ["Line", "A-1", 2, "Decimal('9.99')"],
        ["Line", "B-7", 1, "Decimal('0.50')"],
    ]
    assert loaded["line_types_ok"]
    assert loaded["address_ok"]
    assert loaded["shipping_ok"]
    assert loaded["coupons"] == ["SPRING", "VIP"]
    assert loaded["coupons_type"] == "set"
    assert loaded["token"] == "Redacted"
    assert loaded["when"] == (
        "datetime.datetime(2024, 5, 3, 9, 0, tzinfo=zoneinfo.ZoneInfo(key='Europe/Paris'))"
    )
    assert loaded["vendor_info_type"] == "tuple"
    assert loaded["receipt"] == ["Untrusted", "vendorlib.Receipt", "Receipt(number=7)"]
    assert loaded["big"]
    assert loaded["lock"] == ["Unserializable", "_thread.lock"]
    assert not loaded["vendorlib_imported"]
    assert not marker.exists()
