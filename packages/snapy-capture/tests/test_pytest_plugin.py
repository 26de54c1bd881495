"""The pytest plugin, through real pytest runs (pytester)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from snapy_capture import CaptureLoader, capture_args, redirect_captures

APP = """
from snapy_capture import capture_args

@capture_args(path="./app_captures", ignore_args=["payment_token"])
def process_order(customer_id, items, payment_token):
    return {"customer": customer_id, "count": len(items)}
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # hypothesis' plugin imports hypothesis again in every in-process run: seconds each
    return pytester.runpytest("-p", "no:cacheprovider", "-p", "no:hypothesispytest", *args)


def record_production_captures(pytester: pytest.Pytester, *calls: tuple) -> None:
    """Run the app outside pytest (as production would) so that captures exist."""
    pytester.makepyfile(app=APP)
    pytester.syspathinsert()
    script = "import app\n" + "\n".join(
        f"app.process_order({c!r}, {i!r}, 'tok_live')" for c, i in calls
    )
    with redirect_captures(None):
        namespace: dict = {}
        exec(compile(script, "production", "exec"), namespace)
    import sys

    sys.modules.pop("app", None)


def test_session_mode_keeps_tests_out_of_the_real_store(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        app=APP,
        test_app="""
        from snapy_capture import load_capture
        import app

        def test_capture_then_load(snapy_session_store):
            app.process_order("c1", [1, 2], "tok")
            args, kwargs = load_capture("process_order")
            assert args[:2] == ("c1", [1, 2])
            assert str(args[2]).startswith("<redacted")
            assert snapy_session_store is not None and snapy_session_store.is_dir()
        """,
    )
    pytester.syspathinsert()
    result = run(pytester)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["snapy-capture: captures made by tests go to a session store*"])
    assert not (pytester.path / "app_captures").exists()


def test_stored_captures_win_over_the_session_store(pytester: pytest.Pytester) -> None:
    record_production_captures(pytester, ("prod", [9]))
    pytester.makepyfile(
        test_replay="""
        from snapy_capture import load_capture
        import app

        def test_replay_twice():
            for _ in range(2):
                args, kwargs = load_capture("process_order", overrides={"payment_token": "t"})
                assert args == ("prod", [9], "t")
                app.process_order(*args, **kwargs)   # captured into the session store only
        """
    )
    result = run(pytester)
    result.assert_outcomes(passed=1)
    assert CaptureLoader(pytester.path / "app_captures").count("process_order") == 1


def test_off_mode_captures_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        app=APP,
        test_off="""
        from snapy_capture import has_capture
        import app

        def test_off():
            app.process_order("c1", [], "tok")
            assert not has_capture("process_order")
        """,
    )
    pytester.syspathinsert()
    result = run(pytester, "--snapy-capture=off")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["snapy-capture: capture is off during the tests"])


def test_live_mode_writes_the_real_store(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        app=APP,
        test_live="""
        import app

        def test_live():
            app.process_order("c1", [], "tok")
        """,
    )
    pytester.makeini("[pytest]\nsnapy_capture = live\n")
    pytester.syspathinsert()
    result = run(pytester)
    result.assert_outcomes(passed=1)
    assert (pytester.path / "app_captures").is_dir()


def test_bad_mode_in_ini_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nsnapy_capture = sometimes\n")
    pytester.makepyfile(test_x="def test_x(): pass")
    result = run(pytester)
    result.stderr.fnmatch_lines(["*snapy_capture = 'sometimes'*session, off, live*"])
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_marker_and_helper_parametrize_over_every_capture(pytester: pytest.Pytester) -> None:
    record_production_captures(pytester, ("a", [1]), ("b", [1, 2]), ("c", []))
    pytester.makepyfile(
        test_params="""
        import pytest
        from snapy_capture import replay_arguments, snapy_captures
        import app

        @pytest.mark.snapy_captures("process_order")
        def test_marker(capture):
            args, kwargs = replay_arguments(capture, {"payment_token": "tok_test"})
            assert app.process_order(*args, **kwargs)["customer"] in "abc"

        @pytest.mark.parametrize("capture", snapy_captures("app.process_order", limit=2))
        def test_helper(capture):
            assert capture.function_name == "process_order"

        @pytest.mark.parametrize("capture", snapy_captures("no_such_function"))
        def test_nothing_stored(capture):
            raise AssertionError("never runs")
        """
    )
    result = run(pytester, "-v")
    result.assert_outcomes(passed=5, skipped=1)
    result.stdout.fnmatch_lines_random(
        [
            "*test_marker?process_order-0? PASSED*",
            "*test_marker?process_order-2? PASSED*",
            "*test_helper?process_order-1? PASSED*",
            "*test_nothing_stored?no-captures? SKIPPED*",
        ]
    )


def test_marker_without_the_argument_is_a_clear_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_bad="""
        import pytest

        @pytest.mark.snapy_captures("process_order")
        def test_forgot_argument():
            pass
        """
    )
    result = run(pytester)
    result.stdout.fnmatch_lines(
        ["*snapy_captures marker parametrizes an argument called 'capture'*"]
    )
    assert result.ret != 0


def test_snapy_path_option_and_fixtures(pytester: pytest.Pytester, tmp_path: Path) -> None:
    store = tmp_path / "elsewhere"
    with redirect_captures(None):

        @capture_args(path=store)
        def complex_function(a, b=1):
            return a + b

        complex_function(40, b=2)
    key = complex_function.__snapy__.function_key
    pytester.makepyfile(
        test_fixtures=f"""
        def test_loaded(captured_data, capture_loader):
            assert captured_data({key!r}) == ((40,), {{"b": 2}})
            assert capture_loader.count({key!r}) == 1

        def test_fallback(captured_data):
            assert captured_data("nothing_here", fallback_data=((1,), {{}})) == ((1,), {{}})

        def test_skip(captured_data):
            captured_data("nothing_here")
        """
    )
    result = run(pytester, "--snapy-path", str(store), "-rs")
    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines(["*No captured data available for nothing_here*"])


def test_conftest_from_seed_000_overrides_the_plugin_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        textwrap.dedent(
            """
            import pytest
            from snapy_capture import load_capture, has_capture, CaptureLoader

            @pytest.fixture
            def captured_data():
                def _load(function_name, fallback_data=None):
                    if has_capture(function_name):
                        return load_capture(function_name)
                    elif fallback_data:
                        return fallback_data
                    else:
                        pytest.skip(f"No captured data available for {function_name}")
                return _load
            """
        )
    )
    pytester.makepyfile(
        test_seed="""
        def test_fallback(captured_data):
            assert captured_data("x", fallback_data=((), {"a": 1})) == ((), {"a": 1})
        """
    )
    run(pytester).assert_outcomes(passed=1)


@pytest.mark.slow
def test_session_store_in_a_separate_pytest_process(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        app=APP,
        test_subprocess="""
        import pathlib
        import app

        def test_capture(snapy_session_store):
            app.process_order("c1", [1], "tok")
            pathlib.Path("session_store_was.txt").write_text(str(snapy_session_store))
            assert any(snapy_session_store.rglob("*.json"))
        """,
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:hypothesispytest")
    result.assert_outcomes(passed=1)
    store = Path((pytester.path / "session_store_was.txt").read_text())
    assert not store.exists()  # removed when the session ended
    assert not (pytester.path / "app_captures").exists()
