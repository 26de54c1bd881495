"""``snapy prune``: retention by count and age, applied across a store.

A function stored by one backend is pruned by that backend's own ``prune`` (which also
removes temporary files left by interrupted writes). A function with captures of several
backends is pruned as one list, newest first, so ``--keep 5`` keeps five captures in all,
whatever backend wrote them; each capture is then deleted by the backend that owns it.
Nothing but capture files (and stale temporary files) is ever deleted: both paths go
through the backends, which only ever delete their own capture files.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from snapy_core import CaptureNotFoundError, CaptureRef, SnapyError, StorageBackend

from ._errors import EXIT_FOUND, EXIT_OK
from ._output import Output, format_size, format_time, iso_time, plural
from ._store import FunctionRow, Store


@attrs.frozen
class Removal:
    function_key: str
    ref: CaptureRef
    backend: str


@attrs.define
class PruneResult:
    removed: list[Removal] = attrs.field(factory=list)
    kept: dict[str, int] = attrs.field(factory=dict)
    errors: list[str] = attrs.field(factory=list)
    bytes_removed: int = 0


def _size(ref: CaptureRef) -> int:
    if ref.size is not None:
        return ref.size
    if ref.path is None:
        return 0
    try:
        return ref.path.stat().st_size
    except OSError:
        return 0


def _prune_one_backend(
    backend: StorageBackend,
    row: FunctionRow,
    *,
    keep: int | None,
    age: dt.timedelta | None,
    dry_run: bool,
    result: PruneResult,
) -> None:
    # sizes first: once pruned the files are gone
    sizes = {ref.capture_id: _size(ref) for ref in backend.list(row.function_key)}
    removed = backend.prune(row.function_key, keep=keep, max_age=age, dry_run=dry_run)
    for ref in removed:
        result.removed.append(Removal(row.function_key, ref, backend.name))
        result.bytes_removed += sizes.get(ref.capture_id, 0)
    result.kept[row.function_key] = len(sizes) - len(removed)


def _prune_merged(
    store: Store,
    row: FunctionRow,
    *,
    keep: int | None,
    age: dt.timedelta | None,
    dry_run: bool,
    result: PruneResult,
) -> None:
    located = store.locate_all(row.function_key)
    doomed: set[int] = set()
    if keep is not None:
        doomed.update(range(keep, len(located)))
    if age is not None:
        cutoff = dt.datetime.now(dt.timezone.utc) - age
        doomed.update(item.index for item in located if item.ref.timestamp < cutoff)
    for item in sorted((located[position] for position in doomed), key=lambda i: -i.index):
        size = _size(item.ref)
        if not dry_run:
            try:
                item.backend.delete(item.ref)
            except CaptureNotFoundError:
                continue  # removed meanwhile (by a writer's own retention)
        result.removed.append(Removal(row.function_key, item.ref, item.backend.name))
        result.bytes_removed += size
    result.kept[row.function_key] = len(located) - len(doomed)


def run_prune(
    out: Output,
    store: Store,
    rows: list[FunctionRow],
    *,
    keep: int | None,
    age: dt.timedelta | None,
    dry_run: bool,
    as_json: bool,
) -> int:
    result = PruneResult()
    by_name = {backend.name: backend for backend in store.backends}
    with out.progress("pruning" if not dry_run else "checking", total=len(rows)) as advance:
        for row in rows:
            try:
                if len(row.backends) == 1:
                    _prune_one_backend(
                        by_name[row.backends[0]],
                        row,
                        keep=keep,
                        age=age,
                        dry_run=dry_run,
                        result=result,
                    )
                else:
                    _prune_merged(store, row, keep=keep, age=age, dry_run=dry_run, result=result)
            except SnapyError as error:
                result.errors.append(f"{row.function_key}: {error}")
            except OSError as error:
                result.errors.append(f"{row.function_key}: {error.strerror or error}")
            advance(1)
    if as_json:
        out.json(_as_json(result, dry_run=dry_run, keep=keep, age=age, store=store))
    else:
        _print(out, result, dry_run=dry_run, rows=rows, store=store)
    for message in result.errors:
        out.warning(message)
    return EXIT_FOUND if result.errors else EXIT_OK


def _as_json(
    result: PruneResult,
    *,
    dry_run: bool,
    keep: int | None,
    age: dt.timedelta | None,
    store: Store,
) -> dict[str, Any]:
    return {
        "store": str(store.root),
        "dry_run": dry_run,
        "keep": keep,
        "older_than_seconds": age.total_seconds() if age is not None else None,
        "removed": [
            {
                "function": removal.function_key,
                "capture_id": removal.ref.capture_id,
                "timestamp": iso_time(removal.ref.timestamp),
                "backend": removal.backend,
                "file": str(removal.ref.path) if removal.ref.path else None,
            }
            for removal in result.removed
        ],
        "kept": result.kept,
        "bytes_removed": result.bytes_removed,
        "errors": result.errors,
    }


def _print(
    out: Output, result: PruneResult, *, dry_run: bool, rows: list[FunctionRow], store: Store
) -> None:
    from rich.text import Text

    verb = "would remove" if dry_run else "removed"
    by_function: dict[str, list[Removal]] = {}
    for removal in result.removed:
        by_function.setdefault(removal.function_key, []).append(removal)
    for row in rows:
        removals = by_function.get(row.function_key, [])
        if not removals:
            continue
        line = Text()
        line.append(row.function_key, style="cyan")
        line.append(
            f": {verb} {plural(len(removals), 'capture')}, "
            f"{result.kept.get(row.function_key, 0)} kept"
        )
        out.print(line, soft_wrap=True)
        if dry_run:
            for removal in sorted(removals, key=lambda r: r.ref.capture_id):
                where = removal.ref.path or removal.ref.capture_id
                out.print(
                    Text(f"  {format_time(removal.ref.timestamp)}  {where}", style="dim"),
                    soft_wrap=True,
                )
    total = len(result.removed)
    functions = len(by_function)
    summary = (
        f"{'Would remove' if dry_run else 'Removed'} {plural(total, 'capture')} of "
        f"{plural(functions, 'function')} ({format_size(result.bytes_removed)}) in {store.root}."
    )
    if not total:
        summary = f"Nothing to remove in {store.root} ({plural(len(rows), 'function')} checked)."
    out.print(Text(summary, style="bold"), soft_wrap=True)
    if dry_run and total:
        out.print(Text("Dry run: nothing was removed.", style="dim"))


__all__ = ["run_prune"]
