"""The hooks a snapy plugin can implement.

A plugin is a module (or object) with functions marked ``@snapy_core.hookimpl``, made
known through the ``snapy`` entry-point group::

    [project.entry-points.snapy]
    my_filter = "my_package.snapy_plugin"

Hooks are called with keyword arguments only; an implementation may accept any subset of
a hook's parameters, by name. Registration hooks (``snapy_register_*``) are called once
when a decorated function, storage or tracer is set up, never per call or per trace event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs
import pluggy

if TYPE_CHECKING:
    from pathlib import Path

    from ._config import CaptureConfig
    from ._record import CaptureRecord

PROJECT_NAME = "snapy"
"""The pluggy project name, and the entry-point group plugins are discovered in."""

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@attrs.frozen(kw_only=True)
class CallContext:
    """The decorated function a hook is asked about."""

    module: str
    qualname: str
    function: Callable[..., Any] = attrs.field(eq=False, repr=False)

    @property
    def function_key(self) -> str:
        return f"{self.module}.{self.qualname}" if self.module else self.qualname


@hookspec(historic=True)
def snapy_configure(config: CaptureConfig) -> None:
    """See the effective configuration once the plugin manager is set up.

    Historic: a plugin registered later is called with the configuration too.
    """


@hookspec
def snapy_unconfigure(config: CaptureConfig) -> None:
    """Flush and close: called at interpreter exit and by ``snapy_core.shutdown()``."""


@hookspec
def snapy_register_storage_backends(register: Callable[..., None]) -> None:
    """Offer storage backends by name.

    Call ``register(name, factory, description="...")``; ``factory(root=Path, **options)``
    returns an object implementing :class:`snapy_core.StorageBackend` (usually a
    :class:`snapy_core.CaptureStorage` subclass). Names are what users put in
    ``SNAP_CAPTURE_BACKEND`` or ``@capture_args(backend=...)``.
    """


@hookspec
def snapy_register_serializers(register: Callable[..., None]) -> None:
    """Teach value-encoding backends a type they do not know.

    Call ``register(cls, tag="mylib.Money", encode=to_primitive, decode=from_primitive)``.
    ``encode(value)`` returns a value the backend can encode (it may contain further
    values of any supported type); ``decode(primitive)`` rebuilds the object.
    """


@hookspec
def snapy_register_filters(register: Callable[..., None]) -> None:
    """Add argument filters applied to every capture.

    Call ``register(filter)`` with an :class:`snapy_core.ArgumentFilter` instance or a
    callable ``(arg_name, arg_value) -> bool`` returning False for arguments that must not
    be stored (they are kept in the record as a redaction placeholder).
    """


@hookspec
def snapy_register_trace_sinks(register: Callable[..., None]) -> None:
    """Offer trace sinks (where trace events go besides memory) by name.

    Call ``register(name, factory)``; ``factory(**options)`` returns a sink with
    ``write(events)`` and ``close()``. Resolved once per tracer.
    """


@hookspec(firstresult=True)
def snapy_ignore_argument(call: CallContext, name: str, value: Any) -> bool | None:
    """Return True to drop (redact) one argument of one call, None to have no opinion.

    This hook runs per captured call, so it is only called when at least one plugin
    implements it; keep it cheap.
    """


@hookspec
def snapy_capture_stored(record: CaptureRecord, location: Path | str) -> None:
    """Audit trail: a capture was stored at ``location``."""


__all__ = ["PROJECT_NAME", "CallContext", "hookimpl", "hookspec"]
