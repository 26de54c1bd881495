"""Seed 000, "2. Data Processing Pipeline": the test as written.

The application module is ``tests/seed_apps/data/pipeline.py`` (the seed's class,
decorated as written, with the stage bodies the seed leaves empty filled in). The test
function and its helper are as written; scaffolding is marked ``# scaffolding``: the
imports the seed's test file leaves out, the production capture made before the test (into
a temporary store standing for the production one), the working directory (so the captured
file path is the same on every run), and ``_identify_bottlenecks`` (named, not defined).

The seed's module imports pandas (without using it): the test environment installs it,
pinned (``hatch.toml``, ``[envs.test]``), so the test runs on every Python and its committed
syrupy snapshot is checked; a missing pandas is a failure, not a skip.
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

# scaffolding: the application class, imported by the fixture below (from the test's
# working directory, which the decorator's relative capture path is resolved against)
DataPipeline: Any = None

SEED_APPS = Path(__file__).resolve().parent / "seed_apps"
sys.path.insert(0, str(SEED_APPS))

CUSTOMERS_CSV = """customer,email,country,orders
c1,a@example.org,GB,3
c2,,US,1
c3,c@example.org,US,4
c4,d@example.org,DE,2
c5,e@example.org,JP,7
"""


# -- 2. Data Processing Pipeline -------------------------------------------------------------


@pytest.fixture
def pipeline_captures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)
    Path("customers.csv").write_text(CUSTOMERS_CSV)
    from data.pipeline import DataPipeline

    globals()["DataPipeline"] = DataPipeline  # the seed's test uses it as a global
    with production(tmp_path / "production"):
        DataPipeline().process_customer_data("customers.csv", {"user": "etl", "password": "pw"})
    add_search_path(tmp_path / "production")
    yield
    remove_search_path(tmp_path / "production")


@pytest.mark.usefixtures("pipeline_captures")  # scaffolding
def test_complete_pipeline_with_tracing(snapshot):
    """Test entire pipeline with detailed execution tracing"""

    # Load captured real-world arguments
    args, kwargs = load_capture("process_customer_data")

    # Create tracer with pipeline-specific filtering
    tracer = FunctionTracer(
        filter_modules=[
            "data.*",  # Our data processing modules
            "pandas.*",  # Pandas operations
            "!numpy.*",  # Exclude numpy internals
        ]
    )

    pipeline = DataPipeline()

    with tracer:
        result = pipeline.process_customer_data(*args, **kwargs)

    # Comprehensive analysis of pipeline execution
    pipeline_analysis = {
        "result_summary": {
            "records_processed": result["processed_records"],
            "output_format": kwargs.get("output_format", "json"),
        },
        "execution_analysis": {
            "total_execution_time": tracer.get_metrics()["total_time"],
            "stage_breakdown": _analyze_pipeline_stages(tracer.get_events()),
            "performance_bottlenecks": _identify_bottlenecks(tracer.get_events()),
            "function_call_graph": tracer.get_call_graph(),
        },
        "data_quality_metrics": result["pipeline_stats"],
        "resource_usage": tracer.get_metrics()["memory_usage"],
    }

    assert pipeline_analysis == snapshot


def _analyze_pipeline_stages(events):
    """Analyze execution time per pipeline stage"""
    stage_methods = [
        "_ingest_data",
        "_validate_and_clean",
        "_enrich_data",
        "_aggregate_data",
        "_format_output",
    ]

    stage_analysis = {}
    for method in stage_methods:
        method_events = [e for e in events if e.function_name == method]
        if method_events:
            call_event = method_events[0]
            return_event = method_events[1] if len(method_events) > 1 else None

            stage_analysis[method] = {
                "execution_time": return_event.duration if return_event else None,
                "arguments_size": len(str(call_event.args)),
                "memory_at_start": call_event.memory_usage,
            }

    return stage_analysis


def _identify_bottlenecks(events):  # scaffolding: named by the seed, not defined
    returns = [e for e in events if e.event_type == "return" and e.duration is not None]
    return sorted({e.function_name for e in returns})
