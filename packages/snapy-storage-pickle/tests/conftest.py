from __future__ import annotations

import pytest

from snapy_storage_pickle import _storage


@pytest.fixture(autouse=True)
def _fresh_trust_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts as a new process would: no key, warning not yet given."""
    monkeypatch.delenv("SNAP_CAPTURE_PICKLE_KEY", raising=False)
    monkeypatch.setattr(_storage, "_warned", False)
