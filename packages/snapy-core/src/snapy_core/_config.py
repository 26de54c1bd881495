"""Configuration: ``CaptureConfig``, the ``SNAP_CAPTURE_*`` variables and their priority.

Every setting is resolved from four layers, highest first:

1. arguments of the decorator (``@capture_args(retention=3)``);
2. ``SNAP_CAPTURE_*`` environment variables;
3. the global configuration set with :func:`set_global_config`;
4. built-in defaults (replaced by the safe production defaults in production mode).

Two settings are unions instead: ``ignore_args`` and ``trusted_modules`` collect the names
of every layer, so an operator's ``SNAP_CAPTURE_IGNORE_ARGS`` can never be undone by a
decorator that lists other names. Production mode also forces strict redaction and turns
``full_capture`` off, whatever the other layers say.

A bad value in the environment never breaks the host program: it is reported once with a
:class:`~snapy_core.errors.ConfigWarning` naming the variable, the value and the accepted
forms, and the next layer's value is used. A bad value given in code (``CaptureConfig``,
decorator arguments) raises :class:`~snapy_core.errors.ConfigError` right away.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import os
import re
import threading
import warnings
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from .errors import ConfigError, ConfigWarning

if TYPE_CHECKING:
    from ._filters import ArgumentFilter

ENV_PREFIX = "SNAP_CAPTURE_"
DEFAULT_PATH = Path(".snapy") / "captures"
DEFAULT_LARGE_OBJECT_SIZE = 64 * 1024
"""Per-argument limit when ``ignore_large_objects`` is on and no ``max_capture_size`` set."""

_TRUE = {"1", "true", "yes", "on", "y", "t"}
_FALSE = {"0", "false", "no", "off", "n", "f"}
_NO_LIMIT = {"none", "unlimited", "all", "off", "never"}


# -- parsers: each turns a string (environment) or a code value into a setting -----------


class _Invalid(ValueError):
    """A value does not have one of the accepted forms."""

    def __init__(self, value: object) -> None:
        super().__init__(f"invalid value {value!r}")
        self.value = value


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise _Invalid(value)


def _parse_path(value: Any) -> Path:
    if isinstance(value, (str, os.PathLike)) and str(value).strip():
        return Path(str(value).strip()).expanduser()
    raise _Invalid(value)


def _parse_retention(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _NO_LIMIT:
            return None
        if not re.fullmatch(r"\+?\d+", text):
            raise _Invalid(value)
        value = int(text)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _Invalid(value)
    return value


_DURATION_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(value: Any) -> dt.timedelta | None:
    """``"7d"``, ``"12h"``, ``"1d12h"``, ``"90m"``, ``"3600"`` (seconds), a timedelta, or
    ``"none"``; None means no age limit."""
    if value is None or isinstance(value, dt.timedelta):
        if isinstance(value, dt.timedelta) and value <= dt.timedelta(0):
            raise _Invalid(value)
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value <= 0 or not math.isfinite(value):
            raise _Invalid(value)
        return dt.timedelta(seconds=value)
    if isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        if text in _NO_LIMIT:
            return None
        if re.fullmatch(r"\d+(\.\d+)?", text):
            return parse_duration(float(text))
        parts = re.findall(r"(\d+(?:\.\d+)?)([wdhms])", text)
        if parts and "".join(n + u for n, u in parts) == text:
            seconds = sum(float(n) * _DURATION_UNITS[u] for n, u in parts)
            return parse_duration(seconds)
    raise _Invalid(value)


_SIZE_UNITS = {
    "": 1,
    "b": 1,
    "k": 1024,
    "kb": 1024,
    "kib": 1024,
    "m": 1024**2,
    "mb": 1024**2,
    "mib": 1024**2,
    "g": 1024**3,
    "gb": 1024**3,
    "gib": 1024**3,
}


def parse_size(value: Any) -> int | None:
    """``1024``, ``"1KB"``, ``"64 KiB"``, ``"2MB"`` (binary units), or ``"none"``."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise _Invalid(value)
        return value
    if isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        if text in _NO_LIMIT:
            return None
        match = re.fullmatch(r"(\d+(?:\.\d+)?)([a-z]*)", text)
        if match and match.group(2) in _SIZE_UNITS:
            return parse_size(int(float(match.group(1)) * _SIZE_UNITS[match.group(2)]))
    raise _Invalid(value)


def _parse_rate(value: Any) -> float:
    if isinstance(value, str):
        text = value.strip()
        try:
            value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            raise _Invalid(value) from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Invalid(value)
    if not 0.0 <= value <= 1.0:
        raise _Invalid(value)
    return float(value)


def _parse_names(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        items: Iterable[Any] = value.split(",")
    elif isinstance(value, Iterable):
        items = value
    else:
        raise _Invalid(value)
    names = []
    for item in items:
        if not isinstance(item, str):
            raise _Invalid(value)
        if item.strip():
            names.append(item.strip())
    return tuple(dict.fromkeys(names))


def _parse_backend(value: Any) -> str:
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_.\-]+", value.strip()):
        return value.strip()
    raise _Invalid(value)


def _parse_redaction(value: Any) -> str:
    if isinstance(value, str) and value.strip().lower() in {"default", "strict"}:
        return value.strip().lower()
    raise _Invalid(value)


def _parse_filter(value: Any) -> ArgumentFilter | None:
    from ._filters import ArgumentFilter

    if value is None or isinstance(value, ArgumentFilter):
        return value
    raise _Invalid(value)


def _parse_callables(value: Any) -> tuple[Callable[[str, Any], bool], ...]:
    if callable(value):
        return (value,)
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
        items = tuple(value)
        if all(callable(item) for item in items):
            return items
    raise _Invalid(value)


# -- the settings -------------------------------------------------------------------------


_SAME_AS_DEFAULT: Any = type("_SameAsDefault", (), {"__repr__": lambda self: "<same>"})()


@attrs.frozen
class _Setting:
    name: str
    env: str | None
    parse: Callable[[Any], Any]
    accepted: str
    default: Any
    production: Any = _SAME_AS_DEFAULT
    union: bool = False


_SETTINGS: tuple[_Setting, ...] = (
    _Setting("enabled", "ENABLED", _parse_bool, "1/0, true/false, yes/no, on/off", True),
    _Setting("path", "DEFAULT_PATH", _parse_path, "a directory path", DEFAULT_PATH),
    _Setting(
        "retention",
        "DEFAULT_RETENTION",
        _parse_retention,
        "a whole number >= 1, or 'unlimited'",
        10,
        production=1,
    ),
    _Setting(
        "max_age",
        "MAX_AGE",
        parse_duration,
        "a duration like 7d, 12h, 1d12h, 90m or 3600 (seconds), or 'none'",
        None,
    ),
    _Setting(
        "ignore_args",
        "IGNORE_ARGS",
        _parse_names,
        "comma-separated argument names, e.g. password,card_number",
        (),
        union=True,
    ),
    _Setting(
        "production_mode", "PRODUCTION_MODE", _parse_bool, "1/0, true/false, yes/no, on/off", False
    ),
    _Setting(
        "minimal_capture",
        "MINIMAL",
        _parse_bool,
        "1/0, true/false, yes/no, on/off",
        False,
        production=True,
    ),
    _Setting("full_capture", "FULL", _parse_bool, "1/0, true/false, yes/no, on/off", False),
    _Setting("debug_mode", "DEBUG", _parse_bool, "1/0, true/false, yes/no, on/off", False),
    _Setting(
        "ignore_large_objects",
        "IGNORE_LARGE_OBJECTS",
        _parse_bool,
        "1/0, true/false, yes/no, on/off",
        False,
        production=True,
    ),
    _Setting(
        "max_capture_size",
        "MAX_SIZE",
        parse_size,
        "a size in bytes like 1024, 1KB, 64KiB, 2MB, or 'none'",
        None,
        production=1024,
    ),
    _Setting(
        "sample_rate",
        "SAMPLE_RATE",
        _parse_rate,
        "a number from 0 to 1, or a percentage like 10%",
        1.0,
    ),
    _Setting(
        "backend",
        "BACKEND",
        _parse_backend,
        "a storage backend name such as json or pickle",
        "json",
    ),
    _Setting("capture_result", "RESULT", _parse_bool, "1/0, true/false, yes/no, on/off", False),
    _Setting(
        "async_storage", "ASYNC_STORAGE", _parse_bool, "1/0, true/false, yes/no, on/off", False
    ),
    _Setting(
        "lazy_serialization",
        "LAZY_SERIALIZATION",
        _parse_bool,
        "1/0, true/false, yes/no, on/off",
        False,
    ),
    _Setting("durable", "DURABLE", _parse_bool, "1/0, true/false, yes/no, on/off", False),
    _Setting(
        "trusted_modules",
        "TRUSTED_MODULES",
        _parse_names,
        "comma-separated module names, e.g. myapp,shared.models",
        (),
        union=True,
    ),
    _Setting(
        "redaction",
        "REDACTION",
        _parse_redaction,
        "'default' or 'strict'",
        "default",
        production="strict",
    ),
    _Setting(
        "capture_recursive_calls",
        "RECURSIVE",
        _parse_bool,
        "1/0, true/false, yes/no, on/off",
        False,
    ),
    _Setting("custom_filter", None, _parse_filter, "an ArgumentFilter instance or None", None),
    _Setting(
        "custom_filters",
        None,
        _parse_callables,
        "a list of callables (arg_name, arg_value) -> bool",
        (),
        union=True,
    ),
)
_BY_NAME = {setting.name: setting for setting in _SETTINGS}
ENVIRONMENT_VARIABLES = {
    ENV_PREFIX + setting.env: setting.name for setting in _SETTINGS if setting.env
}
"""Every ``SNAP_CAPTURE_*`` variable snapy reads, mapped to the setting it sets."""

_ALIASES = {"default_retention": "retention", "default_path": "path"}


def _coerce(name: str, value: Any, where: str) -> Any:
    setting = _BY_NAME[name]
    try:
        return setting.parse(value)
    except _Invalid:
        raise ConfigError(
            f"{where}: invalid value {value!r} for {name!r}; expected {setting.accepted}"
        ) from None


@attrs.frozen(init=False)
class CaptureConfig:
    """A set of capture settings. Fields not given are left to the lower layers.

    ``CaptureConfig(production_mode=True, retention=1)`` (``default_retention`` is
    accepted for ``retention``). Unknown names and bad values raise
    :class:`~snapy_core.errors.ConfigError`.
    """

    enabled: bool = True
    path: Path = DEFAULT_PATH
    retention: int | None = 10
    max_age: dt.timedelta | None = None
    ignore_args: tuple[str, ...] = ()
    production_mode: bool = False
    minimal_capture: bool = False
    full_capture: bool = False
    debug_mode: bool = False
    ignore_large_objects: bool = False
    max_capture_size: int | None = None
    sample_rate: float = 1.0
    backend: str = "json"
    capture_result: bool = False
    async_storage: bool = False
    lazy_serialization: bool = False
    durable: bool = False
    trusted_modules: tuple[str, ...] = ()
    redaction: str = "default"
    capture_recursive_calls: bool = False
    custom_filter: ArgumentFilter | None = attrs.field(default=None, eq=False)
    custom_filters: tuple[Callable[[str, Any], bool], ...] = attrs.field(default=(), eq=False)
    explicit: frozenset[str] = attrs.field(default=frozenset(), repr=False, eq=False)
    """Names of the settings given explicitly (the others are defaults)."""

    def __init__(self, **settings: Any) -> None:
        values = _normalize_settings(settings, where="CaptureConfig")
        self.__attrs_init__(**values, explicit=frozenset(values))

    @property
    def default_retention(self) -> int | None:
        """Alias of ``retention`` (the spelling of the seed documents)."""
        return self.retention

    @property
    def effective_max_capture_size(self) -> int | None:
        """The per-argument size limit actually applied."""
        if self.max_capture_size is not None:
            return self.max_capture_size
        return DEFAULT_LARGE_OBJECT_SIZE if self.ignore_large_objects else None

    def replace(self, **changes: Any) -> CaptureConfig:
        """A copy with some settings changed (they count as explicitly given)."""
        current = {name: getattr(self, name) for name in self.explicit}
        current.update(_normalize_settings(changes, where="CaptureConfig.replace"))
        return CaptureConfig(**current)


def _normalize_settings(settings: Mapping[str, Any], *, where: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in settings.items():
        name = _ALIASES.get(key, key)
        if name not in _BY_NAME:
            known = ", ".join(sorted(_BY_NAME) + sorted(_ALIASES))
            raise ConfigError(f"{where}: unknown setting {key!r}; known settings: {known}")
        if name in values:
            raise ConfigError(f"{where}: {key!r} given twice (also as {name!r})")
        values[name] = _coerce(name, value, where)
    if values.get("production_mode") and values.get("full_capture"):
        raise ConfigError(
            f"{where}: production_mode and full_capture cannot both be on; production mode "
            "keeps captures minimal. Drop full_capture, or production_mode outside production."
        )
    return values


# -- resolution ------------------------------------------------------------------------


class Source(enum.Enum):
    """Where an effective setting came from."""

    ARGUMENT = "argument"
    ENVIRONMENT = "environment"
    GLOBAL = "global config"
    PRODUCTION = "production mode"
    DEFAULT = "default"


@attrs.frozen
class ConfigValue:
    """One effective setting, where it came from and (``detail``) how it was given."""

    name: str
    value: Any
    source: Source
    detail: str = ""


@attrs.frozen
class ResolvedConfig:
    """The effective configuration and the origin of every value."""

    config: CaptureConfig
    values: tuple[ConfigValue, ...]
    problems: tuple[str, ...] = ()
    """Messages of the environment values that were ignored."""

    def source_of(self, name: str) -> ConfigValue:
        for value in self.values:
            if value.name == _ALIASES.get(name, name):
                return value
        raise KeyError(name)


_global_lock = threading.Lock()
_global_config: CaptureConfig | None = None
_warned: set[tuple[str, str]] = set()


def set_global_config(config: CaptureConfig | None) -> None:
    """Make ``config`` the global layer (below decorator arguments and the environment).

    ``None`` removes it. Affects functions decorated afterwards and every ``get_config()``.
    """
    global _global_config
    if config is not None and not isinstance(config, CaptureConfig):
        raise ConfigError(
            f"set_global_config() expects a CaptureConfig or None, got {type(config).__name__}"
        )
    with _global_lock:
        _global_config = config


def get_global_config() -> CaptureConfig | None:
    """The configuration given to :func:`set_global_config`, if any."""
    return _global_config


def get_config(**arguments: Any) -> CaptureConfig:
    """The effective configuration: ``arguments`` > environment > global > defaults."""
    return resolve_config(arguments).config


def resolve_config(
    arguments: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    global_config: CaptureConfig | object | None = attrs.NOTHING,
    argument_label: str = "argument",
) -> ResolvedConfig:
    """Resolve every setting and remember where each value came from.

    ``arguments`` are decorator arguments (None values mean "not given"); ``environ``
    defaults to ``os.environ`` and ``global_config`` to the one set globally.
    """
    args = _normalize_settings(
        {key: value for key, value in (arguments or {}).items() if value is not None},
        where=argument_label,
    )
    env_values, problems = _read_environment(os.environ if environ is None else environ)
    layer_global = _global_config if global_config is attrs.NOTHING else global_config
    global_values = (
        {name: getattr(layer_global, name) for name in layer_global.explicit}
        if isinstance(layer_global, CaptureConfig)
        else {}
    )
    layers: list[tuple[Source, dict[str, Any], dict[str, str]]] = [
        (
            Source.ARGUMENT,
            args,
            {name: f"{argument_label}: {name}={args[name]!r}" for name in args},
        ),
        (
            Source.ENVIRONMENT,
            {n: v for n, (v, _) in env_values.items()},
            {n: detail for n, (_, detail) in env_values.items()},
        ),
        (
            Source.GLOBAL,
            global_values,
            {name: f"set_global_config(CaptureConfig({name}=...))" for name in global_values},
        ),
    ]

    def pick(name: str) -> ConfigValue | None:
        for source, values, details in layers:
            if name in values:
                return ConfigValue(name, values[name], source, details[name])
        return None

    production = pick("production_mode")
    production_on = bool(production and production.value)
    resolved: dict[str, Any] = {}
    explained: list[ConfigValue] = []
    for setting in _SETTINGS:
        if setting.union:
            merged: list[Any] = []
            origins: list[str] = []
            for _source, values, details in layers:
                if values.get(setting.name):
                    merged.extend(values[setting.name])
                    origins.append(details[setting.name])
            if origins:
                # order-preserving union; callables are kept even when equal
                value = (
                    tuple(merged)
                    if setting.name == "custom_filters"
                    else tuple(dict.fromkeys(merged))
                )
                first = next(source for source, values, _ in layers if values.get(setting.name))
                chosen = ConfigValue(setting.name, value, first, " + ".join(origins))
            else:
                chosen = ConfigValue(setting.name, setting.default, Source.DEFAULT)
        else:
            picked = pick(setting.name)
            if picked is not None:
                chosen = picked
            elif production_on and setting.production is not _SAME_AS_DEFAULT:
                chosen = ConfigValue(
                    setting.name, setting.production, Source.PRODUCTION, "production_mode is on"
                )
            else:
                chosen = ConfigValue(setting.name, setting.default, Source.DEFAULT)
        if production_on and setting.name == "redaction" and chosen.value != "strict":
            chosen = ConfigValue(
                "redaction",
                "strict",
                Source.PRODUCTION,
                f"production_mode forces strict redaction (ignored {chosen.detail})",
            )
        if production_on and setting.name == "full_capture" and chosen.value:
            chosen = ConfigValue(
                "full_capture",
                False,
                Source.PRODUCTION,
                f"production_mode turns full_capture off (ignored {chosen.detail})",
            )
        resolved[setting.name] = chosen.value
        explained.append(chosen)
    config = CaptureConfig.__new__(CaptureConfig)
    config.__attrs_init__(
        **resolved,
        explicit=frozenset(v.name for v in explained if v.source is not Source.DEFAULT),
    )
    return ResolvedConfig(config, tuple(explained), tuple(problems))


def explain_config(arguments: Mapping[str, Any] | None = None) -> list[ConfigValue]:
    """Every effective setting with its source, for ``snapy config``."""
    return list(resolve_config(arguments).values)


def _read_environment(
    environ: Mapping[str, str],
) -> tuple[dict[str, tuple[Any, str]], list[str]]:
    values: dict[str, tuple[Any, str]] = {}
    problems: list[str] = []
    for variable, name in ENVIRONMENT_VARIABLES.items():
        raw = environ.get(variable)
        if raw is None:
            continue
        setting = _BY_NAME[name]
        try:
            values[name] = (setting.parse(raw), f"{variable}={raw}")
        except _Invalid:
            message = (
                f"{variable}={raw!r} is not valid: expected {setting.accepted}. "
                f"Ignoring it; {name} falls back to the global config or the default."
            )
            problems.append(message)
            _warn_once(variable, raw, message)
    unknown = sorted(
        key
        for key in environ
        if key.startswith(ENV_PREFIX)
        and key not in ENVIRONMENT_VARIABLES
        and key not in _OTHER_VARIABLES
    )
    for variable in unknown:
        message = (
            f"{variable} is not a snapy setting and is ignored; known variables: "
            f"{', '.join(sorted(ENVIRONMENT_VARIABLES) + sorted(_OTHER_VARIABLES))}"
        )
        problems.append(message)
        _warn_once(variable, environ[variable], message)
    return values, problems


_OTHER_VARIABLES = frozenset({"SNAP_CAPTURE_PICKLE_KEY"})
"""Variables read by plugins rather than by the configuration."""


def _warn_once(variable: str, raw: str, message: str) -> None:
    key = (variable, raw)
    if key in _warned:
        return
    _warned.add(key)
    warnings.warn(message, ConfigWarning, stacklevel=4)


def register_plugin_variable(name: str) -> None:
    """Tell the configuration that a plugin reads ``name`` (so it is not reported unknown)."""
    global _OTHER_VARIABLES
    _OTHER_VARIABLES = _OTHER_VARIABLES | {name}


__all__ = [
    "DEFAULT_PATH",
    "ENVIRONMENT_VARIABLES",
    "CaptureConfig",
    "ConfigValue",
    "ResolvedConfig",
    "Source",
    "explain_config",
    "get_config",
    "get_global_config",
    "parse_duration",
    "parse_size",
    "register_plugin_variable",
    "resolve_config",
    "set_global_config",
]
