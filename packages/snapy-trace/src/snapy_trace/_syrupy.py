"""syrupy integration beyond the default serializer.

``assert traced == snapshot`` needs nothing from here: :class:`TracedSnapshot` is a
dataclass, which syrupy's default (amber) serializer writes field by field. This module
adds :class:`TraceSnapshotExtension` for one plain-text file per snapshot, which reviews
well in pull requests::

    def test_checkout(snapshot):
        traced = TracedSnapshot()
        with traced:
            checkout(cart)
        assert traced == snapshot.use_extension(TraceSnapshotExtension)
"""

from __future__ import annotations

from typing import Any

from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from ._events import TraceEvent
from ._formats import format_tree
from ._snapshot import TracedSnapshot
from ._tracer import FunctionTracer


def trace_text(data: Any) -> str:
    """The snapshot text of a traced result (a tree, one line per call)."""
    if isinstance(data, TracedSnapshot):
        return (data.trace or data.format_trace()) + "\n"
    if isinstance(data, FunctionTracer):
        return data.format_trace() + "\n"
    if isinstance(data, str):
        return data if data.endswith("\n") else data + "\n"
    if isinstance(data, list) and all(isinstance(item, TraceEvent) for item in data):
        return format_tree(data) + "\n"
    raise TypeError(
        f"TraceSnapshotExtension cannot store a {type(data).__name__}: compare a "
        "TracedSnapshot, a FunctionTracer, a list of TraceEvent or the text of "
        "format_trace()."
    )


class TraceSnapshotExtension(SingleFileSnapshotExtension):
    """Stores a trace as ``__snapshots__/<test file>/<test name>.trace`` text."""

    _write_mode = WriteMode.TEXT
    file_extension = "trace"

    def serialize(
        self, data: Any, *, exclude: Any = None, include: Any = None, matcher: Any = None
    ) -> str:
        return trace_text(data)


__all__ = ["TraceSnapshotExtension", "trace_text"]
