"""Argument filters and redaction.

CONTRACT DRAFT — the filter work item replaces this module with the full implementation
(word-part name rules, value rules, deep traversal). The public names and signatures
below are the contract other packages code against.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from ._placeholders import Omitted, Redacted
from ._record import FilterAction

if TYPE_CHECKING:
    from ._config import CaptureConfig

SENSITIVE_PATTERNS: tuple[str, ...] = (
    "password", "token", "secret", "key", "auth",
    "api_key", "access_token", "refresh_token",
    "session_id", "csrf_token", "oauth_token",
)
"""The default sensitive name patterns of the seed documents."""


class ArgumentFilter:
    """Decides which arguments may be stored; subclass it to add rules.

    Subclasses may set ``self.sensitive_keys`` and ``self.pii_patterns`` after
    ``super().__init__()`` and override ``should_capture_arg`` (or ``should_capture``)
    and ``contains_pii``.
    """

    def __init__(
        self,
        *,
        sensitive_keys: Iterable[str] | None = None,
        pii_patterns: Iterable[str] | None = None,
        strict: bool = False,
    ) -> None:
        self.sensitive_keys: list[str] = list(
            SENSITIVE_PATTERNS if sensitive_keys is None else sensitive_keys
        )
        self.pii_patterns: list[str] = list(pii_patterns or ())
        self.strict = strict

    def sensitive_name_reason(self, name: str) -> str | None:
        """Why ``name`` is sensitive (``"name matches 'password'"``), or None."""
        lowered = name.lower()
        for key in self.sensitive_keys:
            if key.lower() in lowered:
                return f"name matches {key!r}"
        return None

    def contains_pii(self, value: Any) -> bool:
        """True when a string value matches a PII pattern."""
        if isinstance(value, str):
            return any(re.search(pattern, value) for pattern in self.pii_patterns)
        return False

    def should_capture_arg(self, arg_name: str, arg_value: Any) -> bool:
        """False when the whole argument must be redacted."""
        return self.sensitive_name_reason(arg_name) is None and not self.contains_pii(arg_value)

    def should_capture(self, arg_name: str, arg_value: Any) -> bool:
        """Spelling of seed 002; the same decision as :meth:`should_capture_arg`."""
        return self.should_capture_arg(arg_name, arg_value)


@attrs.frozen
class FilteredArguments:
    """Result of :meth:`Redactor.apply`: the values to store and what was replaced."""

    values: list[Any]
    actions: list[FilterAction]


@attrs.frozen(kw_only=True)
class Redactor:
    """Every filter of one decorated function, combined once at decoration time."""

    argument_filter: ArgumentFilter
    ignore_args: frozenset[str] = frozenset()
    extra_filters: tuple[ArgumentFilter | Callable[[str, Any], bool], ...] = ()
    max_capture_size: int | None = None

    def apply(self, arguments: Sequence[tuple[str, Any]]) -> FilteredArguments:
        """Filter ``(name, value)`` pairs; never mutates the values given."""
        values: list[Any] = []
        actions: list[FilterAction] = []
        for name, value in arguments:
            if name in self.ignore_args:
                reason = "listed in ignore_args"
                values.append(Redacted(reason))
                actions.append(FilterAction(path=name, action="redacted", reason=reason))
                continue
            if not self.argument_filter.should_capture_arg(name, value):
                reason = self.argument_filter.sensitive_name_reason(name) or "rejected by filter"
                values.append(Redacted(reason))
                actions.append(FilterAction(path=name, action="redacted", reason=reason))
                continue
            rejected = next(
                (f for f in self.extra_filters if not _allows(f, name, value)), None
            )
            if rejected is not None:
                reason = f"rejected by {_describe(rejected)}"
                values.append(Omitted(reason))
                actions.append(FilterAction(path=name, action="omitted", reason=reason))
                continue
            values.append(value)
        return FilteredArguments(values, actions)


def _allows(check: ArgumentFilter | Callable[[str, Any], bool], name: str, value: Any) -> bool:
    if isinstance(check, ArgumentFilter):
        return check.should_capture_arg(name, value)
    return bool(check(name, value))


def _describe(check: object) -> str:
    return getattr(check, "__qualname__", type(check).__qualname__)


def build_redactor(
    config: CaptureConfig,
    *,
    extra_filters: Iterable[ArgumentFilter | Callable[[str, Any], bool]] = (),
) -> Redactor:
    """Combine the filters ``config`` asks for (plus plugin filters) into one Redactor."""
    argument_filter = config.custom_filter or ArgumentFilter(strict=config.redaction == "strict")
    return Redactor(
        argument_filter=argument_filter,
        ignore_args=frozenset(config.ignore_args),
        extra_filters=(*config.custom_filters, *extra_filters),
        max_capture_size=config.effective_max_capture_size,
    )


__all__ = [
    "SENSITIVE_PATTERNS",
    "ArgumentFilter",
    "FilteredArguments",
    "Redactor",
    "build_redactor",
]
