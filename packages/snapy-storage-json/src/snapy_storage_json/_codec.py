"""The JSON codec: tagged, lossless, stable JSON for captured values."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import orjson

from snapy_core import get_config, get_plugin_manager
from snapy_core.errors import RecordError

from ._decode import DecodeProblem, Decoder
from ._encode import Encoder
from ._serializers import Serializer, collect_serializers
from ._trust import TrustPolicy

_COMPACT = orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE
_INDENTED = _COMPACT | orjson.OPT_INDENT_2


class JSONCodec:
    """Encodes captured values to JSON and back.

    ``trusted_modules``: modules (and their submodules) whose classes may be rebuilt, on
    top of ``SNAP_CAPTURE_TRUSTED_MODULES`` / ``CaptureConfig(trusted_modules=...)`` (read
    at each decode, unless ``use_config=False``) and the top-level package of the
    ``module`` given to :meth:`decode`. ``indent=False`` writes compact JSON.
    ``plugins=False`` ignores serializers registered by plugins.

    Serializers registered through ``snapy_register_serializers`` are collected once,
    when the codec is created.
    """

    def __init__(
        self,
        *,
        trusted_modules: Iterable[str] = (),
        indent: bool = True,
        plugins: bool = True,
        use_config: bool = True,
    ) -> None:
        if isinstance(trusted_modules, str):
            trusted_modules = [part for part in trusted_modules.split(",")]
        self.trusted_modules: tuple[str, ...] = tuple(
            name.strip() for name in trusted_modules if name.strip()
        )
        self.indent = indent
        self.use_config = use_config
        self.serializers: tuple[Serializer, ...] = tuple(collect_serializers() if plugins else ())
        self._by_tag = {"$" + serializer.tag: serializer for serializer in self.serializers}
        self._encoder = Encoder(self.serializers)
        self._strict_encoder: Encoder | None = None
        self._options = _INDENTED if indent else _COMPACT

    # -- values <-> JSON-native data --------------------------------------------------------

    def encode(self, value: Any) -> Any:
        """``value`` as JSON-native data (dicts with str keys, lists, str, numbers, ...).

        Never raises for a value that cannot be stored: that part becomes an
        :class:`~snapy_core.Unserializable` placeholder.
        """
        return self._strict().encode(value)

    def _strict(self) -> Encoder:
        if self._strict_encoder is None:
            self._strict_encoder = self._encoder.strict()
        return self._strict_encoder

    def trust_policy(
        self, *, module: str | None = None, trusted_modules: Iterable[str] = ()
    ) -> TrustPolicy:
        """The modules trusted when decoding a capture of a function in ``module``."""
        return TrustPolicy(
            [*self.trusted_modules, *trusted_modules],
            function_module=module,
            more=_configured_trusted_modules if self.use_config else None,
        )

    def decode(
        self, data: Any, *, module: str | None = None, trusted_modules: Iterable[str] = ()
    ) -> Any:
        """Rebuild a value from :meth:`encode` output.

        ``module`` is the module of the captured function: its top-level package is
        trusted (unless it is a standard-library module). Raises
        :class:`~snapy_core.errors.RecordError` naming the place of a malformed part.
        """
        policy = self.trust_policy(module=module, trusted_modules=trusted_modules)
        return Decoder(self._by_tag, policy).decode(data)

    # -- values <-> bytes -----------------------------------------------------------------------

    def dumps(self, value: Any, *, indent: bool | None = None) -> bytes:
        """``value`` as UTF-8 JSON: sorted keys, final newline, indented by two spaces
        unless ``indent`` (default: the codec's) is false."""
        options = self._options if indent is None else (_INDENTED if indent else _COMPACT)
        try:
            return orjson.dumps(self._encoder.encode(value), option=options)
        except orjson.JSONEncodeError:
            pass
        # Only ints beyond 64 bits inside containers and strings JSON cannot carry (lone
        # surrogates, e.g. from os.fsdecode) get here: the strict encoder handles both.
        try:
            return orjson.dumps(self._strict().encode(value), option=options)
        except orjson.JSONEncodeError as error:  # pragma: no cover - would be a codec bug
            raise RecordError(f"snapy-storage-json could not write the value: {error}") from None

    def loads(
        self,
        raw: bytes | bytearray | memoryview | str,
        *,
        module: str | None = None,
        trusted_modules: Iterable[str] = (),
    ) -> Any:
        """Parse JSON written by :meth:`dumps` and rebuild the value.

        Raises :class:`~snapy_core.errors.RecordError` for text that is not JSON, and for
        JSON that is not a valid encoding (unknown tag, malformed tagged value), naming
        the place in the document.
        """
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise DecodeProblem(f"not valid JSON: {error}") from None
        return self.decode(data, module=module, trusted_modules=trusted_modules)


def _configured_trusted_modules() -> tuple[str, ...]:
    return get_config().trusted_modules


_default_lock = threading.Lock()
_default: tuple[object, JSONCodec] | None = None


def default_codec() -> JSONCodec:
    """The codec of the module-level functions, rebuilt when the plugin manager is reset."""
    global _default
    manager = get_plugin_manager()
    current = _default
    if current is not None and current[0] is manager:
        return current[1]
    with _default_lock:
        if _default is None or _default[0] is not manager:
            _default = (manager, JSONCodec())
        return _default[1]


def encode_value(value: Any) -> Any:
    """``value`` as JSON-native data, with the default codec (see :class:`JSONCodec`)."""
    return default_codec().encode(value)


def decode_value(
    data: Any, *, module: str | None = None, trusted_modules: Iterable[str] = ()
) -> Any:
    """Rebuild a value from :func:`encode_value` output (see :meth:`JSONCodec.decode`)."""
    return default_codec().decode(data, module=module, trusted_modules=trusted_modules)


def dumps(value: Any, *, indent: bool = True) -> bytes:
    """``value`` as stable JSON bytes (see :meth:`JSONCodec.dumps`)."""
    return default_codec().dumps(value, indent=indent)


def loads(
    raw: bytes | bytearray | memoryview | str,
    *,
    module: str | None = None,
    trusted_modules: Iterable[str] = (),
) -> Any:
    """Rebuild a value from :func:`dumps` output (see :meth:`JSONCodec.loads`)."""
    return default_codec().loads(raw, module=module, trusted_modules=trusted_modules)


__all__ = [
    "JSONCodec",
    "decode_value",
    "default_codec",
    "dumps",
    "encode_value",
    "loads",
]
