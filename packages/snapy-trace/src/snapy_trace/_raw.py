"""The raw event buffer both engines write and the decoder reads.

While tracing, events go into one flat ``list`` as consecutive slots, with no object
per event: appending references to existing objects (code objects, kept values) and
floats creates nothing the cyclic garbage collector tracks, so a long trace does not
trigger collections. The record layouts (``[...]`` slots depend on the :class:`Layout`):

* call:    ``code, +t, [thread], [arguments], [task], [memory]``; the arguments are, at
  the standard level, ``count, count types, the atomic values among them`` (the values
  of ``frame.f_locals`` in :func:`locals_order`), at the verbose level one ``repr`` per
  argument
* return:  ``-t, [thread], [value], [locals], [memory]`` (it ends the innermost open call
  of its thread)
* resume:  ``RESUME, code, t, [thread], [task], [memory]``
* throw:   ``THROW, code, t, [thread], exc_type, exc_message, [task], [memory]``
* yield:   ``YIELD, code, t, [thread], [value], [locals], [memory]``
* unwind:  ``UNWIND, code, t, [thread], exc_type, exc_message, exc_id, [locals], [memory]``
* line:    ``LINE, code, t, [thread], line_number``
* thread:  ``THREAD_START, thread`` (all-threads tracing: a thread started; its identifier
  may be one a finished thread had)

``t`` is ``time.perf_counter()``; calls and returns, by far the most frequent records,
carry no marker: a call starts with its code object, a return with its negated time. The
task slot exists only for coroutine and async-generator code; the number of argument
slots is :func:`argument_count` of the code object.
"""

from __future__ import annotations

import sys
from types import CodeType
from typing import Any

import attrs

RESUME = 1
THROW = 2
YIELD = 3
UNWIND = 4
LINE = 5
THREAD_START = 6

CO_VARARGS = 0x04
CO_VARKEYWORDS = 0x08
CO_GENERATOR = 0x20
CO_COROUTINE = 0x80
CO_ITERABLE_COROUTINE = 0x100
CO_ASYNC_GENERATOR = 0x200

ASYNC_FLAGS = CO_COROUTINE | CO_ITERABLE_COROUTINE | CO_ASYNC_GENERATOR
"""Code whose entries record the running asyncio task."""

SUSPENDABLE_FLAGS = CO_GENERATOR | ASYNC_FLAGS

COMPREHENSIONS = frozenset({"<listcomp>", "<dictcomp>", "<setcomp>"})
"""Frames Python 3.12 no longer creates (PEP 709); older versions skip them too."""


def argument_count(code: CodeType) -> int:
    """Slots a call record holds for the arguments of ``code``."""
    flags = code.co_flags
    return (
        code.co_argcount
        + code.co_kwonlyargcount
        + (1 if flags & CO_VARARGS else 0)
        + (1 if flags & CO_VARKEYWORDS else 0)
    )


_CELL_ARGUMENTS_LAST = sys.version_info < (3, 11)


def locals_order(code: CodeType) -> tuple[str, ...]:
    """The names of the values ``frame.f_locals`` holds when a call of ``code`` starts.

    Only arguments and free variables are bound then. Python 3.10 lists arguments that
    closures capture (cell variables) after the others.
    """
    arguments = code.co_varnames[: argument_count(code)]
    if _CELL_ARGUMENTS_LAST:
        cells = code.co_cellvars
        return (
            tuple(name for name in arguments if name not in cells)
            + tuple(name for name in cells if name in arguments)
            + code.co_freevars
        )
    return tuple(arguments) + code.co_freevars


@attrs.frozen(kw_only=True)
class Layout:
    """Which optional slots the records of one recording have."""

    threads: bool
    """Each record has the thread identifier after the time."""

    detail: str
    """``minimal`` (no argument / value slots), ``standard`` or ``verbose``."""

    memory: bool
    locals: bool

    @property
    def values(self) -> bool:
        return self.detail != "minimal"


def current_task() -> Any:
    """The running asyncio task, or None (no asyncio, no running loop)."""
    asyncio = sys.modules.get("asyncio")
    if asyncio is None:
        return None
    try:
        return asyncio.current_task()
    except RuntimeError:
        return None


__all__ = [
    "ASYNC_FLAGS",
    "COMPREHENSIONS",
    "LINE",
    "RESUME",
    "SUSPENDABLE_FLAGS",
    "THREAD_START",
    "THROW",
    "UNWIND",
    "YIELD",
    "Layout",
    "argument_count",
    "current_task",
    "locals_order",
]
