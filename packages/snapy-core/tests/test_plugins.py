"""The plugin manager: built-ins, entry points, environment switches, broken plugins.

The entry-point tests install real distributions (``plugin_dists/``) with pip into a
target directory and run a fresh interpreter with it on ``sys.path``, so discovery goes
through ``importlib.metadata`` exactly as for a user's ``pip install``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import snapy_core
from snapy_core import hookimpl
from tests._pip import pip_local

PLUGIN_DISTS = Path(__file__).parent / "plugin_dists"


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with the three test plugin distributions pip-installed into it."""
    target = tmp_path_factory.mktemp("plugin-site")
    pip_local(
        "install",
        "--target",
        target,
        *(
            PLUGIN_DISTS / name
            for name in ("snapy-test-filter", "snapy-broken-import", "snapy-broken-hook")
        ),
    )
    assert list(target.glob("snapy_test_filter-1.0.0.dist-info")), list(target.iterdir())
    return target


PROBE = textwrap.dedent(
    """
    import json, warnings
    warnings.simplefilter("always")
    with warnings.catch_warnings(record=True) as caught:
        import snapy_core
        manager = snapy_core.get_plugin_manager()
        config = snapy_core.get_config(ignore_args=[])
        redactor = snapy_core.build_redactor(config)
        filtered = redactor.apply([("order_id", 42), ("internal_note", "call the CEO")])
    print(json.dumps({
        "plugins": [[p.name, p.distribution, p.status, p.detail]
                    for p in snapy_core.plugin_infos()],
        "values": [str(v) for v in filtered.values],
        "actions": [[a.path, a.action, a.reason] for a in filtered.actions],
        "warnings": [[w.category.__name__, str(w.message)] for w in caught],
    }))
    """
)


def run_probe(site: Path, **env: str) -> dict:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SNAPY_", "SNAP_CAPTURE_"))
    }
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(site), *filter(None, [environment.get("PYTHONPATH")])]
    )
    environment.update(env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def statuses(report: dict) -> dict[str, str]:
    return {name: status for name, _dist, status, _detail in report["plugins"]}


def test_installed_filter_plugin_is_discovered_and_drops_an_argument(plugin_site: Path) -> None:
    report = run_probe(plugin_site, SNAPY_DISABLED_PLUGINS="broken_import,broken_hook")

    assert statuses(report)["test_filter"] == "loaded"
    assert report["values"][0] == "42"
    assert report["values"][1].startswith("<")  # a placeholder, not the note
    assert "call the CEO" not in json.dumps(report)
    assert [path for path, _action, _reason in report["actions"]] == ["internal_note"]
    assert "drop_internal_notes" in report["actions"][0][2]
    assert report["warnings"] == []


def test_broken_plugins_warn_once_each_and_the_rest_keeps_working(plugin_site: Path) -> None:
    report = run_probe(plugin_site)

    assert statuses(report)["broken_import"] == "failed"
    assert statuses(report)["broken_hook"] == "failed"
    assert statuses(report)["test_filter"] == "loaded"
    assert "call the CEO" not in json.dumps(report["values"])

    plugin_warnings = [
        message for category, message in report["warnings"] if category == "PluginWarning"
    ]
    assert len(plugin_warnings) == 2, plugin_warnings
    import_warning = next(m for m in plugin_warnings if "broken_import" in m)
    assert "snapy-broken-import 0.3.0" in import_warning
    assert "failed to import" in import_warning
    assert "a_module_that_does_not_exist" in import_warning
    assert "SNAPY_DISABLED_PLUGINS=broken_import" in import_warning
    hook_warning = next(m for m in plugin_warnings if "broken_hook" in m)
    assert "snapy-broken-hook 0.2.0" in hook_warning
    assert "failed to validate" in hook_warning
    assert "an_argument_the_spec_does_not_have" in hook_warning


def test_disabled_plugins_are_skipped_by_entry_point_or_distribution_name(
    plugin_site: Path,
) -> None:
    report = run_probe(
        plugin_site,
        SNAPY_DISABLED_PLUGINS="test_filter, snapy-broken-import,snapy_broken_hook",
    )

    loaded = statuses(report)
    assert {name: loaded[name] for name in ("test_filter", "broken_import", "broken_hook")} == {
        "test_filter": "disabled",
        "broken_import": "disabled",
        "broken_hook": "disabled",
    }
    assert report["values"][1] == "call the CEO"
    assert report["warnings"] == []


def test_autoload_off_skips_third_party_plugins_but_keeps_first_party(plugin_site: Path) -> None:
    report = run_probe(plugin_site, SNAPY_DISABLE_PLUGIN_AUTOLOAD="1")

    loaded = statuses(report)
    assert loaded["test_filter"] == "disabled"
    assert loaded["broken_import"] == "disabled"
    assert loaded["snapy-core"] == "loaded"
    detail = next(d for name, _, _, d in report["plugins"] if name == "test_filter")
    assert "SNAPY_PLUGINS" in detail
    assert report["values"][1] == "call the CEO"


def test_snapy_plugins_loads_a_module_by_hand_while_autoload_is_off(plugin_site: Path) -> None:
    report = run_probe(
        plugin_site, SNAPY_DISABLE_PLUGIN_AUTOLOAD="1", SNAPY_PLUGINS="snapy_test_filter"
    )

    assert statuses(report)["snapy_test_filter"] == "loaded"
    assert report["values"][1] != "call the CEO"


# -- in-process behaviour of the manager --------------------------------------------------


@pytest.fixture
def fresh_manager(monkeypatch: pytest.MonkeyPatch):
    for key in list(os.environ):
        if key.startswith(("SNAPY_", "SNAP_CAPTURE_")):
            monkeypatch.delenv(key)
    snapy_core.reset_plugin_manager()
    yield snapy_core.get_plugin_manager()
    snapy_core.reset_plugin_manager()


def test_manager_is_a_process_wide_singleton_until_reset(fresh_manager) -> None:
    assert snapy_core.get_plugin_manager() is fresh_manager
    snapy_core.reset_plugin_manager()
    assert snapy_core.get_plugin_manager() is not fresh_manager


def test_core_is_registered_first(fresh_manager) -> None:
    assert snapy_core.plugin_infos()[0].name == "snapy-core"
    assert fresh_manager.has_plugin("snapy-core")


def test_registrations_are_collected_once_per_hook_in_registration_order(fresh_manager) -> None:
    calls = []

    class First:
        @hookimpl
        def snapy_register_trace_sinks(self, register):
            calls.append("first")
            register("sink-a", object, description="a")

    class Second:
        @hookimpl
        def snapy_register_trace_sinks(self, register):
            calls.append("second")
            register("sink-b", object)

    fresh_manager.register(First(), name="first")
    fresh_manager.register(Second(), name="second")

    registrations = snapy_core.collect_registrations("snapy_register_trace_sinks")
    again = snapy_core.collect_registrations("snapy_register_trace_sinks")

    ours = [r for r in registrations if r.plugin in {"first", "second"}]
    assert [(r.plugin, r.args[0]) for r in ours] == [("first", "sink-a"), ("second", "sink-b")]
    assert ours[0].kwargs == {"description": "a"}
    assert again == registrations
    assert calls == ["first", "second"]  # cached: the hook ran once


def test_a_registration_hook_that_raises_is_reported_and_contributes_nothing(
    fresh_manager,
) -> None:
    class Faulty:
        @hookimpl
        def snapy_register_trace_sinks(self, register):
            register("half-registered", object)
            raise RuntimeError("disk on fire")

    fresh_manager.register(Faulty(), name="faulty")

    with pytest.warns(snapy_core.PluginWarning, match=r"'faulty'.*disk on fire"):
        registrations = snapy_core.collect_registrations("snapy_register_trace_sinks")
    assert all(r.plugin != "faulty" for r in registrations)


def test_configure_hook_is_historic_and_sees_the_effective_config(
    fresh_manager, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = []

    class Watcher:
        @hookimpl
        def snapy_configure(self, config):
            seen.append(config.backend)

    fresh_manager.register(Watcher())  # registered after the manager was configured
    assert seen == ["json"]

    monkeypatch.setenv("SNAP_CAPTURE_BACKEND", "pickle")
    snapy_core.reset_plugin_manager()
    snapy_core.get_plugin_manager().register(Watcher())
    assert seen == ["json", "pickle"]
