"""The capture record: one call of one function, as snapy stores it.

Records are attrs classes with a ``schema`` version. :func:`record_to_primitive` turns a
record into plain dicts, lists and strings for a storage backend; the captured values
themselves (``args``, ``kwargs``, the result value) are left as Python objects because
encoding them is the backend's job. :func:`record_from_primitive` is the inverse: it
tolerates fields it does not know (written by a newer snapy of the same schema) and gives
a :class:`~snapy_core.errors.RecordError` naming what is missing or malformed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import attrs

from .errors import RecordError

if TYPE_CHECKING:
    import cattrs

SCHEMA_VERSION = 1
"""The record schema this snapy writes. Files with a higher schema are refused."""


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError(f"capture timestamps must be timezone-aware, got naive {value!r}")
    return value.astimezone(dt.timezone.utc)


def _freeze_mapping(value: Mapping[str, Any]) -> dict[str, Any]:
    return dict(value)


@attrs.frozen(kw_only=True)
class CallMetadata:
    """Where and how a call happened."""

    call_depth: int = 0
    """0 for the outermost captured call, 1 for a captured call made inside it, ..."""
    thread_name: str = ""
    thread_id: int = 0
    task_name: str | None = None
    """Name of the running asyncio task, if the call ran inside one."""
    pid: int = 0
    host: str | None = None
    """Host name; left out in minimal-capture / production mode."""
    python_version: str = ""
    snapy_version: str = ""
    duration_ns: int | None = None
    """Wall time of the call, when the result was captured too."""
    extra: dict[str, Any] = attrs.field(factory=dict, converter=_freeze_mapping)
    """Free-form metadata added by plugins."""


@attrs.frozen(kw_only=True)
class CallOutcome:
    """What the call produced: a return value, or the exception it raised."""

    kind: Literal["return", "raise"]
    value: Any = None
    """The return value (``kind == "return"``), subject to the same filters as arguments."""
    exc_type: str | None = None
    """Fully qualified exception class (``kind == "raise"``)."""
    exc_message: str | None = None


@attrs.frozen(kw_only=True)
class FilterAction:
    """One value that a filter replaced with a placeholder.

    ``path`` names the value inside the call, e.g. ``payment_token``,
    ``items[2].card_number`` or ``headers['Authorization']``.
    """

    path: str
    action: Literal["redacted", "omitted"]
    reason: str


@attrs.frozen(kw_only=True)
class CaptureRecord:
    """One captured call."""

    schema: int = SCHEMA_VERSION
    module: str
    qualname: str
    timestamp: dt.datetime = attrs.field(converter=_utc)
    """When the call began, in UTC."""
    args: tuple[Any, ...] = attrs.field(default=(), converter=tuple)
    """Positional arguments as they were when the call began (``self``/``cls`` excluded)."""
    kwargs: dict[str, Any] = attrs.field(factory=dict, converter=_freeze_mapping)
    arg_names: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    """Parameter name of each positional argument (``*args[0]`` ... for extra ones)."""
    filtered: tuple[FilterAction, ...] = attrs.field(default=(), converter=tuple)
    """Every value a filter redacted or omitted, with the reason."""
    metadata: CallMetadata = attrs.field(factory=CallMetadata)
    outcome: CallOutcome | None = None
    capture_id: str = ""
    """Identifier in its store (the file name stem); set by the storage backend."""

    @property
    def function_key(self) -> str:
        """``module.qualname``: the name captures are stored and looked up under."""
        return f"{self.module}.{self.qualname}" if self.module else self.qualname

    @property
    def function_name(self) -> str:
        """The bare function name (last part of the qualname)."""
        return self.qualname.rsplit(".", 1)[-1]

    def named_arguments(self) -> dict[str, Any]:
        """Every argument by parameter name: positional ones first, then keywords."""
        named = dict(zip(self.arg_names, self.args, strict=False))
        for position, value in enumerate(self.args[len(self.arg_names) :], len(self.arg_names)):
            named[f"*args[{position}]"] = value
        named.update(self.kwargs)
        return named

    def as_dict(self) -> dict[str, Any]:
        """The record in the plain-dict shape documented for ``load_capture_dict``."""
        return {
            "function_name": self.function_name,
            "module": self.module,
            "qualname": self.qualname,
            "timestamp": _format_timestamp(self.timestamp),
            "args": list(self.args),
            "kwargs": dict(self.kwargs),
            "metadata": _get_converter().unstructure(self.metadata),
            "filtered": [_get_converter().unstructure(action) for action in self.filtered],
            "outcome": None if self.outcome is None else _unstructure_outcome(self.outcome),
            "capture_id": self.capture_id,
            "schema": self.schema,
        }


def _format_timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_timestamp(value: Any, _type: Any = None) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 timestamp string, got {type(value).__name__}")
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed


def _identity(value: Any) -> Any:
    return value


def _sequence_only(value: Any, _type: Any) -> Any:
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return value


def _names_only(value: Any, _type: Any) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(n, str) for n in value):
        raise TypeError(f"expected a list of parameter names, got {value!r:.60}")
    return tuple(value)


def _mapping_only(value: Any, _type: Any) -> Any:
    if not isinstance(value, Mapping):
        raise TypeError(f"expected a mapping, got {type(value).__name__}")
    return value


def _mapping_first(structure: Any) -> Any:
    def structure_mapping(value: Any, type_: Any) -> Any:
        _mapping_only(value, type_)
        return structure(value, type_)

    return structure_mapping


def _make_converter() -> cattrs.Converter:
    # imported here: cattrs costs a noticeable part of start-up, and processes that only
    # list a store (the `snapy` command) never convert a record
    import cattrs
    from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

    converter = cattrs.Converter(forbid_extra_keys=False)
    converter.register_unstructure_hook(dt.datetime, _format_timestamp)
    converter.register_structure_hook(dt.datetime, _parse_timestamp)
    # Captured values belong to the storage backend: never let cattrs reshape them
    # (it would turn an attrs instance inside ``args`` into a dict).
    keep = override(unstruct_hook=_identity, struct_hook=lambda value, _type: value)
    keep_sequence = override(unstruct_hook=_identity, struct_hook=_sequence_only)
    keep_mapping = override(unstruct_hook=_identity, struct_hook=_mapping_only)
    overrides: dict[type, dict[str, Any]] = {
        CallMetadata: {"extra": keep_mapping},
        CallOutcome: {"value": keep},
        FilterAction: {},
        CaptureRecord: {
            "args": keep_sequence,
            "kwargs": keep_mapping,
            "arg_names": override(struct_hook=_names_only),
        },
    }
    for cls, fields in overrides.items():
        converter.register_unstructure_hook(
            cls, make_dict_unstructure_fn(cls, converter, **fields)
        )
        # cattrs' generated hooks index into whatever they get: refuse a string or a list
        # where a nested record part belongs, instead of reading it character by character
        converter.register_structure_hook(
            cls, _mapping_first(make_dict_structure_fn(cls, converter, **fields))
        )
    return converter


_converter: cattrs.Converter | None = None


def _get_converter() -> cattrs.Converter:
    global _converter
    if _converter is None:
        _converter = _make_converter()
    return _converter


def _unstructure_outcome(outcome: CallOutcome) -> dict[str, Any]:
    result: dict[str, Any] = _get_converter().unstructure(outcome)
    return result


def record_to_primitive(record: CaptureRecord) -> dict[str, Any]:
    """The record as dicts, lists, strings and numbers, captured values left untouched."""
    result: dict[str, Any] = _get_converter().unstructure(record)
    result["args"] = list(record.args)
    result["kwargs"] = dict(record.kwargs)
    return result


_REQUIRED = tuple(
    field.name for field in attrs.fields(CaptureRecord) if field.default is attrs.NOTHING
)


def record_from_primitive(data: Any, *, source: str = "capture record") -> CaptureRecord:
    """Rebuild a record from :func:`record_to_primitive` output (after backend decoding).

    Unknown keys are ignored. Raises :class:`RecordError` naming ``source`` and the
    missing or malformed fields.
    """
    if not isinstance(data, Mapping):
        raise RecordError(
            f"{source}: expected a mapping with the fields of a capture record, "
            f"got {type(data).__name__}"
        )
    missing = [name for name in _REQUIRED if name not in data]
    if missing:
        raise RecordError(
            f"{source}: missing required field(s) {', '.join(map(repr, missing))}; "
            "this is not a snapy capture record or it was cut short"
        )
    try:
        record: CaptureRecord = _get_converter().structure(dict(data), CaptureRecord)
    except Exception as error:
        details = "; ".join(_explain(error)) or str(error)
        raise RecordError(f"{source}: malformed capture record: {details}") from error
    return record


def _explain(error: BaseException) -> list[str]:
    import cattrs  # loaded already: only structuring raises these

    if isinstance(error, cattrs.ClassValidationError):
        with_notes, without_notes = error.group_exceptions()
        messages = [
            f"field {note.name!r}: {'; '.join(_explain(sub)) or type(sub).__name__}"
            for sub, note in with_notes
        ]
        return messages + [message for sub in without_notes for message in _explain(sub)]
    if isinstance(error, KeyError):
        return [f"missing field {error.args[0]!r}"]
    nested = getattr(error, "exceptions", None)  # an ExceptionGroup (backport on 3.10)
    if nested:
        return [message for sub in nested for message in _explain(sub)]
    return [str(error)]


__all__ = [
    "SCHEMA_VERSION",
    "CallMetadata",
    "CallOutcome",
    "CaptureRecord",
    "FilterAction",
    "record_from_primitive",
    "record_to_primitive",
]
