"""Finding, loading and asking snapy plugins.

``get_plugin_manager()`` builds one :class:`pluggy.PluginManager` per process:

1. snapy-core's own hook specifications and built-in plugin;
2. every entry point of the ``snapy`` group, in distribution order. snapy's own packages
   (``snapy-storage-json``, ``snapy-trace``, ...) are built-ins and load even with
   ``SNAPY_DISABLE_PLUGIN_AUTOLOAD`` set; third-party ones load only without it;
3. modules named in ``SNAPY_PLUGINS`` (comma separated), e.g. for a plugin that is not
   installed as a distribution, or to pick one by hand while autoload is off.

``SNAPY_DISABLED_PLUGINS`` (comma separated entry-point or distribution names) skips
plugins, built-ins included. A plugin that fails to import or to validate is skipped with
one :class:`~snapy_core.errors.PluginWarning` naming it and its distribution; everything
else keeps working. ``plugin_failures()`` lists them (``snapy doctor`` shows it).
"""

from __future__ import annotations

import functools
import importlib
import os
import threading
import warnings
from collections.abc import Callable, Iterable
from importlib import metadata
from typing import Any

import attrs
import pluggy

from . import _hookspecs
from .errors import PluginWarning

ENTRY_POINT_GROUP = _hookspecs.PROJECT_NAME

FIRST_PARTY_DISTRIBUTIONS = frozenset(
    {"snapy-core", "snapy-capture", "snapy-trace", "snapy-storage-json", "snapy-storage-pickle"}
)

_TRUE = frozenset({"1", "true", "yes", "on"})


@attrs.frozen
class PluginInfo:
    """A plugin the manager knows of: loaded, skipped on purpose, or failed."""

    name: str
    distribution: str | None
    version: str | None
    status: str
    """``loaded``, ``disabled`` (by the environment) or ``failed``."""
    detail: str = ""


_lock = threading.RLock()
_manager: pluggy.PluginManager | None = None
_plugins: list[PluginInfo] = []


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _normalize(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, created and loaded on first use."""
    global _manager
    manager = _manager
    if manager is not None:
        return manager
    with _lock:
        if _manager is None:
            _manager = _build_manager()
        return _manager


def reset_plugin_manager() -> None:
    """Forget the plugin manager; the next ``get_plugin_manager()`` loads plugins again.

    Use after installing or uninstalling a plugin in a running process, or in tests that
    change ``SNAPY_*`` variables.
    """
    global _manager
    with _lock:
        _manager = None
        _plugins.clear()
        _registry_cache.clear()


def plugin_infos() -> list[PluginInfo]:
    """Every plugin seen by the current plugin manager, with its status."""
    get_plugin_manager()
    with _lock:
        return list(_plugins)


def plugin_failures() -> list[PluginInfo]:
    """Plugins that failed to import or validate."""
    return [info for info in plugin_infos() if info.status == "failed"]


def _build_manager() -> pluggy.PluginManager:
    from . import _builtin_plugin

    manager = pluggy.PluginManager(_hookspecs.PROJECT_NAME)
    manager.add_hookspecs(_hookspecs)
    manager.register(_builtin_plugin, name="snapy-core")
    _plugins.append(PluginInfo("snapy-core", "snapy-core", _dist_version("snapy-core"), "loaded"))

    disabled = {_normalize(name) for name in _split(os.environ.get("SNAPY_DISABLED_PLUGINS"))}
    autoload = os.environ.get("SNAPY_DISABLE_PLUGIN_AUTOLOAD", "").strip().lower() not in _TRUE

    for entry_point in _entry_points():
        dist = getattr(entry_point, "dist", None)
        dist_name = dist.metadata["Name"] if dist is not None else None
        dist_version = dist.version if dist is not None else None
        if manager.has_plugin(entry_point.name):
            continue  # the same entry point seen through two paths
        why_disabled = None
        if _normalize(entry_point.name) in disabled or (
            dist_name is not None and _normalize(dist_name) in disabled
        ):
            why_disabled = "listed in SNAPY_DISABLED_PLUGINS"
        elif not autoload and _normalize(dist_name or "") not in FIRST_PARTY_DISTRIBUTIONS:
            why_disabled = (
                "SNAPY_DISABLE_PLUGIN_AUTOLOAD is set; name it in SNAPY_PLUGINS to load it"
            )
        if why_disabled is not None:
            _plugins.append(
                PluginInfo(entry_point.name, dist_name, dist_version, "disabled", why_disabled)
            )
            continue
        _load(manager, entry_point.name, dist_name, dist_version, entry_point.load)

    for module_name in _split(os.environ.get("SNAPY_PLUGINS")):
        if manager.has_plugin(module_name):
            continue
        _load(
            manager,
            module_name,
            None,
            None,
            functools.partial(importlib.import_module, module_name),
        )

    from ._config import get_config

    try:
        manager.hook.snapy_configure.call_historic(kwargs={"config": get_config()})
    except Exception as error:  # a plugin's bug must not break the host program
        warnings.warn(
            f"a snapy plugin failed in snapy_configure: {type(error).__name__}: {error}",
            PluginWarning,
            stacklevel=3,
        )
    return manager


def _entry_points() -> Iterable[metadata.EntryPoint]:
    def order(entry_point: metadata.EntryPoint) -> tuple[str, str]:
        dist = entry_point.dist
        return (dist.metadata["Name"] if dist is not None else "", entry_point.name)

    return sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=order)


def _dist_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _load(
    manager: pluggy.PluginManager,
    name: str,
    dist_name: str | None,
    dist_version: str | None,
    loader: Callable[[], Any],
) -> None:
    where = f"distribution {dist_name} {dist_version}" if dist_name else "SNAPY_PLUGINS"
    try:
        plugin = loader()
    except Exception as error:
        _fail(name, dist_name, dist_version, where, "failed to import", error)
        return
    try:
        manager.register(plugin, name=name)
        manager.check_pending()
    except Exception as error:
        if manager.is_registered(plugin):
            manager.unregister(plugin)
        _fail(name, dist_name, dist_version, where, "failed to validate", error)
        return
    _plugins.append(PluginInfo(name, dist_name, dist_version, "loaded"))


def _fail(
    name: str,
    dist_name: str | None,
    dist_version: str | None,
    where: str,
    what: str,
    error: BaseException,
) -> None:
    detail = f"{type(error).__name__}: {error}"
    _plugins.append(PluginInfo(name, dist_name, dist_version, "failed", f"{what}: {detail}"))
    remedy = f"pip uninstall {dist_name}" if dist_name else "remove it from SNAPY_PLUGINS"
    warnings.warn(
        f"snapy plugin {name!r} from {where} {what} and was skipped ({detail}). "
        f"Everything else keeps working. Fix or uninstall it ({remedy}), "
        f"or set SNAPY_DISABLED_PLUGINS={name} to skip it quietly.",
        PluginWarning,
        stacklevel=5,
    )


# -- registrations ---------------------------------------------------------------------

_registry_cache: dict[str, list[Registration]] = {}


@attrs.frozen
class Registration:
    """One call of a ``register(...)`` callback inside a ``snapy_register_*`` hook."""

    plugin: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


def collect_registrations(hook_name: str) -> list[Registration]:
    """Call a ``snapy_register_*`` hook once and return what each plugin registered.

    Cached until :func:`reset_plugin_manager`. A plugin whose hook raises is reported
    with a :class:`PluginWarning` and contributes nothing.
    """
    with _lock:
        cached = _registry_cache.get(hook_name)
        if cached is not None:
            return list(cached)
        manager = get_plugin_manager()
        caller = getattr(manager.hook, hook_name)
        registrations: list[Registration] = []
        # get_hookimpls() lists plugins in registration order (built-ins first), so a
        # later plugin's registration of the same name overrides an earlier one.
        for impl in caller.get_hookimpls():
            plugin_name = manager.get_name(impl.plugin) or repr(impl.plugin)
            mine: list[Registration] = []

            def register(
                *args: Any,
                _plugin: str = plugin_name,
                _into: list[Registration] = mine,
                **kwargs: Any,
            ) -> None:
                _into.append(Registration(_plugin, args, kwargs))

            try:
                impl.function(**({"register": register} if "register" in impl.argnames else {}))
            except Exception as error:
                warnings.warn(
                    f"snapy plugin {plugin_name!r} failed in {hook_name}: "
                    f"{type(error).__name__}: {error}; what it registers is not available",
                    PluginWarning,
                    stacklevel=2,
                )
                continue
            registrations.extend(mine)
        _registry_cache[hook_name] = registrations
        return list(registrations)


__all__ = [
    "ENTRY_POINT_GROUP",
    "PluginInfo",
    "Registration",
    "collect_registrations",
    "get_plugin_manager",
    "plugin_failures",
    "plugin_infos",
    "reset_plugin_manager",
]
