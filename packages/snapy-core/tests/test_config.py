"""Configuration: the priority table, environment parsing, production mode, sources."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

import snapy_core
from snapy_core import (
    ArgumentFilter,
    CaptureConfig,
    ConfigError,
    ConfigWarning,
    Source,
    _config,
    resolve_config,
    set_global_config,
)


@pytest.fixture(autouse=True)
def clean_config(monkeypatch: pytest.MonkeyPatch):
    for key in list(os.environ):
        if key.startswith("SNAP_CAPTURE_"):
            monkeypatch.delenv(key)
    monkeypatch.setattr(_config, "_warned", set())
    set_global_config(None)
    yield
    set_global_config(None)


# For every variable: a value in each layer, as a decorator argument / environment string /
# global CaptureConfig value, and the effective value each one must produce.
# (argument, expected) / (environment string, expected) / (global, expected)
LAYERS: dict[str, tuple[tuple[Any, Any], tuple[str, Any], tuple[Any, Any]]] = {
    "enabled": ((True, True), ("off", False), (True, True)),
    "path": (
        ("./arg", Path("arg")),
        ("/srv/env-captures", Path("/srv/env-captures")),
        ("glob", Path("glob")),
    ),
    "retention": ((3, 3), ("5", 5), (7, 7)),
    "max_age": (
        ("2h", dt.timedelta(hours=2)),
        ("7d", dt.timedelta(days=7)),
        (dt.timedelta(minutes=5), dt.timedelta(minutes=5)),
    ),
    "production_mode": ((False, False), ("yes", True), (False, False)),
    "minimal_capture": ((False, False), ("1", True), (False, False)),
    "full_capture": ((True, True), ("0", False), (True, True)),
    "debug_mode": ((True, True), ("false", False), (True, True)),
    "ignore_large_objects": ((False, False), ("on", True), (False, False)),
    "max_capture_size": ((2048, 2048), ("1KB", 1024), ("2MiB", 2 * 1024 * 1024)),
    "sample_rate": ((0.25, 0.25), ("10%", 0.1), (0.5, 0.5)),
    "backend": (("pickle", "pickle"), ("my-db", "my-db"), ("json", "json")),
    "capture_result": ((True, True), ("no", False), (True, True)),
    "async_storage": ((False, False), ("true", True), (False, False)),
    "lazy_serialization": ((False, False), ("1", True), (False, False)),
    "durable": ((False, False), ("yes", True), (False, False)),
    "redaction": (("strict", "strict"), ("default", "default"), ("strict", "strict")),
    "capture_recursive_calls": ((True, True), ("0", False), (True, True)),
}
UNION_LAYERS = {
    "ignore_args": (["card"], "ssn, pin", ["password"]),
    "trusted_modules": (["app"], "shared.models", ["lib"]),
}
VARIABLE_OF = {name: variable for variable, name in snapy_core.ENVIRONMENT_VARIABLES.items()}


def test_every_variable_is_covered_by_the_priority_table() -> None:
    assert set(VARIABLE_OF) == set(LAYERS) | set(UNION_LAYERS)
    assert "SNAP_CAPTURE_ENABLED" in snapy_core.ENVIRONMENT_VARIABLES
    for required in (
        "DEFAULT_PATH",
        "DEFAULT_RETENTION",
        "IGNORE_ARGS",
        "PRODUCTION_MODE",
        "BACKEND",
        "SAMPLE_RATE",
        "MAX_SIZE",
        "MAX_AGE",
    ):
        assert f"SNAP_CAPTURE_{required}" in snapy_core.ENVIRONMENT_VARIABLES


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_priority_argument_over_environment_over_global_over_default(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (argument, from_argument), (environment, from_environment), (global_, from_global) = LAYERS[
        name
    ]
    variable = VARIABLE_OF[name]
    default = resolve_config().source_of(name)
    assert default.source is Source.DEFAULT

    set_global_config(CaptureConfig(**{name: global_}))
    chosen = resolve_config().source_of(name)
    assert (chosen.value, chosen.source) == (from_global, Source.GLOBAL)

    monkeypatch.setenv(variable, environment)
    chosen = resolve_config().source_of(name)
    assert (chosen.value, chosen.source) == (from_environment, Source.ENVIRONMENT)
    assert chosen.detail == f"{variable}={environment}"

    chosen = resolve_config({name: argument}).source_of(name)
    assert (chosen.value, chosen.source) == (from_argument, Source.ARGUMENT)
    assert getattr(resolve_config({name: argument}).config, name) == from_argument

    set_global_config(None)
    monkeypatch.delenv(variable)
    assert resolve_config().source_of(name) == default


@pytest.mark.parametrize("name", sorted(UNION_LAYERS))
def test_name_lists_are_the_union_of_every_layer(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    argument, environment, global_ = UNION_LAYERS[name]
    set_global_config(CaptureConfig(**{name: global_}))
    monkeypatch.setenv(VARIABLE_OF[name], environment)

    chosen = resolve_config({name: argument}).source_of(name)

    expected = (*argument, *[p.strip() for p in environment.split(",")], *global_)
    assert chosen.value == expected
    assert chosen.source is Source.ARGUMENT
    assert VARIABLE_OF[name] in chosen.detail
    assert "set_global_config" in chosen.detail


def test_a_decorator_cannot_remove_an_operators_ignored_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SNAP_CAPTURE_IGNORE_ARGS", "ssn")
    assert "ssn" in resolve_config({"ignore_args": []}).config.ignore_args


def test_none_arguments_mean_not_given() -> None:
    set_global_config(CaptureConfig(retention=4))
    assert resolve_config({"retention": None}).config.retention == 4


# -- bad values ------------------------------------------------------------------------

BAD_ENVIRONMENT = {
    "SNAP_CAPTURE_ENABLED": "maybe",
    "SNAP_CAPTURE_DEFAULT_PATH": "   ",
    "SNAP_CAPTURE_DEFAULT_RETENTION": "0",
    "SNAP_CAPTURE_MAX_AGE": "a week",
    "SNAP_CAPTURE_PRODUCTION_MODE": "prod",
    "SNAP_CAPTURE_MINIMAL": "2",
    "SNAP_CAPTURE_FULL": "full",
    "SNAP_CAPTURE_DEBUG": "verbose",
    "SNAP_CAPTURE_IGNORE_LARGE_OBJECTS": "big",
    "SNAP_CAPTURE_MAX_SIZE": "12 parsecs",
    "SNAP_CAPTURE_SAMPLE_RATE": "1.5",
    "SNAP_CAPTURE_BACKEND": "../etc",
    "SNAP_CAPTURE_RESULT": "-1",
    "SNAP_CAPTURE_ASYNC_STORAGE": "async",
    "SNAP_CAPTURE_LAZY_SERIALIZATION": "lazy",
    "SNAP_CAPTURE_DURABLE": "fsync",
    "SNAP_CAPTURE_REDACTION": "paranoid",
    "SNAP_CAPTURE_RECURSIVE": "deep",
}


def test_every_variable_has_a_bad_value_case() -> None:
    unions = {VARIABLE_OF[name] for name in UNION_LAYERS}  # any string is a name list
    assert set(BAD_ENVIRONMENT) == set(snapy_core.ENVIRONMENT_VARIABLES) - unions


@pytest.mark.parametrize("variable", sorted(BAD_ENVIRONMENT))
def test_a_bad_environment_value_warns_once_and_falls_back(
    variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = snapy_core.ENVIRONMENT_VARIABLES[variable]
    bad = BAD_ENVIRONMENT[variable]
    monkeypatch.setenv(variable, bad)

    with pytest.warns(ConfigWarning) as caught:
        resolved = resolve_config()
    message = str(caught[0].message)
    assert variable in message
    assert repr(bad) in message
    assert "expected" in message  # the accepted forms follow
    assert resolved.source_of(name).source is Source.DEFAULT
    assert any(variable in problem for problem in resolved.problems)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        resolve_config()  # the same bad value is reported once per process


def test_a_bad_environment_value_falls_back_to_the_global_config(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_global_config(CaptureConfig(retention=4))
    monkeypatch.setenv("SNAP_CAPTURE_DEFAULT_RETENTION", "lots")
    with pytest.warns(ConfigWarning, match="SNAP_CAPTURE_DEFAULT_RETENTION='lots'"):
        chosen = resolve_config().source_of("retention")
    assert (chosen.value, chosen.source) == (4, Source.GLOBAL)


def test_an_unknown_snap_capture_variable_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SNAP_CAPTURE_RETENTON", "3")
    with pytest.warns(ConfigWarning, match="SNAP_CAPTURE_RETENTON is not a snapy setting"):
        resolve_config()


def test_a_bad_environment_never_breaks_a_host_program(tmp_path: Path) -> None:
    environment = {**os.environ, **BAD_ENVIRONMENT, "PYTHONWARNINGS": "default"}
    result = subprocess.run(
        [sys.executable, "-c", "import snapy_core; print(snapy_core.get_config().retention)"],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "10"
    assert "SNAP_CAPTURE_DEFAULT_RETENTION='0'" in result.stderr


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        ({"retention": 0}, "invalid value 0 for 'retention'"),
        ({"retention": "three"}, "whole number"),
        ({"sample_rate": 2}, "from 0 to 1"),
        ({"max_capture_size": -1}, "size in bytes"),
        ({"max_age": "soon"}, "duration"),
        ({"redaction": "none"}, "'default' or 'strict'"),
        ({"custom_filter": "not a filter"}, "ArgumentFilter"),
        ({"custom_filters": [1]}, "callables"),
        ({"retension": 3}, "unknown setting 'retension'"),
        ({"retention": 1, "default_retention": 2}, "given twice"),
        ({"production_mode": True, "full_capture": True}, "cannot both be on"),
    ],
)
def test_bad_values_in_code_raise_a_clear_config_error(
    settings: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(ConfigError, match="CaptureConfig") as raised:
        CaptureConfig(**settings)
    assert fragment in str(raised.value)


def test_bad_decorator_arguments_name_the_decorator() -> None:
    with pytest.raises(ConfigError, match=r"@capture_args\(\): invalid value -3 for 'retention'"):
        resolve_config({"retention": -3}, argument_label="@capture_args()")


def test_set_global_config_rejects_other_objects() -> None:
    with pytest.raises(ConfigError, match="expects a CaptureConfig"):
        set_global_config({"retention": 1})  # type: ignore[arg-type]


# -- the seed configurations ------------------------------------------------------------


def test_seed_000_production_config() -> None:
    production_config = CaptureConfig(
        production_mode=True,
        minimal_capture=True,
        default_retention=1,
        ignore_args=["password", "token", "secret", "credentials", "api_key"],
        custom_filter=ArgumentFilter(),
    )
    assert production_config.retention == production_config.default_retention == 1
    assert production_config.ignore_args == (
        "password",
        "token",
        "secret",
        "credentials",
        "api_key",
    )
    assert isinstance(production_config.custom_filter, ArgumentFilter)


def test_seed_001_production_deployment() -> None:
    config = CaptureConfig(
        production_mode=True,
        minimal_capture=True,
        ignore_large_objects=True,
        max_capture_size=1024,
        retention=1,
    )
    snapy_core.set_global_config(config)
    effective = snapy_core.get_config()
    assert (effective.max_capture_size, effective.retention, effective.redaction) == (
        1024,
        1,
        "strict",
    )


def test_seed_002_strategies() -> None:
    production = CaptureConfig(production_mode=True, minimal_capture=True)
    development = CaptureConfig(full_capture=True, debug_mode=True)
    assert production.explicit == {"production_mode", "minimal_capture"}
    assert development.full_capture
    assert development.debug_mode


# -- production mode -------------------------------------------------------------------


def test_production_mode_turns_on_the_safe_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SNAP_CAPTURE_PRODUCTION_MODE", "1")
    resolved = resolve_config()
    config = resolved.config
    assert config.minimal_capture is True
    assert config.ignore_large_objects is True
    assert config.max_capture_size == 1024
    assert config.retention == 1
    assert config.redaction == "strict"
    for name in ("minimal_capture", "max_capture_size", "retention", "redaction"):
        assert resolved.source_of(name).source is Source.PRODUCTION


def test_explicit_settings_beat_production_defaults_but_not_its_safety(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_global_config(CaptureConfig(retention=3, redaction="default"))
    monkeypatch.setenv("SNAP_CAPTURE_PRODUCTION_MODE", "true")
    monkeypatch.setenv("SNAP_CAPTURE_FULL", "1")

    resolved = resolve_config()

    assert resolved.config.retention == 3
    assert resolved.config.redaction == "strict"
    assert resolved.config.full_capture is False
    assert "forces strict redaction" in resolved.source_of("redaction").detail
    assert "SNAP_CAPTURE_FULL=1" in resolved.source_of("full_capture").detail


def test_effective_max_capture_size() -> None:
    assert CaptureConfig().effective_max_capture_size is None
    assert CaptureConfig(ignore_large_objects=True).effective_max_capture_size == 64 * 1024
    assert CaptureConfig(max_capture_size="4KB").effective_max_capture_size == 4096


def test_replace_keeps_explicit_settings() -> None:
    config = CaptureConfig(retention=2).replace(backend="pickle")
    assert (config.retention, config.backend) == (2, "pickle")
    assert config.explicit == {"retention", "backend"}


def test_explain_config_lists_every_setting_once() -> None:
    names = [value.name for value in snapy_core.explain_config()]
    assert len(names) == len(set(names))
    assert {"enabled", "path", "retention", "ignore_args", "backend"} <= set(names)


# -- parsers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", dt.timedelta(days=7)),
        ("1d12h", dt.timedelta(days=1, hours=12)),
        ("90m", dt.timedelta(minutes=90)),
        ("3600", dt.timedelta(hours=1)),
        ("2w", dt.timedelta(weeks=2)),
        ("1.5h", dt.timedelta(minutes=90)),
        ("none", None),
    ],
)
def test_parse_duration(text: str, expected: dt.timedelta | None) -> None:
    assert snapy_core.parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "7x", "d7", "-1h", "0", "1h 2", "nan"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="invalid"):
        snapy_core.parse_duration(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1024", 1024),
        ("1KB", 1024),
        ("64 KiB", 65536),
        ("2mb", 2 * 1024**2),
        ("1G", 1024**3),
        ("unlimited", None),
    ],
)
def test_parse_size(text: str, expected: int | None) -> None:
    assert snapy_core.parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "KB", "1XB", "-5", "0"])
def test_parse_size_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="invalid"):
        snapy_core.parse_size(text)
