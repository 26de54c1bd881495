"""The file format: a small header, an optional HMAC-SHA256 signature, then the pickle.

::

    b"SNAPYPKL"  format version (1 byte)  flags (1 byte)  [signature (32 bytes)]  pickle

The signature covers the header and the pickle, so neither can be changed (nor the
"signed" flag cleared) without the key. It is checked before a single byte is unpickled:
unpickling is what runs code, so a file must be trusted before it is opened.
"""

from __future__ import annotations

import hashlib
import hmac

from snapy_core import CaptureCorruptError, CaptureTamperedError

MAGIC = b"SNAPYPKL"
FORMAT_VERSION = 1
FLAG_SIGNED = 0x01
_KNOWN_FLAGS = FLAG_SIGNED
_HEADER_LENGTH = len(MAGIC) + 2
_SIGNATURE_LENGTH = hashlib.sha256().digest_size
KEY_VARIABLE = "SNAP_CAPTURE_PICKLE_KEY"

_UNKNOWN_SOURCE = "<pickle capture>"
"""Stand-in file name: CaptureStorage.decode replaces it with the real path."""


def _signature(key: bytes, header: bytes, payload: bytes) -> bytes:
    mac = hmac.new(key, header, hashlib.sha256)
    mac.update(payload)
    return mac.digest()


def seal(payload: bytes, key: bytes | None) -> bytes:
    """The file content for a pickle: header, signature when ``key`` is given, payload."""
    header = MAGIC + bytes((FORMAT_VERSION, FLAG_SIGNED if key else 0))
    if key:
        return header + _signature(key, header, payload) + payload
    return header + payload


def open_sealed(data: bytes, key: bytes | None) -> tuple[bytes, bool]:
    """The pickle inside ``data`` and whether its signature was verified.

    Raises :class:`CaptureTamperedError` when a key is set and the file is unsigned or its
    signature does not match, :class:`CaptureCorruptError` when it is not a snapy pickle
    capture at all. Nothing is unpickled here.
    """
    data = bytes(data)
    if len(data) < _HEADER_LENGTH or not data.startswith(MAGIC):
        what = "an empty file" if not data else f"starts with {data[:8]!r}"
        raise CaptureCorruptError(
            _UNKNOWN_SOURCE,
            f"not a snapy pickle capture ({what}, expected the {MAGIC.decode()} header); it "
            "is truncated, or was written by another program or another snapy backend",
        )
    version, flags = data[len(MAGIC)], data[len(MAGIC) + 1]
    if version > FORMAT_VERSION:
        raise CaptureCorruptError(
            _UNKNOWN_SOURCE,
            f"written by a newer snapy-storage-pickle (file format {version}; this one reads "
            f"format {FORMAT_VERSION}). Upgrade: pip install -U snapy-storage-pickle",
        )
    if version < 1 or flags & ~_KNOWN_FLAGS:
        raise CaptureCorruptError(
            _UNKNOWN_SOURCE,
            f"damaged header (format {version}, flags {flags:#04x})",
        )
    header = data[:_HEADER_LENGTH]
    signed = bool(flags & FLAG_SIGNED)
    if signed:
        if len(data) < _HEADER_LENGTH + _SIGNATURE_LENGTH:
            raise CaptureTamperedError(
                _UNKNOWN_SOURCE, "the signature is cut short; refusing to unpickle the file"
            )
        signature = data[_HEADER_LENGTH : _HEADER_LENGTH + _SIGNATURE_LENGTH]
        payload = data[_HEADER_LENGTH + _SIGNATURE_LENGTH :]
    else:
        signature, payload = b"", data[_HEADER_LENGTH:]
    if key is None:
        return payload, False
    if not signed:
        raise CaptureTamperedError(
            _UNKNOWN_SOURCE,
            f"the file is not signed, but a signing key is set ({KEY_VARIABLE} or key=), so "
            "only signed captures are trusted; refusing to unpickle it. Capture again with "
            "the key set, or delete the file if you do not know where it came from",
        )
    if not hmac.compare_digest(signature, _signature(key, header, payload)):
        raise CaptureTamperedError(
            _UNKNOWN_SOURCE,
            "its signature does not match its content: the file was modified after it was "
            f"written, or signed with a different key ({KEY_VARIABLE}); refusing to unpickle it",
        )
    return payload, True


__all__ = ["FLAG_SIGNED", "FORMAT_VERSION", "KEY_VARIABLE", "MAGIC", "open_sealed", "seal"]
