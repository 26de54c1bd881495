"""Plugin hooks seen from a decorated function: resolved once, used per capture."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture
def audit() -> Iterator[AuditPlugin]:
    plugin = AuditPlugin()
    manager = get_plugin_manager()
    manager.register(plugin, name="test-audit")
    _plugins._registry_cache.clear()
    yield plugin
    manager.unregister(plugin)
    _plugins._registry_cache.clear()


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
