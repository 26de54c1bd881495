"""Which modules a tracer records: module globs, ``!`` excludes and the default scope.

Rules (documented in the README, pinned by ``tests/test_filters.py``):

* a pattern is matched against the module's ``__name__``, case-sensitively, with
  :mod:`fnmatch` globs (``*``, ``?``, ``[seq]``);
* ``"data.*"`` matches the package ``data`` itself **and** everything below it
  (``data.io``, ``data.io.csv``): functions in ``data/__init__.py`` belong to the package
  users name. ``"data"`` matches only the module ``data``;
* a pattern starting with ``!`` excludes; **excludes win** over includes, whatever the
  order of the list: a module is traced when it matches at least one include and no
  exclude;
* without any include pattern (no ``filter_modules``, or only excludes) the includes are
  the *default scope*: your own code, i.e. every module whose file is outside the standard
  library and outside ``site-packages`` / ``dist-packages``, plus ``__main__``;
* ``"*"`` alone includes everything, the standard library and installed packages too;
* snapy's own tracing machinery (``snapy_trace``, ``snapy_testing``) is never traced, and
  the other snapy packages are outside the default scope.
"""

from __future__ import annotations

import contextlib
import os
import re
import site
import sys
import sysconfig
from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase
from functools import lru_cache

from snapy_core.errors import ConfigError

_NEVER_TRACED = ("snapy_trace", "snapy_testing")
_OUTSIDE_DEFAULT_SCOPE = (
    "snapy_core",
    "snapy_capture",
    "snapy_storage_json",
    "snapy_storage_pickle",
)


def _is_under(name: str, packages: Sequence[str]) -> bool:
    return any(name == package or name.startswith(package + ".") for package in packages)


class _Glob:
    """One module pattern; ``pkg.*`` also matches ``pkg`` (its ``__init__``)."""

    __slots__ = ("also", "pattern")

    def __init__(self, pattern: str, where: str) -> None:
        if not pattern or _BAD_PATTERN.search(pattern):
            raise ConfigError(
                f"{where}: {pattern!r} is not a module pattern. Use dotted module names "
                "with globs, e.g. 'myapp.*' (the package myapp and everything below it), "
                "'myapp.api' (that module only) or '!myapp.vendor.*' (exclude)."
            )
        self.pattern = pattern
        self.also = pattern[:-2] if pattern.endswith(".*") else None

    def match(self, module: str) -> bool:
        if fnmatchcase(module, self.pattern):
            return True
        return self.also is not None and fnmatchcase(module, self.also)


_BAD_PATTERN = re.compile(r"[\s/\\]|^!|^\.|\.\.")


@lru_cache(maxsize=1)
def _library_roots() -> tuple[str, ...]:
    """Directories whose modules are not "your code": stdlib and installed packages."""
    roots: set[str] = set()
    paths = sysconfig.get_paths()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        if paths.get(key):
            roots.add(paths[key])
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}:
        for scheme_key in ("stdlib", "platstdlib"):
            try:
                path = sysconfig.get_path(
                    scheme_key, vars={"base": prefix, "installed_base": prefix, "platbase": prefix}
                )
            except KeyError:
                continue
            if path:
                roots.add(path)
    with contextlib.suppress(AttributeError):  # old virtualenv site modules lack it
        roots.update(site.getsitepackages())
    user_site = getattr(site, "getusersitepackages", lambda: None)()
    if user_site:
        roots.add(user_site)
    normalized = {os.path.normcase(os.path.realpath(root)) for root in roots if root}
    normalized |= {os.path.normcase(os.path.abspath(root)) for root in roots if root}
    return tuple(sorted(root.rstrip(os.sep) + os.sep for root in normalized))


_PACKAGE_DIR_MARKERS = (f"{os.sep}site-packages{os.sep}", f"{os.sep}dist-packages{os.sep}")


@lru_cache(maxsize=4096)
def is_library_file(filename: str) -> bool:
    """True for files of the standard library or of installed packages."""
    if filename.startswith("<"):
        return True  # <frozen importlib._bootstrap>, <string> of library code, ...
    path = os.path.normcase(os.path.abspath(filename))
    if any(marker in path for marker in _PACKAGE_DIR_MARKERS):
        return True
    return path.startswith(_library_roots())


class ModuleFilter:
    """The decision "is this module traced?", made once per module and file."""

    def __init__(
        self, patterns: Iterable[str] | str | None = None, *, where: str = "filter_modules"
    ) -> None:
        if isinstance(patterns, str):
            patterns = [patterns]
        includes: list[str] = []
        excludes: list[str] = []
        for index, pattern in enumerate(patterns or ()):
            if not isinstance(pattern, str):
                raise ConfigError(
                    f"{where}[{index}] is {pattern!r} ({type(pattern).__name__}); module "
                    "patterns are strings such as 'myapp.*' or '!myapp.vendor.*'."
                )
            if pattern.startswith("!"):
                excludes.append(pattern[1:])
            else:
                includes.append(pattern)
        self.patterns: tuple[str, ...] = tuple(patterns or ())
        self.includes: tuple[str, ...] = tuple(includes)
        self.excludes: tuple[str, ...] = tuple(excludes)
        self._include_res = [_Glob(p, f"{where} include {p!r}") for p in includes]
        self._exclude_res = [_Glob(p, f"{where} exclude '!{p}'") for p in excludes]
        self.traces_everything = includes == ["*"] and not excludes
        self._decisions: dict[tuple[str, str], bool] = {}

    def __repr__(self) -> str:
        return f"ModuleFilter({list(self.patterns)!r})"

    @property
    def uses_default_scope(self) -> bool:
        return not self.includes

    def matches_module_name(self, module: str) -> bool | None:
        """The decision from the name alone, or None when the file decides (default scope)."""
        if _is_under(module, _NEVER_TRACED):
            return False
        if any(regex.match(module) for regex in self._exclude_res):
            return False
        if self.includes:
            return any(regex.match(module) for regex in self._include_res)
        if _is_under(module, _OUTSIDE_DEFAULT_SCOPE):
            return False
        return None

    def decide(self, module: str | None, filename: str) -> bool:
        """Is code of ``module`` (defined in ``filename``) traced?"""
        key = (module or "", filename)
        decision = self._decisions.get(key)
        if decision is None:
            decision = self._decide(module or "", filename)
            self._decisions[key] = decision
        return decision

    def _decide(self, module: str, filename: str) -> bool:
        by_name = (
            self.matches_module_name(module) if module else (None if not self.includes else False)
        )
        if by_name is not None:
            return by_name
        # default scope: your code, decided by where it lives
        if module == "__main__":
            return True
        if filename.startswith("<"):
            # exec'd or generated code: judged by the module it runs in
            owner = sys.modules.get(module) if module else None
            owner_file = getattr(owner, "__file__", None)
            return isinstance(owner_file, str) and not is_library_file(owner_file)
        return not is_library_file(filename)


__all__ = ["ModuleFilter", "is_library_file"]
