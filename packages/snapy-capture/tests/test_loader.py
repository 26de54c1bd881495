from __future__ import annotations

import datetime as dt
import re
import threading
from pathlib import Path
from typing import Any, ClassVar

import pytest

from snapy_capture import (
    CaptureLoader,
    CaptureNotFoundError,
    _runtime,
    add_search_path,
    capture_args,
    has_capture,
    load_capture,
    load_capture_dict,
    redirect_captures,
    remove_search_path,
    replay_arguments,
    search_locations,
)
from snapy_core import CaptureCorruptError, CaptureRecord, CaptureRef
from snapy_storage_json import JSONStorage


def make_functions(store: str = "caps"):
    @capture_args(path=store, retention="unlimited")
    def process_order(customer_id, items, payment_token=None):
        return len(items)

    class OrderService:
        @capture_args(path=store, retention="unlimited")
        def process_order(self, customer_id, items):
            return customer_id

    return process_order, OrderService


def test_bare_name_qualname_and_full_key(live: Path) -> None:
    @capture_args(path="caps")
    def user_authentication(username, password, remember_me=False):
        return username

    user_authentication("john_doe", "pw", remember_me=True)
    key = user_authentication.__snapy__.function_key
    qualname = user_authentication.__qualname__
    expected = (("john_doe", load_capture("user_authentication")[0][1]), {"remember_me": True})
    assert load_capture("user_authentication") == expected
    assert load_capture(qualname) == expected
    assert load_capture(key) == expected
    assert load_capture(user_authentication) == expected
    assert has_capture("user_authentication")
    assert not has_capture("user_authentication_v2")


def test_ambiguous_bare_name_lists_candidates(live: Path) -> None:
    process_order, order_service = make_functions()
    process_order("c1", [1])
    order_service().process_order("c2", [2])
    with pytest.raises(CaptureNotFoundError, match="matches captures of 2 functions") as info:
        load_capture("process_order")
    assert sorted(info.value.candidates) == sorted(
        [process_order.__snapy__.function_key, order_service.process_order.__snapy__.function_key]
    )
    assert has_capture("process_order")  # so that load_capture explains, not a fallback
    assert load_capture("OrderService.process_order") == (("c2", [2]), {})


def test_an_ambiguous_name_of_many_functions_shows_ten_and_keeps_all(live: Path) -> None:
    keys = []
    for number in range(12):
        handle = capture_args(path="caps")(make_handler(f"shop.service{number:02}"))
        handle(number)
        keys.append(handle.__snapy__.function_key)
    with pytest.raises(CaptureNotFoundError) as info:
        load_capture("handle")
    message = str(info.value)
    assert "matches captures of 12 functions" in message
    assert "and 2 more (`snapy list handle` shows them all)" in message
    assert all(key in message for key in sorted(keys)[:10])
    assert not any(key in message for key in sorted(keys)[10:])
    assert sorted(info.value.candidates) == sorted(keys)
    assert load_capture(keys[11]) == ((11,), {})


def make_handler(module: str) -> Any:
    def handle(request):
        return request

    handle.__module__ = module
    return handle


def test_miss_says_where_it_looked_and_near_names(live: Path) -> None:
    process_order, _ = make_functions()
    process_order("c1", [1])
    with pytest.raises(CaptureNotFoundError) as info:
        load_capture("proces_order")
    message = str(info.value)
    assert str(live / "caps") in message
    assert "path of @capture_args on" in message
    assert str(live / ".snapy" / "captures") in message
    assert "Near names" in message
    assert "process_order" in message


def test_decorated_but_never_called_says_so(live: Path) -> None:
    @capture_args(path="caps")
    def lonely(x):
        return x

    with pytest.raises(CaptureNotFoundError, match=r"none yet"):
        load_capture("lonely")


def test_index_newest_first_and_out_of_range(live: Path) -> None:
    process_order, _ = make_functions()
    for customer in ("first", "second", "third"):
        process_order(customer, [])
    loader = CaptureLoader()
    key = process_order.__snapy__.function_key
    assert [r.args[0] for r in loader.load_all(key)] == ["third", "second", "first"]
    assert loader.load_by_index(key, 0)[0][0] == "third"
    assert loader.load_by_index(key, 2)[0][0] == "first"
    assert loader.newest(key).args[0] == "third"
    assert loader.oldest(key).args[0] == "first"
    assert loader.count(key) == 3
    with pytest.raises(CaptureNotFoundError, match=r"3 stored capture.*index 5 is out of range"):
        loader.load_by_index(key, 5)


class CountingJSONStorage(JSONStorage):
    """The JSON store, noting how many captures each listing returned and which it read."""

    listed: ClassVar[list[int]] = []
    read_paths: ClassVar[list[Path | None]] = []

    def list(self, function_key: str, *, limit: int | None = None) -> list[CaptureRef]:
        refs = super().list(function_key, limit=limit)
        self.listed.append(len(refs))
        return refs

    def read(self, ref: CaptureRef) -> CaptureRecord:
        self.read_paths.append(ref.path)
        return super().read(ref)


def test_load_by_index_lists_and_reads_only_what_it_needs(live: Path) -> None:
    CountingJSONStorage.listed.clear()
    CountingJSONStorage.read_paths.clear()

    @capture_args(path="caps", retention="unlimited", backend=CountingJSONStorage)
    def ship(parcel):
        return parcel

    for parcel in range(12):
        ship(parcel)
    key = ship.__snapy__.function_key
    oldest = min((live / "caps").rglob("2*Z-*.json"))
    oldest.write_text("{ not json")  # an older capture that cannot be read

    assert load_capture(key, index=2) == ((9,), {})
    assert CountingJSONStorage.listed == [3]  # not all twelve
    assert len(CountingJSONStorage.read_paths) == 1
    assert CaptureLoader().load(key, 0).args == (11,)
    assert CountingJSONStorage.listed[-1] == 1

    # from the oldest end every capture is listed; only the one asked for is read
    assert CaptureLoader().load(key, -2).args == (1,)
    assert CountingJSONStorage.listed[-1] == 12
    with pytest.raises(CaptureCorruptError, match=re.escape(oldest.name)):
        CaptureLoader().load(key, -1)
    with pytest.raises(CaptureNotFoundError, match=r"12 stored capture.*index 12 is out"):
        CaptureLoader().load(key, 12)


def test_overrides_by_parameter_name_for_positional_and_keyword(live: Path) -> None:
    process_order, _ = make_functions()
    process_order("c1", ["x"], payment_token="tok_live")
    key = process_order.__snapy__.function_key
    args, kwargs = load_capture(key, overrides={"customer_id": "c9", "payment_token": "tok_t"})
    assert args == ("c9", ["x"])
    assert kwargs == {"payment_token": "tok_t"}
    record = CaptureLoader().newest(key)
    assert replay_arguments(record, {"new_kw": 1}) == (
        ("c1", ["x"]),
        {"payment_token": record.kwargs["payment_token"], "new_kw": 1},
    )


def test_load_capture_dict_has_the_seed_shape(live: Path) -> None:
    @capture_args(path="caps")
    def user_authentication(username, password, remember_me=False):
        return username

    user_authentication("john_doe", "pw", remember_me=True)
    data = load_capture_dict("user_authentication")
    assert data["function_name"] == "user_authentication"
    assert data["args"][0] == "john_doe"
    assert data["kwargs"] == {"remember_me": True}
    assert data["timestamp"].endswith("Z")
    assert data["metadata"]["call_depth"] == 0
    assert data["metadata"]["thread_name"] == "MainThread"
    assert data["metadata"]["python_version"]


def test_select_by_criteria_accepts_the_seed_spelling(live: Path) -> None:
    @capture_args(path="caps", retention="unlimited")
    def user_authentication(username, password, remember_me=False):
        return username

    thread = threading.Thread(target=user_authentication, args=("worker_user", "pw"), name="Worker")
    thread.start()
    thread.join()
    user_authentication("main_user", "pw")
    loader = CaptureLoader()
    captures = loader.load_all("user_authentication")
    args, _ = loader.select_by_criteria(captures, {"thread_id": "MainThread"})
    assert args[0] == "main_user"
    args, _ = loader.select_by_criteria(captures, {"thread_id": "Worker"})
    assert args[0] == "worker_user"
    args, _ = loader.select_by_criteria(captures, {"thread_id": thread.ident})
    assert args[0] == "worker_user"
    args, _ = loader.select_by_criteria("user_authentication", {"username": "worker_user"})
    assert args[0] == "worker_user"
    found = loader.find_by_criteria(captures, {"call_depth": lambda depth: depth == 0})
    assert len(found) == 2
    with pytest.raises(CaptureNotFoundError, match="thread_name in"):
        loader.select_by_criteria(captures, {"thread_name": "Nobody"})


def test_between_selects_by_time(live: Path) -> None:
    process_order, _ = make_functions()
    process_order("early", [])
    middle = dt.datetime.now(dt.timezone.utc)
    process_order("late", [])
    key = process_order.__snapy__.function_key
    loader = CaptureLoader()
    assert [r.args[0] for r in loader.between(key, start=middle)] == ["late"]
    assert [r.args[0] for r in loader.between(key, end=middle)] == ["early"]


def test_default_path_and_search_paths(live: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = live / "elsewhere"
    monkeypatch.setenv("SNAP_CAPTURE_DEFAULT_PATH", str(elsewhere))

    @capture_args()
    def uses_default(x):
        return x

    uses_default(1)
    assert elsewhere.is_dir()
    reasons = [location.reason for location in search_locations()]
    assert any("SNAP_CAPTURE_DEFAULT_PATH" in reason for reason in reasons)
    # a process that never imported the decorated code finds it through the variable alone
    _runtime._registry.clear()
    assert load_capture("uses_default") == ((1,), {})

    other = live / "other_store"

    @capture_args(path=other)
    def stored_elsewhere(x):
        return x

    stored_elsewhere(2)
    added = add_search_path(other)
    try:
        assert any(loc.root == added for loc in search_locations())
    finally:
        remove_search_path(other)


def test_redirected_store_is_only_a_fallback(live: Path) -> None:
    process_order, _ = make_functions()
    process_order("stored", [])
    key = process_order.__snapy__.function_key
    with redirect_captures(live / "session") as session:
        process_order("made during the session", [])

        @capture_args(path="caps")
        def only_in_session(x):
            return x

        only_in_session(1)
        assert load_capture(key) == (("stored", []), {})
        assert load_capture("only_in_session") == ((1,), {})
        fallback = [loc for loc in search_locations() if loc.fallback]
        assert [loc.root for loc in fallback] == [session]
    assert not (live / "caps" / "only_in_session").exists()


def test_empty_name_and_bad_index(live: Path) -> None:
    process_order, _ = make_functions()
    process_order("c", [])
    with pytest.raises(ValueError, match="empty"):
        load_capture("  ")
    with pytest.raises(TypeError, match="index"):
        CaptureLoader().load(process_order, "0")  # type: ignore[arg-type]
