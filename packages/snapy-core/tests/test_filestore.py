"""Names on disk: directory names of function keys, capture ids, temporary files."""

from __future__ import annotations

import datetime as dt
import os

from hypothesis import given, settings
from hypothesis import strategies as st

from snapy_core._filestore import (
    MAX_DIRNAME_LENGTH,
    function_dirname,
    hashed_dirname,
    is_safe_dirname,
    looks_like_capture,
    new_capture_id,
    parse_capture_id,
)

UTC = dt.timezone.utc
_ALLOWED = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-~")


def _safe(name: str) -> bool:
    return (
        0 < len(name) <= MAX_DIRNAME_LENGTH
        and set(name) <= _ALLOWED
        and name not in (".", "..")
        and ".." not in name
        and not name.startswith((".", "-"))
        and not name.endswith(".")
        and name.split(".")[0].lower() not in {"con", "prn", "aux", "nul", "com1", "lpt1"}
    )


@settings(max_examples=150)
@given(key=st.text(max_size=300))
def test_any_key_gives_one_safe_path_component(key: str) -> None:
    name = function_dirname(key)
    assert _safe(name), name
    assert is_safe_dirname(name)
    assert function_dirname(key) == name  # stable


@settings(max_examples=150)
@given(first=st.text(max_size=150), second=st.text(max_size=150))
def test_different_keys_get_different_directories(first: str, second: str) -> None:
    if first != second:
        assert function_dirname(first) != function_dirname(second)


def test_hashed_names_keep_a_readable_prefix() -> None:
    assert hashed_dirname("mod.<locals>.f").startswith("mod._locals_.f~")
    assert hashed_dirname("x" * 500).startswith("x" * 100)
    assert len(hashed_dirname("x" * 500)) <= MAX_DIRNAME_LENGTH


def test_directory_names_from_elsewhere_are_not_safe() -> None:
    for name in ("..", ".hidden", "a/b", "x~nothex", "x~0123456789ab/..", "-x", ""):
        assert not is_safe_dirname(name), name


@settings(max_examples=100)
@given(moment=st.datetimes(timezones=st.just(UTC)))
def test_capture_ids_sort_like_their_timestamps(moment: dt.datetime) -> None:
    earlier = new_capture_id(moment)
    later = new_capture_id(moment + dt.timedelta(microseconds=1)) if moment.year < 9999 else None
    assert parse_capture_id(earlier) == moment
    assert looks_like_capture(earlier + ".json", ".json")
    assert earlier.split("-")[1] == str(os.getpid())
    if later is not None:
        assert later > earlier
    assert new_capture_id(moment) > earlier  # same instant, later call: sorts after


def test_capture_id_of_a_non_utc_time_is_its_utc_instant() -> None:
    paris = dt.timezone(dt.timedelta(hours=2))
    capture_id = new_capture_id(dt.datetime(2024, 9, 15, 12, 30, tzinfo=paris))
    assert capture_id.startswith("20240915T103000.000000Z-")


def test_names_that_only_look_like_capture_ids() -> None:
    for text in (
        "20241399T000000.000000Z-1-000001",
        "20240101T000000.000000Z-x-000001",
        "20240101T000000.000000Z-1-1",
        "notes",
        "",
    ):
        assert parse_capture_id(text) is None, text
