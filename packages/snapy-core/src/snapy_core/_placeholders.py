"""Values that stand in for something snapy did not, or could not, keep.

A placeholder keeps the argument in the record (so replay still has every parameter) and
tells the reader what was removed and why, never the removed value itself. Placeholders
are immutable, compare by value and have a stable ``str``/``repr``, so a capture that
contains them serializes and diffs the same way every time.
"""

from __future__ import annotations

from typing import ClassVar

import attrs


@attrs.frozen(repr=False)
class Placeholder:
    """Base class of every placeholder; ``reason`` says why the value is missing."""

    kind: ClassVar[str] = "placeholder"

    reason: str

    def __str__(self) -> str:
        return f"<{self.kind}: {self.reason}>"

    def __repr__(self) -> str:
        return str(self)


@attrs.frozen(repr=False)
class Redacted(Placeholder):
    """A value removed because it is, or looks, sensitive.

    >>> str(Redacted("name matches 'password'"))
    "<redacted: name matches 'password'>"
    """

    kind: ClassVar[str] = "redacted"


@attrs.frozen(repr=False)
class Omitted(Placeholder):
    """A value left out on purpose: too large, filtered by a custom filter, sampled out."""

    kind: ClassVar[str] = "omitted"


@attrs.frozen(repr=False)
class Unserializable(Placeholder):
    """A value the storage backend could not encode at all (a lock, a socket, a generator).

    ``type_name`` is the fully qualified name of the value's class.
    """

    kind: ClassVar[str] = "unserializable"

    type_name: str = ""

    def __str__(self) -> str:
        return f"<unserializable {self.type_name}: {self.reason}>"


@attrs.frozen(repr=False)
class Untrusted(Placeholder):
    """An object whose class lives in a module the loader was not allowed to import.

    ``type_name`` is the class path stored in the capture and ``value_repr`` a description
    built at load time from the stored state (the class itself is never imported, so its
    ``__repr__`` is never run). Add the module to ``SNAP_CAPTURE_TRUSTED_MODULES`` (or
    ``trusted_modules`` in the configuration) to get the real object back.
    """

    kind: ClassVar[str] = "untrusted"

    type_name: str = ""
    value_repr: str = ""

    def __str__(self) -> str:
        return f"<untrusted {self.type_name}: {self.value_repr}>"


__all__ = ["Omitted", "Placeholder", "Redacted", "Unserializable", "Untrusted"]
