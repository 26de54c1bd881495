"""``JSONStorage``: the default storage backend, captures as tagged JSON files."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any, ClassVar

import orjson

from snapy_core import CaptureStorage
from snapy_core.errors import CaptureCorruptError, RecordError

from ._codec import JSONCodec

FORMAT = "snapy-json/1"
"""Written as the ``codec`` field of every capture file; a newer format is refused."""

_FORMAT_FIELD = "codec"
_SOURCE = "<json capture>"  # CaptureStorage.decode puts the real file name in its place


class JSONStorage(CaptureStorage):
    """Captures as JSON files: lossless for the usual Python values, diff-friendly, safe.

    ``trusted_modules`` adds modules whose classes may be rebuilt when loading, on top of
    the captured function's own top-level package and ``SNAP_CAPTURE_TRUSTED_MODULES``.
    ``indent=False`` writes compact files. Other options (``retention``, ``max_age``,
    ``durable``, ...) are those of :class:`snapy_core.CaptureStorage`.
    """

    name: ClassVar[str] = "json"
    extension: ClassVar[str] = "json"

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        *,
        trusted_modules: Iterable[str] = (),
        indent: bool = True,
        **options: Any,
    ) -> None:
        super().__init__(root, **options)
        self.codec = JSONCodec(trusted_modules=trusted_modules, indent=indent)

    def serialize_data(self, data: dict[str, Any]) -> bytes:
        """The record (``record_to_primitive`` output) as JSON bytes."""
        return self.codec.dumps({**data, _FORMAT_FIELD: FORMAT})

    def deserialize_data(self, data: bytes) -> dict[str, Any]:
        """The record dict back from JSON bytes, captured values rebuilt.

        Classes are rebuilt if their module is trusted, the captured function's top-level
        package (the record's ``module``) included. Raises
        :class:`~snapy_core.errors.CaptureCorruptError` with the reason.
        """
        try:
            document = orjson.loads(data)
        except orjson.JSONDecodeError as error:
            raise CaptureCorruptError(
                _SOURCE,
                f"not valid JSON ({error}); the file is truncated, damaged, or not a capture",
            ) from None
        if type(document) is not dict:
            raise CaptureCorruptError(
                _SOURCE,
                f"expected a JSON object holding a capture record, found a JSON "
                f"{_json_kind(document)}",
            )
        written_as = document.pop(_FORMAT_FIELD, None)
        if written_as != FORMAT:
            raise CaptureCorruptError(_SOURCE, _format_problem(written_as))
        module = document.get("module")
        try:
            decoded = self.codec.decode(
                document, module=module if isinstance(module, str) else None
            )
        except RecordError as error:
            raise CaptureCorruptError(_SOURCE, str(error)) from None
        if type(decoded) is not dict:
            raise CaptureCorruptError(_SOURCE, "the JSON object is not a capture record")
        return decoded


def _json_kind(value: Any) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )


def _format_problem(written_as: Any) -> str:
    if written_as is None:
        return f"no {_FORMAT_FIELD!r} field: this JSON was not written by snapy-storage-json"
    if isinstance(written_as, str) and written_as.startswith("snapy-json/"):
        return (
            f"written in format {written_as!r}, this snapy-storage-json reads {FORMAT!r}; "
            "upgrade it: pip install -U snapy-storage-json"
        )
    return f"unknown {_FORMAT_FIELD!r} {written_as!r}: not a snapy-storage-json capture"


__all__ = ["FORMAT", "JSONStorage"]
