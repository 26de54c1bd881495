"""Fixtures for the cross-backend reliability tests: every installed backend, real files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from snapy_core import CaptureStorage, open_storage
from tests.storage._helpers import BACKENDS, PICKLE_KEY


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    # sign pickles: loading unsigned ones is (rightly) warned about once per process
    monkeypatch.setenv("SNAP_CAPTURE_PICKLE_KEY", PICKLE_KEY)
    name: str = request.param
    return name


@pytest.fixture
def make_storage(backend: str) -> Callable[..., CaptureStorage]:
    def make(root: Path, **options: Any) -> CaptureStorage:
        storage = open_storage(backend, root, **options)
        assert isinstance(storage, CaptureStorage)
        return storage

    return make
