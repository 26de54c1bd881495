"""Which classes a JSON capture may rebuild, and how a class path is resolved safely.

A capture names classes by path (``module:qualname``). Loading one must never import a
module the user did not trust, and never reach anything but the class that was named:

* a module is *trusted* when it is, or lives under, one of the trusted names: the
  ``trusted_modules`` given to the codec or storage, ``SNAP_CAPTURE_TRUSTED_MODULES`` /
  ``CaptureConfig(trusted_modules=...)``, and the top-level package of the captured
  function's module (the record's ``module`` field). That last one is never a standard
  library module (a file claiming ``"module": "os"`` gains nothing);
* :data:`SAFE_CLASSES` are standard-library classes that are side-effect free to build
  (``collections.OrderedDict``, ``fractions.Fraction``, ``ipaddress.IPv4Address``, the
  built-in exceptions, ...). Only they can be constructed from an untrusted module;
* :data:`SAFE_MODULES` are standard-library modules whose import has no side effects; an
  enum member, named tuple, dataclass or attrs instance from them is rebuilt without
  running any of their code (member lookup, ``tuple.__new__``, ``object.__setattr__``).

Resolution imports the module only after the trust check, walks the qualified name
attribute by attribute (no dunder parts), and accepts the result only if its own
``__module__`` and ``__qualname__`` are the ones written in the file, so a trusted module
cannot be used as a springboard (``myapp:os.system`` is refused).
"""

from __future__ import annotations

import builtins
import collections
import datetime as dt
import decimal
import fractions
import importlib
import ipaddress
import pathlib
import re
import sys
import types
import uuid
import zoneinfo
from collections.abc import Callable, Iterable

SAFE_MODULES: frozenset[str] = frozenset(
    {
        "builtins",
        "collections",
        "datetime",
        "decimal",
        "enum",
        "fractions",
        "http",
        "ipaddress",
        "pathlib",
        "re",
        "signal",
        "socket",
        "types",
        "urllib.parse",
        "uuid",
        "zoneinfo",
    }
)
"""Standard-library modules whose import has no side effects.

Enum members, named tuples, dataclasses and attrs instances whose class lives in one of
them (or in a submodule) are rebuilt even though the module is not in the trusted list.
"""


def _class_path(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


_SAFE_CLASS_OBJECTS: tuple[type, ...] = (
    bool,
    bytearray,
    bytes,
    complex,
    dict,
    float,
    frozenset,
    int,
    list,
    object,
    range,
    set,
    slice,
    str,
    tuple,
    collections.ChainMap,
    collections.Counter,
    collections.OrderedDict,
    collections.UserDict,
    collections.UserList,
    collections.UserString,
    collections.defaultdict,
    collections.deque,
    dt.date,
    dt.datetime,
    dt.time,
    dt.timedelta,
    dt.timezone,
    decimal.Decimal,
    fractions.Fraction,
    ipaddress.IPv4Address,
    ipaddress.IPv4Interface,
    ipaddress.IPv4Network,
    ipaddress.IPv6Address,
    ipaddress.IPv6Interface,
    ipaddress.IPv6Network,
    pathlib.PurePath,
    pathlib.PurePosixPath,
    pathlib.PureWindowsPath,
    pathlib.Path,
    pathlib.PosixPath,
    pathlib.WindowsPath,
    types.SimpleNamespace,
    uuid.UUID,
    zoneinfo.ZoneInfo,
    *(
        value
        for value in vars(builtins).values()
        if isinstance(value, type) and issubclass(value, BaseException)
    ),
)

SAFE_CLASSES: frozenset[str] = frozenset(_class_path(cls) for cls in _SAFE_CLASS_OBJECTS)
"""Class paths (``module:qualname``) that are built even when their module is not trusted.

They are standard-library value types whose construction has no side effects. A
function is never on this list: a function reference (``$global``) is only resolved from
a trusted module.
"""

_MODULE_PART = re.compile(r"[A-Za-z_][\w\-]*\Z")


class UntrustedClass(Exception):
    """The class path names a module that is not trusted; ``reason`` says how to trust it."""

    def __init__(self, reason: str, type_name: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.type_name = type_name


class BadClassPath(ValueError):
    """The class path is malformed, cannot be imported, or resolves to something else."""


def split_class_path(path: object) -> tuple[str, str]:
    """``"pkg.mod:Outer.Inner"`` -> ``("pkg.mod", "Outer.Inner")``, validated."""
    if not isinstance(path, str) or path.count(":") != 1:
        raise BadClassPath(f"expected a class path 'module:qualname', got {path!r}")
    module, qualname = path.split(":")
    if not all(_MODULE_PART.match(part) for part in module.split(".")):
        raise BadClassPath(f"malformed module name {module!r} in class path {path!r}")
    for part in qualname.split("."):
        if not part.isidentifier():
            raise BadClassPath(f"malformed qualified name {qualname!r} in class path {path!r}")
        if part.startswith("__") and part.endswith("__"):
            raise BadClassPath(
                f"class path {path!r} names a special attribute ({part}); refusing it"
            )
    return module, qualname


def _clean(names: Iterable[str]) -> set[str]:
    return {name.strip() for name in names if isinstance(name, str) and name.strip()}


def _matches(module: str, names: Iterable[str]) -> bool:
    return any(module == name or module.startswith(name + ".") for name in names)


def _is_stdlib(top_level: str) -> bool:
    return top_level in sys.stdlib_module_names or top_level in sys.builtin_module_names


class TrustPolicy:
    """The set of trusted module names used while decoding one capture."""

    __slots__ = ("_more", "_names")

    def __init__(
        self,
        trusted: Iterable[str] = (),
        *,
        function_module: str | None = None,
        more: Callable[[], Iterable[str]] | None = None,
    ) -> None:
        names = _clean(trusted)
        if isinstance(function_module, str) and function_module:
            top_level = function_module.split(".", 1)[0]
            # The record's own module decides this one, and the record comes from the
            # file: never let a file claim the standard library as its home.
            if top_level and not _is_stdlib(top_level):
                names.add(top_level)
        self._names = names
        self._more = more
        """Read only if a class needs a decision (the configuration costs ~0.1 ms)."""

    @property
    def trusted(self) -> tuple[str, ...]:
        """Every trusted module name, sorted."""
        self._load_more()
        return tuple(sorted(self._names))

    def _load_more(self) -> None:
        if self._more is not None:
            more, self._more = self._more, None
            self._names |= _clean(more())

    def trusts_module(self, module: str) -> bool:
        if _matches(module, self._names):
            return True
        if self._more is None:
            return False
        self._load_more()
        return _matches(module, self._names)

    def _untrusted(self, module: str, qualname: str) -> UntrustedClass:
        top_level = module.split(".", 1)[0]
        type_name = f"{module}.{qualname}"
        return UntrustedClass(
            f"module {module!r} is not trusted, so {type_name} was not rebuilt; trust it "
            f"with SNAP_CAPTURE_TRUSTED_MODULES={top_level} or trusted_modules=[{top_level!r}]",
            type_name,
        )

    def resolve(self, path: object, *, kind: str) -> object:
        """The object named by ``path`` if it may be used as ``kind``.

        ``kind`` is ``"construct"`` (a class built from stored arguments: trusted modules
        and :data:`SAFE_CLASSES`), ``"lookup"`` (enum / named tuple / dataclass / attrs
        class, rebuilt without running its code: also :data:`SAFE_MODULES`) or
        ``"reference"`` (a class or function handed back as a value: trusted modules and
        :data:`SAFE_CLASSES`).

        Raises :class:`UntrustedClass` before importing anything when the module is not
        trusted, and :class:`BadClassPath` when the path is malformed or does not resolve
        to exactly the object it names.
        """
        module, qualname = split_class_path(path)
        allowed = self.trusts_module(module) or f"{module}:{qualname}" in SAFE_CLASSES
        if not allowed and kind == "lookup":
            allowed = _matches(module, SAFE_MODULES)
        if not allowed:
            raise self._untrusted(module, qualname)
        return resolve_trusted(module, qualname)


def resolve_trusted(module: str, qualname: str) -> object:
    """Import ``module`` and walk ``qualname``; the caller has checked trust."""
    try:
        target: object = sys.modules.get(module) or importlib.import_module(module)
    except Exception as error:
        raise BadClassPath(
            f"cannot import module {module!r} to rebuild {module}.{qualname}: "
            f"{type(error).__name__}: {error}"
        ) from None
    for part in qualname.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            if module == "__main__":
                raise BadClassPath(
                    f"{qualname} was defined in the script that made the capture (__main__), "
                    "which is not the __main__ of this process; define the classes your "
                    "captured functions receive in an importable module"
                ) from None
            raise BadClassPath(
                f"module {module!r} has no {qualname!r}: it was renamed or removed since "
                "the capture was written"
            ) from None
    if (
        getattr(target, "__module__", None) != module
        or getattr(target, "__qualname__", None) != qualname
    ):
        actual = f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', '?')}"
        raise BadClassPath(
            f"{module}:{qualname} resolves to {actual}, not to an object defined there; refusing it"
        )
    return target


__all__ = [
    "SAFE_CLASSES",
    "SAFE_MODULES",
    "BadClassPath",
    "TrustPolicy",
    "UntrustedClass",
    "resolve_trusted",
    "split_class_path",
]
