"""Module filters: globs, ``pkg.*`` covering ``pkg``, excludes win, the default scope."""

from __future__ import annotations

import json
import os
import sysconfig
from fnmatch import fnmatchcase

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snapy_core.errors import ConfigError
from snapy_trace import ModuleFilter
from snapy_trace._filters import is_library_file

USER_FILE = os.path.join(os.sep, "home", "me", "project", "app.py")

names = st.lists(
    st.sampled_from(["data", "pandas", "numpy", "myapp", "core", "io", "x", "api_v2"]),
    min_size=1,
    max_size=4,
).map(".".join)
patterns = st.builds(
    lambda negate, base, star: ("!" if negate else "") + base + (".*" if star else ""),
    st.booleans(),
    names,
    st.booleans(),
)


def test_seed_filter():
    seed = ModuleFilter(["data.*", "pandas.*", "!numpy.*"])
    assert seed.decide("data", USER_FILE)  # the package itself
    assert seed.decide("data.pipeline", USER_FILE)
    assert seed.decide("data.io.csv", USER_FILE)
    assert seed.decide("pandas.core.frame", "/venv/lib/site-packages/pandas/core/frame.py")
    assert not seed.decide("numpy", USER_FILE)
    assert not seed.decide("numpy.linalg", USER_FILE)
    assert not seed.decide("database", USER_FILE)  # not a submodule of data
    assert not seed.decide("dataclasses", USER_FILE)
    assert not seed.decide("myapp", USER_FILE)  # includes given: nothing else


def test_exact_name_and_globs():
    exact = ModuleFilter(["data"])
    assert exact.decide("data", USER_FILE)
    assert not exact.decide("data.io", USER_FILE)
    globbed = ModuleFilter(["app.api_v?", "*.views"])
    assert globbed.decide("app.api_v1", USER_FILE)
    assert not globbed.decide("app.api_v10", USER_FILE)
    assert globbed.decide("shop.views", USER_FILE)
    assert ModuleFilter(["*"]).decide("json.decoder", "/usr/lib/python3.12/json/decoder.py")


def test_excludes_win_whatever_the_order():
    for order in (["myapp.*", "!myapp.vendor.*"], ["!myapp.vendor.*", "myapp.*"]):
        rules = ModuleFilter(order)
        assert rules.decide("myapp.core", USER_FILE)
        assert not rules.decide("myapp.vendor", USER_FILE)
        assert not rules.decide("myapp.vendor.six", USER_FILE)


def test_default_scope_is_your_code():
    default = ModuleFilter()
    stdlib = os.path.join(sysconfig.get_paths()["stdlib"], "json", "__init__.py")
    site = os.path.join(sysconfig.get_paths()["purelib"], "attr", "_make.py")
    assert default.decide("myapp.core", USER_FILE)
    assert default.decide("__main__", "<stdin>")
    assert not default.decide("json", stdlib)
    assert not default.decide("attr._make", site)
    assert not default.decide("importlib._bootstrap", "<frozen importlib._bootstrap>")
    assert not default.decide("snapy_capture._decorator", USER_FILE)  # snapy is not your code
    assert is_library_file(json.__file__)


def test_excludes_alone_narrow_the_default_scope():
    rules = ModuleFilter(["!myapp.noisy.*"])
    assert rules.uses_default_scope
    assert rules.decide("myapp.core", USER_FILE)
    assert not rules.decide("myapp.noisy.io", USER_FILE)
    assert not rules.decide("json", json.__file__)


def test_snapy_tracing_itself_is_never_traced():
    for rules in (ModuleFilter(["*"]), ModuleFilter(["snapy_trace.*"]), ModuleFilter()):
        assert not rules.decide("snapy_trace._tracer", USER_FILE)
        assert not rules.decide("snapy_testing", USER_FILE)
    assert ModuleFilter(["snapy_capture.*"]).decide("snapy_capture._decorator", USER_FILE)


@pytest.mark.parametrize(
    "bad",
    ["", "my app", "myapp/core", "!", ".myapp", "my..app", "!!x", 3],
)
def test_bad_patterns_are_explained(bad):
    with pytest.raises(ConfigError, match="filter_modules"):
        ModuleFilter([bad])


@settings(max_examples=200, deadline=None)
@given(st.lists(patterns, min_size=1, max_size=6), names, st.randoms())
def test_order_of_patterns_never_matters(rules, module, rng):
    shuffled = list(rules)
    rng.shuffle(shuffled)
    assert ModuleFilter(rules).decide(module, USER_FILE) == ModuleFilter(shuffled).decide(
        module, USER_FILE
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(patterns, max_size=5), names)
def test_an_exclude_of_a_module_always_wins(rules, module):
    assert not ModuleFilter([*rules, "!" + module]).decide(module, USER_FILE)
    assert not ModuleFilter([*rules, "!" + module + ".*"]).decide(module + ".sub", USER_FILE)


@settings(max_examples=200, deadline=None)
@given(names, names)
def test_package_pattern_covers_the_package_and_below(package, tail):
    rules = ModuleFilter([package + ".*"])
    assert rules.decide(package, USER_FILE)
    assert rules.decide(f"{package}.{tail}", USER_FILE)
    assert rules.decide(tail, USER_FILE) == (tail == package or tail.startswith(package + "."))


@settings(max_examples=200, deadline=None)
@given(st.lists(patterns, min_size=1, max_size=5), names)
def test_decision_is_include_and_not_exclude(rules, module):
    """The documented rule, stated independently of the implementation."""

    def matches(pattern: str) -> bool:
        return fnmatchcase(module, pattern) or (
            pattern.endswith(".*") and fnmatchcase(module, pattern[:-2])
        )

    includes = [p for p in rules if not p.startswith("!")]
    excludes = [p[1:] for p in rules if p.startswith("!")]
    if not includes:
        return  # default scope, covered above
    expected = any(map(matches, includes)) and not any(map(matches, excludes))
    assert ModuleFilter(rules).decide(module, USER_FILE) == expected
