"""CaptureStorage: the file store every backend builds on (real files in tmp_path)."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import sys
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

import snapy_core
from snapy_core import (
    SCHEMA_VERSION,
    BackendNotFoundError,
    CallMetadata,
    CaptureCorruptError,
    CaptureNotFoundError,
    CaptureRecord,
    CaptureRef,
    CaptureStorage,
    CaptureWriteError,
    ConfigError,
    StorageBackend,
    function_dirname,
    hookimpl,
    open_storage,
    record_to_primitive,
)
from snapy_core._filestore import METADATA_NAME, hashed_dirname

if TYPE_CHECKING:
    from pathlib import Path

UTC = dt.timezone.utc
KEY = "shop.orders.OrderService.process_order"


class CustomJSONEncoder(json.JSONEncoder):
    """The encoder seed 001 refers to without defining it."""

    def default(self, o: Any) -> Any:
        if isinstance(o, Decimal):
            return str(o)
        if isinstance(o, (set, frozenset)):
            return sorted(o)
        return super().default(o)


# Seed 001, as written.
class JSONCaptureStorage(CaptureStorage):
    def serialize_data(self, data):  # type: ignore[no-untyped-def]
        return json.dumps(data, cls=CustomJSONEncoder, indent=2)

    def deserialize_data(self, data):  # type: ignore[no-untyped-def]
        return json.loads(data)


class JSONStore(JSONCaptureStorage):
    name = "testjson"
    extension = "json"


def make_record(
    *args: Any,
    module: str = "shop.orders",
    qualname: str = "OrderService.process_order",
    timestamp: dt.datetime | None = None,
    **kwargs: Any,
) -> CaptureRecord:
    return CaptureRecord(
        module=module,
        qualname=qualname,
        timestamp=timestamp or dt.datetime.now(UTC),
        args=args,
        kwargs=kwargs,
        arg_names=tuple(f"a{i}" for i in range(len(args))),
        metadata=CallMetadata(pid=os.getpid(), snapy_version=snapy_core.__version__),
    )


def at(seconds: float) -> dt.datetime:
    return dt.datetime(2024, 9, 15, 10, 30, tzinfo=UTC) + dt.timedelta(seconds=seconds)


# -- seeds -------------------------------------------------------------------------------


def test_seed_001_json_subclass_round_trips_a_capture(tmp_path: Path) -> None:
    storage = JSONCaptureStorage(tmp_path)
    record = make_record("john_doe", remember_me=True, amount=Decimal("9.99"))

    ref = storage.write(record)
    loaded = storage.read(ref)

    assert loaded.args == ("john_doe",)
    assert loaded.kwargs == {"remember_me": True, "amount": "9.99"}  # CustomJSONEncoder's str
    assert loaded.function_key == KEY
    assert loaded.capture_id == ref.capture_id
    assert ref.path is not None
    assert ref.path.suffix == ".capture"
    # the file is the seed's JSON of the record dict, so it diffs well
    assert json.loads(ref.path.read_text())["args"] == ["john_doe"]


def test_seed_002_store_capture_override_receives_every_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SNAP_CAPTURE_DEFAULT_PATH", str(tmp_path / "configured"))

    # Seed 002, as written.
    class DatabaseStorage(CaptureStorage):
        def store_capture(self, function_name, args, kwargs):  # type: ignore[no-untyped-def]
            # Store in database instead of files
            pass

    calls: list[tuple[str, Any, Any]] = []

    class RecordingDatabaseStorage(DatabaseStorage):
        def store_capture(self, function_name, args, kwargs):  # type: ignore[no-untyped-def]
            calls.append((function_name, args, kwargs))

    storage = DatabaseStorage()
    assert storage.root == (tmp_path / "configured").absolute()
    assert not storage.accepts_encoded
    ref = storage.write(make_record("john_doe", remember_me=True))
    assert isinstance(ref, CaptureRef)
    assert ref.function_key == KEY
    assert ref.path is None

    RecordingDatabaseStorage().write(make_record("john_doe", remember_me=True))
    assert calls == [(KEY, ("john_doe",), {"remember_me": True})]
    assert not (tmp_path / "configured").exists()  # nothing went to files


def test_store_capture_default_writes_a_record_stamped_now(tmp_path: Path) -> None:
    storage = JSONStore(tmp_path)
    before = dt.datetime.now(UTC)
    ref = storage.store_capture("user_authentication", ["john_doe"], {"remember_me": True})
    assert ref is not None
    record = storage.read(ref)
    assert record.function_key == "user_authentication"
    assert record.function_name == "user_authentication"
    assert record.args == ("john_doe",)
    assert record.kwargs == {"remember_me": True}
    assert before <= record.timestamp <= dt.datetime.now(UTC)
    assert record.metadata.pid == os.getpid()


def test_base_class_without_an_encoding_says_what_to_override(tmp_path: Path) -> None:
    with pytest.raises(NotImplementedError, match="override serialize_data"):
        CaptureStorage(tmp_path).write(make_record(1))
    assert not any(tmp_path.iterdir())


# -- writing, listing, reading -------------------------------------------------------------


def test_write_list_read_newest_first(tmp_path: Path) -> None:
    storage = JSONStore(tmp_path)
    refs = [storage.write(make_record(i, timestamp=at(i))) for i in (3, 1, 2)]

    listed = storage.list(KEY)
    assert [ref.timestamp for ref in listed] == [at(3), at(2), at(1)]
    assert [storage.read(ref).args for ref in listed] == [(3,), (2,), (1,)]
    assert {ref.capture_id for ref in listed} == {ref.capture_id for ref in refs}
    assert [ref.capture_id for ref in storage.list(KEY, limit=2)] == [
        ref.capture_id for ref in listed[:2]
    ]
    assert all(ref.backend == "testjson" and ref.function_key == KEY for ref in listed)


def test_layout_on_disk(tmp_path: Path) -> None:
    storage = JSONStore(tmp_path)
    ref = storage.write(make_record(1, timestamp=at(0.25)))
    assert ref.path is not None
    assert ref.path.parent == tmp_path / KEY
    assert ref.capture_id == f"20240915T103000.250000Z-{os.getpid()}-{ref.capture_id[-6:]}"
    assert ref.path.name == ref.capture_id + ".json"
    assert ref.size == ref.path.stat().st_size
    metadata = json.loads((tmp_path / KEY / METADATA_NAME).read_text())
    assert metadata["function_key"] == KEY
    assert metadata["module"] == "shop.orders"


def test_same_timestamp_in_one_process_keeps_call_order(tmp_path: Path) -> None:
    storage = JSONStore(tmp_path)
    for i in range(20):
        storage.write(make_record(i, timestamp=at(0)))
    assert [storage.read(ref).args[0] for ref in storage.list(KEY)] == list(range(19, -1, -1))


def test_listing_reads_names_only(tmp_path: Path) -> None:
    storage = JSONStore(tmp_path)
    ref = storage.write(make_record(1))
    assert ref.path is not None
    ref.path.write_bytes(b"\x00garbage")  # listing must not notice: it never opens files
    assert [r.capture_id for r in storage.list(KEY)] == [ref.capture_id]
    [summary] = storage.functions()
    assert summary.count == 1
    assert summary.total_size == len(b"\x00garbage")


def test_read_by_id_and_by_path(tmp_path: Path) -> None:
    storage = JSONStore(tmp_path)
    ref = storage.write(make_record("x"))
    assert ref.path is not None
    assert storage.read_id(KEY, ref.capture_id).args == ("x",)
    copy = tmp_path / "copied.json"
    copy.write_bytes(ref.path.read_bytes())
    assert storage.read_path(copy).args == ("x",)
    assert storage.read(
        CaptureRef(
            function_key=KEY, capture_id=ref.capture_id, timestamp=ref.timestamp, backend="testjson"
        )
    ).args == ("x",)
    with pytest.raises(CaptureNotFoundError, match="not a capture id"):
        storage.read_id(KEY, "../../etc/passwd")
    with pytest.raises(CaptureNotFoundError, match="no captures of nope"):
        storage.read_id("nope", ref.capture_id)


def test_unknown_function_and_missing_root_have_no_captures(tmp_path: Path) -> None:
    storage = JSONStore(tmp_path / "does-not-exist")
    assert storage.list("anything") == []
    assert storage.functions() == []
    assert storage.load_all("anything") == ([], [])
    assert storage.prune("anything", keep=1) == []
    assert not (tmp_path / "does-not-exist").exists()  # reading creates nothing


def test_read_of_a_pruned_capture_is_not_found(tmp_path: Path) -> None:
    storage = JSONStore(tmp_path)
    ref = storage.write(make_record(1))
    storage.delete(ref)
    with pytest.raises(CaptureNotFoundError, match="pruned or deleted"):
        storage.read(ref)
    with pytest.raises(CaptureNotFoundError):
        storage.delete(ref)


def test_delete_refuses_paths_outside_the_store(tmp_path: Path) -> None:
    storage = JSONStore(tmp_path / "store")
    victim = tmp_path / "victim.json"
    victim.write_text("{}")
    forged = CaptureRef(
        function_key=KEY, capture_id="x", timestamp=at(0), backend="testjson", path=victim
    )
    with pytest.raises(snapy_core.StorageError, match="refusing to delete"):
        storage.delete(forged)
    assert victim.exists()


def test_write_encoded_lets_the_caller_encode_first(tmp_path: Path) -> None:
    storage = JSONStore(tmp_path)
    record = make_record([1, 2])
    data = storage.encode(record)
    assert storage.accepts_encoded
    ref = storage.write_encoded(record.function_key, record.timestamp, data, module=record.module)
    assert storage.read(ref).args == ([1, 2],)
    with pytest.raises(ValueError, match="timezone-aware"):
        storage.write_encoded(KEY, dt.datetime(2024, 1, 1), data)


def test_storage_satisfies_the_protocol(tmp_path: Path) -> None:
    assert isinstance(JSONStore(tmp_path), StorageBackend)


def test_encode_failures_name_the_function_and_backend(tmp_path: Path) -> None:
    storage = JSONStore(tmp_path)
    with pytest.raises(CaptureWriteError, match=rf"'testjson'.*{KEY}.*TypeError"):
        storage.encode(make_record(object()))

    class WrongType(JSONStore):
        def serialize_data(self, data):  # type: ignore[no-untyped-def]
            return 42

    with pytest.raises(TypeError, match="must return str or bytes, got int"):
        WrongType(tmp_path).encode(make_record(1))


def test_directory_is_recreated_if_removed_under_a_running_store(tmp_path: Path) -> None:
    import shutil

    storage = JSONStore(tmp_path)
    storage.write(make_record(1))
    shutil.rmtree(tmp_path / KEY)
    ref = storage.write(make_record(2))
    assert storage.read(ref).args == (2,)
    assert (tmp_path / KEY / METADATA_NAME).exists()


# -- permissions -------------------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize("umask", [0o000, 0o022, 0o277])
def test_files_0600_and_folders_0700_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        storage = JSONStore(tmp_path / "new" / "store")
        ref = storage.write(make_record(1))
    finally:
        os.umask(old)
    assert ref.path is not None
    for directory in (tmp_path / "new", tmp_path / "new" / "store", ref.path.parent):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
    for file in (ref.path, ref.path.parent / METADATA_NAME):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_existing_root_keeps_its_permissions_and_modes_are_configurable(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    storage = JSONStore(tmp_path, file_mode=0o640, dir_mode=0o750)
    ref = storage.write(make_record(1))
    assert ref.path is not None
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755
    assert stat.S_IMODE(ref.path.parent.stat().st_mode) == 0o750
    assert stat.S_IMODE(ref.path.stat().st_mode) == 0o640


# -- function keys and directories ---------------------------------------------------------


def test_clean_keys_are_their_own_directory_names() -> None:
    for key in (KEY, "f", "a_b-c.D9", "tests.test_x.test_f"):
        assert function_dirname(key) == key


HOSTILE_KEYS = [
    "../../etc/passwd",
    "..",
    ".",
    "",
    "/abs/path",
    "a/../../b",
    "a\\..\\..\\b",
    "C:\\Windows\\x",
    ".hidden",
    "-rf",
    "trailing.",
    "con",
    "NUL.txt",
    "com1.x",
    "mod.<locals>.f",
    "tab\there",
    "nul\x00byte",
    "new\nline",
    "é.ü.名前",
    "\udcff surrogate",
    "x" * 300,
    "a~b",
    "a~0123456789ab",
]


@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_hostile_keys_stay_inside_the_root(tmp_path: Path, key: str) -> None:
    name = function_dirname(key)
    assert name not in ("", ".", "..")
    assert "/" not in name
    assert "\\" not in name
    assert "\x00" not in name
    assert ".." not in name
    assert not name.startswith((".", "-"))
    assert not name.endswith(".")
    assert len(name) <= 120
    assert all(char.isascii() and (char.isalnum() or char in "_.-~") for char in name)
    assert name.split(".")[0].lower() not in {"con", "nul", "com1", "prn", "aux"}

    root = tmp_path / "root"
    storage = JSONStore(root)
    ref = storage.write(make_record(1, module="", qualname=key))
    assert ref.path is not None
    assert ref.path.resolve().parent.parent == root.resolve()
    assert [p.name for p in tmp_path.iterdir()] == ["root"]
    # the original key comes back from the directory metadata, and lookups work by key
    [summary] = storage.functions()
    assert summary.function_key == key
    assert storage.read(storage.list(key)[0]).qualname == key


def test_different_keys_never_share_a_directory() -> None:
    keys = [
        *HOSTILE_KEYS,
        "a/b",
        "a_b",
        "a:b",
        "a b",
        "a.b",
        "x" * 300 + "1",
        "x" * 300 + "2",
        "x" * 120,
        "a.b~" + hashed_dirname("a.b").split("~")[1],
    ]
    names = [function_dirname(key) for key in keys]
    assert len(set(names)) == len(set(keys))


def test_directory_name_from_a_listing_is_accepted_as_key(tmp_path: Path) -> None:
    storage = JSONStore(tmp_path)
    key = "mod.<locals>.f"
    storage.write(make_record(1, module="mod", qualname="<locals>.f"))
    dirname = function_dirname(key)
    [ref] = storage.list(dirname)
    assert ref.function_key == key
    assert storage.list("../" + dirname) == []


def test_case_insensitive_collision_moves_to_a_hashed_directory(tmp_path: Path) -> None:
    # What a case-insensitive file system does when mod.foo.f is written after mod.Foo.f:
    # the directory exists, but its metadata names the other key.
    storage = JSONStore(tmp_path)
    storage.write(make_record(1, module="mod", qualname="Foo.f"))
    os.rename(tmp_path / "mod.Foo.f", tmp_path / "mod.foo.f")
    (tmp_path / "mod.foo.f" / METADATA_NAME).write_text(json.dumps({"function_key": "mod.Foo.f"}))

    ref = JSONStore(tmp_path).write(make_record(2, module="mod", qualname="foo.f"))
    assert ref.path is not None
    assert ref.path.parent.name == hashed_dirname("mod.foo.f")
    assert [storage.read(r).args for r in JSONStore(tmp_path).list("mod.foo.f")] == [(2,)]
    assert {s.function_key for s in storage.functions()} == {"mod.Foo.f", "mod.foo.f"}


def test_functions_summaries(tmp_path: Path) -> None:
    storage = JSONStore(tmp_path)
    for i in range(3):
        storage.write(make_record(i, timestamp=at(i)))
    storage.write(make_record(1, module="util", qualname="helper", timestamp=at(10)))
    (tmp_path / "stray-dir").mkdir()
    (tmp_path / "stray.txt").write_text("x")

    orders, helper = storage.functions()
    assert (orders.function_key, orders.count, orders.oldest, orders.newest) == (
        KEY,
        3,
        at(0),
        at(2),
    )
    assert orders.module == "shop.orders"
    assert orders.backend == "testjson"
    assert orders.total_size == sum(p.stat().st_size for p in (tmp_path / KEY).glob("2*.json"))
    assert (helper.function_key, helper.count, helper.module) == ("util.helper", 1, "util")


def test_find_functions_by_bare_name_qualname_or_full_key(tmp_path: Path) -> None:
    storage = JSONStore(tmp_path)
    storage.write(make_record(1))
    storage.write(make_record(1, module="billing", qualname="process_order"))
    storage.write(make_record(1, module="x", qualname="reprocess_order"))

    assert storage.find_functions("process_order") == ["billing.process_order", KEY]
    assert storage.find_functions("OrderService.process_order") == [KEY]
    assert storage.find_functions(KEY) == [KEY]
    assert storage.find_functions("order") == []
    assert storage.function_keys() == ["billing.process_order", KEY, "x.reprocess_order"]
    assert storage.function_keys(matching=lambda key: key.startswith("x.")) == ["x.reprocess_order"]


def test_function_keys_skip_directories_of_other_backends_only(tmp_path: Path) -> None:
    storage = JSONStore(tmp_path)
    ref = storage.write(make_record(1))
    directory = ref.path.parent
    other = directory / ref.path.name.replace(".json", ".pickle")
    other.write_bytes(b"another backend's capture")
    ref.path.unlink()
    assert storage.function_keys() == []  # a .pickle file is no JSON capture
    (directory / "notes.json").write_text("{}")  # a .json file, but no capture name
    assert storage.function_keys() == []
    storage.write(make_record(2))
    assert storage.function_keys() == [KEY]


# -- retention ---------------------------------------------------------------------------


def test_retention_keeps_the_newest_even_when_written_out_of_order(tmp_path: Path) -> None:
    storage = JSONStore(tmp_path, retention=3)
    for second in (5, 1, 9, 3, 7, 2, 8):
        storage.write(make_record(second, timestamp=at(second)))
    assert [ref.timestamp for ref in storage.list(KEY)] == [at(9), at(8), at(7)]


def test_max_age_removes_old_captures_after_a_write(tmp_path: Path) -> None:
    now = dt.datetime.now(UTC)
    storage = JSONStore(tmp_path, max_age=dt.timedelta(hours=1))
    JSONStore(tmp_path).write(make_record("old", timestamp=now - dt.timedelta(hours=2)))
    storage.write(make_record("new", timestamp=now))
    assert [storage.read(ref).args for ref in storage.list(KEY)] == [("new",)]


def test_prune_keep_max_age_and_dry_run(tmp_path: Path) -> None:
    now = dt.datetime.now(UTC)
    storage = JSONStore(tmp_path)
    for hours in (0, 1, 2, 3, 4):
        storage.write(make_record(hours, timestamp=now - dt.timedelta(hours=hours, minutes=1)))

    planned = storage.prune(KEY, keep=3, dry_run=True)
    assert [storage.read(ref).args for ref in planned] == [(4,), (3,)]  # oldest first
    assert len(storage.list(KEY)) == 5

    removed = storage.prune(KEY, max_age=dt.timedelta(hours=2))
    assert [ref.timestamp for ref in removed] == [
        now - dt.timedelta(hours=h, minutes=1) for h in (4, 3, 2)
    ]
    assert [storage.read(ref).args for ref in storage.list(KEY)] == [(0,), (1,)]
    assert storage.prune(KEY, keep=0)
    assert storage.list(KEY) == []


def test_prune_defaults_to_the_store_policy(tmp_path: Path) -> None:
    JSONStore(tmp_path).write(make_record(1, timestamp=at(1)))
    JSONStore(tmp_path).write(make_record(2, timestamp=at(2)))
    assert len(JSONStore(tmp_path, retention=1).prune(KEY)) == 1
    assert len(JSONStore(tmp_path).prune(KEY)) == 0


def test_prune_never_deletes_files_it_does_not_own(tmp_path: Path) -> None:
    storage = JSONStore(tmp_path, retention=1)
    storage.write(make_record(1))
    directory = tmp_path / KEY
    lookalike = directory / "20241399T999999.000000Z-1-000001.json"  # month 13: not a capture
    foreign = directory / "notes.json"
    other_backend = directory / "20200101T000000.000000Z-1-000001.pickle"
    for path in (lookalike, foreign, other_backend):
        path.write_text("keep me")
    storage.write(make_record(2))
    storage.prune(KEY, keep=0)
    assert lookalike.exists()
    assert foreign.exists()
    assert other_backend.exists()
    strays = {stray.path.name: stray.reason for stray in storage.stray_files(KEY)}
    assert set(strays) == {lookalike.name, foreign.name}


@pytest.mark.parametrize("bad", [0, -1, 1.5, "3", True])
def test_bad_retention_is_a_clear_config_error(tmp_path: Path, bad: object) -> None:
    with pytest.raises(ConfigError, match=r"retention=.*whole number >= 1"):
        JSONStore(tmp_path, retention=bad)  # type: ignore[arg-type]


def test_max_age_accepts_durations(tmp_path: Path) -> None:
    assert JSONStore(tmp_path, max_age="7d").max_age == dt.timedelta(days=7)
    assert JSONStore(tmp_path, max_age=90).max_age == dt.timedelta(seconds=90)
    with pytest.raises(ConfigError, match="max_age='soon'"):
        JSONStore(tmp_path, max_age="soon")


# -- temporary files ---------------------------------------------------------------------


def _dead_pid() -> int:
    import subprocess

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_readers_skip_temporary_files_and_prune_removes_stale_ones(tmp_path: Path) -> None:
    storage = JSONStore(tmp_path)
    storage.write(make_record(1))
    directory = tmp_path / KEY
    dead, alive = _dead_pid(), os.getpid()
    old = 20 * 60
    stale = directory / f".20240915T103000.000000Z-{dead}-000001.json.tmp"
    live = directory / f".20240915T103000.000000Z-{alive}-000002.json.tmp"
    recent = directory / f".20240915T103000.000000Z-{dead}-000003.json.tmp"
    abandoned = directory / f".20240915T103000.000000Z-{alive}-000004.json.tmp"
    meta_tmp = directory / f"{METADATA_NAME}.{dead}-140000.tmp"
    for path, age in (
        (stale, old),
        (live, old),
        (recent, 60),
        (abandoned, 2 * 3600),
        (meta_tmp, old),
    ):
        path.write_text("{partial")
        mtime = path.stat().st_mtime - age
        os.utime(path, (mtime, mtime))

    assert len(storage.list(KEY)) == 1
    assert storage.load_all(KEY)[1] == []
    reported = {stray.path: stray.removable for stray in storage.stray_files()}
    assert reported == {stale: True, live: False, recent: False, abandoned: True, meta_tmp: True}

    storage.prune(KEY)
    assert not stale.exists()
    assert not abandoned.exists()
    assert not meta_tmp.exists()
    assert live.exists()
    assert recent.exists()


# -- corrupt files ---------------------------------------------------------------------


def test_load_all_reports_each_bad_file_and_loads_the_rest(tmp_path: Path) -> None:
    storage = JSONStore(tmp_path)
    good = [storage.write(make_record(i, timestamp=at(i))) for i in range(4)]
    assert good[1].path is not None
    assert good[2].path is not None
    good[1].path.write_bytes(good[1].path.read_bytes()[:20])  # truncated
    good[2].path.write_text(json.dumps({"hello": "world"}))  # valid JSON, wrong shape

    records, errors = storage.load_all(KEY)
    assert [record.args for record in records] == [(3,), (0,)]
    assert sorted(error.path for error in errors) == sorted([good[1].path, good[2].path])
    by_path = {error.path: error for error in errors}
    assert "not a valid testjson capture" in by_path[good[1].path].reason
    assert "missing required field(s) 'module', 'qualname', 'timestamp'" in str(
        by_path[good[2].path]
    )
    assert str(good[2].path) in str(by_path[good[2].path])


def test_future_schema_names_the_writer_and_says_to_upgrade(tmp_path: Path) -> None:
    storage = JSONStore(tmp_path)
    ref = storage.write(make_record(1))
    assert ref.path is not None
    data = json.loads(ref.path.read_text())
    data["schema"] = SCHEMA_VERSION + 1
    data["metadata"]["snapy_version"] = "9.1.0"
    ref.path.write_text(json.dumps(data))
    with pytest.raises(CaptureCorruptError) as caught:
        storage.read(ref)
    message = str(caught.value)
    assert str(ref.path) in message
    assert f"snapy 9.1.0, record schema {SCHEMA_VERSION + 1}" in message
    assert "pip install -U snapy-core" in message


@pytest.mark.parametrize("schema", [0, "1", None, True])
def test_nonsense_schema_is_corrupt(tmp_path: Path, schema: object) -> None:
    storage = JSONStore(tmp_path)
    primitive = record_to_primitive(make_record(1))
    primitive["schema"] = schema
    with pytest.raises(CaptureCorruptError, match="unknown record schema"):
        storage.decode(json.dumps(primitive).encode(), source="x.json")


def test_unreadable_capture_is_reported_not_raised_by_load_all(tmp_path: Path) -> None:
    storage = JSONStore(tmp_path)
    storage.write(make_record(1, timestamp=at(1)))
    ref = storage.write(make_record(2, timestamp=at(2)))
    assert ref.path is not None
    ref.path.unlink()
    ref.path.mkdir()  # a directory where a capture should be: cannot be read
    records, errors = storage.load_all(KEY)
    assert [r.args for r in records] == [(1,)]
    assert [e.path for e in errors] == [ref.path]
    assert "cannot be opened" in errors[0].reason


# -- write failures ------------------------------------------------------------------------


def test_a_file_in_the_way_gives_a_clear_write_error(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("I am a file")
    storage = JSONStore(tmp_path / "blocker" / "captures")
    with pytest.raises(CaptureWriteError) as caught:
        storage.write(make_record(1))
    message = str(caught.value)
    assert KEY in message
    assert str(tmp_path / "blocker") in message
    assert "SNAP_CAPTURE_DEFAULT_PATH" in message
    assert isinstance(caught.value, OSError)
    assert (tmp_path / "blocker").read_text() == "I am a file"


def test_a_file_in_the_way_of_the_function_directory(tmp_path: Path) -> None:
    (tmp_path / KEY).write_text("I am a file")
    with pytest.raises(CaptureWriteError, match="a file is in the way"):
        JSONStore(tmp_path).write(make_record(1))
    assert (tmp_path / KEY).read_text() == "I am a file"


# -- durability ------------------------------------------------------------------------


def test_durable_store_writes_and_deletes(tmp_path: Path) -> None:
    storage = JSONStore(tmp_path, durable=True, retention=1)
    storage.write(make_record(1, timestamp=at(1)))
    ref = storage.write(make_record(2, timestamp=at(2)))
    assert [r.capture_id for r in storage.list(KEY)] == [ref.capture_id]
    storage.delete(ref)
    assert storage.list(KEY) == []


# -- backends by name ------------------------------------------------------------------


class _TestBackendPlugin:
    @hookimpl
    def snapy_register_storage_backends(self, register: Any) -> None:
        register("testjson", JSONStore, description="JSON for tests")


def _forget_registrations() -> None:
    from snapy_core import _plugins

    _plugins._registry_cache.clear()  # registrations are cached until the manager changes


@pytest.fixture
def test_backend() -> Any:
    # register on the live manager and take it away afterwards (no reset: plugins that
    # other tests registered by hand stay as they were)
    from snapy_core import get_plugin_manager

    manager = get_plugin_manager()
    plugin = _TestBackendPlugin()
    manager.register(plugin, name="test-backend")
    _forget_registrations()
    yield
    manager.unregister(plugin)
    _forget_registrations()


@pytest.mark.usefixtures("test_backend")
def test_open_storage_by_name(tmp_path: Path) -> None:
    info = snapy_core.get_backend_info("testjson")
    assert info.plugin == "test-backend"
    assert info.description == "JSON for tests"
    storage = open_storage("testjson", tmp_path, retention=2)
    assert isinstance(storage, JSONStore)
    assert storage.retention == 2
    assert storage.root == tmp_path


@pytest.mark.usefixtures("test_backend")
def test_unknown_backend_lists_installed_ones_and_the_pip_hint() -> None:
    installed = sorted(snapy_core.available_backends())
    assert "testjson" in installed
    with pytest.raises(BackendNotFoundError) as caught:
        snapy_core.get_backend_info("msgpack")
    message = str(caught.value)
    assert "'msgpack'" in message
    assert f"installed: {', '.join(installed)}" in message
    assert "Check the name, or install the plugin" in message


def test_known_backend_missing_says_which_package_to_install() -> None:
    from snapy_core import collect_registrations, get_plugin_manager

    manager = get_plugin_manager()
    providers = {
        registration.plugin
        for registration in collect_registrations("snapy_register_storage_backends")
        if registration.args[0] in ("json", "pickle")
    }
    removed = [(name, manager.unregister(name=name)) for name in providers]
    _forget_registrations()
    try:
        for name, package in (("pickle", "snapy-storage-pickle"), ("json", "snapy-storage-json")):
            with pytest.raises(BackendNotFoundError, match=f"pip install {package}"):
                open_storage(name, "unused")
    finally:
        for name, plugin in removed:
            manager.register(plugin, name=name)
        _forget_registrations()


@pytest.mark.parametrize(
    ("field", "value"),
    [("metadata", "x"), ("metadata", [1]), ("outcome", "x"), ("args", 5), ("kwargs", [1, 2])],
)
def test_nested_fields_of_the_wrong_type_are_corrupt(
    tmp_path: Path, field: str, value: object
) -> None:
    primitive = record_to_primitive(make_record(1))
    primitive[field] = value
    with pytest.raises(CaptureCorruptError, match=f"field {field!r} should be"):
        JSONStore(tmp_path).decode(json.dumps(primitive).encode(), source="x.json")


def test_newest_few_among_many_skip_files_that_are_not_captures(tmp_path: Path) -> None:
    storage = JSONStore(tmp_path)
    for second in range(60):
        storage.write(make_record(second, timestamp=at(second)))
    directory = tmp_path / KEY
    # names that sort above every capture: strays, another backend's newer captures
    lookalike = "29991399T000000.000000Z-1-000001.json"  # month 13: only looks like one
    for name in (
        "zz-notes.json",
        "README.json",
        "30000101T000000.000000Z-1-000001.pickle",
        lookalike,
    ):
        (directory / name).write_text("{}")
    for index in range(40):
        (directory / f"30000101T000000.{index:06d}Z-1-000001.pickle").write_text("x")
    for limit in (1, 2, 5, 59, 60, 61, 100):
        expected = [at(s) for s in range(59, -1, -1)][:limit]
        assert [ref.timestamp for ref in storage.list(KEY, limit=limit)] == expected, limit
    assert storage.list(KEY, limit=0) == []


FORK_SCRIPT = """
import datetime as dt, json, os, sys, threading, time
from snapy_core import CaptureRecord, CaptureStorage

class Store(CaptureStorage):
    extension = "json"
    def serialize_data(self, data):
        return json.dumps(data, default=str)

store = Store(sys.argv[1])
held, release = threading.Event(), threading.Event()

def setting_up():  # stands for a background writer creating the directory at the fork
    with store._setup_lock:
        held.set()
        release.wait()

threading.Thread(target=setting_up, daemon=True).start()
held.wait()
pid = os.fork()
if pid == 0:
    record = CaptureRecord(module="m", qualname="f", timestamp=dt.datetime.now(dt.timezone.utc))
    store.write(record)  # sets up the directory: takes the lock
    os._exit(0)
release.set()
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        sys.exit(os.waitstatus_to_exitcode(status))
    time.sleep(0.01)
os.kill(pid, 9)
sys.exit("the child never finished its write: a lock held at the fork was never released")
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_writes_although_a_parent_thread_held_the_store_lock(
    tmp_path: Path,
) -> None:
    import subprocess

    script = tmp_path / "fork_while_locked.py"
    script.write_text(FORK_SCRIPT)
    result = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "store")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    captures = [
        p for p in (tmp_path / "store" / "m.f").glob("*.json") if not p.name.startswith(".")
    ]
    assert len(captures) == 1
