"""Structural diff of two captures: argument by argument, down to the changed leaf.

Containers are compared member by member (lists aligned like ``difflib`` aligns lines,
so one inserted item is one change, not a change of every item after it); objects of the
same class field by field; anything else with ``==``. Every change names its path
(``items[1].quantity``), so nested data stays readable.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any, Literal

import attrs

from snapy_core import CaptureRecord, Placeholder

from ._values import children, safe_repr, sorted_items

Kind = Literal["added", "removed", "changed"]

_MISSING: Any = type("_Missing", (), {"__repr__": lambda self: "<missing>"})()


@attrs.frozen
class Change:
    path: str
    kind: Kind
    old: Any = _MISSING
    new: Any = _MISSING

    @property
    def has_old(self) -> bool:
        return self.old is not _MISSING

    @property
    def has_new(self) -> bool:
        return self.new is not _MISSING


@attrs.frozen
class ArgumentDiff:
    name: str
    status: Literal["same", "changed", "added", "removed"]
    changes: tuple[Change, ...] = ()


@attrs.frozen
class RecordDiff:
    arguments: tuple[ArgumentDiff, ...]
    outcome: tuple[Change, ...]

    @property
    def identical(self) -> bool:
        return not self.outcome and all(arg.status == "same" for arg in self.arguments)


def _equal(old: Any, new: Any) -> bool:
    if type(old) is not type(new):
        return False
    try:
        return bool(old == new)
    except Exception:
        return safe_repr(old) == safe_repr(new)


def diff_values(old: Any, new: Any, path: str, depth: int = 0) -> list[Change]:
    """The changes that turn ``old`` into ``new``."""
    if old is new or _equal(old, new):
        return []
    if depth > 50 or type(old) is not type(new) or isinstance(old, Placeholder):
        return [Change(path, "changed", old, new)]
    if isinstance(old, Mapping):
        return _diff_mappings(old, new, path, depth)
    if isinstance(old, (list, tuple)):
        return _diff_sequences(list(old), list(new), path, depth)
    if isinstance(old, (set, frozenset)):
        removed = [item for item in sorted_items(old) if item not in new]
        added = [item for item in sorted_items(new) if item not in old]
        return [Change(f"{path}{{-}}", "removed", old=item) for item in removed] + [
            Change(f"{path}{{+}}", "added", new=item) for item in added
        ]
    old_children, new_children = children(old), children(new)
    if old_children is None or new_children is None:
        return [Change(path, "changed", old, new)]
    return _diff_mappings(dict(old_children), dict(new_children), path, depth, attribute=True)


def _diff_mappings(
    old: Mapping[Any, Any],
    new: Mapping[Any, Any],
    path: str,
    depth: int,
    *,
    attribute: bool = False,
) -> list[Change]:
    changes: list[Change] = []
    keys = list(old) + [key for key in new if key not in old]
    for key in keys:
        child = f"{path}{key}" if attribute else f"{path}[{key!r}]"
        if key not in new:
            changes.append(Change(child, "removed", old=old[key]))
        elif key not in old:
            changes.append(Change(child, "added", new=new[key]))
        else:
            changes.extend(diff_values(old[key], new[key], child, depth + 1))
    return changes


def _diff_sequences(old: list[Any], new: list[Any], path: str, depth: int) -> list[Change]:
    matcher = difflib.SequenceMatcher(
        None, [safe_repr(item) for item in old], [safe_repr(item) for item in new], autojunk=False
    )
    changes: list[Change] = []
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if tag == "equal":
            continue
        paired = min(old_end - old_start, new_end - new_start) if tag == "replace" else 0
        for offset in range(paired):
            changes.extend(
                diff_values(
                    old[old_start + offset],
                    new[new_start + offset],
                    f"{path}[{new_start + offset}]",
                    depth + 1,
                )
            )
        for position in range(old_start + paired, old_end):
            changes.append(Change(f"{path}[{position}]", "removed", old=old[position]))
        for position in range(new_start + paired, new_end):
            changes.append(Change(f"{path}[{position}]", "added", new=new[position]))
    return changes


def diff_records(old: CaptureRecord, new: CaptureRecord) -> RecordDiff:
    old_args, new_args = old.named_arguments(), new.named_arguments()
    names = list(old_args) + [name for name in new_args if name not in old_args]
    arguments = []
    for name in names:
        if name not in new_args:
            arguments.append(
                ArgumentDiff(name, "removed", (Change(name, "removed", old=old_args[name]),))
            )
        elif name not in old_args:
            arguments.append(
                ArgumentDiff(name, "added", (Change(name, "added", new=new_args[name]),))
            )
        else:
            changes = diff_values(old_args[name], new_args[name], name)
            arguments.append(ArgumentDiff(name, "changed" if changes else "same", tuple(changes)))
    return RecordDiff(tuple(arguments), tuple(_diff_outcomes(old, new)))


def _describe_outcome(record: CaptureRecord) -> Any:
    outcome = record.outcome
    if outcome is None:
        return _MISSING
    if outcome.kind == "raise":
        return f"raised {outcome.exc_type}: {outcome.exc_message}"
    return outcome.value


def _diff_outcomes(old: CaptureRecord, new: CaptureRecord) -> list[Change]:
    """Changes of the recorded result: ``result...`` paths, or ``raised`` / ``outcome``."""
    old_outcome, new_outcome = old.outcome, new.outcome
    if old_outcome is None and new_outcome is None:
        return []
    if old_outcome is None:
        return [Change("outcome", "added", new=_describe_outcome(new))]
    if new_outcome is None:
        return [Change("outcome", "removed", old=_describe_outcome(old))]
    if old_outcome.kind == new_outcome.kind == "return":
        return diff_values(old_outcome.value, new_outcome.value, "result")
    old_text, new_text = _describe_outcome(old), _describe_outcome(new)
    if old_outcome.kind == new_outcome.kind and old_text == new_text:
        return []
    return [Change("outcome", "changed", old_text, new_text)]


def _change_json(change: Change) -> dict[str, Any]:
    from ._values import to_json

    data: dict[str, Any] = {"path": change.path, "kind": change.kind}
    if change.has_old:
        data["old"] = to_json(change.old)
    if change.has_new:
        data["new"] = to_json(change.new)
    return data


def diff_json(old: Any, new: Any, result: RecordDiff) -> dict[str, Any]:
    """``snapy diff --json``: both sides, then the changes argument by argument."""
    from ._output import iso_time

    def side(loaded: Any) -> dict[str, Any]:
        record = loaded.record
        return {
            "function": record.function_key,
            "capture_id": record.capture_id,
            "timestamp": iso_time(record.timestamp),
            "index": loaded.index,
            "file": str(loaded.path) if loaded.path else None,
            "backend": loaded.backend.name,
        }

    return {
        "old": side(old),
        "new": side(new),
        "identical": result.identical,
        "arguments": [
            {
                "name": argument.name,
                "status": argument.status,
                "changes": [_change_json(change) for change in argument.changes],
            }
            for argument in result.arguments
        ],
        "outcome": [_change_json(change) for change in result.outcome],
    }


__all__ = ["ArgumentDiff", "Change", "RecordDiff", "diff_json", "diff_records", "diff_values"]
