"""Name rules and value rules: what makes a name or a value sensitive.

Names are compared by *word parts*, never by raw substring: a name is split on ``_ - .``,
spaces and camelCase / PascalCase / acronym / digit boundaries and lower-cased
(``X-Api-Key`` -> ``x api key``, ``refreshToken`` -> ``refresh token``,
``DB_PASSWORD`` -> ``db password``), so ``monkey``, ``keyboard``, ``page`` and
``author`` never match ``key``, ``age`` or ``auth``. A :class:`NameRule` is one of

* ``exact``: the whole name is these words, numbers aside (``NameRule.exact("key")``
  matches ``key``, ``KEY``, ``_key``, ``key2`` but not ``cache_key``);
* ``word``: these words appear as consecutive word parts, the last one possibly plural
  (``NameRule.word("api_key")`` matches ``apiKey``, ``X-Api-Key``, ``user_api_keys`` and
  the glued form ``apikey``); optional ``unless`` words make the rule step aside when the
  name also has one of them (``max_tokens`` is a count, not a token);
* ``regex``: a regular expression searched in the raw name;
* ``contains``: the text appears inside a single word part (strict mode: ``userpassword``),
  except for the listed harmless words (``tokenizer``).

A :class:`ValueRule` finds a secret inside a string: a regular expression, an optional
validator (Luhn for card numbers, mod 97 for IBANs, ...) and cheap *hints* (substrings or
digits that must be present) from which one precompiled negative check per rule set is
built, so the common string that contains nothing costs one scan.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal

import attrs

NameCheck = Callable[[str], "str | None"]
"""Why a name is sensitive (``"name matches 'password'"``), or None."""

# -- word parts ----------------------------------------------------------------------------

_ASCII_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_NON_ALNUM = re.compile(r"[\W_]+")


def split_words(name: str) -> tuple[str, ...]:
    """The lower-cased word parts of ``name``.

    >>> split_words("X-Api-Key"), split_words("refreshToken"), split_words("HTTPAuthHeader")
    (('x', 'api', 'key'), ('refresh', 'token'), ('http', 'auth', 'header'))
    """
    if name.isascii():
        return tuple(word.lower() for word in _ASCII_WORDS.findall(name))
    # Outside ASCII, case boundaries are unreliable: split on separators only.
    return tuple(part.lower() for part in _NON_ALNUM.split(name) if part)


def _plural_forms(word: str) -> tuple[str, ...]:
    return (word, word + "s", word + "es")


# -- name rules ----------------------------------------------------------------------------

NameRuleKind = Literal["exact", "word", "regex", "contains"]


class NameRule(str):
    """One way a name can be sensitive; see the module docstring for the kinds.

    Build rules with :meth:`exact`, :meth:`word`, :meth:`regex` or :meth:`contains`. A
    plain string in ``ArgumentFilter.sensitive_keys`` means ``NameRule.word(string)`` and a
    compiled ``re.Pattern`` means ``NameRule.regex(pattern)``.

    A rule *is* the string it was written as (``NameRule.word("password") ==
    "password"``), so code written for the seed documents' list of strings, such as
    ``any(key in name for key in self.sensitive_keys)``, keeps working.
    """

    kind: NameRuleKind
    words: tuple[str, ...]
    unless: frozenset[str]
    compiled: re.Pattern[str] | None

    def __new__(
        cls,
        pattern: str,
        kind: NameRuleKind = "word",
        words: tuple[str, ...] | None = None,
        unless: Iterable[str] = (),
        compiled: re.Pattern[str] | None = None,
    ) -> NameRule:
        rule = super().__new__(cls, pattern)
        if kind not in ("exact", "word", "regex", "contains"):
            raise ValueError(f"unknown name rule kind {kind!r}")
        rule.kind = kind
        if words is None:
            words = (
                (pattern.lower(),)
                if kind == "contains"
                else (() if kind == "regex" else _words_of(pattern))
            )
        rule.words = words
        rule.unless = frozenset(word.lower() for word in unless)
        if kind == "regex" and compiled is None:
            compiled = re.compile(pattern, re.IGNORECASE)
        rule.compiled = compiled
        return rule

    def __getnewargs__(self) -> tuple[Any, ...]:  # copy and pickle keep the kind
        return (str(self), self.kind, self.words, self.unless, self.compiled)

    @classmethod
    def exact(cls, name: str) -> NameRule:
        """The whole name is ``name`` (compared by word parts: ``KEY``, ``_key``)."""
        return cls(name, "exact")

    @classmethod
    def word(cls, name: str, *, unless: Iterable[str] = ()) -> NameRule:
        """``name``'s words appear as consecutive word parts (last one maybe plural)."""
        return cls(name, "word", unless=unless)

    @classmethod
    def regex(cls, pattern: str | re.Pattern[str], flags: int = re.IGNORECASE) -> NameRule:
        """``pattern`` is searched in the raw name (case-insensitive unless compiled)."""
        compiled = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern, flags)
        return cls(compiled.pattern, "regex", compiled=compiled)

    @classmethod
    def contains(cls, text: str, *, unless: Iterable[str] = ()) -> NameRule:
        """``text`` appears inside one word part, except in the ``unless`` words."""
        return cls(text, "contains", unless=unless)

    @property
    def pattern(self) -> str:
        """The rule as written; reasons quote it (``name matches 'api_key'``)."""
        return str.__str__(self)

    @property
    def identity(self) -> tuple[Any, ...]:
        """What makes two rules the same rule (equality itself is the string's)."""
        flags = self.compiled.flags if self.compiled is not None else 0
        return (self.kind, str(self), self.words, self.unless, flags)

    def matches(self, name: str) -> bool:
        """True when this rule alone matches ``name``."""
        return NameMatcher([self]).reason(name) is not None

    def __repr__(self) -> str:
        extra = f", unless={sorted(self.unless)!r}" if self.unless else ""
        return f"NameRule.{self.kind}({self.pattern!r}{extra})"


def _words_of(name: str) -> tuple[str, ...]:
    words = split_words(name)
    if not words:
        raise ValueError(f"a name rule needs at least one letter or digit, got {name!r}")
    return words


def as_name_rule(item: object) -> NameRule:
    """``str`` -> word rule, ``re.Pattern`` -> regex rule, NameRule -> itself."""
    if isinstance(item, NameRule):
        return item
    if isinstance(item, str):
        return NameRule.word(item)
    if isinstance(item, re.Pattern):
        return NameRule.regex(item)
    raise TypeError(
        f"sensitive_keys entries must be strings, compiled regular expressions or "
        f"NameRule objects, got {type(item).__name__} {item!r}"
    )


_NAME_CACHE_SIZE = 4096


class NameMatcher:
    """A compiled set of name rules with a bounded cache of decisions.

    ``reason(name)`` reports the first rule (in list order) that matches.
    """

    __slots__ = ("_cache", "_contains", "_exact", "_glued", "_multi", "_regex", "_single", "rules")

    def __init__(self, rules: Iterable[NameRule]) -> None:
        self.rules: tuple[NameRule, ...] = tuple(rules)
        self._exact: dict[tuple[str, ...], int] = {}
        self._single: dict[str, list[int]] = {}
        self._multi: dict[str, list[int]] = {}
        self._glued: dict[str, list[int]] = {}
        self._regex: list[int] = []
        self._contains: list[int] = []
        for index, rule in enumerate(self.rules):
            if rule.kind == "exact":
                self._exact.setdefault(rule.words, index)
                if len(rule.words) > 1:
                    self._exact.setdefault(("".join(rule.words),), index)
            elif rule.kind == "word":
                if len(rule.words) == 1:
                    for form in _plural_forms(rule.words[0]):
                        self._single.setdefault(form, []).append(index)
                else:
                    self._multi.setdefault(rule.words[0], []).append(index)
                    for form in _plural_forms("".join(rule.words)):
                        self._glued.setdefault(form, []).append(index)
            elif rule.kind == "regex":
                self._regex.append(index)
            else:
                self._contains.append(index)
        self._cache: dict[str, str | None] = {}

    def reason(self, name: str) -> str | None:
        """``"name matches 'password'"`` when a rule matches ``name``, else None."""
        try:
            return self._cache[name]
        except KeyError:
            pass
        index = self._first_match(name)
        reason = None if index is None else f"name matches {self.rules[index].pattern!r}"
        cache = self._cache
        if len(cache) >= _NAME_CACHE_SIZE:
            cache.clear()
        cache[name] = reason
        return reason

    def reason_uncached(self, name: str) -> str | None:
        """Like :meth:`reason`, without remembering ``name`` (it may be sensitive itself)."""
        index = self._first_match(name)
        return None if index is None else f"name matches {self.rules[index].pattern!r}"

    def _first_match(self, name: str) -> int | None:
        best: int | None = None
        parts = split_words(name)
        if parts:
            exact = self._exact.get(parts)
            if exact is None and len(parts) > 1:
                # numbered variants count too: key1, KEY_2
                core = tuple(part for part in parts if not part.isdigit()) or parts
                exact = self._exact.get(core)
                if exact is None:
                    exact = self._exact.get(("".join(core),))
            if exact is not None:
                best = exact
            for position, part in enumerate(parts):
                for index in self._single.get(part, ()):
                    if (best is None or index < best) and self._applies(
                        index, parts, position, position + 1
                    ):
                        best = index
                for index in self._glued.get(part, ()):
                    if (best is None or index < best) and self._applies(
                        index, parts, position, position + 1
                    ):
                        best = index
                for index in self._multi.get(part, ()):
                    if best is not None and index > best:
                        continue
                    words = self.rules[index].words
                    end = position + len(words)
                    if (
                        end <= len(parts)
                        and parts[position + 1 : end - 1] == words[1:-1]
                        and parts[end - 1] in _plural_forms(words[-1])
                        and self._applies(index, parts, position, end)
                    ):
                        best = index
            for index in self._contains:
                if best is not None and index > best:
                    break
                rule = self.rules[index]
                needle = rule.words[0]
                if any(needle in part and part not in rule.unless for part in parts):
                    best = index
                    break
        for index in self._regex:
            if best is not None and index > best:
                break
            compiled = self.rules[index].compiled
            if compiled is not None and compiled.search(name):
                best = index
                break
        return best

    def _applies(self, index: int, parts: tuple[str, ...], start: int, end: int) -> bool:
        unless = self.rules[index].unless
        if not unless:
            return True
        others = parts[:start] + parts[end:]
        return not any(part in unless for part in others)


# Words that turn a sensitive word into metadata about it: ``max_tokens``,
# ``password_min_length``, ``auth_type``, ``token_url`` hold no secret.
_METADATA_WORDS = frozenset(
    {
        "count",
        "counts",
        "num",
        "number",
        "total",
        "max",
        "min",
        "limit",
        "limits",
        "length",
        "len",
        "size",
        "type",
        "types",
        "kind",
        "policy",
        "policies",
        "required",
        "enabled",
        "disabled",
        "expiry",
        "expires",
        "expiration",
        "ttl",
        "timeout",
        "lifetime",
        "url",
        "uri",
        "endpoint",
        "field",
        "fields",
        "name",
        "names",
        "label",
        "method",
        "methods",
        "mode",
        "scheme",
        "provider",
        "strength",
        "hint",
        "rules",
        "prompt",
        "budget",
        "usage",
        "estimate",
    }
)

DEFAULT_NAME_RULES: tuple[NameRule, ...] = (
    NameRule.word("password", unless=_METADATA_WORDS),
    NameRule.word("passwd"),
    NameRule.word("pwd"),
    NameRule.word("passphrase"),
    NameRule.word("secret", unless=_METADATA_WORDS),
    NameRule.word("token", unless=_METADATA_WORDS),
    NameRule.exact("key"),
    NameRule.word("api_key"),
    NameRule.word("access_key"),
    NameRule.word("private_key"),
    NameRule.word("secret_key"),
    NameRule.word("signing_key"),
    NameRule.word("encryption_key"),
    NameRule.word("master_key"),
    NameRule.word("session_key"),
    NameRule.word("auth", unless=_METADATA_WORDS),
    NameRule.word("authorization"),
    NameRule.word("credential", unless=_METADATA_WORDS),
    NameRule.word("creds"),
    NameRule.word("cookie"),
    NameRule.word("session_id"),
    NameRule.word("csrf"),
    NameRule.word("xsrf"),
    NameRule.word("otp"),
    NameRule.word("cvv"),
    NameRule.word("cvc"),
    NameRule.word("ssn"),
    NameRule.word("card_number"),
    NameRule.word("credit_card"),
)
"""The name rules used by default; see ``SENSITIVE_PATTERNS``."""

_TOKEN_WORDS = (
    "tokenize",
    "tokenizer",
    "tokenizers",
    "tokenized",
    "tokenizing",
    "tokenization",
    "detokenize",
    "detokenizer",
)

STRICT_EXTRA_NAME_RULES: tuple[NameRule, ...] = (
    NameRule.word("key"),
    NameRule.contains("password"),
    NameRule.contains("passwd"),
    NameRule.contains("secret", unless=("secretary", "secretaries", "secretariat")),
    NameRule.contains("token", unless=_TOKEN_WORDS),
    NameRule.contains("credential"),
    NameRule.contains("apikey"),
    NameRule.word("pin"),
    NameRule.word("signature"),
    NameRule.word("sig"),
    NameRule.word("salt"),
    NameRule.word("private"),
    NameRule.word("session"),
    NameRule.word("dsn"),
    NameRule.word("connection_string"),
    NameRule.word("conn_str"),
    NameRule.word("database_url"),
    NameRule.word("db_url"),
    NameRule.word("email"),
    NameRule.word("e_mail"),
    NameRule.word("phone"),
    NameRule.word("mobile"),
    NameRule.word("dob"),
    NameRule.word("birth_date"),
    NameRule.word("date_of_birth"),
    NameRule.word("birthday"),
    NameRule.word("iban"),
    NameRule.word("account_number"),
    NameRule.word("routing_number"),
    NameRule.word("passport"),
    NameRule.word("tax_id"),
    NameRule.word("national_id"),
)
"""What strict redaction adds to the default name rules."""

STRICT_NAME_RULES: tuple[NameRule, ...] = (
    tuple(
        # strict mode forgets the "metadata" exceptions: ``token_count`` is redacted too
        NameRule.word(rule.pattern) if rule.unless else rule
        for rule in DEFAULT_NAME_RULES
    )
    + STRICT_EXTRA_NAME_RULES
)
"""The name rules of strict redaction (production mode)."""


# -- value rules ---------------------------------------------------------------------------

Validator = Callable[["re.Match[str]", NameCheck], bool]


def _compile(pattern: str | re.Pattern[str]) -> re.Pattern[str]:
    return re.compile(pattern) if isinstance(pattern, str) else pattern


def _strings(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(items)


@attrs.frozen(repr=False)
class ValueRule:
    """One kind of secret or personal data found inside a string.

    ``description`` completes "value ...": ``ValueRule("iban", r"...",
    "looks like an IBAN")`` gives the reason ``value looks like an IBAN``. ``hints`` are
    substrings of which at least one must be present and ``digits`` asks for a run of
    nine or more digits (separators allowed) before the regular expression runs: they
    build the fast negative check, so give them whenever you can. ``validate(match,
    name_check)`` may reject a match (a failed checksum, a name that is not sensitive).
    """

    name: str
    pattern: re.Pattern[str] = attrs.field(converter=_compile)
    description: str
    hints: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    digits: bool = False
    min_length: int = 0
    validate: Validator | None = attrs.field(default=None, eq=False)
    triggers: str = ""
    """Characters of which one must appear; derived from ``hints`` and ``digits`` when
    empty. Prefer characters that are rare in ordinary text."""

    @property
    def reason(self) -> str:
        return f"value {self.description}"

    def trigger_chars(self) -> str:
        """The characters the fast negative check looks for ("" = none: not gated)."""
        if self.triggers:
            return self.triggers
        chars = "0123456789" if self.digits else ""
        for hint in self.hints:
            chars += next((c for c in hint if not (c.islower() or c in "AEIOU")), hint[0])
        return chars

    def __repr__(self) -> str:
        return f"<ValueRule {self.name}: {self.description}>"


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum of a string of digits holds."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = ord(char) - 48
        if position % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def card_issuer_ok(digits: str) -> bool:
    """``digits`` has the length and issuer prefix (IIN) of a real payment card."""
    length = len(digits)
    first = digits[0]
    if first == "4":  # Visa
        return length in (13, 16, 19)
    if first == "5":
        two = int(digits[:2])
        if 51 <= two <= 55:  # Mastercard
            return length == 16
        return 50 <= two <= 59 and length >= 13  # Maestro
    if first == "2":
        four = int(digits[:4])
        if 2221 <= four <= 2720:  # Mastercard 2-series
            return length == 16
        return 2200 <= four <= 2204 and length >= 16  # Mir
    if first == "3":
        two = int(digits[:2])
        if two in (34, 37):  # American Express
            return length == 15
        if 300 <= int(digits[:3]) <= 305 or two in (36, 38, 39):  # Diners Club
            return length >= 14
        return 3528 <= int(digits[:4]) <= 3589 and length >= 16  # JCB
    if first == "6":  # Discover, UnionPay, Maestro, RuPay, ...
        return length >= 16 or (length >= 13 and digits[:2] in ("67", "63"))
    return False


def is_card_number(digits: str) -> bool:
    """13-19 digits with a card issuer prefix and a valid Luhn checksum."""
    return 13 <= len(digits) <= 19 and card_issuer_ok(digits) and luhn_ok(digits)


_GROUP_SPLIT = re.compile(r"[ -]")


def _card_groups(match: re.Match[str], _names: NameCheck) -> bool:
    groups = _GROUP_SPLIT.split(match.group())
    if len(groups) == 1:
        return is_card_number(groups[0])
    # The match may hold a card plus neighbouring digit groups (a date, a CVV):
    # try every run of consecutive groups.
    for start in range(len(groups)):
        digits = ""
        for end in range(start, len(groups)):
            digits += groups[end]
            if len(digits) > 19:
                break
            if is_card_number(digits):
                return True
    return False


_DIGIT = re.compile(r"[0-9]")


def _phone_digits(match: re.Match[str], _names: NameCheck) -> bool:
    count = len(_DIGIT.findall(match.group()))
    return 9 <= count <= 15


def _bearer_token(match: re.Match[str], _names: NameCheck) -> bool:
    token = match.group(1)
    return len(token) >= 20 or any(char in token for char in "0123456789-._~+/=")


_PRINTABLE = re.compile(rb"[\x20-\x7e]+")


def _basic_credentials(match: re.Match[str], _names: NameCheck) -> bool:
    encoded = match.group(1)
    try:
        decoded = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in decoded and _PRINTABLE.fullmatch(decoded) is not None


def _assignment(match: re.Match[str], names: NameCheck) -> bool:
    return names(match.group(1)) is not None


def _iban(match: re.Match[str], _names: NameCheck) -> bool:
    text = match.group().replace(" ", "")
    if not 15 <= len(text) <= 34:
        return False
    rearranged = text[4:] + text[:4]
    try:
        number = int("".join(str(int(char, 36)) for char in rearranged))
    except ValueError:
        return False
    return number % 97 == 1


_SEGMENT_SPLIT = re.compile(r"[_-]")


def _high_entropy(match: re.Match[str], _names: NameCheck) -> bool:
    # Random tokens (sk_live_4eC39Hq..., ghp_16C7e42F...) have a long part mixing letters
    # and digits; identifiers (module_v2_handler) and dates (order-2024-01-15) do not.
    for segment in _SEGMENT_SPLIT.split(match.group().rstrip("=")):
        if len(segment) < 12:
            continue
        if not (any(c.isdigit() for c in segment) and any(c.isalpha() for c in segment)):
            continue
        counts = Counter(segment)
        size = len(segment)
        entropy = -sum(n / size * math.log2(n / size) for n in counts.values())
        if entropy >= 3.0:
            return True
    return False


SSN_RULE = ValueRule(
    "ssn",
    r"(?<![0-9-])(?!000|666|9[0-9]{2})[0-9]{3}([- ])(?!00)[0-9]{2}\1(?!0000)[0-9]{4}(?![0-9-])",
    "looks like a US social security number",
    digits=True,
    min_length=11,
)
CARD_RULE = ValueRule(
    "card",
    r"(?<![0-9])(?:[0-9]{13,19}|[0-9]{1,6}(?:[ -][0-9]{1,6}){2,8})(?![0-9])",
    "looks like a card number",
    digits=True,
    validate=_card_groups,
    min_length=13,
)
EMAIL_RULE = ValueRule(
    "email",
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![A-Za-z0-9])",
    "looks like an e-mail address",
    hints=("@",),
    min_length=6,
)
PHONE_RULE = ValueRule(
    "phone",
    # formatted only: +country code, or the (NNN) NNN-NNNN / NNN-NNN-NNNN shapes;
    # a bare run of digits (an order number) never counts
    r"(?<![\w+])\+[1-9][0-9 .\-()]{6,22}[0-9](?![0-9])"
    r"|(?<![\w.\-])(?:\([2-9][0-9]{2}\)[ .\-]?|[2-9][0-9]{2}[ .\-])[0-9]{3}[ .\-][0-9]{4}"
    r"(?![0-9]|\.[0-9]|-[0-9])",
    "looks like a phone number",
    digits=True,
    validate=_phone_digits,
    min_length=10,
)
JWT_RULE = ValueRule(
    "jwt",
    r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*",
    "looks like a JSON Web Token",
    hints=("eyJ",),
    min_length=15,
)
AWS_KEY_RULE = ValueRule(
    "aws_access_key_id",
    r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])",
    "looks like an AWS access key id",
    hints=("AKIA", "ASIA"),
    min_length=20,
)
PRIVATE_KEY_RULE = ValueRule(
    "private_key",
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----",
    "contains a PEM private key",
    hints=("-----BEGIN",),
    min_length=27,
    triggers="G",
)
BEARER_RULE = ValueRule(
    "bearer",
    r"(?<![A-Za-z])(?:Bearer|bearer|BEARER)\s+([A-Za-z0-9\-._~+/]{8,}=*)",
    "contains a bearer token",
    hints=("earer", "EARER"),
    validate=_bearer_token,
    min_length=15,
    triggers="Bb",
)
BASIC_AUTH_RULE = ValueRule(
    "basic_auth",
    r"(?<![A-Za-z])(?:Basic|basic|BASIC)\s+([A-Za-z0-9+/]{6,}={0,2})(?![A-Za-z0-9+/=])",
    "contains HTTP basic credentials",
    hints=("asic", "ASIC"),
    validate=_basic_credentials,
    min_length=12,
    triggers="Bb",
)
URL_PASSWORD_RULE = ValueRule(
    "url_password",
    r"(?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#@:]*:[^\s/?#@]+@",
    "contains a URL with a password",
    hints=("://",),
    min_length=7,
)
ASSIGNMENT_RULE = ValueRule(
    "assignment",
    # ``password=...``, ``?api_key=...``, ``"token": "..."``, ``X-Api-Key: ...``: a
    # sensitive name (by the same name rules) followed by = or : and a value
    r"(?<![A-Za-z0-9_.\-])([A-Za-z_][A-Za-z0-9_.\-]{0,63})[\"']?[ \t]*[:=][ \t]*[\"']?"
    r"(?!//)[^\s\"',;&]",
    "contains a sensitive name=value pair",
    hints=(":", "="),
    validate=_assignment,
    min_length=3,
)
IBAN_RULE = ValueRule(
    "iban",
    r"(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])",
    "looks like an IBAN",
    digits=True,
    validate=_iban,
    min_length=15,
)
HIGH_ENTROPY_RULE = ValueRule(
    "high_entropy",
    r"(?<![A-Za-z0-9+/=_\-])[A-Za-z0-9+/_\-]{20,}={0,2}(?![A-Za-z0-9+/=_\-])",
    "looks like a random token (long, high entropy)",
    min_length=20,
    triggers="0123456789",  # the validator wants a digit too
    validate=_high_entropy,
)

DEFAULT_VALUE_RULES: tuple[ValueRule, ...] = (
    PRIVATE_KEY_RULE,
    JWT_RULE,
    AWS_KEY_RULE,
    BEARER_RULE,
    BASIC_AUTH_RULE,
    URL_PASSWORD_RULE,
    ASSIGNMENT_RULE,
    CARD_RULE,
    SSN_RULE,
    PHONE_RULE,
    EMAIL_RULE,
)
"""The value rules used by default."""

STRICT_VALUE_RULES: tuple[ValueRule, ...] = (*DEFAULT_VALUE_RULES, IBAN_RULE, HIGH_ENTROPY_RULE)
"""The value rules of strict redaction: the defaults plus IBANs and random-looking tokens."""


# -- scanning ------------------------------------------------------------------------------


class ValueScanner:
    """Checks strings against a set of value rules, cheapest rejection first.

    1. short clean strings seen before are remembered (never sensitive ones);
    2. one precompiled character-class search for the rules' trigger characters: most
       strings contain none and are done;
    3. per rule, its substring hints and digit count, then its regular expression.
    """

    __slots__ = (
        "_clean",
        "_extra",
        "_min_length",
        "_name_check",
        "_plan",
        "_shortest",
        "_trigger",
        "rules",
    )

    def __init__(
        self,
        rules: Sequence[ValueRule],
        name_check: NameCheck,
        extra: Callable[[str], str | None] | None = None,
    ) -> None:
        self.rules = tuple(rules)
        self._name_check = name_check
        self._extra = extra
        triggers: set[str] = set()
        length_gated: list[int] = []
        always = False
        for rule in self.rules:
            chars = rule.trigger_chars()
            if chars:
                triggers.update(chars)
            elif rule.min_length:
                length_gated.append(rule.min_length)
            else:
                always = True
        self._trigger: Callable[[str], object] | None = None
        if not always and triggers:
            charset = "".join(re.escape(char) for char in sorted(triggers))
            self._trigger = re.compile(f"[{charset}]").search
        if always:
            self._shortest = 0
        elif length_gated:
            self._shortest = -min(length_gated)  # negative: "scan from this length on"
        else:
            self._shortest = 1
        self._plan = tuple(
            (
                rule.hints,
                rule.digits,
                rule.min_length,
                rule.pattern.search,
                rule.validate,
                rule.description,
            )
            for rule in self.rules
        )
        self._clean: set[str] = set()
        self._min_length = min((rule.min_length for rule in self.rules), default=0)

    def might_match(self, text: str) -> bool:
        """False when no rule can match ``text`` (the fast negative check)."""
        if not self.rules or len(text) < self._min_length:
            return False
        shortest = self._shortest
        if shortest < 0 and len(text) >= -shortest:
            return True
        if shortest == 0 or self._trigger is None:
            return shortest == 0
        return self._trigger(text) is not None

    def reason(self, text: str) -> str | None:
        """``"value looks like a card number"`` for the first rule that matches, or None."""
        description = self.describe(text)
        return None if description is None else f"value {description}"

    def describe(self, text: str) -> str | None:
        """``"looks like a card number"`` for the first rule that matches, or None."""
        short = len(text) <= _CLEAN_CACHE_LENGTH
        if short and text in self._clean:
            return None
        description = self._match(text) if self.might_match(text) else None
        if description is None and self._extra is not None:
            description = self._extra(text)
        if description is None and short:
            # only strings no rule flags are remembered: they get stored anyway
            clean = self._clean
            if len(clean) >= _CLEAN_CACHE_SIZE:
                clean.clear()
            clean.add(text)
        return description

    def forget(self, text: str) -> None:
        """Drop ``text`` from the clean-string memory (something else flagged it)."""
        self._clean.discard(text)

    def _match(self, text: str) -> str | None:
        digits: bool | None = None
        for hints, needs_digits, min_length, search, validate, description in self._plan:
            if hints:
                for hint in hints:
                    if hint in text:
                        break
                else:
                    continue
            if needs_digits:
                if digits is None:
                    digits = _NINE_DIGITS.match(text) is not None
                if not digits:
                    continue
            if len(text) < min_length:
                continue
            if validate is None:
                if search(text):
                    return description
                continue
            position = 0
            while True:
                match = search(text, position)
                if match is None:
                    break
                if validate(match, self._name_check):
                    return description
                # a rejected candidate may overlap a real one: go on one character later
                position = match.start() + 1
        return None


_CLEAN_CACHE_LENGTH = 64
_CLEAN_CACHE_SIZE = 4096
# nine digits anywhere (anchored, so a failed attempt costs one pass)
_NINE_DIGITS = re.compile(r"(?:[^0-9]*[0-9]){9}")


def card_number_reason(value: int) -> str | None:
    """Payment card numbers passed as integers."""
    if 10**12 <= value < 10**19 and is_card_number(str(value)):
        return CARD_RULE.reason
    return None


__all__ = [
    "DEFAULT_NAME_RULES",
    "DEFAULT_VALUE_RULES",
    "STRICT_EXTRA_NAME_RULES",
    "STRICT_NAME_RULES",
    "STRICT_VALUE_RULES",
    "NameMatcher",
    "NameRule",
    "ValueRule",
    "ValueScanner",
    "as_name_rule",
    "card_number_reason",
    "is_card_number",
    "luhn_ok",
    "split_words",
]
