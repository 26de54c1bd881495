"""snapy plugin entry point: registers the ``json`` storage backend."""

from __future__ import annotations

from collections.abc import Callable

from snapy_core import hookimpl


@hookimpl
def snapy_register_storage_backends(register: Callable[..., None]) -> None:
    from ._storage import JSONStorage

    register(
        "json",
        JSONStorage,
        description="lossless, diff-friendly tagged JSON (orjson); the default backend",
    )
