"""Seed 001 (snapy_capture module documentation): every sample, run as written.

Scaffolding the samples assume but do not define is marked ``# scaffolding``:
``authenticate_user``, ``process_payment_legacy``, ``process_data``,
``process_complex_data``, ``expensive_function``/``large_data``, ``get_test_data``,
``CustomJSONEncoder``, ``JSONPickleSerializer``, ``payment_processing`` and
``user_service``. "Production" calls are made inside :func:`production`, which sends their
captures to a temporary store standing for the production one (a test run never writes
the real stores: the pytest plugin redirects its own captures to a session store).
"""

from __future__ import annotations

import base64
import json
import pickle
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from snapy_capture import (
    ArgumentFilter,
    CaptureConfig,
    CaptureLoader,
    CaptureNotFoundError,
    CaptureProfiler,
    CaptureStorage,
    Redacted,
    add_search_path,
    capture_args,
    load_capture,
    load_capture_dict,
    remove_search_path,
    set_global_config,
)
from snapy_core import DEFAULT_VALUE_RULES
from tests._seed_helpers import production

# functions decorated inside a test leave the registry loaders search after it
pytestmark = pytest.mark.usefixtures("forget_decorated_functions")

# -- scaffolding: the application code the samples call ----------------------------------


def authenticate_user(username, password, remember_me):  # scaffolding
    return {"user": username, "authenticated": password == "hunter2", "remember_me": remember_me}


def process_payment_legacy(card_data, amount, merchant_id):  # scaffolding
    return {"merchant": merchant_id, "charged": amount, "card_known": bool(card_data)}


def process_data(data):  # scaffolding
    return sorted(data) if isinstance(data, list) else data


class CustomJSONEncoder(json.JSONEncoder):  # scaffolding: placeholders and tuples as text
    def default(self, o):
        return str(o)


class JSONPickleSerializer:  # scaffolding: the seed names it without defining it
    def serialize(self, data):
        return "pickle:" + base64.b64encode(pickle.dumps(data)).decode()


# -- the samples' application code, as written --------------------------------------------


@capture_args(path="./captures", retention=3, ignore_args=["password"])
def user_authentication(username, password, remember_me=False):
    return authenticate_user(username, password, remember_me)


@capture_args(retention="unlimited")  # scaffolding: the function the parametrized sample replays
def payment_processing(amount, currency="EUR", *, customer):
    return {"amount": amount, "currency": currency, "customer": customer}


# Original legacy function
def legacy_payment_processor(card_data, amount, merchant_id):
    # Complex legacy logic
    return process_payment_legacy(card_data, amount, merchant_id)


# Add capture capability without modifying internals
legacy_payment_processor = capture_args(
    path="./legacy_captures",
    ignore_args=["card_data"],  # Security filtering
)(legacy_payment_processor)


# Seed 001's end-to-end sample asserts that the e-mail survives capture and replay, while
# snapy redacts e-mail addresses by default: this service (scaffolding) opts out of the
# e-mail rule, as a user would for an argument the replay needs. The password stays redacted.
KEEP_EMAILS = ArgumentFilter(value_rules=[r for r in DEFAULT_VALUE_RULES if r.name != "email"])


class UserService:  # scaffolding for the end-to-end sample
    @capture_args(custom_filter=KEEP_EMAILS)
    def create_user(self, username, email, password):
        return {"username": username, "email": email, "id": f"u_{len(username)}"}


user_service = UserService()


@pytest.fixture(scope="module")
def production_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    store = tmp_path_factory.mktemp("production_store")
    with production(store):
        user_authentication("john_doe", "hunter2", remember_me=True)
        for amount, customer in ((10, "c1"), (25, "c2"), (40, "c3")):
            payment_processing(amount, customer=customer)
    add_search_path(store)
    yield store
    remove_search_path(store)


# -- 1. capture.py: the decorator -------------------------------------------------------------


def test_decorator_example_captures_with_password_ignored(production_store: Path) -> None:
    args, kwargs = load_capture("user_authentication")
    assert args[0] == "john_doe"
    assert isinstance(args[1], Redacted)
    assert kwargs == {"remember_me": True}
    assert "hunter2" not in repr((args, kwargs))


# -- 2. the storage format --------------------------------------------------------------------


def test_storage_format_as_documented(production_store: Path) -> None:
    data = load_capture_dict("user_authentication")
    assert data["function_name"] == "user_authentication"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", data["timestamp"])
    assert data["args"][0] == "john_doe"
    assert data["kwargs"] == {"remember_me": True}
    assert data["metadata"]["call_depth"] == 0
    assert data["metadata"]["thread_name"] == "MainThread"
    assert data["metadata"]["python_version"].count(".") == 2


# -- 5. loader.py: usage patterns --------------------------------------------------------------


def test_loader_usage_patterns(production_store: Path) -> None:
    # Basic loading
    args, kwargs = load_capture("user_authentication")

    # Advanced loading with selection
    loader = CaptureLoader()
    captures = loader.load_all("user_authentication")
    args, kwargs = loader.select_by_criteria(captures, {"thread_id": "MainThread"})

    assert args[0] == "john_doe"
    assert kwargs == {"remember_me": True}


# -- pytest integration: fixture-based loading ------------------------------------------------


@pytest.fixture
def captured_user_args(production_store):
    return load_capture("user_authentication")


def test_authentication(captured_user_args, snapshot):
    args, kwargs = captured_user_args
    result = user_authentication(*args, **kwargs)
    assert result == snapshot


# -- pytest integration: parametrized testing ----------------------------------------------------


@pytest.mark.parametrize("capture_index", range(3))
def test_multiple_scenarios(capture_index, snapshot, production_store):
    loader = CaptureLoader()
    args, kwargs = loader.load_by_index("payment_processing", capture_index)
    result = payment_processing(*args, **kwargs)
    assert result == snapshot


# -- production deployment -------------------------------------------------------------------


def test_safe_production_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_global_config: None
) -> None:
    monkeypatch.chdir(tmp_path)
    # In production environment
    config = CaptureConfig(
        production_mode=True,
        minimal_capture=True,
        ignore_large_objects=True,
        max_capture_size=1024,  # 1KB limit
        retention=1,  # Keep only latest
    )
    set_global_config(config)

    @capture_args()
    def checkout(order_id, notes):
        return order_id

    with production(tmp_path / "prod"):
        checkout("o1", "short")
        checkout("o2", "x" * 5000)
    records = CaptureLoader(tmp_path / "prod").load_all("checkout")
    assert len(records) == 1  # retention=1
    (record,) = records
    assert record.args[0] == "o2"
    assert record.args[1] != "x" * 5000  # over the 1 KB limit: left out, placeholder kept
    assert record.metadata.host is None  # minimal capture


# -- legacy code integration --------------------------------------------------------------------


def test_legacy_retrofit(tmp_path: Path) -> None:
    with production(tmp_path / "legacy"):
        result = legacy_payment_processor("4111 1111 1111 1111", 120, "m_7")
    assert result == {"merchant": "m_7", "charged": 120, "card_known": True}
    args, kwargs = load_capture("legacy_payment_processor", path=tmp_path / "legacy")
    assert isinstance(args[0], Redacted)
    assert args[1:] == (120, "m_7")
    assert legacy_payment_processor(*args, **kwargs)["charged"] == 120


# -- advanced features: custom serialization ---------------------------------------------------


class JSONCaptureStorage(CaptureStorage):
    def serialize_data(self, data):
        return json.dumps(data, cls=CustomJSONEncoder, indent=2)

    def deserialize_data(self, data):
        return json.loads(data)


def test_custom_serialization_storage(tmp_path: Path) -> None:
    @capture_args(backend=JSONCaptureStorage, ignore_args=["password"])
    def sign_in(username, password):
        return username

    with production(tmp_path / "custom"):
        sign_in("ada", "secret")
    (written,) = [p for p in (tmp_path / "custom").rglob("*.capture")]
    stored = json.loads(written.read_text())
    assert stored["args"][0] == "ada"
    assert "secret" not in written.read_text()
    record = JSONCaptureStorage(tmp_path / "custom").load_all(sign_in.__snapy__.function_key)[0][0]
    assert record.args[0] == "ada"


# -- advanced features: performance optimization -------------------------------------------------


def test_high_performance_capture(tmp_path: Path) -> None:
    @capture_args(
        lazy_serialization=True,
        sample_rate=0.1,  # Capture 10% of calls
        async_storage=True,
    )
    def high_frequency_function(data):
        return process_data(data)

    with production(tmp_path / "fast"):
        results = [high_frequency_function([3, 1, 2]) for _ in range(500)]
    assert results == [[1, 2, 3]] * 500
    stats = high_frequency_function.__snapy__.stats
    assert 10 < stats.captured < 120  # ~10% of 500
    assert stats.written == stats.captured
    assert load_capture("high_frequency_function", path=tmp_path / "fast") == (([3, 1, 2],), {})


# -- advanced features: security hardening -----------------------------------------------------


class SecureArgumentFilter(ArgumentFilter):
    def __init__(self):
        super().__init__()
        self.pii_patterns = [
            r"\b\d{3}-\d{2}-\d{4}\b",  # SSN pattern
            r"\b\d{16}\b",  # Credit card pattern
            r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b",  # Email
        ]

    def contains_pii(self, value):
        if isinstance(value, str):
            for pattern in self.pii_patterns:
                if re.search(pattern, value):
                    return True
        return False


def test_security_hardening_filter(tmp_path: Path) -> None:
    @capture_args(custom_filter=SecureArgumentFilter())
    def register(name, national_id, contact):
        return name

    with production(tmp_path / "secure"):
        register("Ada", "123-45-6789", "ada@example.org")
    args, _ = load_capture("register", path=tmp_path / "secure")
    assert args[0] == "Ada"
    assert all(isinstance(value, Redacted) for value in args[1:])
    assert SecureArgumentFilter().contains_pii("card 4111111111111111")


# -- testing strategies ------------------------------------------------------------------------


def test_capture_filtering():
    @capture_args(ignore_args=["secret"])
    def test_function(public_data, secret):
        return {"data": public_data}

    # Execute function with sensitive data
    result = test_function("public", "sensitive")  # noqa: F841 (as in seed 001)

    # Verify capture exists and is filtered
    args, kwargs = load_capture("test_function")
    assert "sensitive" not in str(args) + str(kwargs)


def test_end_to_end_capture_replay():
    # Step 1: Execute function with capture
    original_result = user_service.create_user(
        username="testuser", email="test@example.com", password="secret123"
    )

    # Step 2: Load captured arguments
    args, kwargs = load_capture("create_user")

    # Step 3: Replay and validate
    replayed_result = user_service.create_user(*args, **kwargs)

    # Results should be identical (excluding dynamic fields)
    assert original_result["username"] == replayed_result["username"]
    assert original_result["email"] == replayed_result["email"]


# -- error handling ------------------------------------------------------------------------------


def get_test_data(function_name):  # scaffolding
    return (("fallback",), {})


def test_capture_not_found_fallback():
    try:
        args, kwargs = load_capture("function_name")
    except CaptureNotFoundError:
        # Fallback to manual test data
        args, kwargs = get_test_data("function_name")
    assert (args, kwargs) == (("fallback",), {})


class Connection:  # scaffolding: an object the JSON backend has no encoding for
    def __init__(self):
        self.lock = threading.Lock()
        self.dsn = "db://orders"


def process_complex_data(data):  # scaffolding
    return data["rows"]


def test_serialization_failures(tmp_path: Path):
    @capture_args(fallback_serializer=JSONPickleSerializer(), ignore_serialization_errors=True)
    def function_with_complex_objects(data):
        return process_complex_data(data)

    with production(tmp_path / "complex"):
        result = function_with_complex_objects({"rows": 3, "connection": Connection()})
    assert result == 3
    assert function_with_complex_objects.__snapy__.stats.failures == 0
    (record,) = CaptureLoader(tmp_path / "complex").load_all("function_with_complex_objects")
    assert record.args[0]["rows"] == 3  # the rest of the capture is kept


def expensive_function(data):  # scaffolding
    return sum(data)


def test_capture_profiler(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    global expensive_function
    expensive_function = capture_args()(expensive_function)
    large_data = list(range(50_000))
    with production(tmp_path / "profiled"):
        # Monitor capture performance
        with CaptureProfiler() as profiler:
            result = expensive_function(large_data)

        print(f"Capture overhead: {profiler.capture_time_ms}ms")
        print(f"Serialization size: {profiler.serialized_size_bytes} bytes")
    assert result == sum(range(50_000))
    assert profiler.captures == 1
    assert profiler.capture_time_ms > 0
    assert profiler.serialized_size_bytes > 50_000
    assert "Capture overhead: " in capsys.readouterr().out
