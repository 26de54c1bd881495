"""A coroutine and a generator, captured (``snapy gen-test`` runs them to the end)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from snapy_capture import capture_args


@capture_args(retention="unlimited")
async def send(customer: str, message: str) -> dict[str, Any]:
    return {"to": customer, "characters": len(message)}


@capture_args(retention="unlimited")
def batches(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
