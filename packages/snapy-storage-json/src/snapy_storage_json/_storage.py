"""``JSONStorage``: the default storage backend, captures as tagged JSON files."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any, ClassVar

import orjson

from snapy_core import (
    CallMetadata,
    CallOutcome,
    CaptureRecord,
    CaptureStorage,
    record_to_primitive,
)
from snapy_core.errors import CaptureCorruptError, RecordError

from ._codec import JSONCodec
from ._encode import _PLAIN, _Restart

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

    def encode(self, record: CaptureRecord) -> bytes:
        """The file content for ``record``: the same bytes as ``serialize_data`` of
        ``record_to_primitive(record)`` (:meth:`CaptureStorage.encode`), made faster.

        Runs on every capture. The record's own fields are already JSON (strings, ints,
        None) and go to orjson as they are; only the captured values (arguments, the
        result, ``metadata.extra``) walk through the codec's encoder. Anything unusual
        (a subclass overriding ``serialize_data``, a field of another type, a value
        orjson refuses, deep nesting) takes the general path, which gives the reference
        output; a property test holds the two paths to the same bytes.
        """
        if type(self).serialize_data is JSONStorage.serialize_data:
            try:
                fast = self._encode_plain_record(record)
            except (_Restart, Exception):  # deep nesting, a value orjson refuses, ...
                fast = None  # the general path handles it, or reports it properly
            if fast is not None:
                return fast
        return super().encode(record)

    def _encode_plain_record(self, record: CaptureRecord) -> bytes | None:
        metadata = record.metadata
        outcome = record.outcome
        if (
            type(record) is not CaptureRecord
            or type(metadata) is not CallMetadata
            or (outcome is not None and type(outcome) is not CallOutcome)
        ):
            return None
        # the record's own fields must be of exactly the types the general path passes
        # through unchanged (checked in C: this runs on every capture)
        if not _PLAIN.issuperset(
            map(
                type,
                (
                    record.schema,
                    record.module,
                    record.qualname,
                    record.capture_id,
                    metadata.call_depth,
                    metadata.thread_name,
                    metadata.thread_id,
                    metadata.task_name,
                    metadata.pid,
                    metadata.host,
                    metadata.python_version,
                    metadata.snapy_version,
                    metadata.duration_ns,
                ),
            )
        ) or not _PLAIN.issuperset(map(type, record.arg_names)):
            return None
        document = record_to_primitive(record)
        for action in document["filtered"]:
            if not _PLAIN.issuperset(map(type, action.values())):
                return None
        # depths as in the general path: the document is at 0, its fields at 1, theirs at 2
        encode = self.codec._encoder.encode_at
        document["args"] = encode(document["args"], 1, None)
        if record.kwargs:
            document["kwargs"] = encode(document["kwargs"], 1, None)
        if metadata.extra:
            envelope = document["metadata"]
            envelope["extra"] = encode(envelope["extra"], 2, None)
        if outcome is not None:
            result = document["outcome"]
            fields = (outcome.kind, outcome.exc_type, outcome.exc_message)
            if not _PLAIN.issuperset(map(type, fields)):
                return None
            result["value"] = encode(result["value"], 2, None)
        document[_FORMAT_FIELD] = FORMAT
        return orjson.dumps(document, option=self.codec._options)

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
