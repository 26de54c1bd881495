from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from snapy_capture import _runtime, redirect_captures


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
