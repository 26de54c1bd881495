"""Plugin hooks seen from a decorated function: resolved once, used per capture."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from snapy_capture import CaptureLoader, capture_args
from snapy_core import _plugins, get_plugin_manager, hookimpl


class AuditPlugin:
    def __init__(self) -> None:
        self.stored: list[tuple[str, str]] = []
        self.registrations = 0

    @hookimpl
    def snapy_capture_stored(self, record, location):
        self.stored.append((record.function_name, str(location)))

    @hookimpl
    def snapy_register_filters(self, register):
        self.registrations += 1
        register(lambda name, value: name != "internal_note")


def _registered(plugin: Any, name: str) -> Iterator[Any]:
    manager = get_plugin_manager()
    manager.register(plugin, name=name)
    _plugins._registry_cache.clear()
    yield plugin
    manager.unregister(plugin)
    _plugins._registry_cache.clear()


@pytest.fixture
def audit() -> Iterator[AuditPlugin]:
    yield from _registered(AuditPlugin(), "test-audit")


def test_stored_hook_and_registered_filter(live: Path, audit: AuditPlugin) -> None:
    @capture_args(path="caps", retention="unlimited")
    def annotate(order_id, internal_note):
        return order_id

    for i in range(3):
        annotate(i, "call the CEO")
    assert [name for name, _ in audit.stored] == ["annotate"] * 3
    assert all(location.endswith(".json") or "caps" in location for _, location in audit.stored)
    assert audit.registrations == 1  # registration hooks run once, not per call
    records = CaptureLoader("caps").load_all("annotate")
    assert all("call the CEO" not in repr(record.args) for record in records)


class CountingFilterPlugin:
    """Registers one callable filter that notes every argument it is asked about."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def keep(self, name: str, value: object) -> bool:
        self.asked.append(name)
        return name != "internal_note"

    @hookimpl
    def snapy_register_filters(self, register):
        register(self.keep)


@pytest.fixture
def counting() -> Iterator[CountingFilterPlugin]:
    yield from _registered(CountingFilterPlugin(), "test-counting-filter")


@pytest.mark.parametrize("also_given", [False, True], ids=["plugin", "plugin-and-decorator"])
def test_a_plugin_filter_is_applied_once_per_argument(
    live: Path, counting: CountingFilterPlugin, also_given: bool
) -> None:
    # the same filter handed to the decorator as well still runs once, as the plugin's
    @capture_args(path="caps", custom_filters=[counting.keep] if also_given else None)
    def annotate(order_id, internal_note):
        return order_id

    annotate(7, "call the CEO")
    assert counting.asked == ["order_id", "internal_note"]
    annotate(8, "again")
    assert counting.asked == ["order_id", "internal_note"] * 2
    record = CaptureLoader("caps").newest("annotate")
    assert record.args[0] == 8
    assert "again" not in repr(record.args)
    assert [action.path for action in record.filtered] == ["internal_note"]
