"""snapy-storage-pickle: full-fidelity, HMAC-signed pickle storage for snapy captures.

Select it with ``SNAP_CAPTURE_BACKEND=pickle`` or ``@capture_args(backend="pickle")``.
Set ``SNAP_CAPTURE_PICKLE_KEY`` to sign captures and refuse unsigned or tampered ones:
unpickling runs code named by the file, so never load unsigned pickles from a place you
do not trust.
"""

from __future__ import annotations

from .__about__ import __version__
from ._format import FORMAT_VERSION, KEY_VARIABLE, MAGIC
from ._storage import PickleStorage, PickleTrustWarning

__all__ = [
    "FORMAT_VERSION",
    "KEY_VARIABLE",
    "MAGIC",
    "PickleStorage",
    "PickleTrustWarning",
    "__version__",
]
