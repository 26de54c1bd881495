"""snapy-trace's snapy plugin: the built-in trace sinks."""

from __future__ import annotations

from collections.abc import Callable

from snapy_core import hookimpl

from ._sinks import ChromeTraceSink, JsonLinesSink


@hookimpl
def snapy_register_trace_sinks(register: Callable[..., None]) -> None:
    register("jsonl", JsonLinesSink)
    register("chrome", ChromeTraceSink)
