import snapy_capture

EXPECTED = [
    "SENSITIVE_PATTERNS",
    "ArgumentFilter",
    "CallMetadata",
    "CallOutcome",
    "CaptureConfig",
    "CaptureHandle",
    "CaptureLoader",
    "CaptureNotFoundError",
    "CaptureProfiler",
    "CaptureRecord",
    "CaptureStats",
    "CaptureStorage",
    "CaptureWarning",
    "FilterAction",
    "FunctionProfile",
    "Omitted",
    "Placeholder",
    "Redacted",
    "SearchLocation",
    "Unserializable",
    "__version__",
    "add_search_path",
    "capture_args",
    "capture_disabled",
    "capture_enabled",
    "configure_async_writer",
    "flush",
    "get_capture_handle",
    "get_config",
    "get_global_config",
    "has_capture",
    "is_capture_enabled",
    "load_capture",
    "load_capture_dict",
    "redirect_captures",
    "remove_search_path",
    "replay_arguments",
    "search_locations",
    "set_capture_enabled",
    "set_global_config",
    "snapy_captures",
]


def test_all_is_pinned_and_importable():
    assert snapy_capture.__all__ == EXPECTED
    for name in snapy_capture.__all__:
        assert hasattr(snapy_capture, name), name


def test_seed_imports_come_from_snapy_capture():
    import snapy_core

    assert snapy_capture.CaptureConfig is snapy_core.CaptureConfig
    assert snapy_capture.ArgumentFilter is snapy_core.ArgumentFilter
    assert snapy_capture.CaptureStorage is snapy_core.CaptureStorage
    assert snapy_capture.CaptureNotFoundError is snapy_core.CaptureNotFoundError
    assert snapy_capture.set_global_config is snapy_core.set_global_config
