"""Fixtures the cross-package tests ask for by name (none is autouse)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from snapy_capture import _runtime, set_global_config


@pytest.fixture
def forget_decorated_functions() -> Iterator[None]:  # scaffolding: test isolation
    """Functions decorated inside a test leave the registry loaders search after it."""
    saved = {key: list(handles) for key, handles in _runtime._registry.items()}
    yield
    _runtime._registry.clear()
    _runtime._registry.update(saved)


@pytest.fixture
def restore_global_config() -> Iterator[None]:
    yield
    set_global_config(None)
