from __future__ import annotations

import dataclasses
import threading

from snapy_capture._snapshot import snapshot_value, snapshot_values


@dataclasses.dataclass
class Cart:
    items: list


def test_immutable_values_are_shared_and_containers_copied() -> None:
    text, number, items = "abc", 10**30, [1, [2, 3]]
    copies, failed = snapshot_values((text, number, items, (1, "x")))
    assert failed == []
    assert copies[0] is text
    assert copies[1] is number
    assert copies[2] == items
    assert copies[2] is not items
    assert copies[2][1] is not items[1]


def test_shared_references_and_cycles_survive() -> None:
    shared = {"k": 1}
    loop: list = []
    loop.append(loop)
    copies, _ = snapshot_values((shared, shared, loop, Cart([shared])))
    assert copies[0] is copies[1] is copies[3].items[0]
    assert copies[2][0] is copies[2]


def test_uncopyable_values_are_kept_by_reference_and_reported() -> None:
    lock = threading.Lock()
    copies, failed = snapshot_values(([1], lock))
    assert failed == [1]
    assert copies[1] is lock
    value, copied = snapshot_value(lock)
    assert value is lock
    assert not copied
