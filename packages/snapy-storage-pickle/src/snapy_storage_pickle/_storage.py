"""PickleStorage: full-fidelity captures, signed with HMAC-SHA256 when a key is set."""

from __future__ import annotations

import os
import pickle
import threading
import warnings
from typing import Any

from snapy_core import CaptureCorruptError, CaptureStorage, SnapyWarning

from ._fallback import dumps_record
from ._format import _UNKNOWN_SOURCE, KEY_VARIABLE, open_sealed, seal


class PickleTrustWarning(SnapyWarning):
    """Pickle captures are being loaded without a signature check.

    Emitted once per process, when the first unverified capture is unpickled (no
    ``SNAP_CAPTURE_PICKLE_KEY`` set). Set the key to sign and verify captures, or filter
    this warning once you have made sure the captures only come from places you trust.
    """


_warned = False
_warn_lock = threading.Lock()


def _warn_unverified(root: object) -> None:
    global _warned
    with _warn_lock:
        if _warned:
            return
        _warned = True
    warnings.warn(
        f"loading pickle captures from {root} without a signature check: unpickling runs "
        "code named by the file, so a capture from an untrusted place can run anything as "
        f"this user. Set {KEY_VARIABLE} (a long random secret) where captures are written "
        "and where they are loaded to sign and verify them; or, if these files only ever "
        "come from places you trust, filter snapy_storage_pickle.PickleTrustWarning.",
        PickleTrustWarning,
        stacklevel=5,
    )


def _resolve_key(key: bytes | str | None) -> bytes | None:
    if key is None:
        key = os.environ.get(KEY_VARIABLE) or None
    if key is None:
        return None
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, (bytes, bytearray)) or not key:
        raise TypeError(f"the pickle signing key must be non-empty str or bytes, got {key!r}")
    return bytes(key)


class PickleStorage(CaptureStorage):
    """Captures as pickles (protocol 5): every picklable value comes back as it was.

    With a key (``key=`` or ``SNAP_CAPTURE_PICKLE_KEY``) every file is signed with
    HMAC-SHA256, and unsigned or tampered files are refused with
    :class:`~snapy_core.CaptureTamperedError` before anything is unpickled. Without a key,
    files are not signed and are loaded as they are: unpickling runs code named by the
    file, so they must only come from places you trust (a :class:`PickleTrustWarning` says
    so once per process).

    A value that cannot be pickled (a lock, a socket, a generator) is stored as an
    :class:`~snapy_core.Unserializable` placeholder; the rest of the capture is kept.
    """

    name = "pickle"
    extension = "pickle"

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        *,
        key: bytes | str | None = None,
        **options: Any,
    ) -> None:
        """``key`` defaults to ``SNAP_CAPTURE_PICKLE_KEY``; ``options`` are
        :class:`~snapy_core.CaptureStorage`'s (``retention``, ``max_age``, ``durable``...).
        """
        super().__init__(root, **options)
        self._key = _resolve_key(key)

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, signed={self.signed})"

    @property
    def signed(self) -> bool:
        """Whether captures are signed on write and verified on read."""
        return self._key is not None

    def serialize_data(self, data: dict[str, Any]) -> bytes:
        return seal(dumps_record(data), self._key)

    def deserialize_data(self, data: bytes) -> dict[str, Any]:
        payload, verified = open_sealed(data, self._key)
        if not verified:
            _warn_unverified(self.root)
        try:
            result = pickle.loads(payload)  # verified above, or trusted by choice
        except (ImportError, AttributeError) as error:
            raise CaptureCorruptError(
                _UNKNOWN_SOURCE,
                f"it refers to code that cannot be imported here ({type(error).__name__}: "
                f"{error}); load it where the captured program's code is importable",
            ) from error
        if not isinstance(result, dict):
            raise CaptureCorruptError(
                _UNKNOWN_SOURCE,
                f"the pickle holds a {type(result).__name__}, not a capture record",
            )
        return result


__all__ = ["PickleStorage", "PickleTrustWarning"]
