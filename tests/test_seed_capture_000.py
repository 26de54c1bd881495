"""Seed 000 (integration patterns): the snapy_capture samples, run as written.

Scaffolding the samples assume is marked ``# scaffolding``. Samples that are test files
(the ``tests/conftest.py`` of "Test Data Management") run in real pytest runs (pytester),
twice: once writing their syrupy snapshots, once checking them.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest

from snapy_capture import (
    ArgumentFilter,
    CaptureConfig,
    CaptureLoader,
    Redacted,
    capture_args,
    redirect_captures,
    set_global_config,
)
from tests._seed_helpers import production

# functions decorated inside a test leave the registry loaders search after it
pytestmark = pytest.mark.usefixtures("forget_decorated_functions")


# -- Integration Best Practices 1: security-first capture configuration -----------------------


class ProductionSecureFilter(ArgumentFilter):
    """Production-ready security filter"""

    def __init__(self):
        super().__init__()
        self.pii_patterns = [
            r"\b\d{3}-\d{2}-\d{4}\b",  # SSN
            r"\b\d{16}\b",  # Credit card
            r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b",  # Email
            r"\b\d{10}\b",  # Phone number
        ]
        self.sensitive_keys = [
            "password",
            "token",
            "secret",
            "key",
            "credential",
            "api_key",
            "access_token",
            "session_id",
            "oauth_token",
        ]

    def should_capture_arg(self, arg_name, arg_value):
        # Check sensitive argument names
        if any(sensitive in arg_name.lower() for sensitive in self.sensitive_keys):
            return False

        # Check for PII patterns in string values
        if isinstance(arg_value, str):
            for pattern in self.pii_patterns:
                if re.search(pattern, arg_value):
                    return False

        return super().should_capture_arg(arg_name, arg_value)


def test_security_first_configuration(tmp_path: Path, restore_global_config: None) -> None:
    # Production configuration
    production_config = CaptureConfig(
        production_mode=True,
        minimal_capture=True,
        default_retention=1,
        ignore_args=["password", "token", "secret", "credentials", "api_key"],
        custom_filter=ProductionSecureFilter(),
    )
    set_global_config(production_config)

    @capture_args()
    def open_account(customer_name, phone, notes, session_id, credentials=None):
        return customer_name

    with production(tmp_path / "prod"):
        open_account("Ada", "0123456789", "prefers e-mail", "sess-1", credentials="u:p")
        open_account("Grace", "5551234567", "call after 5pm", "sess-2", credentials="u:q")
    records = CaptureLoader(tmp_path / "prod").load_all("open_account")
    assert len(records) == 1  # default_retention=1
    (record,) = records
    assert record.args[0] == "Grace"
    assert isinstance(record.args[1], Redacted)  # a 10-digit phone number
    assert record.args[2] == "call after 5pm"
    assert isinstance(record.args[3], Redacted)  # session_id
    assert isinstance(record.kwargs["credentials"], Redacted)
    assert record.metadata.host is None  # minimal capture


# -- Integration Best Practices 3: test data management (tests/conftest.py) ------------------

SEED_CONFTEST = '''
import pytest
from snapy_capture import load_capture, has_capture, CaptureLoader

@pytest.fixture
def captured_data():
    """Intelligent capture loading with fallbacks"""

    def _load_capture_with_fallback(function_name, fallback_data=None):
        if has_capture(function_name):
            return load_capture(function_name)
        elif fallback_data:
            return fallback_data
        else:
            pytest.skip(f"No captured data available for {function_name}")

    return _load_capture_with_fallback

@pytest.fixture
def capture_loader():
    """Advanced capture loading with filtering"""
    return CaptureLoader()
'''

SEED_TEST = """
from snapy_capture import capture_args


@capture_args(path="./complex_captures")  # scaffolding: the function under test
def complex_function(numbers, scale=1):
    return {"total": sum(numbers) * scale, "count": len(numbers)}

def get_default_test_data():  # scaffolding
    return (([1, 2, 3],), {"scale": 10})

# Usage in tests
def test_with_intelligent_loading(captured_data, snapshot):
    args, kwargs = captured_data(
        "complex_function",
        fallback_data=get_default_test_data()
    )

    result = complex_function(*args, **kwargs)
    assert result == snapshot

def test_capture_loader_fixture(capture_loader):  # scaffolding: uses the second fixture
    assert capture_loader.count("complex_function") in (0, 1)
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("-p", "no:cacheprovider", "-p", "no:hypothesispytest", *args)


def test_conftest_fixtures_with_fallback_data(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(SEED_CONFTEST)
    pytester.makepyfile(test_usage=SEED_TEST)
    run(pytester, "--snapshot-update").assert_outcomes(passed=2)
    snapshots = (pytester.path / "__snapshots__" / "test_usage.ambr").read_text()
    assert "'total': 60" in snapshots  # the fallback data: no capture stored yet
    run(pytester).assert_outcomes(passed=2)


def test_conftest_fixtures_with_a_stored_capture(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(SEED_CONFTEST)
    pytester.makepyfile(test_usage=SEED_TEST)
    pytester.syspathinsert()
    with redirect_captures(None):  # a production run of the application
        application = importlib.import_module("test_usage")
        application.complex_function([4, 5], scale=2)
    sys.modules.pop("test_usage", None)
    run(pytester, "--snapshot-update").assert_outcomes(passed=2)
    snapshots = (pytester.path / "__snapshots__" / "test_usage.ambr").read_text()
    assert "'total': 18" in snapshots  # the stored capture was replayed
    run(pytester).assert_outcomes(passed=2)
    assert CaptureLoader(pytester.path / "complex_captures").count("complex_function") == 1
