"""Types of the C recorder (``_speedups.c``)."""

from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any

class Recorder:
    def __init__(
        self,
        *,
        buffer: list[Any],
        atomic: frozenset[type],
        current_task: Callable[[], Any],
        perf_counter: Callable[[], float],
        thread: int,
        check_thread: bool,
        with_thread: bool,
        detail: str,
        tasks: bool,
        c_clock: bool,
        resume: int,
        yield_: int,
        kept: set[str] | None = ...,
        rejected: set[str] | None = ...,
        classify: Callable[[FrameType], Any] | None = ...,
        enter: Callable[[FrameType, CodeType], Any] | None = ...,
        local: Callable[[FrameType, str, Any], Any] | None = ...,
        exit_slow: Callable[[FrameType, Any, float], Any] | None = ...,
        pending: dict[Any, Any] | None = ...,
    ) -> None: ...
    def __call__(self, frame: FrameType, event: str, arg: Any) -> Any: ...
    def on_start(self, code: CodeType, offset: int) -> None: ...
    def enter_found(self, code: CodeType, frame: FrameType) -> None: ...
    def on_resume(self, code: CodeType, offset: int) -> None: ...
    def on_return(self, code: CodeType, offset: int, value: Any) -> None: ...
    def on_yield(self, code: CodeType, offset: int, value: Any) -> None: ...
    def trace_call(self, frame: FrameType, event: str, arg: Any) -> Any: ...
    def trace_local(self, frame: FrameType, event: str, arg: Any) -> Any: ...
    def install(self) -> None:
        """3.10 only: this thread's C-level trace function becomes the recorder."""
