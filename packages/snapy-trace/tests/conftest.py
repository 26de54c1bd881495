from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

SAMPLES = Path(__file__).parent / "samples"


@pytest.fixture(scope="session")
def samples_path() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def workload() -> ModuleType:
    """The sample workload module, imported from tests/samples."""
    sys.path.insert(0, str(SAMPLES))
    try:
        return importlib.import_module("snapytrace_workload")
    finally:
        sys.path.remove(str(SAMPLES))
