"""snapy-core's public surface: pinned, sorted, importable, typed."""

from __future__ import annotations

import re
from pathlib import Path

import snapy_core

PUBLIC = {
    "ArgumentFilter",
    "BackendInfo",
    "BackendNotFoundError",
    "CallContext",
    "CallMetadata",
    "CallOutcome",
    "CaptureConfig",
    "CaptureCorruptError",
    "CaptureNotFoundError",
    "CaptureRecord",
    "CaptureRef",
    "CaptureStorage",
    "CaptureTamperedError",
    "CaptureWarning",
    "CaptureWriteError",
    "ConfigError",
    "ConfigValue",
    "ConfigWarning",
    "DEFAULT_PATH",
    "DEFAULT_VALUE_RULES",
    "ENVIRONMENT_VARIABLES",
    "FilterAction",
    "FilteredArguments",
    "FunctionSummary",
    "NameRule",
    "KNOWN_BACKEND_PACKAGES",
    "Omitted",
    "PROJECT_NAME",
    "Placeholder",
    "PluginError",
    "PluginInfo",
    "PluginWarning",
    "RecordError",
    "Redacted",
    "Redactor",
    "Registration",
    "ResolvedConfig",
    "SCHEMA_VERSION",
    "SENSITIVE_PATTERNS",
    "STRICT_NAME_RULES",
    "STRICT_VALUE_RULES",
    "SnapyError",
    "SnapyWarning",
    "Source",
    "StorageBackend",
    "StorageError",
    "StrayFile",
    "TraceError",
    "TraceWarning",
    "Unserializable",
    "Untrusted",
    "ValueRule",
    "__version__",
    "available_backends",
    "build_redactor",
    "collect_registrations",
    "explain_config",
    "function_dirname",
    "get_backend_info",
    "get_config",
    "get_global_config",
    "get_plugin_manager",
    "hookimpl",
    "hookspec",
    "open_storage",
    "parse_capture_id",
    "parse_duration",
    "parse_size",
    "plugin_failures",
    "plugin_infos",
    "record_from_primitive",
    "record_to_primitive",
    "register_plugin_variable",
    "reset_plugin_manager",
    "resolve_config",
    "set_global_config",
}


def isort_key(name: str) -> tuple[int, str]:
    """ruff RUF022 order: SCREAMING_CASE, then CamelCase, then the rest."""
    if re.fullmatch(r"[A-Z0-9_]+", name) and len(name) > 1:
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def test_public_names_are_pinned() -> None:
    assert set(snapy_core.__all__) >= PUBLIC
    assert set(snapy_core.__all__) - PUBLIC == set(), "new public names: add them here"


def test_all_is_sorted_and_importable() -> None:
    assert snapy_core.__all__ == sorted(snapy_core.__all__, key=isort_key)
    for name in snapy_core.__all__:
        assert hasattr(snapy_core, name), name


def test_package_is_typed() -> None:
    assert (Path(snapy_core.__file__).parent / "py.typed").exists()
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", snapy_core.__version__)
