"""pytest plugin of snapy-trace: the ``traced_snapshot`` fixture.

::

    @pytest.mark.snapy_trace(detail_level="verbose", filter_modules=["shop.*"])
    def test_checkout(traced_snapshot, snapshot):
        with traced_snapshot:
            checkout(cart)
        assert traced_snapshot == snapshot

The fixture is a fresh :class:`~snapy_trace.TracedSnapshot`; the ``snapy_trace`` marker
passes its keyword arguments on. The tracer is stopped and closed after the test even if
the test never left the ``with`` block (or called ``start()`` without ``stop()``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._snapshot import TracedSnapshot


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "snapy_trace(detail_level='standard', filter_modules=None, include_timings=False): "
        "options of the traced_snapshot fixture",
    )


@pytest.fixture
def traced_snapshot(request: pytest.FixtureRequest) -> Iterator[TracedSnapshot]:
    """A TracedSnapshot for this test (options from ``@pytest.mark.snapy_trace``)."""
    marker = request.node.get_closest_marker("snapy_trace")
    options = dict(marker.kwargs) if marker is not None else {}
    if marker is not None and marker.args:
        options.setdefault("detail_level", marker.args[0])
    traced = TracedSnapshot(**options)
    try:
        yield traced
    finally:
        if traced.tracer.is_running:
            traced.stop()
        traced.tracer.close()
