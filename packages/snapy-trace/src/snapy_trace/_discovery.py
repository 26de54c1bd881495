"""Finding the code objects of traced modules when a tracer starts.

On Python 3.12+ the code found here gets ``sys.monitoring`` events switched on one by one
(``set_local_events``), so nothing else pays for the tracer. The walk also learns each
code object's module and qualified name (Python 3.10 code objects have no
``co_qualname``), which the decoder uses to name events.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from functools import cached_property, partialmethod
from types import CodeType, FunctionType, MethodType, ModuleType
from typing import Any

from ._filters import ModuleFilter

CO_OPTIMIZED = 0x01


class CodeCatalog:
    """Module and qualified name of code objects, learned at start or on first sight."""

    def __init__(self) -> None:
        self.module_by_file: dict[str, str] = {}
        self.module_by_code: dict[int, str] = {}
        self.qualname_by_code: dict[int, str] = {}
        # code objects named here stay alive, so their ids stay unique
        self._pinned: list[CodeType] = []

    def learn(self, code: CodeType, module: str, qualname: str | None = None) -> None:
        key = id(code)
        if key not in self.module_by_code:
            self._pinned.append(code)
            self.module_by_code[key] = module
        if qualname is not None:
            self.qualname_by_code.setdefault(key, qualname)
        if not code.co_filename.startswith("<"):
            self.module_by_file.setdefault(code.co_filename, module)

    def module_of(self, code: CodeType) -> str | None:
        return self.module_by_code.get(id(code)) or self.module_by_file.get(code.co_filename)


def _nested(code: CodeType, qualname: str) -> Iterator[tuple[CodeType, str]]:
    """Code objects defined inside ``code`` with the qualified names Python gives them."""
    inside_function = bool(code.co_flags & CO_OPTIMIZED)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            child = (
                f"{qualname}.<locals>.{const.co_name}"
                if inside_function
                else f"{qualname}.{const.co_name}"
            )
            if hasattr(const, "co_qualname"):
                child = const.co_qualname
            yield const, child
            yield from _nested(const, child)


def _functions_of(value: Any) -> Iterator[FunctionType]:
    """Plain functions hiding in a class attribute or decorated function."""
    seen: set[int] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, FunctionType):
            yield item
            wrapped = item.__dict__.get("__wrapped__") if hasattr(item, "__dict__") else None
            if wrapped is not None:
                stack.append(wrapped)
            for cell in item.__closure__ or ():
                try:
                    contents = cell.cell_contents
                except ValueError:  # empty cell
                    continue
                if isinstance(contents, FunctionType):
                    stack.append(contents)
        elif isinstance(item, (staticmethod, classmethod)):
            stack.append(item.__func__)
        elif isinstance(item, property):
            stack.extend(f for f in (item.fget, item.fset, item.fdel) if f is not None)
        elif isinstance(item, MethodType):
            stack.append(item.__func__)
        elif isinstance(item, (cached_property, partialmethod)):
            # only these known wrappers: getattr on arbitrary objects (mocks, proxies)
            # could have side effects
            stack.append(item.func)


def discover(module_filter: ModuleFilter, catalog: CodeCatalog) -> list[CodeType]:
    """Every code object of the traced modules that is reachable from their namespace."""
    found: dict[int, CodeType] = {}
    # sys.modules may hold anything (lazy-loader objects, None placeholders)
    modules: list[tuple[str, Any]] = list(sys.modules.items())
    for name, module in modules:
        if not isinstance(module, ModuleType):
            continue
        filename = getattr(module, "__file__", None)
        if not isinstance(filename, str):
            filename = f"<module {name}>"
        if module_filter.matches_module_name(name) is False:
            continue
        if not module_filter.decide(name, filename):
            continue
        try:
            namespace = dict(vars(module))
        except TypeError:
            continue
        _collect_namespace(namespace, name, module_filter, catalog, found, set())
    return list(found.values())


def _collect_namespace(
    namespace: dict[str, Any],
    module: str,
    module_filter: ModuleFilter,
    catalog: CodeCatalog,
    found: dict[int, CodeType],
    classes_seen: set[int],
) -> None:
    for value in namespace.values():
        if isinstance(value, type):
            if id(value) in classes_seen or getattr(value, "__module__", None) != module:
                continue
            classes_seen.add(id(value))
            try:
                members = dict(vars(value))
            except TypeError:
                continue
            _collect_namespace(members, module, module_filter, catalog, found, classes_seen)
            continue
        try:
            functions = list(_functions_of(value))
        except Exception:  # a strange descriptor must not stop the tracer
            continue
        for function in functions:
            _collect_function(function, module_filter, catalog, found)


def _collect_function(
    function: FunctionType,
    module_filter: ModuleFilter,
    catalog: CodeCatalog,
    found: dict[int, CodeType],
) -> None:
    code = function.__code__
    if id(code) in found:
        return
    owner = function.__globals__.get("__name__")
    owner = owner if isinstance(owner, str) else None
    if not module_filter.decide(owner, code.co_filename):
        return
    qualname = getattr(function, "__qualname__", code.co_name)
    found[id(code)] = code
    catalog.learn(code, owner or "", qualname)
    for child, child_qualname in _nested(code, qualname):
        if id(child) not in found:
            found[id(child)] = child
            catalog.learn(child, owner or "", child_qualname)


__all__ = ["CodeCatalog", "discover"]
