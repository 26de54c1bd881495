"""The Redactor: every filter of one decorated function, applied to each call's arguments.

``build_redactor(config)`` combines, once per decorated function, the configured
:class:`~snapy_core.ArgumentFilter` (strict in production mode), ``ignore_args``,
``custom_filters``, the size and type limits, filters registered by plugins and the
``snapy_ignore_argument`` hook. ``Redactor.apply`` then runs on every captured call:

1. the whole argument is redacted when its name is in ``ignore_args`` or matches a name
   rule, when a filter's ``should_capture_arg`` / ``should_capture`` says no, or when a
   plugin hook drops it; a ``custom_filters`` callable returning False omits it;
2. otherwise its value is searched: names (dict keys, attribute and field names) and
   strings at any depth inside dicts, lists, tuples, NamedTuples, sets, deques,
   dataclasses, attrs classes and plain objects (``__dict__`` / ``__slots__``).
   Only what is sensitive is replaced by a placeholder; containers are rebuilt, as new
   objects of the same type, only along the way to a replaced value. The caller's objects
   are never changed;
3. an argument whose estimated stored size exceeds ``max_capture_size`` is omitted
   (counting stops as soon as the limit is passed), and with ``ignore_large_objects``
   open files, sockets, generators, iterators, threads and locks are omitted wherever they
   are.

Every replacement yields a :class:`~snapy_core.FilterAction` with a readable path
(``user.address['email']``) and a reason that never quotes the removed value.

Traversal is cycle-safe and bounded: a container nested deeper than ``max_depth`` levels
is replaced by ``Omitted("nested deeper than N levels")`` (strings and numbers above it
are still checked), so nothing beyond the bound is stored unchecked.
"""

from __future__ import annotations

import collections
import copy
import dataclasses
import datetime as dt
import decimal
import enum
import fractions
import functools
import io
import mmap
import pathlib
import re
import socket
import threading
import types
import uuid
import warnings
from collections.abc import (
    AsyncIterator,
    Callable,
    Coroutine,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from . import _argument_filter as _af
from ._argument_filter import ArgumentFilter, CompiledRules, overridden_methods, shared_filter
from ._placeholders import Omitted, Placeholder, Redacted
from ._record import FilterAction
from .errors import PluginWarning

if TYPE_CHECKING:
    from ._config import CaptureConfig
    from ._hookspecs import CallContext

DEFAULT_MAX_DEPTH = 32
"""Containers nested deeper than this are replaced by an ``Omitted`` placeholder."""

FilterCallable = Callable[[str, Any], bool]


@attrs.frozen
class FilteredArguments:
    """Result of :meth:`Redactor.apply`: the values to store and what was replaced."""

    values: list[Any]
    actions: list[FilterAction]


# -- what kind of value is this ------------------------------------------------------------

_NOSCAN = 0  # None, bools, placeholders, classes, functions, modules: nothing to look at
_LEAF = 1  # scalars the value rules do not read (floats, dates, UUIDs, enums, ...)
_STR = 2
_BYTES = 3
_INT = 4
_DICT = 5
_LIST = 6
_TUPLE = 7
_NAMEDTUPLE = 8
_SET = 9
_DEQUE = 10
_DATACLASS = 11
_ATTRS = 12
_MAPPING = 13
_OBJECT = 14
_UNCAPTURABLE = 15

_NOSCAN_TYPES: tuple[type, ...] = (
    type(None),
    bool,
    type,
    Placeholder,
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.BuiltinMethodType,
    functools.partial,
    types.CodeType,
    types.FrameType,
    types.TracebackType,
    type(Ellipsis),
    type(NotImplemented),
    property,
    staticmethod,
    classmethod,
)
_LEAF_TYPES: tuple[type, ...] = (
    float,
    complex,
    decimal.Decimal,
    fractions.Fraction,
    dt.date,
    dt.time,
    dt.timedelta,
    dt.tzinfo,
    uuid.UUID,
    pathlib.PurePath,
    range,
    re.Pattern,
    memoryview,
    slice,
)
_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))
_UNCAPTURABLE_TYPES: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (io.IOBase, "an open file or stream"),
    (socket.socket, "a socket"),
    (types.GeneratorType, "a generator"),
    (types.AsyncGeneratorType, "an async generator"),
    (types.CoroutineType, "a coroutine"),
    (Coroutine, "a coroutine"),
    (Iterator, "an iterator"),
    (AsyncIterator, "an async iterator"),
    (threading.Thread, "a thread"),
    (_LOCK_TYPES, "a lock"),
    (mmap.mmap, "a memory map"),
)

_T = TypeVar("_T")


def _per_class(function: Callable[[type], _T]) -> Callable[[type], _T]:
    """Cache a fact about a class (bounded: classes made on the fly must not pile up)."""
    cache: dict[type, _T] = {}

    @functools.wraps(function)
    def cached(cls: type) -> _T:
        try:
            return cache[cls]
        except KeyError:
            pass
        value = function(cls)
        if len(cache) > 4096:
            cache.clear()
        cache[cls] = value
        return value

    return cached


_KINDS: dict[type, int] = {
    str: _STR,
    int: _INT,
    float: _LEAF,
    bool: _NOSCAN,
    type(None): _NOSCAN,
    dict: _DICT,
    list: _LIST,
    tuple: _TUPLE,
    set: _SET,
    frozenset: _SET,
    bytes: _BYTES,
}
_CONTAINER_KINDS = frozenset(
    {_DICT, _LIST, _TUPLE, _NAMEDTUPLE, _SET, _DEQUE, _DATACLASS, _ATTRS, _MAPPING, _OBJECT}
)


def _kind_of(cls: type) -> int:
    kind = _KINDS.get(cls)
    if kind is not None:
        return kind
    kind = _classify(cls)
    if len(_KINDS) > 8192:  # classes made on the fly must not pile up forever
        _KINDS.clear()
        _KINDS.update({str: _STR, int: _INT, dict: _DICT, list: _LIST, tuple: _TUPLE})
    _KINDS[cls] = kind
    return kind


def _classify(cls: type) -> int:
    if issubclass(cls, _NOSCAN_TYPES):
        return _NOSCAN
    if issubclass(cls, enum.Enum):
        return _LEAF
    if issubclass(cls, str):
        return _STR
    if issubclass(cls, (bytes, bytearray)):
        return _BYTES
    if issubclass(cls, int):
        return _INT
    if issubclass(cls, _LEAF_TYPES):
        return _LEAF
    if issubclass(cls, dict):
        return _DICT
    if issubclass(cls, list):
        return _LIST
    if issubclass(cls, tuple):
        return _NAMEDTUPLE if hasattr(cls, "_fields") and hasattr(cls, "_make") else _TUPLE
    if issubclass(cls, (set, frozenset)):
        return _SET
    if issubclass(cls, collections.deque):
        return _DEQUE
    if dataclasses.is_dataclass(cls):
        return _DATACLASS
    if attrs.has(cls):
        return _ATTRS
    if _uncapturable_kind(cls) is not None:
        return _UNCAPTURABLE
    if issubclass(cls, Mapping):
        return _MAPPING
    return _object_kind(cls)


def _object_kind(cls: type) -> int:
    if getattr(cls, "__dictoffset__", 0) or _slot_members(cls):
        return _OBJECT
    return _LEAF


@_per_class
def _uncapturable_kind(cls: type) -> str | None:
    for types_, description in _UNCAPTURABLE_TYPES:
        try:
            if issubclass(cls, types_):
                return description
        except TypeError:  # an ABC check that a strange class refuses
            continue
    return None


@_per_class
def _slot_members(cls: type) -> tuple[tuple[str, Any], ...]:
    """(shown name, descriptor) of every ``__slots__`` entry of ``cls`` and its bases."""
    members: list[tuple[str, Any]] = []
    seen: set[str] = set()
    for klass in cls.__mro__:
        slots = klass.__dict__.get("__slots__")
        if slots is None:
            continue
        for slot in (slots,) if isinstance(slots, str) else slots:
            if slot in ("__dict__", "__weakref__"):
                continue
            stored = slot
            if slot.startswith("__") and not slot.endswith("__"):
                stored = f"_{klass.__name__.lstrip('_')}{slot}"
            member = klass.__dict__.get(stored)
            if stored in seen or member is None or not hasattr(member, "__get__"):
                continue
            seen.add(stored)
            members.append((slot, member))
    return tuple(members)


@_per_class
def _dataclass_fields(cls: type) -> tuple[tuple[str, bool], ...]:
    return tuple((field.name, field.init) for field in dataclasses.fields(cls))


@_per_class
def _attrs_fields(cls: type) -> tuple[tuple[str, bool, str], ...]:
    return tuple(
        (field.name, field.init, getattr(field, "alias", None) or field.name.lstrip("_"))
        for field in attrs.fields(cls)
    )


# -- paths -------------------------------------------------------------------------------

_NAME = 0  # the argument
_KEY = 1  # value under a dict key
_INDEX = 2  # list / tuple item
_ATTR = 3  # attribute or field
_ELEMENT = 4  # set element
_KEY_ITSELF = 5  # a dict key that is itself replaced

Path = tuple[Any, int, Any]  # (parent path or None, segment kind, segment)

_KEYSLOT = object()
_ELEMSLOT = object()
_BUSY = object()
_MISSING = object()


class _TooLarge(Exception):
    pass


class _CopyFailed(Exception):
    pass


# -- the redactor -------------------------------------------------------------------------


def _label(cls: type) -> str:
    """A class name for reasons: ``Outer.Inner``, without ``<locals>`` noise."""
    return cls.__qualname__.rsplit("<locals>.", 1)[-1]


def _describe(check: object) -> str:
    name = getattr(check, "__qualname__", None) or _label(type(check))
    name = name.rsplit("<locals>.", 1)[-1]
    if "<lambda>" in name:
        code = getattr(check, "__code__", None)
        if code is not None:
            file = code.co_filename.replace("\\", "/").rsplit("/", 1)[-1]
            return f"{name} ({file}:{code.co_firstlineno})"
    return name


class Redactor:
    """Every filter of one decorated function, combined once at decoration time.

    Build it with :func:`build_redactor`; call :meth:`apply` per captured call.
    """

    def __init__(
        self,
        *,
        argument_filter: ArgumentFilter | None = None,
        ignore_args: Iterable[str] = (),
        extra_filters: Iterable[ArgumentFilter | FilterCallable] = (),
        max_capture_size: int | None = None,
        ignore_large_objects: bool = False,
        strict: bool = False,
        plugin_filters: Iterable[tuple[str, ArgumentFilter | FilterCallable]] = (),
        call: CallContext | None = None,
        ignore_argument_hooks: Sequence[Any] = (),
        max_depth: int = DEFAULT_MAX_DEPTH,
        top_level_decisions: bool = True,
    ) -> None:
        self.argument_filter = (
            argument_filter if argument_filter is not None else shared_filter(strict=strict)
        )
        self.ignore_args = frozenset(ignore_args)
        self.extra_filters = tuple(extra_filters)
        self.max_capture_size = max_capture_size
        self.ignore_large_objects = ignore_large_objects
        self.strict = strict
        self.max_depth = max_depth
        self.call = call
        self._top_level_decisions = top_level_decisions

        rule_filters: list[tuple[str, ArgumentFilter]] = [
            (_label(type(self.argument_filter)), self.argument_filter)
        ]
        if strict and not self.argument_filter.strict:
            # production mode's strict rules hold whatever the configured filter does
            rule_filters.append(("strict redaction", shared_filter(strict=True)))
        callables: list[tuple[str, FilterCallable, bool]] = []
        for check in self.extra_filters:
            if isinstance(check, ArgumentFilter):
                rule_filters.append((_label(type(check)), check))
            else:
                callables.append((f"custom filter {_describe(check)!r}", check, False))
        for plugin, check in plugin_filters:
            if isinstance(check, ArgumentFilter):
                rule_filters.append((f"{_label(type(check))} from plugin {plugin!r}", check))
            else:
                callables.append(
                    (f"filter {_describe(check)!r} from plugin {plugin!r}", check, True)
                )
        self._rule_filters = tuple(rule_filters)
        self._callables = tuple(callables)
        self._hooks = tuple(ignore_argument_hooks) if call is not None else ()
        self._generation = -1
        self._refresh()

    def __repr__(self) -> str:
        return (
            f"<Redactor filters={[label for label, _ in self._rule_filters]} "
            f"ignore_args={sorted(self.ignore_args)} callables={len(self._callables)} "
            f"max_capture_size={self.max_capture_size} strict={self.strict}>"
        )

    # -- compiled state, refreshed when a filter's lists change ----------------------------

    def _refresh(self) -> None:
        compiled: list[CompiledRules | _ValuesOnly] = []
        name_hooks: list[Callable[[str], str | None]] = []
        leaf_hooks: list[tuple[str, Callable[[Any], bool]]] = []
        decisions: list[tuple[str, Callable[[str, Any], bool]]] = []
        for _, check in self._rule_filters:
            owner = _label(type(check))
            methods = overridden_methods(
                check,
                "sensitive_name_reason",
                "contains_pii",
                "should_capture_arg",
                "should_capture",
            )
            if "sensitive_name_reason" in methods:
                name_hooks.append(check.sensitive_name_reason)
            else:
                compiled.append(check._compiled())
            if "contains_pii" in methods:
                leaf_hooks.append((f"{owner}.contains_pii", check.contains_pii))
            if "sensitive_name_reason" in methods:
                # its value rules still apply; only the names are its own
                compiled.append(_ValuesOnly(check._compiled()))
            if self._top_level_decisions:
                for method in ("should_capture_arg", "should_capture"):
                    if method in methods:
                        decisions.append((f"{owner}.{method}", getattr(check, method)))
        previous: tuple[CompiledRules | _ValuesOnly, ...] = getattr(self, "_compiled", ())
        unchanged = len(previous) == len(compiled) and all(
            a is b or (isinstance(a, _ValuesOnly) and isinstance(b, _ValuesOnly) and a.same(b))
            for a, b in zip(previous, compiled, strict=True)
        )
        self._compiled = tuple(compiled)
        self._name_hooks = tuple(name_hooks)
        self._leaf_hooks = tuple(leaf_hooks)
        self._decisions = tuple(decisions)
        self._check_ints = any(rules.check_ints for rules in self._compiled)
        if not unchanged or not hasattr(self, "_keys"):  # another filter changed: keep ours
            self._keys: dict[str, tuple[str | None, str | None]] = {}
        # the common case, one rule set and no hooks: call its string check directly
        self._text_reason: Callable[[str], str | None] = (
            self._compiled[0].text_reason
            if len(self._compiled) == 1 and not self._leaf_hooks
            else self._text_reason_all
        )
        self._checks = bool(self._decisions or self._hooks or self._callables)
        self._flat_ok = not self._leaf_hooks and self._check_ints
        self._generation = _af._generation

    def _key_info(self, key: str) -> tuple[str | None, str | None]:
        """(why the name is sensitive, why the string itself is) for a name, cached."""
        info = self._keys.get(key)
        if info is not None:
            return info
        text_reason = self._text_reason(key)
        # a key that is itself sensitive (an e-mail address) is not remembered anywhere
        remember = text_reason is None and not self._name_hooks
        name_reason: str | None = None
        if key in self.ignore_args:
            name_reason = "listed in ignore_args"
        else:
            for rules in self._compiled:
                name_reason = (
                    rules.name_reason(key) if remember else rules.name_reason_uncached(key)
                )
                if name_reason is not None:
                    break
        if name_reason is None:
            for hook in self._name_hooks:  # user code: asked every time
                name_reason = _call_name_hook(hook, key)
                if name_reason is not None:
                    break
        info = (
            _CLEAN_NAME
            if name_reason is None and text_reason is None
            else (
                name_reason,
                text_reason,
            )
        )
        if remember:
            if len(self._keys) >= 2048:  # per decorated function: keep it small
                self._keys.clear()
            self._keys[key] = info
        return info

    def _text_reason_all(self, text: str) -> str | None:
        for rules in self._compiled:
            reason = rules.text_reason(text)
            if reason is not None:
                return reason
        for label, hook in self._leaf_hooks:
            reason = _call_leaf_hook(label, hook, text)
            if reason is not None:
                for rules in self._compiled:
                    rules.forget(text)  # a subclass flags it: do not keep it in memory
                return reason
        return None

    def _leaf_reason(self, value: Any, kind: int) -> str | None:
        if kind == _INT and self._check_ints and (value >= 10**12 or value <= -(10**12)):
            for rules in self._compiled:
                reason = rules.int_reason(abs(value))
                if reason is not None:
                    return reason
        elif kind == _BYTES:
            return self._text_reason(bytes(value).decode("latin-1"))
        for label, hook in self._leaf_hooks:
            reason = _call_leaf_hook(label, hook, value)
            if reason is not None:
                return reason
        return None

    # -- per call ------------------------------------------------------------------------

    def apply(self, arguments: Sequence[tuple[str, Any]]) -> FilteredArguments:
        """Filter ``(name, value)`` pairs; never mutates the values given, never raises.

        Names are parameter names (``*args[3]`` for extra positional arguments).
        """
        values: list[Any] = []
        actions: list[FilterAction] = []
        if self._generation != _af._generation:
            try:
                self._refresh()
            except Exception as error:  # e.g. a pii_patterns entry changed to a bad regex
                reason = f"filter rules are invalid ({type(error).__name__}); left out to be safe"
                for name, _ in arguments:
                    values.append(Redacted(reason))
                    actions.append(FilterAction(path=name, action="redacted", reason=reason))
                return FilteredArguments(values, actions)
        for name, value in arguments:
            if type(name) is not str:
                name = str(name)
            mark = len(actions)
            try:
                values.append(self._filter_argument(name, value, actions))
            except Exception as error:  # a filter must never break the call
                del actions[mark:]
                reason = f"could not be filtered ({type(error).__name__}); left out to be safe"
                values.append(Redacted(reason))
                actions.append(FilterAction(path=name, action="redacted", reason=reason))
        return FilteredArguments(values, actions)

    def _filter_argument(self, name: str, value: Any, actions: list[FilterAction]) -> Any:
        name_reason = (self._keys.get(name) or self._key_info(name))[0]
        if name_reason is not None:
            return _whole(actions, name, Redacted(name_reason))
        if self._checks:
            placeholder = self._check_whole(name, value)
            if placeholder is not None:
                return _whole(actions, name, placeholder)

        kind = _KINDS.get(type(value))
        if kind is None:
            kind = _kind_of(type(value))
        limit = self.max_capture_size
        if kind == _STR:
            if limit is not None and len(value) + 2 > limit:
                return _whole(actions, name, self._too_large())
            reason = self._text_reason(value)
            if reason is None:
                return value
            return _whole(actions, name, Redacted(f"value {reason}"))
        if kind < _STR or kind == _INT:
            if kind == _NOSCAN or (kind == _LEAF and not self._leaf_hooks):
                return value
            reason = self._leaf_reason(value, kind)
            if reason is not None:
                return _whole(actions, name, Redacted(f"value {reason}"))
            return value
        if self._flat_ok and limit is None and self._flat_clean(value):
            return value
        scan = _Scan(self, limit)
        try:
            result = scan.visit(value, None, _NAME, name, 0)
        except _TooLarge:
            return _whole(actions, name, self._too_large())
        if result is False:
            return value
        if result is not True:
            actions.extend(scan.finish())
            return result
        if scan.cycle:
            scan = scan.settle(value, name)
        scan.budget = None  # the size was accepted; rebuilding only re-uses what was found
        new = scan.rebuild(value, None, _NAME, name)
        actions.extend(scan.finish())
        return new

    def _flat_clean(self, value: Any) -> bool:
        """A flat dict, list or tuple of plain clean values (the common argument), checked
        without setting up a traversal; False means "look properly"."""
        keys = self._keys
        text_reason = self._text_reason
        cls = type(value)
        if cls is dict:
            items: Iterable[Any] = value.values()
            for key in value:
                if type(key) is not str or keys.get(key) is not _CLEAN_NAME:
                    return False
        elif cls is list or cls is tuple:
            items = value
        else:
            return False
        for item in items:
            cls = type(item)
            if cls is str:
                if text_reason(item) is not None:
                    return False
            elif cls is int:
                if not -_BIG < item < _BIG:
                    return False
            elif cls not in _QUIET:
                return False
        return True

    def _check_whole(self, name: str, value: Any) -> Placeholder | None:
        """Subclass decisions, plugin hooks and custom filters about a whole argument."""
        for label, decide in self._decisions:
            try:
                keep = decide(name, value)
            except Exception as error:
                return Redacted(f"{label} raised {type(error).__name__}; left out to be safe")
            if not keep:
                return Redacted(self._explain(label, value))
        if self._hooks:
            reason = self._ask_hooks(name, value)
            if reason is not None:
                return Redacted(reason)
        for label, check, from_plugin in self._callables:
            try:
                keep = check(name, value)
            except Exception as error:
                return Redacted(f"{label} raised {type(error).__name__}; left out to be safe")
            if not keep:
                placeholder = Redacted if from_plugin else Omitted
                return placeholder(f"rejected by {label}")
        return None

    def _too_large(self) -> Omitted:
        return Omitted(f"larger than max_capture_size ({self.max_capture_size} bytes)")

    def _explain(self, label: str, value: Any) -> str:
        # A subclass said no: say why in our words when we can, never with the value.
        kind = _kind_of(type(value))
        reason = None
        if kind == _STR:
            reason = self._text_reason(value)
        elif kind in (_INT, _BYTES):
            reason = self._leaf_reason(value, kind)
        return f"value {reason}" if reason is not None else f"rejected by {label}"

    def _ask_hooks(self, name: str, value: Any) -> str | None:
        call = self.call
        for plugin, impl in self._hooks:
            if impl is None:  # some implementation wraps the hook: let pluggy run them all
                manager = plugin
                try:
                    result = manager.hook.snapy_ignore_argument(call=call, name=name, value=value)
                except Exception as error:
                    return (
                        f"a snapy_ignore_argument hook raised {type(error).__name__}; "
                        "left out to be safe"
                    )
                return "dropped by a snapy_ignore_argument plugin hook" if result else None
            kwargs = {"call": call, "name": name, "value": value}
            try:
                result = impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
            except Exception as error:
                return (
                    f"plugin {plugin!r} raised {type(error).__name__} in "
                    "snapy_ignore_argument; left out to be safe"
                )
            if result is not None:
                return f"dropped by plugin {plugin!r} (snapy_ignore_argument)" if result else None
        return None


class _ValuesOnly:
    """A filter's value rules without its name rules (its names come from its own method)."""

    __slots__ = ("_rules", "check_ints")

    def __init__(self, rules: CompiledRules) -> None:
        self._rules = rules
        self.check_ints = rules.check_ints

    def same(self, other: _ValuesOnly) -> bool:
        return self._rules is other._rules

    def name_reason(self, name: str) -> None:
        return None

    def name_reason_uncached(self, name: str) -> None:
        return None

    def text_reason(self, text: str) -> str | None:
        return self._rules.text_reason(text)

    def forget(self, text: str) -> None:
        self._rules.forget(text)

    def int_reason(self, value: int) -> str | None:
        return self._rules.int_reason(value)


def _call_name_hook(hook: Callable[[str], str | None], name: str) -> str | None:
    try:
        reason = hook(name)
    except Exception as error:
        return f"{_describe(hook)} raised {type(error).__name__}; left out to be safe"
    return None if reason is None else str(reason)


def _call_leaf_hook(label: str, hook: Callable[[Any], bool], value: Any) -> str | None:
    try:
        found = hook(value)
    except Exception as error:
        return f"could not be checked: {label} raised {type(error).__name__}"
    return f"rejected by {label}" if found else None


def _action(path: str, placeholder: Placeholder) -> FilterAction:
    if isinstance(placeholder, Redacted):
        return FilterAction(path=path, action="redacted", reason=placeholder.reason)
    return FilterAction(path=path, action="omitted", reason=placeholder.reason)


def _whole(actions: list[FilterAction], name: str, placeholder: Placeholder) -> Placeholder:
    actions.append(_action(name, placeholder))
    return placeholder


# -- the walk ------------------------------------------------------------------------------


class _Scan:
    """One argument's traversal: find what to replace, then rebuild what changed.

    Phase one (``visit``) looks at everything once, records per container the slots to
    replace (``fixes``) and which containers need a new copy (``dirty``). Phase two
    (``rebuild``) copies only dirty containers; mutable ones are registered before their
    children are built, so reference cycles point at the copies.

    Without a size limit the container scanners check the common leaves (short strings,
    small integers, None, floats) inline instead of calling ``visit`` for each.
    """

    __slots__ = (
        "actions",
        "budget",
        "built",
        "check_ints",
        "cycle",
        "dirty",
        "fast",
        "fixes",
        "flat",
        "key_info",
        "keys",
        "paths",
        "prior",
        "quiet",
        "r",
        "seen",
        "text_reason",
    )

    def __init__(
        self, redactor: Redactor, budget: int | None, prior: frozenset[int] = frozenset()
    ) -> None:
        self.r = redactor
        self.budget = budget
        self.fast = budget is None
        hooks = bool(redactor._leaf_hooks)
        self.quiet = _QUIET_WITH_HOOKS if hooks else _QUIET
        self.check_ints = redactor._check_ints or hooks
        # flat clean dicts and lists inside are checked without the traversal machinery
        self.flat = redactor._flat_clean if self.fast and redactor._flat_ok else None
        self.seen: dict[int, Any] = {}
        self.fixes: dict[int, dict[Any, Placeholder]] = {}
        self.dirty: set[int] = set()
        self.paths: dict[int, Path] = {}
        self.actions: list[tuple[Path, Placeholder]] = []
        self.built: dict[int, Any] = {}
        self.cycle = False
        self.prior = prior
        self.key_info = redactor._key_info
        self.keys = redactor._keys
        self.text_reason = redactor._text_reason

    # phase one ----------------------------------------------------------------------------

    def spend(self, amount: int) -> None:
        budget = self.budget
        if budget is not None:
            budget -= amount
            if budget < 0:
                raise _TooLarge
            self.budget = budget

    def replace(self, path: Path, placeholder: Placeholder) -> Placeholder:
        self.actions.append((path, placeholder))
        if self.budget is not None:
            self.spend(len(placeholder.reason) + 16)
        return placeholder

    def visit(self, value: Any, parent: Path | None, seg_kind: int, seg: Any, depth: int) -> Any:
        """False (nothing to change), True (rebuild needed) or the replacing placeholder."""
        kind = _KINDS.get(type(value))
        if kind is None:
            kind = _kind_of(type(value))
        if kind == _STR:
            if self.budget is not None:
                self.spend(len(value) + 2)
            reason = self.text_reason(value)
            if reason is None:
                return False
            return self.replace((parent, seg_kind, seg), Redacted(f"value {reason}"))
        if kind < _STR:
            if self.budget is not None:
                self.spend(_leaf_size(value, kind))
            if kind == _LEAF and self.r._leaf_hooks:
                reason = self.r._leaf_reason(value, kind)
                if reason is not None:
                    return self.replace((parent, seg_kind, seg), Redacted(f"value {reason}"))
            return False
        if kind in (_INT, _BYTES):
            if self.budget is not None:
                self.spend(len(value) * 4 // 3 + 8 if kind == _BYTES else 24)
            reason = self.r._leaf_reason(value, kind)
            if reason is None:
                return False
            return self.replace((parent, seg_kind, seg), Redacted(f"value {reason}"))
        if kind == _UNCAPTURABLE:
            if self.r.ignore_large_objects:
                description = _uncapturable_kind(type(value))
                return self.replace(
                    (parent, seg_kind, seg),
                    Omitted(f"{description} is not captured (ignore_large_objects)"),
                )
            kind = _object_kind(type(value))
            if kind == _LEAF:
                return False
        if depth >= self.r.max_depth:
            return self.replace(
                (parent, seg_kind, seg), Omitted(f"nested deeper than {self.r.max_depth} levels")
            )
        oid = id(value)
        state = self.seen.get(oid)
        if state is not None:
            if state is _BUSY:  # a reference cycle: settle() decides once all is known
                self.cycle = True
                return oid in self.prior
            return state
        path = (parent, seg_kind, seg)
        self.seen[oid] = _BUSY
        if self.budget is not None:
            self.spend(_container_overhead(value, kind))
        dirty = _SCANNERS[kind](self, value, path, depth + 1)
        self.seen[oid] = dirty
        if dirty:
            self.dirty.add(oid)
            self.paths[oid] = path
        return dirty

    def item(
        self,
        container: Any,
        slot: Any,
        value: Any,
        parent: Path,
        seg_kind: int,
        seg: Any,
        depth: int,
    ) -> bool:
        """Check one item of a container; record a replacement. True when it changes."""
        result = self.visit(value, parent, seg_kind, seg, depth)
        if result is True or result is False:
            return result
        self.fix(container, slot, result)
        return True

    def fix(self, container: Any, slot: Any, placeholder: Placeholder) -> None:
        fixes = self.fixes.get(id(container))
        if fixes is None:
            fixes = self.fixes[id(container)] = {}
        fixes[slot] = placeholder

    def named(
        self,
        container: Any,
        path: Path,
        seg_kind: int,
        name: Any,
        slot: Any,
        item: Any,
        depth: int,
    ) -> bool:
        """Check a value stored under a name (attribute, field)."""
        if type(name) is str:
            if self.budget is not None:
                self.spend(len(name) + 4)
            info = self.keys.get(name) or self.key_info(name)
            if info[0] is not None:
                self.fix(container, slot, self.replace((path, seg_kind, name), Redacted(info[0])))
                return True
        if self.fast:
            cls = type(item)
            if cls is str:
                reason = self.text_reason(item)
                if reason is None:
                    return False
                placeholder = Redacted(f"value {reason}")
                self.fix(container, slot, self.replace((path, seg_kind, name), placeholder))
                return True
            if cls is int:
                if not self.check_ints or -_BIG < item < _BIG:
                    return False
            elif cls in self.quiet:
                return False
        return self.item(container, slot, item, path, seg_kind, name, depth)

    def key(self, container: Any, path: Path, key: Any, depth: int, counter: list[int]) -> bool:
        """Check a dict key as a value (an e-mail address used as a key)."""
        if type(key) is str:
            reason = self.key_info(key)[1]
            if reason is None:
                return False
            counter[0] += 1
            suffix = f" (#{counter[0]})" if counter[0] > 1 else ""
            placeholder = Redacted(f"key {reason}{suffix}")
            self.fix(
                container, (_KEYSLOT, key), self.replace((path, _KEY_ITSELF, key), placeholder)
            )
            return True
        kind = _KINDS.get(type(key)) or _kind_of(type(key))
        if kind <= _LEAF:
            return False
        result = self.visit(key, path, _KEY_ITSELF, key, depth)
        if result is True or result is False:
            return result
        counter[0] += 1
        if counter[0] > 1:
            result = type(result)(f"{result.reason} (#{counter[0]})")
            self.actions[-1] = (self.actions[-1][0], result)
        self.fix(container, (_KEYSLOT, key), result)
        return True

    def settle(self, value: Any, name: str) -> _Scan:
        """Re-scan until containers that reach a changed container through a cycle are
        known to change too (their copies must not point at the originals)."""
        scan = self
        for _ in range(16):
            again = _Scan(self.r, None, frozenset(scan.dirty))
            again.visit(value, None, _NAME, name, 0)
            if again.dirty == scan.dirty:
                return again
            scan = again
        raise RecursionError("reference cycles did not settle")

    # phase two ----------------------------------------------------------------------------

    def rebuild(self, value: Any, parent: Path | None, seg_kind: int, seg: Any) -> Any:
        oid = id(value)
        if oid not in self.dirty:
            return value
        done = self.built.get(oid, _MISSING)
        if done is not _MISSING:
            if done is _BUSY:  # back to an immutable container still being built
                target = _render(self.paths[oid], self.r)
                return self.replace(
                    (parent, seg_kind, seg), Omitted(f"reference cycle back to {target}")
                )
            return done
        self.built[oid] = _BUSY
        kind = _kind_of(type(value))
        if kind == _UNCAPTURABLE:
            kind = _object_kind(type(value))
        path = self.paths[oid]
        try:
            new = _BUILDERS[kind](self, value, path)
        except Exception as error:
            new = self.unbuildable(value, path, error)
        self.built[oid] = new
        return new

    def unbuildable(self, value: Any, path: Path, error: BaseException) -> Redacted:
        """The container cannot be copied: replace it whole, naming what was inside."""
        inner = [(p, h) for p, h in self.actions if _under(p, path) and p is not path]
        first = _render(inner[0][0], self.r) if inner else "a nested value"
        self.actions = [(p, h) for p, h in self.actions if not _under(p, path)]
        cause = "" if isinstance(error, _CopyFailed) else f" ({type(error).__name__})"
        placeholder = Redacted(
            f"{_label(type(value))} could not be copied to redact {first}{cause}"
        )
        self.actions.append((path, placeholder))
        return placeholder

    def finish(self) -> list[FilterAction]:
        return [_action(_render(path, self.r), placeholder) for path, placeholder in self.actions]


def _under(path: Path | None, ancestor: Path) -> bool:
    while path is not None:
        if path is ancestor:
            return True
        path = path[0]
    return False


def _leaf_size(value: Any, kind: int) -> int:
    if kind == _NOSCAN:
        return 5
    nbytes = getattr(value, "nbytes", None)
    if type(nbytes) is int:
        return nbytes
    return 24


def _container_overhead(value: Any, kind: int) -> int:
    if kind >= _DATACLASS:
        return len(type(value).__qualname__) + 24
    nbytes = getattr(value, "nbytes", None)
    return nbytes if type(nbytes) is int else 4


# scanners ---------------------------------------------------------------------------------


_CLEAN_NAME: tuple[None, None] = (None, None)
"""What ``_key_info`` gives for a name that is neither a sensitive name nor value."""
_QUIET = frozenset({type(None), bool, float})
_QUIET_WITH_HOOKS = frozenset({type(None), bool})
_BIG = 10**12  # smaller integers cannot be card numbers


def _scan_dict(scan: _Scan, value: Mapping[Any, Any], path: Path, depth: int) -> bool:
    return _scan_items(scan, value, value.items(), path, _KEY, depth)


def _scan_sequence(scan: _Scan, value: Iterable[Any], path: Path, depth: int) -> bool:
    return _scan_items(scan, value, enumerate(value), path, _INDEX, depth)


def _scan_items(
    scan: _Scan,
    container: Any,
    items: Iterable[tuple[Any, Any]],
    path: Path,
    seg_kind: int,
    depth: int,
) -> bool:
    """The items of a dict (``seg_kind`` ``_KEY``, whose keys are checked too) or of a
    sequence (``_INDEX``). The common leaves are checked inline: this runs for every item
    of every captured container."""
    dirty = False
    keyed = seg_kind == _KEY
    counter = [0]
    keys = scan.keys
    key_info = scan.key_info
    fast = scan.fast
    quiet = scan.quiet
    text_reason = scan.text_reason
    check_ints = scan.check_ints
    flat = scan.flat if depth < scan.r.max_depth else None
    for slot, item in items:
        if keyed:
            if type(slot) is str:
                if not fast:
                    scan.spend(len(slot) + 4)
                info = keys.get(slot) or key_info(slot)
                if info is not _CLEAN_NAME:
                    name_reason, key_reason = info
                    if key_reason is not None and scan.key(container, path, slot, depth, counter):
                        dirty = True
                    if name_reason is not None:
                        placeholder = Redacted(name_reason)
                        scan.fix(container, slot, scan.replace((path, _KEY, slot), placeholder))
                        dirty = True
                        continue
            elif scan.key(container, path, slot, depth, counter):
                dirty = True
        if fast:
            cls = type(item)
            if cls is str:
                reason = text_reason(item)
                if reason is not None:
                    placeholder = Redacted(f"value {reason}")
                    scan.fix(container, slot, scan.replace((path, seg_kind, slot), placeholder))
                    dirty = True
                continue
            if cls is int:
                if not check_ints or -_BIG < item < _BIG:
                    continue
            elif cls in quiet or (flat is not None and (cls is dict or cls is list) and flat(item)):
                continue
        if scan.item(container, slot, item, path, seg_kind, slot, depth):
            dirty = True
    return dirty


def _scan_namedtuple(scan: _Scan, value: Any, path: Path, depth: int) -> bool:
    dirty = False
    for index, (field, item) in enumerate(zip(value._fields, value, strict=False)):
        if scan.named(value, path, _ATTR, field, index, item, depth):
            dirty = True
    return dirty


def _scan_set(scan: _Scan, value: Iterable[Any], path: Path, depth: int) -> bool:
    dirty = False
    counter = 0
    for item in value:
        result = scan.visit(item, path, _ELEMENT, None, depth)
        if result is True:
            dirty = True
        elif result is not False:
            counter += 1
            if counter > 1:  # equal placeholders would merge into one element
                result = type(result)(f"{result.reason} (#{counter})")
                scan.actions[-1] = (scan.actions[-1][0], result)
            scan.fix(value, (_ELEMSLOT, item), result)
            dirty = True
    return dirty


def _scan_fields(scan: _Scan, value: Any, path: Path, depth: int, names: Iterable[str]) -> bool:
    dirty = False
    for name in names:
        try:
            item = getattr(value, name)
        except AttributeError:
            continue
        if scan.named(value, path, _ATTR, name, name, item, depth):
            dirty = True
    return dirty


def _scan_dataclass(scan: _Scan, value: Any, path: Path, depth: int) -> bool:
    return _scan_fields(
        scan, value, path, depth, (name for name, _ in _dataclass_fields(type(value)))
    )


def _scan_attrs(scan: _Scan, value: Any, path: Path, depth: int) -> bool:
    return _scan_fields(
        scan, value, path, depth, (name for name, _, _ in _attrs_fields(type(value)))
    )


def _instance_dict(value: Any) -> dict[str, Any] | None:
    try:
        attributes = object.__getattribute__(value, "__dict__")
    except AttributeError:
        return None
    return attributes if type(attributes) is dict else None


def _scan_object(scan: _Scan, value: Any, path: Path, depth: int) -> bool:
    dirty = False
    attributes = _instance_dict(value)
    if attributes is not None:
        for name, item in list(attributes.items()):
            if scan.named(value, path, _ATTR, name, name, item, depth):
                dirty = True
    for name, member in _slot_members(type(value)):
        try:
            item = member.__get__(value, type(value))
        except AttributeError:
            continue
        if scan.named(value, path, _ATTR, name, ("slot", name), item, depth):
            dirty = True
    if isinstance(value, BaseException) and scan.named(
        value, path, _ATTR, "args", ("exc", "args"), value.args, depth
    ):
        dirty = True
    return dirty


_SCANNERS: dict[int, Callable[[_Scan, Any, Path, int], bool]] = {
    _DICT: _scan_dict,
    _MAPPING: _scan_dict,
    _LIST: _scan_sequence,
    _TUPLE: _scan_sequence,
    _DEQUE: _scan_sequence,
    _NAMEDTUPLE: _scan_namedtuple,
    _SET: _scan_set,
    _DATACLASS: _scan_dataclass,
    _ATTRS: _scan_attrs,
    _OBJECT: _scan_object,
}


# builders ---------------------------------------------------------------------------------


def _shallow_copy(value: Any) -> Any:
    new = copy.copy(value)
    if new is value:
        raise _CopyFailed
    return new


def _build_dict(scan: _Scan, value: Any, path: Path) -> Any:
    # A dict subclass is copied, then rewritten with dict's own methods: its overrides
    # (which may reach outside the object) are never called on the way.
    if type(value) is dict:
        new: Any = {}
    else:
        new = _shallow_copy(value)
        if not isinstance(new, dict):
            raise _CopyFailed
        dict.clear(new)
    scan.built[id(value)] = new
    for key, item in _rebuilt_pairs(scan, value, path):
        dict.__setitem__(new, key, item)
    return new


def _build_mapping(scan: _Scan, value: Any, path: Path) -> Any:
    # Any other mapping (os.environ, a proxy, a database-backed one) is never copied and
    # changed in place, which could act on the world: it is built anew from the items.
    new = type(value)(dict(_rebuilt_pairs(scan, value, path)))
    if not isinstance(new, Mapping):
        raise _CopyFailed
    return new


def _rebuilt_pairs(scan: _Scan, value: Any, path: Path) -> list[tuple[Any, Any]]:
    fixes = scan.fixes.get(id(value), {})
    dirty = scan.dirty
    key_fixes = any(type(slot) is tuple and slot[0] is _KEYSLOT for slot in fixes)
    pairs = []
    for key, item in value.items():
        new_key = fixes.get((_KEYSLOT, key), key) if key_fixes else key
        if new_key is key and id(key) in dirty:
            new_key = scan.rebuild(key, path, _KEY_ITSELF, key)
        if key in fixes:
            pairs.append((new_key, fixes[key]))
        elif id(item) in dirty:
            pairs.append((new_key, scan.rebuild(item, path, _KEY, key)))
        else:
            pairs.append((new_key, item))
    return pairs


def _rebuilt_items(scan: _Scan, value: Iterable[Any], path: Path) -> list[Any]:
    fixes = scan.fixes.get(id(value), {})
    dirty = scan.dirty
    return [
        fixes[index]
        if index in fixes
        else scan.rebuild(item, path, _INDEX, index)
        if id(item) in dirty
        else item
        for index, item in enumerate(value)
    ]


def _build_list(scan: _Scan, value: Any, path: Path) -> Any:
    if type(value) is list:
        new: Any = []
    else:  # as for dict subclasses: list's own methods, not the subclass's
        new = _shallow_copy(value)
        if not isinstance(new, list):
            raise _CopyFailed
        list.clear(new)
    scan.built[id(value)] = new
    list.extend(new, _rebuilt_items(scan, value, path))
    return new


def _build_deque(scan: _Scan, value: Any, path: Path) -> Any:
    if type(value) is collections.deque:
        new: Any = collections.deque(maxlen=value.maxlen)
    else:
        new = _shallow_copy(value)
        if not isinstance(new, collections.deque):
            raise _CopyFailed
        collections.deque.clear(new)
    scan.built[id(value)] = new
    collections.deque.extend(new, _rebuilt_items(scan, value, path))
    return new


def _build_tuple(scan: _Scan, value: Any, path: Path) -> Any:
    items = _rebuilt_items(scan, value, path)
    return tuple(items) if type(value) is tuple else type(value)(items)


def _build_namedtuple(scan: _Scan, value: Any, path: Path) -> Any:
    fixes = scan.fixes.get(id(value), {})
    items = [
        fixes[index] if index in fixes else scan.rebuild(item, path, _ATTR, field)
        for index, (field, item) in enumerate(zip(value._fields, value, strict=False))
    ]
    return type(value)._make(items)


def _build_set(scan: _Scan, value: Any, path: Path) -> Any:
    fixes = scan.fixes.get(id(value), {})
    items = [fixes.get((_ELEMSLOT, item), _MISSING) if fixes else _MISSING for item in value]
    items = [
        scan.rebuild(item, path, _ELEMENT, None) if fixed is _MISSING else fixed
        for item, fixed in zip(value, items, strict=False)
    ]
    return type(value)(items)


def _changed_fields(scan: _Scan, value: Any, path: Path, names: Iterable[str]) -> dict[str, Any]:
    fixes = scan.fixes.get(id(value), {})
    changes = {}
    for name in names:
        if name in fixes:
            changes[name] = fixes[name]
            continue
        try:
            item = getattr(value, name)
        except AttributeError:
            continue
        new = scan.rebuild(item, path, _ATTR, name)
        if new is not item:
            changes[name] = new
    return changes


def _set_fields(new: Any, changes: Mapping[str, Any]) -> None:
    for name, item in changes.items():
        object.__setattr__(new, name, item)


def _build_dataclass(scan: _Scan, value: Any, path: Path) -> Any:
    fields = _dataclass_fields(type(value))
    changes = _changed_fields(scan, value, path, (name for name, _ in fields))
    init = {name for name, in_init in fields if in_init}
    try:
        new = dataclasses.replace(value, **{k: v for k, v in changes.items() if k in init})
    except Exception:  # __post_init__ or a validator refused a placeholder, InitVars...
        new = _shallow_copy(value)
        _set_fields(new, changes)
        return new
    _set_fields(new, {k: v for k, v in changes.items() if k not in init})
    return new


def _build_attrs(scan: _Scan, value: Any, path: Path) -> Any:
    fields = _attrs_fields(type(value))
    changes = _changed_fields(scan, value, path, (name for name, _, _ in fields))
    aliases = {name: alias for name, in_init, alias in fields if in_init}
    try:
        new = attrs.evolve(value, **{aliases[k]: v for k, v in changes.items() if k in aliases})
    except Exception:  # a validator or converter refused a placeholder
        new = _shallow_copy(value)
        _set_fields(new, changes)
        return new
    _set_fields(new, {k: v for k, v in changes.items() if k not in aliases})
    return new


def _build_object(scan: _Scan, value: Any, path: Path) -> Any:
    new = _shallow_copy(value)
    attributes = _instance_dict(value)
    new_attributes = _instance_dict(new)
    if attributes is not None and (new_attributes is None or new_attributes is attributes):
        raise _CopyFailed  # the copy shares its attributes with the original
    scan.built[id(value)] = new
    fixes = scan.fixes.get(id(value), {})
    if attributes is not None and new_attributes is not None:
        for name, item in list(attributes.items()):
            replacement = fixes[name] if name in fixes else scan.rebuild(item, path, _ATTR, name)
            if replacement is not item:
                new_attributes[name] = replacement
    for name, member in _slot_members(type(value)):
        try:
            item = member.__get__(value, type(value))
        except AttributeError:
            continue
        slot = ("slot", name)
        replacement = fixes[slot] if slot in fixes else scan.rebuild(item, path, _ATTR, name)
        if replacement is not item:
            member.__set__(new, replacement)
    if isinstance(value, BaseException):
        slot = ("exc", "args")
        args = fixes[slot] if slot in fixes else scan.rebuild(value.args, path, _ATTR, "args")
        if args is not value.args:
            new.args = args if isinstance(args, tuple) else (args,)
    return new


_BUILDERS: dict[int, Callable[[_Scan, Any, Path], Any]] = {
    _DICT: _build_dict,
    _MAPPING: _build_mapping,
    _LIST: _build_list,
    _TUPLE: _build_tuple,
    _DEQUE: _build_deque,
    _NAMEDTUPLE: _build_namedtuple,
    _SET: _build_set,
    _DATACLASS: _build_dataclass,
    _ATTRS: _build_attrs,
    _OBJECT: _build_object,
}


# path rendering ---------------------------------------------------------------------------


def _render(path: Path | None, redactor: Redactor) -> str:
    parts: list[str] = []
    while path is not None:
        parent, seg_kind, seg = path
        if seg_kind == _NAME:
            parts.append(str(seg))
        elif seg_kind == _KEY:
            parts.append(f"[{_key_label(seg, redactor)}]")
        elif seg_kind == _INDEX:
            parts.append(f"[{seg}]")
        elif seg_kind == _ATTR:
            parts.append(f".{seg}")
        elif seg_kind == _ELEMENT:
            parts.append("{...}")
        else:
            parts.append(f"[<key {_key_label(seg, redactor)}>]")
        path = parent
    return "".join(reversed(parts))


def _key_label(key: Any, redactor: Redactor) -> str:
    if isinstance(key, str):
        if redactor._key_info(key)[1] is not None:
            return "<redacted key>"
        text = repr(key)
        return text if len(text) <= 42 else text[:40] + "...'"
    if isinstance(key, (int, float)) or key is None:
        if isinstance(key, int) and redactor._leaf_reason(key, _INT) is not None:
            return "<redacted key>"
        return repr(key)
    return f"<{_label(type(key))}>"


# -- helpers for ArgumentFilter and for building ----------------------------------------------


def contains_sensitive(argument_filter: ArgumentFilter, value: Any) -> bool:
    """Whether redacting ``value`` with this filter alone would change anything."""
    redactor = Redactor(argument_filter=argument_filter, top_level_decisions=False)
    return bool(redactor.apply([("value", value)]).actions)


def build_redactor(
    config: CaptureConfig,
    *,
    extra_filters: Iterable[ArgumentFilter | FilterCallable] = (),
    call: CallContext | None = None,
    plugins: bool = True,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> Redactor:
    """Combine the filters ``config`` asks for, and those of plugins, into one Redactor.

    Call it once per decorated function, never per call. ``config.custom_filter`` (an
    ArgumentFilter) replaces the default filter; strict redaction (production mode) adds
    the strict rules whatever that filter is. ``config.custom_filters`` and callables in
    ``extra_filters`` omit an argument when they return False. With ``plugins`` (the
    default), filters registered through ``snapy_register_filters`` apply too, and, when
    ``call`` is given and some plugin implements it, ``snapy_ignore_argument`` is asked
    about each argument.
    """
    strict = config.redaction == "strict" or config.production_mode
    argument_filter = config.custom_filter or shared_filter(strict=strict)
    plugin_filters: list[tuple[str, ArgumentFilter | FilterCallable]] = []
    hooks: list[Any] = []
    if plugins:
        plugin_filters = _registered_filters()
        if call is not None:
            hooks = _ignore_argument_hooks()
    # a plugin's filter handed over again (custom_filter, custom_filters, extra_filters)
    # is applied once: as the plugin's, or as the filter that replaces the default one
    plugin_filters = [
        (plugin, check)
        for plugin, check in plugin_filters
        if not _same_filter(check, argument_filter)
    ]
    extra = [
        check
        for check in (*config.custom_filters, *extra_filters)
        if not any(_same_filter(check, mine) for _, mine in plugin_filters)
    ]
    return Redactor(
        argument_filter=argument_filter,
        ignore_args=config.ignore_args,
        extra_filters=extra,
        max_capture_size=config.effective_max_capture_size,
        ignore_large_objects=config.ignore_large_objects,
        strict=strict,
        plugin_filters=plugin_filters,
        call=call,
        ignore_argument_hooks=hooks,
        max_depth=max_depth,
    )


def _same_filter(first: object, second: object) -> bool:
    if first is second:
        return True
    # ``plugin.keep`` makes a new bound method each time: same function, same object
    return (
        isinstance(first, types.MethodType)
        and isinstance(second, types.MethodType)
        and first.__self__ is second.__self__
        and first.__func__ is second.__func__
    )


def _registered_filters() -> list[tuple[str, ArgumentFilter | FilterCallable]]:
    from ._plugins import collect_registrations

    found: list[tuple[str, ArgumentFilter | FilterCallable]] = []
    for registration in collect_registrations("snapy_register_filters"):
        candidate: Any = (
            registration.args[0] if registration.args else registration.kwargs.get("filter")
        )
        if isinstance(candidate, type) and issubclass(candidate, ArgumentFilter):
            filter_class = candidate
            try:  # the class was registered instead of an instance
                candidate = filter_class()
            except Exception as error:
                warnings.warn(
                    f"snapy plugin {registration.plugin!r} registered the filter class "
                    f"{_label(filter_class)}, which cannot be created without arguments "
                    f"({type(error).__name__}: {error}); register an instance. It is ignored.",
                    PluginWarning,
                    stacklevel=3,
                )
                continue
        if isinstance(candidate, ArgumentFilter) or callable(candidate):
            found.append((registration.plugin, candidate))
            continue
        warnings.warn(
            f"snapy plugin {registration.plugin!r} registered {candidate!r} as a filter; "
            "snapy_register_filters expects register(filter) with an ArgumentFilter "
            "instance or a callable (arg_name, arg_value) -> bool. It is ignored.",
            PluginWarning,
            stacklevel=3,
        )
    return found


def _ignore_argument_hooks() -> list[tuple[Any, Any]]:
    from ._plugins import get_plugin_manager

    manager = get_plugin_manager()
    impls = manager.hook.snapy_ignore_argument.get_hookimpls()
    if not impls:
        return []
    if any(
        getattr(impl, "wrapper", False) or getattr(impl, "hookwrapper", False) for impl in impls
    ):
        return [(manager, None)]
    # pluggy calls the last registered implementation first; so do we, stopping at the
    # first answer (firstresult), and we know which plugin gave it
    return [(manager.get_name(impl.plugin) or repr(impl.plugin), impl) for impl in reversed(impls)]


__all__ = [
    "DEFAULT_MAX_DEPTH",
    "FilteredArguments",
    "Redactor",
    "build_redactor",
    "contains_sensitive",
]
