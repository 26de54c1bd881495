"""Seed 000, "3. Machine Learning Model Training": the test as written.

The application module is ``tests/seed_apps/ml/model_trainer.py`` (the seed's class,
decorated as written, with the steps the seed does not show filled in). Scaffolding is
marked ``# scaffolding``: the imports the seed's test file leaves out, the production
capture made before the test (into a temporary store standing for the production one), and
the helpers the test names without defining (``_analyze_data_transformations``,
``_assess_training_stability``, ``_sanitize_ml_parameters``).

The sample imports scikit-learn, numpy and joblib: the test environment installs them,
pinned (``hatch.toml``, ``[envs.test]``), so the test runs on every Python and its committed
syrupy snapshot (the scikit-learn call tree, specific to those versions) is checked; a
missing package is a failure, not a skip.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from snapy_capture import (
    add_search_path,
    load_capture,
    remove_search_path,
)
from snapy_testing import FunctionTracer
from tests._seed_helpers import production

# scaffolding: the application class, imported by the fixture below
ModelTrainer: Any = None

SEED_APPS = Path(__file__).resolve().parent / "seed_apps"
sys.path.insert(0, str(SEED_APPS))


# -- 3. Machine Learning Model Training --------------------------------------------------------


@pytest.fixture
def trainer_captures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)
    from ml.model_trainer import ModelTrainer

    ModelTrainer.model_dir = str(tmp_path)
    globals()["ModelTrainer"] = ModelTrainer
    rows = [{"age": 20 + i % 30, "visits": i % 7, "churned": int(i % 7 < 2)} for i in range(60)]
    with production(tmp_path / "production"):
        ModelTrainer().train_model(rows, "churned", api_credentials="sk_live_1")
    add_search_path(tmp_path / "production")
    yield
    remove_search_path(tmp_path / "production")


@pytest.mark.usefixtures("trainer_captures")  # scaffolding
def test_model_training_workflow(snapshot):
    """Test ML training with captured data and execution tracing"""

    # Load captured training arguments (with large data handling)
    args, kwargs = load_capture("train_model")

    # Create tracer focused on ML workflow
    tracer = FunctionTracer(
        filter_modules=[
            "ml.*",  # Our ML modules
            "sklearn.*",  # Scikit-learn operations
            "!numpy.*",  # Exclude numpy internals for performance
            "!pandas.*",  # Exclude pandas internals
        ]
    )

    trainer = ModelTrainer()

    with tracer:
        result = trainer.train_model(*args, **kwargs)

    # Comprehensive ML workflow analysis
    ml_analysis = {
        "training_results": {
            "model_performance": result["evaluation_metrics"],
            "feature_count": result["training_summary"]["features_used"],
            "samples_processed": result["training_summary"]["samples_trained"],
        },
        "workflow_analysis": {
            "execution_flow": tracer.format_trace(format_type="tree"),
            "performance_metrics": tracer.get_metrics(),
            "ml_operations": _extract_ml_operations(tracer.get_events()),
            "data_transformation_steps": _analyze_data_transformations(tracer.get_events()),
        },
        "model_quality": {
            "feature_importance": result["feature_importance"][:10],  # Top 10 features
            "training_stability": _assess_training_stability(tracer.get_events()),
        },
    }

    assert ml_analysis == snapshot


def _extract_ml_operations(events):
    """Extract ML-specific operations from trace"""
    ml_operations = []
    sklearn_events = [e for e in events if "sklearn" in e.module_name]

    for event in sklearn_events:
        if event.is_call_event():
            ml_operations.append(
                {
                    "operation": event.function_name,
                    "module": event.module_name,
                    "execution_time": getattr(event, "duration", None),
                    "parameters": _sanitize_ml_parameters(event.args),
                }
            )

    return ml_operations


def _sanitize_ml_parameters(args):  # scaffolding
    return sorted(args or {})


def _analyze_data_transformations(events):  # scaffolding
    steps = ("_preprocess_data", "_engineer_features")
    return [e.function_name for e in events if e.is_call_event() and e.function_name in steps]


def _assess_training_stability(events):  # scaffolding
    return {"exceptions": sum(1 for e in events if e.event_type == "exception")}
