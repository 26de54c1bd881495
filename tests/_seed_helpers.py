"""What the seed-sample tests (``test_seed_capture_*.py``) share."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from snapy_capture import flush, redirect_captures


@contextlib.contextmanager
def production(store: Path) -> Iterator[None]:
    """Calls inside are captured into ``store``, standing for the production store."""
    with redirect_captures(store):
        yield
    flush()
