import snapy_testing
import snapy_trace


def test_all_is_pinned_and_importable():
    assert snapy_trace.__all__ == [
        "DETAIL_LEVELS",
        "EVENT_TYPES",
        "Bytes",
        "ChromeTraceSink",
        "FunctionTracer",
        "JsonLinesSink",
        "ModuleFilter",
        "Seconds",
        "TraceEvent",
        "TraceSnapshotExtension",
        "TracedSnapshot",
        "TracerConfig",
        "__version__",
    ]
    for name in snapy_trace.__all__:
        assert hasattr(snapy_trace, name), name


def test_snapy_testing_is_an_alias_of_snapy_trace():
    """The seeds import from snapy_testing."""
    from snapy_testing import FunctionTracer, TracedSnapshot, TracerConfig

    assert FunctionTracer is snapy_trace.FunctionTracer
    assert TracerConfig is snapy_trace.TracerConfig
    assert TracedSnapshot is snapy_trace.TracedSnapshot
    assert snapy_testing.__all__ == snapy_trace.__all__


def test_loading_the_plugin_does_not_import_pytest_or_syrupy():
    """The snapy command loads every snapy plugin: syrupy (and pytest) must stay unloaded."""
    import subprocess
    import sys

    probe = (
        "import sys, snapy_trace._plugin, snapy_trace\n"
        "loaded = sorted(m for m in ('pytest', 'syrupy', '_pytest') if m in sys.modules)\n"
        "print(','.join(loaded))\n"
        "snapy_trace.TraceSnapshotExtension\n"
        "print('syrupy' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["", "True"]
