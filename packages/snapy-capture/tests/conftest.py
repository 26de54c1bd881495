from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from snapy_capture import _runtime, redirect_captures

# ---- INTERIM until snapy-storage-json lands on main: the real file store, pickle-encoded ----
import pickle

from snapy_core import CaptureStorage, get_plugin_manager, hookimpl
from snapy_core import _plugins


class InterimStorage(CaptureStorage):
    name = "json"
    extension = "interim"

    def serialize_data(self, data):
        return pickle.dumps(data)

    def deserialize_data(self, data):
        return pickle.loads(data)


class InterimPlugin:
    @hookimpl
    def snapy_register_storage_backends(self, register):
        register("json", InterimStorage, description="interim")


if "json" not in __import__("snapy_core").available_backends():
    get_plugin_manager().register(InterimPlugin(), name="interim")
    _plugins._registry_cache.clear()
# ---- end INTERIM


@pytest.fixture(autouse=True)
def _isolated_registry() -> Iterator[None]:
    """Functions decorated inside one test are forgotten after it (they share bare names)."""
    saved = {key: list(handles) for key, handles in _runtime._registry.items()}
    yield
    _runtime._registry.clear()
    _runtime._registry.update(saved)


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Captures go where the decorators say (not the pytest session store); cwd is tmp_path."""
    monkeypatch.chdir(tmp_path)
    with redirect_captures(None):
        yield tmp_path
