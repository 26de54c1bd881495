"""pytest plugin of snapy-capture (entry point ``pytest11``).

What happens to capture while tests run (``--snapy-capture`` or the ``snapy_capture`` ini
option):

``session`` (default)
    Every capture made during the test session goes to a temporary store of its own,
    removed at the end. The real stores (decorator paths, ``SNAP_CAPTURE_DEFAULT_PATH``)
    are never written by tests. Loaders look in the real stores first and use the session
    store only for a function that has no stored capture, so a test that captures and
    loads in one go works, and replaying a function never replays its own test calls.
``off``
    Decorated functions do not capture at all during the session.
``live``
    Captures go where the decorators say, as outside tests (to record captures on
    purpose by running a test suite).

Options: ``--snapy-path PATH`` (repeatable; ini ``snapy_paths``) adds stores to search.
Fixtures: ``captured_data``, ``capture_loader``, ``snapy_session_store``. Marker:
``@pytest.mark.snapy_captures("module.func")`` parametrizes the test's ``capture``
argument over every stored capture of the function (see :func:`snapy_captures`).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest

from . import _runtime, _writer
from ._loader import CaptureLoader, has_capture, load_capture, search_locations
from ._params import snapy_captures

MODES = ("session", "off", "live")


@attrs.define
class _SessionState:
    mode: str
    store: Path | None = None
    previous_redirect: Path | None = None
    previous_enabled: bool = True
    search_paths: list[Path] = attrs.field(factory=list)


_STATE_KEY = pytest.StashKey[_SessionState]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("snapy-capture", "snapy-capture: argument capture and replay")
    group.addoption(
        "--snapy-capture",
        dest="snapy_capture",
        choices=MODES,
        default=None,
        help="what decorated functions do with captures during the tests: 'session' (default: "
        "a temporary store, removed at the end), 'off' (no capture), 'live' (the real stores)",
    )
    group.addoption(
        "--snapy-path",
        dest="snapy_paths",
        action="append",
        default=[],
        metavar="PATH",
        help="also look for stored captures under PATH (repeatable)",
    )
    parser.addini(
        "snapy_capture", "capture mode during tests: session, off or live", default="session"
    )
    parser.addini("snapy_paths", "stores to search for captures", type="paths", default=[])


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "snapy_captures(function_name, *, path=None, limit=None, ids='index', "
        "argname='capture'): run the test once per stored capture of the function",
    )
    mode = config.getoption("snapy_capture") or str(config.getini("snapy_capture")).strip()
    if mode not in MODES:
        raise pytest.UsageError(
            f"snapy_capture = {mode!r} in the ini file is not a capture mode; use one of "
            + ", ".join(MODES)
        )
    state = _SessionState(
        mode=mode,
        previous_redirect=_runtime.state.redirect_root,
        previous_enabled=_runtime.state.enabled,
    )
    paths = [Path(p) for p in config.getini("snapy_paths")]
    paths += [Path(config.invocation_params.dir, p) for p in config.getoption("snapy_paths")]
    for path in paths:
        if path.resolve() not in _runtime.state.search_paths:
            state.search_paths.append(_runtime.add_search_path(path))
    if mode == "session":
        state.store = Path(tempfile.mkdtemp(prefix="snapy-session-captures-"))
        _runtime.set_redirect_root(state.store)
    elif mode == "off":
        _runtime.set_capture_enabled(False)
    else:  # live: also undo a redirection made around this session (nested pytest runs)
        _runtime.set_redirect_root(None)
    config.stash[_STATE_KEY] = state


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(_STATE_KEY, None)
    if state is None:
        return
    _writer.flush(30)
    for path in state.search_paths:
        _runtime.remove_search_path(path)
    if state.mode == "off":
        _runtime.set_capture_enabled(state.previous_enabled)
    else:
        _runtime.set_redirect_root(state.previous_redirect)
    if state.store is not None:
        shutil.rmtree(state.store, ignore_errors=True)
    del config.stash[_STATE_KEY]


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash.get(_STATE_KEY, None)
    if state is None:
        return []
    described = {
        "session": f"captures made by tests go to a session store ({state.store}), removed at exit",
        "off": "capture is off during the tests",
        "live": "captures made by tests go to the real stores (--snapy-capture=live)",
    }[state.mode]
    lines = [f"snapy-capture: {described}"]
    if state.search_paths:
        lines.append("snapy-capture: also searching " + ", ".join(map(str, state.search_paths)))
    return lines


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("snapy_captures")
    if marker is None:
        return
    options = dict(marker.kwargs)
    argname = options.pop("argname", "capture")
    if argname not in metafunc.fixturenames:
        raise pytest.UsageError(
            f"{metafunc.definition.nodeid}: the snapy_captures marker parametrizes an argument "
            f"called {argname!r}; add it to the test's parameters (or pass argname=...)"
        )
    metafunc.parametrize(argname, snapy_captures(*marker.args, **options))


@pytest.fixture
def captured_data() -> Callable[..., Any]:
    """``captured_data(name, fallback_data=None, index=0, overrides=None, path=None)``.

    ``(args, kwargs)`` of the newest (or ``index``-th) stored capture of ``name``; without
    one, ``fallback_data`` if given, else the test is skipped saying where snapy looked.
    """

    def load(
        function_name: Any,
        fallback_data: Any = None,
        *,
        index: int = 0,
        overrides: dict[str, Any] | None = None,
        path: Any = None,
    ) -> Any:
        if has_capture(function_name, path):
            return load_capture(function_name, index, path, overrides)
        if fallback_data is not None:
            return fallback_data
        places = ", ".join(str(location.root) for location in search_locations(path))
        pytest.skip(f"No captured data available for {function_name} (looked in {places})")

    return load


@pytest.fixture
def capture_loader() -> CaptureLoader:
    """A :class:`CaptureLoader` over the usual search locations."""
    return CaptureLoader()


@pytest.fixture
def snapy_session_store(request: pytest.FixtureRequest) -> Path | None:
    """Where captures made during this session go (None unless the mode is ``session``)."""
    state = request.config.stash.get(_STATE_KEY, None)
    return None if state is None else state.store
