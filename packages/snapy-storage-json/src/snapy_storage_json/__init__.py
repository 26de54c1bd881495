"""snapy-storage-json: the default snapy storage backend.

Captured values are written as JSON with sorted keys: plain JSON for JSON-native values,
one-key ``{"$tag": ...}`` objects for the rest (tuples, sets, bytes, Decimal, datetimes,
UUIDs, paths, enums, dataclasses, attrs classes, named tuples, other objects), so that
loading gives back values equal to, and of the same type as, what was captured. Loading
never imports an untrusted module and never calls anything named by the file.
"""

from __future__ import annotations

from .__about__ import __version__
from ._codec import JSONCodec, decode_value, dumps, encode_value, loads
from ._storage import FORMAT, JSONStorage
from ._trust import SAFE_CLASSES, SAFE_MODULES

__all__ = [
    "FORMAT",
    "SAFE_CLASSES",
    "SAFE_MODULES",
    "JSONCodec",
    "JSONStorage",
    "__version__",
    "decode_value",
    "dumps",
    "encode_value",
    "loads",
]
