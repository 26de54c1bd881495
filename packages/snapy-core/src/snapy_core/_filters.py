"""Argument filters and redaction: the public names other snapy packages code against.

The implementation lives in private modules: name and value rules in ``_patterns``,
:class:`ArgumentFilter` in ``_argument_filter`` and the :class:`Redactor` (traversal,
placeholders, size and type limits, plugin filters) in ``_redaction``.
"""

from __future__ import annotations

from ._argument_filter import SENSITIVE_PATTERNS, ArgumentFilter
from ._patterns import (
    DEFAULT_VALUE_RULES,
    STRICT_NAME_RULES,
    STRICT_VALUE_RULES,
    NameRule,
    ValueRule,
    split_words,
)
from ._redaction import DEFAULT_MAX_DEPTH, FilteredArguments, Redactor, build_redactor

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_VALUE_RULES",
    "SENSITIVE_PATTERNS",
    "STRICT_NAME_RULES",
    "STRICT_VALUE_RULES",
    "ArgumentFilter",
    "FilteredArguments",
    "NameRule",
    "Redactor",
    "ValueRule",
    "build_redactor",
    "split_words",
]
