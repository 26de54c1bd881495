"""Exceptions and warnings raised by snapy.

Every exception snapy raises derives from :class:`SnapyError`, so
``except SnapyError`` catches them all::

    SnapyError
    ├── ConfigError               a configuration value given in code is invalid
    ├── PluginError               a plugin could not be used (lookup by name failed)
    ├── RecordError               a capture record does not have the expected shape
    ├── StorageError              reading or writing a capture store failed
    │   ├── BackendNotFoundError  no storage backend of that name is installed
    │   ├── CaptureCorruptError   a capture file is truncated, foreign or from a newer snapy
    │   │   └── CaptureTamperedError   a signed capture is unsigned or its signature is wrong
    │   └── CaptureWriteError     a capture could not be written (disk full, read-only, ...)
    ├── CaptureNotFoundError      no capture matches the requested function / index
    └── TraceError                a tracer could not be started or used

Warnings derive from :class:`SnapyWarning`. snapy warns instead of raising wherever
raising would break the host program: a bad ``SNAP_CAPTURE_*`` value
(:class:`ConfigWarning`), a plugin that fails to load (:class:`PluginWarning`), a capture
that fails inside a decorated call (:class:`CaptureWarning`), a tracer that cannot take
the hook (:class:`TraceWarning`).
"""

from __future__ import annotations

from pathlib import Path


class SnapyError(Exception):
    """Root of every exception raised by snapy."""


class ConfigError(SnapyError, ValueError):
    """A configuration value given in code is invalid."""


class PluginError(SnapyError):
    """A plugin could not be found or used."""


class RecordError(SnapyError, ValueError):
    """A capture record does not have the expected shape."""


class StorageError(SnapyError):
    """Reading or writing a capture store failed."""


class BackendNotFoundError(StorageError, LookupError):
    """No storage backend of the requested name is installed."""


class CaptureCorruptError(StorageError):
    """A capture file cannot be read back: truncated, foreign, or from a newer schema.

    ``path`` names the file and ``reason`` says what is wrong with it.
    """

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"capture file {self.path} cannot be read: {reason}")

    def __reduce__(self) -> tuple[type[CaptureCorruptError], tuple[Path, str]]:
        return (type(self), (self.path, self.reason))


class CaptureTamperedError(CaptureCorruptError):
    """A signed capture is unsigned, or its signature does not match its content."""


class CaptureWriteError(StorageError, OSError):
    """A capture could not be written."""


class CaptureNotFoundError(SnapyError, LookupError):
    """No stored capture matches the requested function or index."""


class TraceError(SnapyError):
    """A tracer could not be started or used."""


class SnapyWarning(UserWarning):
    """Root of every warning emitted by snapy."""


class ConfigWarning(SnapyWarning):
    """A configuration value was ignored; the warning names it and the accepted forms."""


class PluginWarning(SnapyWarning):
    """A plugin failed to import or to validate and was skipped."""


class CaptureWarning(SnapyWarning):
    """Capturing a call failed; the call itself went on unchanged."""


class TraceWarning(SnapyWarning):
    """A tracer could not do everything it was asked to (e.g. another tool holds the hook)."""


__all__ = [
    "BackendNotFoundError",
    "CaptureCorruptError",
    "CaptureNotFoundError",
    "CaptureTamperedError",
    "CaptureWarning",
    "CaptureWriteError",
    "ConfigError",
    "ConfigWarning",
    "PluginError",
    "PluginWarning",
    "RecordError",
    "SnapyError",
    "SnapyWarning",
    "StorageError",
    "TraceError",
    "TraceWarning",
]
