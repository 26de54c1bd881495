"""TracedSnapshot with syrupy in real pytest runs: update, pass again, fail on a change."""

from __future__ import annotations

import textwrap

import pytest

SHOP = """
def price(item):
    return PRICES[item]

def checkout(cart):
    total = 0
    for item in cart:
        total += price(item)
    return apply_discount(total)

def apply_discount(total):
    return total - 1 if total > 4 else total

PRICES = {"apple": 2, "pear": 3}
"""

TESTS = """
import pytest
from snapy_testing import TracedSnapshot
from snapy_trace import TraceSnapshotExtension
import shop

def test_checkout(snapshot):
    traced = TracedSnapshot(detail_level="verbose")
    with traced:
        shop.checkout(["apple", "pear"])
    assert traced == snapshot
    assert traced.get_performance_metrics() == snapshot

@pytest.mark.snapy_trace(detail_level="minimal", filter_modules=["shop"])
def test_fixture(traced_snapshot, snapshot):
    with traced_snapshot:
        shop.checkout(["pear"])
    assert traced_snapshot == snapshot

def test_single_file(snapshot):
    traced = TracedSnapshot()
    with traced:
        shop.checkout(["apple"])
    assert traced == snapshot.use_extension(TraceSnapshotExtension)
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(shop=SHOP, test_shop=TESTS)
    pytester.syspathinsert()
    return pytester


@pytest.mark.slow
def test_update_then_pass_then_fail_with_a_readable_diff(project: pytest.Pytester):
    created = project.runpytest("--snapshot-update", "-p", "no:cacheprovider")
    created.assert_outcomes(passed=3)
    ambr = (project.path / "__snapshots__" / "test_shop.ambr").read_text()
    assert (
        textwrap.dedent("""\
        # name: test_checkout
          TracedSnapshot(
            detail_level='verbose',
            trace='''
              shop.checkout(cart=['apple', 'pear']) -> 4
                shop.price(item='apple') -> 2
                shop.price(item='pear') -> 3
                shop.apply_discount(total=5) -> 4
            ''',
          )
        # ---""")
        in ambr
    )
    assert "'total_calls': 4," in ambr
    single = project.path / "__snapshots__" / "test_shop" / "test_single_file.trace"
    assert single.read_text() == (
        "shop.checkout(cart=<list>) -> 2\n"
        "  shop.price(item='apple') -> 2\n"
        "  shop.apply_discount(total=2) -> 2\n"
    )

    # a clean re-run, and two runs in new processes, pass
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)
    for _ in range(2):
        project.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=3)

    # a changed call tree fails, and the diff names the calls that changed
    project.makepyfile(shop=SHOP.replace("return apply_discount(total)", "return total"))
    failed = project.runpytest("-p", "no:cacheprovider", "-vv")
    failed.assert_outcomes(failed=3)
    diff = [line[1:].strip() for line in failed.stdout.lines if line.startswith("E ")]

    def shown(sign: str, text: str) -> bool:
        return any(line.startswith(sign) and line[1:].strip() == text for line in diff)

    assert shown("-", "shop.apply_discount(total=5) -> 4")
    assert shown("-", "shop.checkout(cart=['apple', 'pear']) -> 4")
    assert shown("+", "shop.checkout(cart=['apple', 'pear']) -> 5")
    assert shown("-", "shop.apply_discount()")  # the minimal tree of the fixture test


def test_fixture_is_stopped_even_if_the_test_never_stops_it(project: pytest.Pytester):
    project.makepyfile(
        test_leak="""
        import sys
        import shop

        def test_forgets_to_stop(traced_snapshot):
            traced_snapshot.start()
            shop.price("apple")

        def test_next_test_is_not_traced():
            if sys.version_info >= (3, 12):
                assert sys.monitoring.get_tool(3) is None
            assert sys.gettrace() is None
        """
    )
    project.runpytest("test_leak.py", "-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_marker_is_registered(project: pytest.Pytester):
    result = project.runpytest("--markers")
    result.stdout.fnmatch_lines(["*snapy_trace(detail_level=*traced_snapshot fixture*"])
