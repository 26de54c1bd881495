"""The tracing samples of seeds 000 and 002, run as written in a pytest project of their own.

The project (written to a temporary directory, run in fresh processes) holds:

* the seeds' test code as written, with only what the seeds leave out marked
  ``# scaffolding``: imports, helpers they name but do not define, and a local
  ``load_capture`` standing for captured arguments (the capture side of these samples
  runs in ``test_seed_capture_000_pipelines.py`` / ``..._ml.py``, which need pandas and
  scikit-learn; here the tracing side runs without them);
* application code the samples assume (``myapp``, ``data.pipeline``, ``ml.model_trainer``,
  and a ``sklearn`` stand-in whose name the ML sample's filter and helper look for),
  written in plain Python.

Fixes to samples that would fail as written:

* seed 000 "Performance-Optimized Tracing": ``HighPerformanceTracer.should_trace_call``
  calls ``random.random()`` but the sample never imports ``random``: ``import random``
  is added.

The snapshots hold ``tracer.get_metrics()``, event durations and the total time, as the
seeds do: they pass on the next runs because times and memory figures are ``Seconds`` /
``Bytes`` numbers whose ``repr`` is stable.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

APP = {
    "myapp/__init__.py": "",
    "myapp/core.py": """
        import third_party

        def complex_business_logic():
            orders = [load_order(i) for i in range(3)]
            return summarize(orders)

        def load_order(i):
            return {"id": i, "total": third_party.price(i) * 2}

        def summarize(orders):
            return {"count": len(orders), "total": sum(o["total"] for o in orders)}

        def busy(n):
            return sum(step(i) for i in range(n))

        def step(i):
            return i % 7
    """,
    "third_party/__init__.py": """
        def price(i):
            return 10 + i
    """,
    "data/__init__.py": "",
    "data/pipeline.py": """
        # seed 000, "2. Data Processing Pipeline", without pandas and @capture_args
        class DataPipeline:
            def process_customer_data(self, raw_data_path, credentials, output_format="json"):
                raw_data = self._ingest_data(raw_data_path, credentials)
                validated_data = self._validate_and_clean(raw_data)
                enriched_data = self._enrich_data(validated_data)
                aggregated_data = self._aggregate_data(enriched_data)
                formatted_output = self._format_output(aggregated_data, output_format)
                return {
                    "processed_records": len(formatted_output),
                    "data": formatted_output,
                    "pipeline_stats": self._get_pipeline_stats(),
                }

            def _ingest_data(self, path, credentials):
                return [{"id": i, "value": i * 3} for i in range(5)]

            def _validate_and_clean(self, data):
                return [row for row in data if row["value"] != 6]

            def _enrich_data(self, data):
                return [{**row, "band": "high" if row["value"] > 5 else "low"} for row in data]

            def _aggregate_data(self, data):
                return [{"band": band, "rows": sum(1 for r in data if r["band"] == band)}
                        for band in ("low", "high")]

            def _format_output(self, data, format_type):
                return [f"{row['band']}={row['rows']}" for row in data]

            def _get_pipeline_stats(self):
                return {"ingested": 5, "rejected": 1}
    """,
    "sklearn/__init__.py": "",
    "sklearn/ensemble.py": """
        # a stand-in: the ML sample filters "sklearn.*" and looks for "sklearn" modules
        class RandomForestClassifier:
            def __init__(self, n_estimators=10, max_depth=None):
                self.n_estimators = n_estimators
                self.max_depth = max_depth

            def fit(self, X, y):
                self.feature_importances_ = [round(1 / len(X[0]), 3)] * len(X[0])
                return self

            def score(self, X, y):
                return 0.75
    """,
    "ml/__init__.py": "",
    "ml/model_trainer.py": """
        # seed 000, "3. Machine Learning Model Training", without numpy and joblib
        from sklearn.ensemble import RandomForestClassifier

        class ModelTrainer:
            def train_model(self, training_data, target_variable, api_credentials=None,
                            hyperparameters=None):
                X_processed, y_processed = self._preprocess_data(training_data, target_variable)
                X_features = self._engineer_features(X_processed)
                model = self._train_with_hyperparameters(X_features, y_processed, hyperparameters)
                evaluation_metrics = self._evaluate_model(model, X_features, y_processed)
                model_path = self._save_model(model, evaluation_metrics)
                return {
                    "model_path": model_path,
                    "evaluation_metrics": evaluation_metrics,
                    "feature_importance": list(model.feature_importances_),
                    "training_summary": {
                        "samples_trained": len(X_features),
                        "features_used": len(X_features[0]),
                        "model_type": type(model).__name__,
                    },
                }

            def _preprocess_data(self, data, target):
                return [row[:-1] for row in data], [row[-1] for row in data]

            def _engineer_features(self, X):
                return [row + [row[0] * row[1]] for row in X]

            def _train_with_hyperparameters(self, X, y, hyperparameters):
                return RandomForestClassifier(**(hyperparameters or {})).fit(X, y)

            def _evaluate_model(self, model, X, y):
                return {"accuracy": model.score(X, y)}

            def _save_model(self, model, metrics):
                return "models/forest.joblib"
    """,
}

SEED_TESTS = '''
import random  # fix: seed 000's HighPerformanceTracer uses random without importing it

from snapy_testing import FunctionTracer, TracerConfig

from data.pipeline import DataPipeline  # scaffolding
from ml.model_trainer import ModelTrainer  # scaffolding
from myapp.core import busy, complex_business_logic  # scaffolding

CAPTURED = {  # scaffolding: stands for the captures these samples load
    "process_customer_data": (("customers.csv", {"user": "etl", "password": "pw"}), {}),
    "train_model": (([[1, 2, 0], [3, 4, 1], [5, 6, 0]], "label"), {"hyperparameters": {
        "n_estimators": 5}}),
}


def load_capture(function_name):  # scaffolding
    return CAPTURED[function_name]


# -- seed 002, Design Patterns, "Observer Pattern" ----------------------------------------

def test_observer_pattern(snapshot):
    tracer = FunctionTracer(filter_modules=["myapp.*"])
    with tracer:
        # All function calls observed and recorded
        result = complex_business_logic()
    assert (result, tracer.format_trace()) == snapshot  # scaffolding: the seed stops here


# -- seed 000, "2. Performance-Optimized Tracing" ----------------------------------------

class HighPerformanceTracer(FunctionTracer):
    """Optimized tracer for production-like environments"""

    def __init__(self, sampling_rate=0.1):
        config = TracerConfig(
            max_events=5000,           # Limit memory usage
            enable_line_tracing=False, # Disable line-by-line for performance
            capture_locals=False,      # Don't capture local variables
            memory_tracking=False,     # Disable memory tracking
            compression=True,          # Enable event compression
            auto_cleanup=True          # Automatic cleanup
        )

        super().__init__(
            filter_modules=["myapp.*", "!third_party.*"],
            config=config
        )

        self.sampling_rate = sampling_rate

    def should_trace_call(self, frame, event, arg):
        # Implement sampling for high-frequency scenarios
        if random.random() > self.sampling_rate:
            return False

        return super().should_trace_call(frame, event, arg)


def test_high_performance_tracer():  # scaffolding: the seed shows the class only
    random.seed(20)
    sampled = HighPerformanceTracer(sampling_rate=0.1)
    with sampled:
        busy(10000)
    fraction = sampled.get_metrics()["total_calls"] / 10001  # 10000 step calls, one busy
    assert 0.05 < fraction < 0.15
    assert {e.module_name for e in sampled.get_events()} == {"myapp.core"}

    bounded = HighPerformanceTracer(sampling_rate=1.0)
    with bounded:
        complex_business_logic()  # third_party.price is not traced
        busy(10000)
    metrics = bounded.get_metrics()
    assert len(bounded.get_events()) == 5000
    # busy(10000): 10000 step calls and a generator expression resumed 10000 times
    assert metrics["truncated"] and metrics["dropped_events"] > 4 * 10000 - 5000
    assert "third_party" not in bounded.format_trace()


# -- seed 000, "2. Data Processing Pipeline" -----------------------------------------------

def test_complete_pipeline_with_tracing(snapshot):
    """Test entire pipeline with detailed execution tracing"""

    # Load captured real-world arguments
    args, kwargs = load_capture("process_customer_data")

    # Create tracer with pipeline-specific filtering
    tracer = FunctionTracer(filter_modules=[
        "data.*",          # Our data processing modules
        "pandas.*",        # Pandas operations
        "!numpy.*"         # Exclude numpy internals
    ])

    pipeline = DataPipeline()

    with tracer:
        result = pipeline.process_customer_data(*args, **kwargs)

    # Comprehensive analysis of pipeline execution
    pipeline_analysis = {
        'result_summary': {
            'records_processed': result['processed_records'],
            'output_format': kwargs.get('output_format', 'json')
        },
        'execution_analysis': {
            'total_execution_time': tracer.get_metrics()['total_time'],
            'stage_breakdown': _analyze_pipeline_stages(tracer.get_events()),
            'performance_bottlenecks': _identify_bottlenecks(tracer.get_events()),
            'function_call_graph': tracer.get_call_graph()
        },
        'data_quality_metrics': result['pipeline_stats'],
        'resource_usage': tracer.get_metrics()['memory_usage']
    }

    assert pipeline_analysis == snapshot

def _analyze_pipeline_stages(events):
    """Analyze execution time per pipeline stage"""
    stage_methods = [
        '_ingest_data', '_validate_and_clean', '_enrich_data',
        '_aggregate_data', '_format_output'
    ]

    stage_analysis = {}
    for method in stage_methods:
        method_events = [e for e in events if e.function_name == method]
        if method_events:
            call_event = method_events[0]
            return_event = method_events[1] if len(method_events) > 1 else None

            stage_analysis[method] = {
                'execution_time': return_event.duration if return_event else None,
                'arguments_size': len(str(call_event.args)),
                'memory_at_start': call_event.memory_usage
            }

    return stage_analysis


def _identify_bottlenecks(events):  # scaffolding: named by the seed, not defined
    return sorted({e.function_name for e in events if e.is_call_event()})


# -- seed 000, "3. Machine Learning Model Training" -----------------------------------------

def test_model_training_workflow(snapshot):
    """Test ML training with captured data and execution tracing"""

    # Load captured training arguments (with large data handling)
    args, kwargs = load_capture("train_model")

    # Create tracer focused on ML workflow
    tracer = FunctionTracer(filter_modules=[
        "ml.*",           # Our ML modules
        "sklearn.*",      # Scikit-learn operations
        "!numpy.*",       # Exclude numpy internals for performance
        "!pandas.*"       # Exclude pandas internals
    ])

    trainer = ModelTrainer()

    with tracer:
        result = trainer.train_model(*args, **kwargs)

    # Comprehensive ML workflow analysis
    ml_analysis = {
        'training_results': {
            'model_performance': result['evaluation_metrics'],
            'feature_count': result['training_summary']['features_used'],
            'samples_processed': result['training_summary']['samples_trained']
        },
        'workflow_analysis': {
            'execution_flow': tracer.format_trace(format_type="tree"),
            'performance_metrics': tracer.get_metrics(),
            'ml_operations': _extract_ml_operations(tracer.get_events()),
            'data_transformation_steps': _analyze_data_transformations(tracer.get_events())
        },
        'model_quality': {
            'feature_importance': result['feature_importance'][:10],  # Top 10 features
            'training_stability': _assess_training_stability(tracer.get_events())
        }
    }

    assert ml_analysis == snapshot

def _extract_ml_operations(events):
    """Extract ML-specific operations from trace"""
    ml_operations = []
    sklearn_events = [e for e in events if 'sklearn' in e.module_name]

    for event in sklearn_events:
        if event.is_call_event():
            ml_operations.append({
                'operation': event.function_name,
                'module': event.module_name,
                'execution_time': getattr(event, 'duration', None),
                'parameters': _sanitize_ml_parameters(event.args)
            })

    return ml_operations


def _sanitize_ml_parameters(args):  # scaffolding: named by the seed, not defined
    return {name: value for name, value in args.items() if name != "self"}


def _analyze_data_transformations(events):  # scaffolding
    return [e.function_name for e in events
            if e.is_call_event() and e.function_name.startswith(("_preprocess", "_engineer"))]


def _assess_training_stability(events):  # scaffolding
    return {"exceptions": sum(e.is_exception_event() for e in events)}
'''


EXPECTED = Path(__file__).parent / "seed_tracing" / "test_seed_samples.ambr"


@pytest.fixture
def seed_project(pytester: pytest.Pytester) -> pytest.Pytester:
    for path, source in APP.items():
        target = pytester.path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(source).lstrip("\n"))
    pytester.makepyfile(test_seed_samples=SEED_TESTS)
    pytester.makeini("[pytest]\npythonpath = .\n")
    return pytester


@pytest.mark.slow
def test_seed_tracing_samples_give_the_same_snapshots_everywhere(seed_project):
    """The snapshots written once (Python 3.12) pass, twice, in new processes, on every
    Python version: no times, memory figures or version differences leak in."""
    snapshots = seed_project.path / "__snapshots__"
    snapshots.mkdir()
    (snapshots / "test_seed_samples.ambr").write_text(EXPECTED.read_text())
    for _ in range(2):
        seed_project.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=4)


def test_the_snapshots_show_the_seed_analyses():
    ambr = EXPECTED.read_text()
    assert "'total_execution_time': Seconds(...)," in ambr
    assert "'execution_time': Seconds(...)," in ambr
    assert "'memory_at_start': None," in ambr
    assert "'resource_usage': None," in ambr
    assert "'operation': 'fit'," in ambr
    assert "'data.pipeline.DataPipeline.process_customer_data': dict({" in ambr
    assert "sklearn.ensemble.RandomForestClassifier.fit(self=<RandomForestClassifier>" in ambr
