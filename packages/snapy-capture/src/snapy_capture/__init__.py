"""snapy-capture: capture the arguments real code receives and replay them in tests.

::

    from snapy_capture import capture_args, load_capture

    @capture_args(path="./captures", retention=3, ignore_args=["password"])
    def user_authentication(username, password, remember_me=False): ...

    # later, in a test
    args, kwargs = load_capture("user_authentication", overrides={"password": "test"})
    assert user_authentication(*args, **kwargs) == snapshot

The configuration, filters, record model and storage contract come from snapy-core and
are re-exported here under the names the seed documents import.
"""

from __future__ import annotations

from snapy_core import (
    SENSITIVE_PATTERNS,
    ArgumentFilter,
    CallMetadata,
    CallOutcome,
    CaptureConfig,
    CaptureNotFoundError,
    CaptureRecord,
    CaptureStorage,
    CaptureWarning,
    FilterAction,
    Omitted,
    Placeholder,
    Redacted,
    Unserializable,
    get_config,
    get_global_config,
    set_global_config,
)

from .__about__ import __version__
from ._decorator import CaptureHandle, CaptureStats, capture_args, get_capture_handle
from ._loader import (
    CaptureLoader,
    SearchLocation,
    has_capture,
    load_capture,
    load_capture_dict,
    replay_arguments,
    search_locations,
)
from ._params import snapy_captures
from ._profiler import CaptureProfiler, FunctionProfile
from ._runtime import (
    add_search_path,
    capture_disabled,
    capture_enabled,
    is_capture_enabled,
    redirect_captures,
    remove_search_path,
    set_capture_enabled,
)
from ._writer import configure_async_writer, flush

__all__ = [
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
