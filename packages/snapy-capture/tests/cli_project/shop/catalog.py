"""Catalog: a second ``find`` (an ambiguous bare name) and ``ping``."""

from __future__ import annotations

from snapy_capture import capture_args


@capture_args(retention="unlimited")
def find(query: str) -> list[str]:
    return [query]


@capture_args(retention="unlimited")
def ping(value: int) -> int:
    return value
