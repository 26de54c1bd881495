"""The ``pickle`` storage backend, registered through the ``snapy`` entry-point group."""

from __future__ import annotations

from collections.abc import Callable

from snapy_core import hookimpl

from ._storage import PickleStorage


@hookimpl
def snapy_register_storage_backends(register: Callable[..., None]) -> None:
    register(
        "pickle",
        PickleStorage,
        description="full-fidelity pickles (protocol 5), HMAC-signed when "
        "SNAP_CAPTURE_PICKLE_KEY is set",
    )
