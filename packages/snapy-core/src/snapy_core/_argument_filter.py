"""``ArgumentFilter``: the rules that decide which names and values are sensitive.

A filter owns three lists that a subclass may replace (or change in place) after
``super().__init__()``, as the seed documents do:

* ``sensitive_keys``: name rules. A plain string is a word-part rule
  (``"api_key"`` matches ``apiKey`` and ``X-Api-Key`` but ``"key"`` does not match
  ``monkey``), a compiled ``re.Pattern`` a regex rule, and :class:`NameRule` objects give
  exact / word / regex / contains rules explicitly;
* ``pii_patterns``: extra regular expressions (strings or compiled) searched in string
  values, *in addition to* the built-in value rules;
* ``value_rules``: the built-in value rules (card numbers, e-mail, JWT, ...). Set it to
  ``[]`` to switch them off deliberately.

The :class:`~snapy_core.Redactor` applies these rules to every argument and to every
name and string nested inside it, and it calls whichever of ``should_capture_arg`` /
``should_capture`` / ``contains_pii`` / ``sensitive_name_reason`` a subclass overrides.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, SupportsIndex

from ._patterns import (
    CARD_RULE,
    DEFAULT_NAME_RULES,
    DEFAULT_VALUE_RULES,
    STRICT_NAME_RULES,
    STRICT_VALUE_RULES,
    NameMatcher,
    NameRule,
    ValueRule,
    ValueScanner,
    as_name_rule,
    card_number_reason,
)
from .errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

SENSITIVE_PATTERNS: tuple[NameRule, ...] = DEFAULT_NAME_RULES
"""The default name rules: the seed documents' list (``password``, ``token``,
``secret``, ``auth``, ``api_key``, ``access_token``, ``refresh_token``, ``session_id``,
``csrf_token``, ``oauth_token``) as word-part rules, bare ``key`` as an *exact* rule
(``key`` is redacted, ``cache_key`` / ``sort_key`` / ``primary_key`` are not, while
``api_key``, ``private_key``, ``secret_key``, ``access_key``, ... are), plus common
relatives (``passwd``, ``authorization``, ``credentials``, ``cookie``, ``cvv``, ...).
``str(rule)`` gives the text of each rule."""

_generation = 0
"""Bumped whenever any filter's rule lists change; compiled rules and Redactor caches
compare it to know when to look again."""


def _bump() -> None:
    global _generation
    _generation += 1


def generation() -> int:
    return _generation


class _WatchedList(list):  # type: ignore[type-arg]
    """A list that tells compiled rules when it changes (``keys.append("pin")``)."""

    __slots__ = ()

    def append(self, item: Any) -> None:
        super().append(item)
        _bump()

    def extend(self, items: Iterable[Any]) -> None:
        super().extend(items)
        _bump()

    def insert(self, index: SupportsIndex, item: Any) -> None:
        super().insert(index, item)
        _bump()

    def remove(self, item: Any) -> None:
        super().remove(item)
        _bump()

    def pop(self, index: SupportsIndex = -1) -> Any:
        item = super().pop(index)
        _bump()
        return item

    def clear(self) -> None:
        super().clear()
        _bump()

    def sort(self, *args: Any, **kwargs: Any) -> None:
        super().sort(*args, **kwargs)
        _bump()

    def reverse(self) -> None:
        super().reverse()
        _bump()

    def __setitem__(self, index: Any, item: Any) -> None:
        super().__setitem__(index, item)
        _bump()

    def __delitem__(self, index: Any) -> None:
        super().__delitem__(index)
        _bump()

    def __iadd__(self, items: Iterable[Any]) -> _WatchedList:  # type: ignore[misc]
        super().__iadd__(items)
        _bump()
        return self

    def __imul__(self, count: SupportsIndex) -> _WatchedList:
        super().__imul__(count)
        _bump()
        return self


def _watched(name: str) -> property:
    slot = f"_snapy_{name}"

    def get(self: ArgumentFilter) -> list[Any]:
        value: list[Any] = self.__dict__[slot]
        return value

    def set(self: ArgumentFilter, value: Iterable[Any]) -> None:
        if self.__dict__.get("_snapy_shared"):
            raise ConfigError(
                f"the default filter shared by every decorated function cannot be changed "
                f"({name}); pass your own: custom_filter=ArgumentFilter({name}=[...]) or a "
                "subclass"
            )
        if isinstance(value, (str, bytes)):
            raise ConfigError(
                f"{type(self).__qualname__}.{name} must be a list, got the string {value!r}; "
                f"write [{value!r}]"
            )
        self.__dict__[slot] = _WatchedList(value)
        if "_snapy_compiled" in self.__dict__:  # only compiled rules can be out of date
            _bump()

    return property(get, set, doc=f"The filter's {name} (a list; changes take effect).")


class CompiledRules:
    """One filter's rules, compiled: name matcher, value scanner, PII patterns."""

    __slots__ = (
        "_pii_any",
        "_pii_patterns",
        "check_ints",
        "generation",
        "name_reason",
        "name_reason_uncached",
        "names",
        "owner",
        "scanner",
        "sources",
        "text_reason",
    )

    def __init__(self, owner: str, sources: tuple[Any, ...], generation: int) -> None:
        keys, patterns, rules = sources
        self.owner = owner
        self.sources = sources
        self.generation = generation
        try:
            name_rules = [as_name_rule(item) for item in keys]
        except (TypeError, ValueError, re.error) as error:
            raise ConfigError(f"{owner}.sensitive_keys: {error}") from None
        self.names = NameMatcher(name_rules)
        value_rules = list(rules)
        for index, rule in enumerate(value_rules):
            if not isinstance(rule, ValueRule):
                raise ConfigError(
                    f"{owner}.value_rules[{index}] must be a snapy_core.ValueRule, got "
                    f"{type(rule).__name__}; put plain regular expressions in pii_patterns"
                )
        self.check_ints = CARD_RULE in value_rules
        self._pii_patterns = _compile_pii(owner, patterns)
        self._pii_any = _combine(self._pii_patterns)
        self.scanner = ValueScanner(
            value_rules, self.names.reason, self._pii_reason if self._pii_patterns else None
        )
        self.name_reason: Callable[[str], str | None] = self.names.reason
        """Why a name is sensitive (``"name matches 'password'"``), or None."""
        self.name_reason_uncached: Callable[[str], str | None] = self.names.reason_uncached
        self.text_reason: Callable[[str], str | None] = self.scanner.describe
        """What a string looks like (``"looks like a card number"``, no "value "), or None."""

    def _pii_reason(self, text: str) -> str | None:
        if self._pii_patterns:
            if self._pii_any is not None and self._pii_any.search(text) is None:
                return None
            for index, pattern in enumerate(self._pii_patterns):
                if pattern.search(text):
                    return f"matches {self.owner}.pii_patterns[{index}]"
        return None

    def forget(self, text: str) -> None:
        self.scanner.forget(text)

    def int_reason(self, value: int) -> str | None:
        if self.check_ints:
            reason = card_number_reason(value)
            if reason is not None:
                return reason[6:]
        return None


def _compile_pii(owner: str, patterns: Iterable[Any]) -> list[re.Pattern[str]]:
    compiled = []
    for index, pattern in enumerate(patterns):
        if isinstance(pattern, re.Pattern):
            compiled.append(pattern)
            continue
        if not isinstance(pattern, str):
            raise ConfigError(
                f"{owner}.pii_patterns[{index}] must be a regular expression string or a "
                f"compiled pattern, got {type(pattern).__name__}"
            )
        try:
            compiled.append(re.compile(pattern))
        except re.error as error:
            raise ConfigError(
                f"{owner}.pii_patterns[{index}] = {pattern!r} is not a valid regular "
                f"expression ({error}); fix it, or use re.escape() for literal text"
            ) from None
    return compiled


_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=|\(\?[aiLmsux]+\)")


def _combine(patterns: list[re.Pattern[str]]) -> re.Pattern[str] | None:
    """One alternation of every pattern, for the fast negative check, when it is safe."""
    if len(patterns) < 2:
        return None
    if any(p.flags & ~re.UNICODE or _BACKREFERENCE.search(p.pattern) for p in patterns):
        return None  # group numbers or global flags would change meaning when joined
    try:
        return re.compile("|".join(f"(?:{p.pattern})" for p in patterns))
    except re.error:
        return None


_CONTAINERS = (dict, list, tuple, set, frozenset)


def _is_container(value: Any) -> bool:
    if isinstance(value, (str, bytes, bytearray, int, float, type(None))):
        return False
    if isinstance(value, _CONTAINERS):
        return True
    return hasattr(value, "__dict__") or hasattr(type(value), "__slots__")


class ArgumentFilter:
    """Decides which arguments, names and values may be stored; subclass it to add rules.

    ``ArgumentFilter()`` uses :data:`SENSITIVE_PATTERNS` and the built-in value rules;
    ``ArgumentFilter(strict=True)`` the broader strict rules of production mode. A
    subclass may set ``self.sensitive_keys``, ``self.pii_patterns`` and
    ``self.value_rules`` after ``super().__init__()`` and override
    :meth:`should_capture_arg` (or the :meth:`should_capture` spelling),
    :meth:`contains_pii` and :meth:`sensitive_name_reason`: the Redactor uses all of
    them, for top-level arguments and for values nested inside them.
    """

    strict: bool

    sensitive_keys = _watched("sensitive_keys")
    pii_patterns = _watched("pii_patterns")
    value_rules = _watched("value_rules")

    def __init__(
        self,
        *,
        sensitive_keys: Iterable[str | NameRule | re.Pattern[str]] | None = None,
        pii_patterns: Iterable[str | re.Pattern[str]] | None = None,
        value_rules: Iterable[ValueRule] | None = None,
        strict: bool = False,
    ) -> None:
        self.strict = strict
        defaults = {
            "sensitive_keys": (STRICT_NAME_RULES if strict else DEFAULT_NAME_RULES)
            if sensitive_keys is None
            else sensitive_keys,
            "pii_patterns": () if pii_patterns is None else pii_patterns,
            "value_rules": (STRICT_VALUE_RULES if strict else DEFAULT_VALUE_RULES)
            if value_rules is None
            else value_rules,
        }
        given = {
            "sensitive_keys": sensitive_keys,
            "pii_patterns": pii_patterns,
            "value_rules": value_rules,
        }
        cls = type(self)
        for name, value in defaults.items():
            # A subclass may define the list as a class attribute, or set it before
            # calling super().__init__(): keep theirs.
            if not isinstance(getattr(cls, name, None), property):
                continue
            if given[name] is None and f"_snapy_{name}" in self.__dict__:
                continue
            setattr(self, name, value)

    # -- compiled form -------------------------------------------------------------------

    def _compiled(self) -> CompiledRules:
        compiled: CompiledRules | None = self.__dict__.get("_snapy_compiled")
        if compiled is not None and compiled.generation == _generation:
            return compiled
        sources = (
            tuple(self.sensitive_keys),
            tuple(self.pii_patterns),
            tuple(self.value_rules),
        )
        if compiled is not None and _same(compiled.sources, sources):
            compiled.generation = _generation
            return compiled
        owner = type(self).__qualname__.rsplit("<locals>.", 1)[-1]
        compiled = CompiledRules(owner, sources, _generation)
        self.__dict__["_snapy_compiled"] = compiled
        return compiled

    # -- the rules -----------------------------------------------------------------------

    def sensitive_name_reason(self, name: str) -> str | None:
        """Why ``name`` is sensitive (``"name matches 'password'"``), or None."""
        return self._compiled().name_reason(name)

    def value_reason(self, value: Any) -> str | None:
        """Why a single string, bytes or integer value is sensitive, or None.

        ``"value looks like a card number"``. Containers give None: see
        :meth:`contains_pii`.
        """
        compiled = self._compiled()
        if isinstance(value, str):
            reason = compiled.text_reason(value)
        elif isinstance(value, (bytes, bytearray)):
            reason = compiled.text_reason(bytes(value).decode("latin-1"))
        elif type(value) is int:
            reason = compiled.int_reason(value)
        else:
            return None
        return None if reason is None else f"value {reason}"

    def contains_pii(self, value: Any) -> bool:
        """True when ``value`` is, or contains, something this filter would redact.

        A string, bytes or integer is checked against the value rules and
        ``pii_patterns``; a container (dict, list, dataclass, object, ...) is searched
        through, names included.
        """
        if _is_container(value):
            from ._redaction import contains_sensitive

            return contains_sensitive(self, value)
        return self.value_reason(value) is not None

    def _is_sensitive(self, arg_name: str, arg_value: Any) -> bool:
        """The negation of the default decision; seed 002's samples call it."""
        return not self._default_decision(arg_name, arg_value)

    def _default_decision(self, arg_name: str, arg_value: Any) -> bool:
        if self.sensitive_name_reason(arg_name) is not None:
            return False
        return _is_container(arg_value) or not self.contains_pii(arg_value)

    def should_capture_arg(self, arg_name: str, arg_value: Any) -> bool:
        """False when the argument must be redacted as a whole.

        True for a container even when something inside it is sensitive: the Redactor
        then redacts only the nested values that need it (use :meth:`contains_pii` to
        ask about a whole structure). A subclass overriding only :meth:`should_capture`
        is honoured here too.
        """
        cls = type(self)
        if _overrides(cls, "should_capture") and not _overrides(cls, "should_capture_arg"):
            return bool(self.should_capture(arg_name, arg_value))
        return self._default_decision(arg_name, arg_value)

    def should_capture(self, arg_name: str, arg_value: Any) -> bool:
        """The spelling of seed 002; the same decision as :meth:`should_capture_arg`."""
        cls = type(self)
        if _overrides(cls, "should_capture_arg") and not _overrides(cls, "should_capture"):
            return bool(self.should_capture_arg(arg_name, arg_value))
        return self._default_decision(arg_name, arg_value)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__qualname__} strict={self.strict} "
            f"sensitive_keys={len(self.sensitive_keys)} pii_patterns={len(self.pii_patterns)} "
            f"value_rules={len(self.value_rules)}>"
        )


_shared: dict[bool, ArgumentFilter] = {}


def shared_filter(*, strict: bool) -> ArgumentFilter:
    """The default (or strict) filter every decorated function without a custom_filter
    shares: its caches of names and clean strings are then shared too, and bounded once.
    Its lists are tuples, and assigning them raises ConfigError."""
    found = _shared.get(strict)
    if found is None:
        found = ArgumentFilter(strict=strict)
        for name in ("sensitive_keys", "pii_patterns", "value_rules"):
            found.__dict__[f"_snapy_{name}"] = tuple(getattr(found, name))
        found.__dict__["_snapy_shared"] = True
        found = _shared.setdefault(strict, found)
    return found


def _same(old: tuple[Any, ...], new: tuple[Any, ...]) -> bool:
    return all(
        len(a) == len(b) and all(x is y or _key(x) == _key(y) for x, y in zip(a, b, strict=True))
        for a, b in zip(old, new, strict=True)
    )


def _key(item: Any) -> Any:
    # NameRule equals its text whatever its kind: compare what it means
    return (type(item), item.identity) if isinstance(item, NameRule) else (type(item), item)


_OVERRIDES: dict[tuple[type, str], bool] = {}


def _overrides(cls: type, name: str) -> bool:
    """True when ``cls`` replaces ArgumentFilter's ``name`` method."""
    key = (cls, name)
    known = _OVERRIDES.get(key)
    if known is None:
        known = getattr(cls, name, None) is not getattr(ArgumentFilter, name)
        if len(_OVERRIDES) > 4096:
            _OVERRIDES.clear()
        _OVERRIDES[key] = known
    return known


def overridden_methods(instance: ArgumentFilter, *names: str) -> tuple[str, ...]:
    """Which of ``names`` the instance's class (or the instance itself) replaces."""
    own = vars(instance)
    return tuple(name for name in names if name in own or _overrides(type(instance), name))


__all__ = [
    "SENSITIVE_PATTERNS",
    "ArgumentFilter",
    "CompiledRules",
    "overridden_methods",
    "shared_filter",
]
