"""``snapy export``: copy a function's captures to another store, converting the format.

Each capture is encoded with the target backend, then decoded again and searched for
values that came back as :class:`~snapy_core.Unserializable` placeholders although they
were real values before: those are the values the target format cannot keep. Such a
capture is left out (or written with the placeholder, ``--partial``) and named in the
report with the path of every value that was lost.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import attrs

from snapy_core import (
    CaptureCorruptError,
    CaptureRecord,
    CaptureStorage,
    SnapyError,
    StorageBackend,
    Unserializable,
)

from ._errors import EXIT_FOUND, EXIT_OK, CliError
from ._output import Output, format_size, plural
from ._store import Store, open_backends
from ._values import type_label, unserializable, walk


@attrs.frozen
class Lost:
    path: str
    type_name: str
    reason: str


@attrs.define
class Outcome:
    capture_id: str
    status: str
    """``exported``, ``partial`` (written with placeholders), ``skipped`` or ``unreadable``."""
    file: Path | None = None
    lost: list[Lost] = attrs.field(factory=list)
    error: str | None = None


def _values(record: CaptureRecord) -> list[tuple[str, Any]]:
    values = list(record.named_arguments().items())
    if record.outcome is not None and record.outcome.kind == "return":
        values.append(("result", record.outcome.value))
    values.append(("metadata", record.metadata.extra))
    return values


def lost_values(original: CaptureRecord, converted: CaptureRecord) -> list[Lost]:
    """Values that were real in ``original`` and are placeholders in ``converted``."""
    before = {
        path: value
        for name, value in _values(original)
        for path, value in walk(value, name)
        if isinstance(value, Unserializable)
    }
    lost = []
    for name, value in _values(converted):
        for path, placeholder in unserializable(value, name):
            if path in before:
                continue
            original_value = _find(original, path)
            lost.append(
                Lost(
                    path,
                    placeholder.type_name or type_label(original_value),
                    placeholder.reason,
                )
            )
    return lost


def _find(record: CaptureRecord, wanted: str) -> Any:
    for name, value in _values(record):
        if not wanted.startswith(name):
            continue
        for path, item in walk(value, name):
            if path == wanted:
                return item
    return None


def run_export(
    out: Output,
    store: Store,
    function_key: str,
    *,
    target: Path,
    target_format: str,
    partial: bool,
    as_json: bool,
) -> int:
    target_root = Path(os.path.abspath(os.path.expanduser(target)))
    (writer,) = open_backends(target_root, target_format)
    if target_root == store.root and any(b.name == writer.name for b in store.backends):
        raise CliError(
            f"--to {target_root} is the store being exported, in the same format.",
            "Export to another directory (e.g. --to review/).",
        )
    outcomes: list[Outcome] = []
    for located, loaded in store.iter_records(function_key):
        capture_id = located.ref.capture_id
        if isinstance(loaded, CaptureCorruptError):
            outcomes.append(Outcome(capture_id, "unreadable", error=str(loaded)))
            continue
        outcomes.append(_export_one(writer, loaded.record, capture_id, partial=partial))
    exported = [o for o in outcomes if o.status in ("exported", "partial")]
    problems = [o for o in outcomes if o.status != "exported"]
    if as_json:
        out.json(
            {
                "function": function_key,
                "from": str(store.root),
                "to": str(target_root),
                "format": writer.name,
                "captures": [
                    {
                        "capture_id": o.capture_id,
                        "status": o.status,
                        "file": str(o.file) if o.file else None,
                        "not_converted": [attrs.asdict(lost) for lost in o.lost],
                        "error": o.error,
                    }
                    for o in outcomes
                ],
            }
        )
    else:
        _print(out, function_key, outcomes, exported, target_root, writer)
    return EXIT_FOUND if problems else EXIT_OK


def _export_one(
    writer: StorageBackend, record: CaptureRecord, capture_id: str, *, partial: bool
) -> Outcome:
    try:
        data = writer.encode(record)
    except SnapyError as error:
        return Outcome(capture_id, "skipped", error=str(error))
    decode = getattr(writer, "decode", None)
    lost: list[Lost] = []
    if decode is not None:
        try:
            converted = decode(data, source=f"{capture_id} converted to {writer.name}")
        except SnapyError as error:
            return Outcome(capture_id, "skipped", error=f"does not read back: {error}")
        lost = lost_values(record, converted)
    if lost and not partial:
        return Outcome(capture_id, "skipped", lost=lost)
    try:
        if isinstance(writer, CaptureStorage):
            ref = writer.write_encoded(
                record.function_key, record.timestamp, data, module=record.module or None
            )
        else:
            ref = writer.write_encoded(record.function_key, record.timestamp, data)
    except SnapyError as error:
        return Outcome(capture_id, "skipped", error=str(error))
    return Outcome(capture_id, "partial" if lost else "exported", file=ref.path, lost=lost)


def _print(
    out: Output,
    function_key: str,
    outcomes: list[Outcome],
    exported: list[Outcome],
    target: Path,
    writer: StorageBackend,
) -> None:
    from rich.text import Text

    for outcome in outcomes:
        line = Text(f"{outcome.capture_id}: ")
        if outcome.status == "exported":
            line.append("exported", style="green")
            line.append(f" -> {outcome.file}", style="dim")
        elif outcome.status == "partial":
            line.append("exported with placeholders", style="yellow")
            line.append(f" -> {outcome.file}", style="dim")
        elif outcome.status == "unreadable":
            line.append("unreadable: ", style="red")
            line.append(outcome.error or "")
        else:
            line.append("not exported", style="red")
            if outcome.error:
                line.append(f": {outcome.error}")
        out.print(line, soft_wrap=True)
        for lost in outcome.lost:
            out.print(
                Text(
                    f"  {lost.path} ({lost.type_name}) cannot be converted to {writer.name}: "
                    f"{lost.reason}",
                    style="red" if outcome.status == "skipped" else "yellow",
                ),
                soft_wrap=True,
            )
    size = sum(_file_size(o.file) for o in exported)
    summary = (
        f"Exported {len(exported)} of {plural(len(outcomes), 'capture')} of {function_key} "
        f"to {target} as {writer.name} ({format_size(size)})."
    )
    out.print(Text(summary, style="bold"), soft_wrap=True)
    skipped = [o for o in outcomes if o.status == "skipped" and o.lost]
    if skipped:
        out.print(
            Text(
                f"{plural(len(skipped), 'capture')} left out because some values cannot be "
                f"converted; --partial writes them with <unserializable> placeholders.",
                style="dim",
            ),
            soft_wrap=True,
        )


def _file_size(path: Path | None) -> int:
    if path is None:
        return 0
    try:
        return path.stat().st_size
    except OSError:
        return 0


__all__ = ["lost_values", "run_export"]
