"""Seed 002 (architecture overview): the snapy_capture samples, run as written.

Scaffolding the samples assume (``process_data``, ``legacy_function``,
``CustomJSONEncoder``, ``_is_sensitive``) is marked ``# scaffolding``. "Production" calls
are captured into a temporary store that stands for the production one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from snapy_capture import (
    ArgumentFilter,
    CaptureConfig,
    CaptureLoader,
    CaptureStorage,
    CaptureWarning,
    Redacted,
    add_search_path,
    capture_args,
    load_capture,
    remove_search_path,
    set_global_config,
)
from tests._seed_helpers import production

# functions decorated inside a test leave the registry loaders search after it
pytestmark = pytest.mark.usefixtures("forget_decorated_functions")


def process_data(user_id, data):  # scaffolding
    return {"user": user_id, "size": len(data)}


class CustomJSONEncoder(json.JSONEncoder):  # scaffolding
    def default(self, o):
        return repr(o)


# -- design patterns: decorator ------------------------------------------------------------


@capture_args(path="./captures", retention=5, ignore_args=["password"])
def business_function(user_id, data, password=None):
    return process_data(user_id, data)


def test_decorator_pattern(tmp_path: Path) -> None:
    with production(tmp_path / "store"):
        assert business_function(7, [1, 2, 3], password="pw") == {"user": 7, "size": 3}
    args, kwargs = load_capture("business_function", path=tmp_path / "store")
    assert args == (7, [1, 2, 3])
    assert isinstance(kwargs["password"], Redacted)
    assert business_function(*args, **kwargs) == {"user": 7, "size": 3}


# -- design patterns: strategy --------------------------------------------------------------


def test_production_strategy(tmp_path: Path, restore_global_config: None) -> None:
    # Production strategy
    config = CaptureConfig(production_mode=True, minimal_capture=True)
    set_global_config(config)

    @capture_args()
    def handle_request(path, api_key):
        return path

    with production(tmp_path / "prod"):
        handle_request("/a", "k1")
        handle_request("/b", "k2")
    records = CaptureLoader(tmp_path / "prod").load_all("handle_request")
    assert [r.args[0] for r in records] == ["/b"]  # production retention: 1
    assert records[0].metadata.host is None  # minimal capture
    assert isinstance(records[0].args[1], Redacted)  # api_key: strict redaction by name


def test_development_strategy(tmp_path: Path, restore_global_config: None) -> None:
    # Development strategy
    config = CaptureConfig(full_capture=True, debug_mode=True)
    set_global_config(config)

    @capture_args()
    def compute(x):
        if x < 0:
            raise ValueError("negative")
        return x * 2

    with production(tmp_path / "dev"):
        assert compute(21) == 42
        with pytest.raises(ValueError, match="negative"):
            compute(-1)
    newest, oldest = CaptureLoader(tmp_path / "dev").load_all("compute")
    assert oldest.outcome.value == 42  # full capture stores the result
    assert newest.outcome.exc_type == "ValueError"
    assert newest.metadata.host  # full metadata


# -- design patterns: adapter ---------------------------------------------------------------


def legacy_function(account, amount, *, currency="EUR"):  # scaffolding: "untestable" legacy
    return f"{account}:{amount:.2f}{currency}"


@pytest.fixture
def legacy_captures(tmp_path: Path) -> Iterator[None]:
    global legacy_function
    legacy_function = capture_args()(legacy_function)
    with production(tmp_path / "legacy"):
        legacy_function("acc-1", 12.5, currency="GBP")
    add_search_path(tmp_path / "legacy")
    yield
    remove_search_path(tmp_path / "legacy")


# Adapter enables testing of untestable legacy code
def test_legacy_system(snapshot, legacy_captures):
    args, kwargs = load_capture("legacy_function")
    result = legacy_function(*args, **kwargs)
    assert result == snapshot


# -- extensibility points -------------------------------------------------------------------


class CustomArgumentFilter(ArgumentFilter):
    def should_capture(self, arg_name, arg_value):
        # Custom filtering logic
        return not self._is_sensitive(arg_name, arg_value)

    def _is_sensitive(self, arg_name, arg_value):  # scaffolding
        return arg_name == "ssn" or (isinstance(arg_value, str) and arg_value.startswith("sk_"))


def test_custom_filter(tmp_path: Path) -> None:
    @capture_args(custom_filter=CustomArgumentFilter())
    def enroll(name, ssn, stripe_key):
        return name

    with production(tmp_path / "filtered"):
        enroll("Ada", "078-05-1120", "sk_live_abc")
    args, _ = load_capture("enroll", path=tmp_path / "filtered")
    assert args[0] == "Ada"
    assert isinstance(args[1], Redacted)
    assert isinstance(args[2], Redacted)


class DatabaseStorage(CaptureStorage):
    def store_capture(self, function_name, args, kwargs):
        # Store in database instead of files
        pass


class RecordingDatabaseStorage(DatabaseStorage):  # scaffolding: a "database" we can look at
    rows: list = []

    def store_capture(self, function_name, args, kwargs):
        super().store_capture(function_name, args, kwargs)
        self.rows.append((function_name, tuple(args), dict(kwargs)))


def test_custom_storage(tmp_path: Path) -> None:
    @capture_args(backend=DatabaseStorage, ignore_args=["password"])
    def to_database(user, password):
        return user

    @capture_args(backend=RecordingDatabaseStorage, ignore_args=["password"])
    def to_recording_database(user, password):
        return user

    with production(tmp_path / "db"):
        assert to_database("ada", "pw") == "ada"
        assert to_recording_database("grace", "pw") == "grace"
    assert to_database.__snapy__.stats.failures == 0
    assert not (tmp_path / "db").exists()  # nothing went to files
    ((name, args, _kwargs),) = RecordingDatabaseStorage.rows
    assert name.endswith("to_recording_database")
    assert args[0] == "grace"
    assert isinstance(args[1], Redacted)


class JSONSerializer:
    def serialize(self, data):
        return json.dumps(data, cls=CustomJSONEncoder)


def test_custom_serializer_as_fallback(tmp_path: Path) -> None:
    class Strict:
        """A store whose encoder refuses sets outright (a backend limitation)."""

        name = "strict"

        def __init__(self, root, **options):
            from snapy_core import open_storage

            self._inner = open_storage("json", root, **options)

        def encode(self, record):
            if any(isinstance(value, set) for value in record.args):
                raise TypeError("sets are not supported by this store")
            return self._inner.encode(record)

        def __getattr__(self, name):
            return getattr(self._inner, name)

    @capture_args(backend=Strict, fallback_serializer=JSONSerializer())
    def tag(labels, weight):
        return weight

    with production(tmp_path / "fallback"), pytest.warns(CaptureWarning, match="labels"):
        assert tag({"b"}, 3) == 3
    (record,) = CaptureLoader(tmp_path / "fallback").load_all("tag")
    assert record.args == ("\"{'b'}\"", 3)
