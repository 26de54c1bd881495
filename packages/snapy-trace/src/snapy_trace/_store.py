"""Keeping decoded events: as objects, or packed in columns (``compression=True``).

Packed, an event costs a few machine words in typed arrays plus indexes into one table
of distinct strings (module names, argument texts, ...), instead of a ``TraceEvent``
object with its dicts; the objects are rebuilt on each ``get_events()``.
"""

from __future__ import annotations

import math
from array import array
from typing import Any

from ._decode import Decoded
from ._events import EVENT_TYPES, TraceEvent

_NONE = -1


class _Strings:
    def __init__(self) -> None:
        self.table: list[str] = []
        self.index: dict[str, int] = {}

    def add(self, text: str | None) -> int:
        if text is None:
            return _NONE
        found = self.index.get(text)
        if found is None:
            found = len(self.table)
            self.table.append(text)
            self.index[text] = found
        return found

    def get(self, index: int) -> str | None:
        return None if index == _NONE else self.table[index]


class _Packed:
    """Columns of events; one row per event."""

    def __init__(self, events: list[TraceEvent]) -> None:
        strings = _Strings()
        self.strings = strings
        self.kind = array("b")
        self.text = array("q")  # module, qualname, function, filename, task, thread name,
        #                         return value, exception type, message, origin: 10 per row
        self.ints = array("q")  # lineno, depth, call_index, thread_index, thread_id, memory,
        #                         entry_index: 7 per row
        self.times = array("d")  # timestamp, duration (nan for none)
        self.pairs_start = array("q")
        self.pairs = array("q")  # args then locals: name, text, ...; -2 separates them
        kinds = {name: number for number, name in enumerate(EVENT_TYPES)}
        for event in events:
            self.kind.append(kinds[event.event_type])
            self.text.extend(
                strings.add(value)
                for value in (
                    event.module_name,
                    event.qualname,
                    event.function_name,
                    event.filename,
                    event.task_name,
                    event.thread_name,
                    event.return_value,
                    event.exception_type,
                    event.exception_message,
                    event.exception_origin,
                )
            )
            self.ints.extend(
                (
                    event.lineno,
                    event.depth,
                    _NONE if event.call_index is None else event.call_index,
                    event.thread_index,
                    _NONE if event.thread_id is None else event.thread_id,
                    _NONE if event.memory_usage is None else int(event.memory_usage),
                    _NONE if event.entry_index is None else event.entry_index,
                )
            )
            self.times.extend(
                (
                    float(event.timestamp),
                    math.nan if event.duration is None else float(event.duration),
                )
            )
            self.pairs_start.append(len(self.pairs))
            for mapping in (event.args, event.locals):
                if mapping is None:
                    self.pairs.append(-3)
                    continue
                for key, value in mapping.items():
                    self.pairs.append(strings.add(key))
                    self.pairs.append(strings.add(value))
                self.pairs.append(-2)
        self.pairs_start.append(len(self.pairs))

    def __len__(self) -> int:
        return len(self.kind)

    def rebuild(self) -> list[TraceEvent]:
        get = self.strings.get
        events: list[TraceEvent] = []
        for row in range(len(self.kind)):
            t = self.text[row * 10 : row * 10 + 10]
            n = self.ints[row * 7 : row * 7 + 7]
            timestamp, duration = self.times[row * 2], self.times[row * 2 + 1]
            mappings: list[dict[str, str] | None] = []
            position = self.pairs_start[row]
            for _ in range(2):
                if self.pairs[position] == -3:
                    mappings.append(None)
                    position += 1
                    continue
                mapping: dict[str, str] = {}
                while self.pairs[position] != -2:
                    mapping[get(self.pairs[position]) or ""] = get(self.pairs[position + 1]) or ""
                    position += 2
                position += 1
                mappings.append(mapping)
            events.append(
                TraceEvent(
                    event_type=EVENT_TYPES[self.kind[row]],
                    module_name=get(t[0]) or "",
                    qualname=get(t[1]) or "",
                    function_name=get(t[2]) or "",
                    filename=get(t[3]) or "",
                    task_name=get(t[4]),
                    thread_name=get(t[5]) or "",
                    return_value=get(t[6]),
                    exception_type=get(t[7]),
                    exception_message=get(t[8]),
                    exception_origin=get(t[9]),
                    lineno=n[0],
                    depth=n[1],
                    index=row,
                    call_index=None if n[2] == _NONE else n[2],
                    thread_index=n[3],
                    thread_id=None if n[4] == _NONE else n[4],
                    memory_usage=None if n[5] == _NONE else n[5],
                    entry_index=None if n[6] == _NONE else n[6],
                    timestamp=timestamp,
                    duration=None if math.isnan(duration) else duration,
                    args=mappings[0],
                    locals=mappings[1],
                )
            )
        return events


class EventStore:
    """The decoded trace of a tracer, kept as objects or packed."""

    def __init__(self, decoded: Decoded, *, compress: bool) -> None:
        self.decoded = decoded
        self._packed: _Packed | None = None
        self._events: list[TraceEvent] | None = None
        if compress:
            self._packed = _Packed(decoded.events)
            decoded.events = []
        else:
            self._events = decoded.events

    @property
    def packed(self) -> bool:
        return self._packed is not None

    def __len__(self) -> int:
        return len(self._packed) if self._packed is not None else len(self._events or ())

    def events(self) -> list[TraceEvent]:
        if self._packed is not None:
            return self._packed.rebuild()
        return list(self._events or ())

    def size_hint(self) -> dict[str, Any]:
        """Approximate bytes held (for the compression benchmark and tests)."""
        import sys

        if self._packed is not None:
            packed = self._packed
            arrays = (
                packed.kind,
                packed.text,
                packed.ints,
                packed.times,
                packed.pairs,
                packed.pairs_start,
            )
            total = sum(a.itemsize * len(a) for a in arrays)
            total += sum(sys.getsizeof(s) for s in packed.strings.table)
            return {"bytes": total, "packed": True}
        total = 0
        for event in self._events or ():
            total += sys.getsizeof(event)
            for mapping in (event.args, event.locals):
                if mapping:
                    total += sys.getsizeof(mapping)
        return {"bytes": total, "packed": False}


__all__ = ["EventStore"]
