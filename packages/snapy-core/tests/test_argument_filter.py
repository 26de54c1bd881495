import re

import pytest

from snapy_core import (
    SENSITIVE_PATTERNS,
    ArgumentFilter,
    CaptureConfig,
    ConfigError,
    NameRule,
    Redacted,
    ValueRule,
    build_redactor,
)

# -- the seed documents' subclasses, exactly as written (imports adapted) -----------------
# fmt: off


class ProductionSecureFilter(ArgumentFilter):
    """Production-ready security filter"""

    def __init__(self):
        super().__init__()
        self.pii_patterns = [
            r'\b\d{3}-\d{2}-\d{4}\b',        # SSN
            r'\b\d{16}\b',                    # Credit card
            r'\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b',  # Email
            r'\b\d{10}\b',                    # Phone number
        ]
        self.sensitive_keys = [
            'password', 'token', 'secret', 'key', 'credential',
            'api_key', 'access_token', 'session_id', 'oauth_token'
        ]

    def should_capture_arg(self, arg_name, arg_value):
        # Check sensitive argument names
        if any(sensitive in arg_name.lower() for sensitive in self.sensitive_keys):
            return False

        # Check for PII patterns in string values
        if isinstance(arg_value, str):
            for pattern in self.pii_patterns:
                if re.search(pattern, arg_value):
                    return False

        return super().should_capture_arg(arg_name, arg_value)


class SecureArgumentFilter(ArgumentFilter):
    def __init__(self):
        super().__init__()
        self.pii_patterns = [
            r'\b\d{3}-\d{2}-\d{4}\b',  # SSN pattern
            r'\b\d{16}\b',              # Credit card pattern
            r'\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b'  # Email
        ]

    def contains_pii(self, value):
        if isinstance(value, str):
            for pattern in self.pii_patterns:
                if re.search(pattern, value):
                    return True
        return False


class CustomArgumentFilter(ArgumentFilter):
    def should_capture(self, arg_name, arg_value):
        # Custom filtering logic
        return not self._is_sensitive(arg_name, arg_value)
# fmt: on


# -- seed 000 ------------------------------------------------------------------------------


def test_production_secure_filter_as_written():
    check = ProductionSecureFilter()
    assert check.should_capture_arg("password", "x") is False
    assert check.should_capture_arg("order_id", "5551234567") is False  # its \d{10} pattern
    assert check.should_capture_arg("note", "hello") is True
    # its own substring loop rejects "monkey" (it contains "key"): the seed's choice
    assert check.should_capture_arg("monkey", 1) is False
    # the other spelling gives the same answers
    assert check.should_capture("note", "hello") is True
    assert check.should_capture("password", "x") is False


def test_production_secure_filter_in_the_seed_configuration():
    # fmt: off
    config = CaptureConfig(
        production_mode=True,
        minimal_capture=True,
        default_retention=1,
        ignore_args=['password', 'token', 'secret', 'credentials', 'api_key'],
        custom_filter=ProductionSecureFilter()
    )
    # fmt: on
    redactor = build_redactor(config, plugins=False)
    result = redactor.apply(
        [
            ("customer", {"name": "Ann", "contact": {"ref": "5551234567", "mail": "a@b.io"}}),
            ("sort_key", "name"),
            ("note", "hello"),
        ]
    )
    customer, sort_key, note = result.values
    # nested: its pii_patterns (\d{10}) and the built-in e-mail rule apply deep down
    assert customer["name"] == "Ann"
    assert isinstance(customer["contact"]["ref"], Redacted)
    assert isinstance(customer["contact"]["mail"], Redacted)
    # its sensitive_keys contain the word "key": sort_key is redacted by its choice
    assert isinstance(sort_key, Redacted)
    assert note == "hello"
    reasons = {action.path: action.reason for action in result.actions}
    assert reasons["customer['contact']['ref']"] == (
        "value matches ProductionSecureFilter.pii_patterns[3]"
    )
    assert reasons["sort_key"] == "name matches 'key'"
    assert redactor.apply([("monkey", 1)]).values == [
        Redacted("rejected by ProductionSecureFilter.should_capture_arg")
    ]


# -- seed 001 ------------------------------------------------------------------------------


def test_secure_argument_filter_as_written():
    check = SecureArgumentFilter()
    assert check.contains_pii("ssn 123-45-6789") is True
    assert check.contains_pii(123) is False
    assert check.should_capture_arg("x", "mail bob@example.com") is False
    assert check.should_capture_arg("x", "hello") is True
    redactor = build_redactor(CaptureConfig(custom_filter=check), plugins=False)
    result = redactor.apply([("payload", {"a": ["1234567812345678"], "b": "+1 415 555 2671"})])
    payload = result.values[0]
    # its pattern finds the 16 digits (not a valid card: the built-in rule lets them pass)
    assert payload["a"][0] == Redacted("value matches SecureArgumentFilter.pii_patterns[1]")
    # replacing pii_patterns does not switch the built-in rules off
    assert payload["b"] == Redacted("value looks like a phone number")


# -- seed 002 ------------------------------------------------------------------------------


def test_custom_argument_filter_as_written():
    check = CustomArgumentFilter()
    assert check.should_capture("password", "x") is False
    assert check.should_capture("name", "bob@example.com") is False
    assert check.should_capture("name", "bob") is True
    # should_capture_arg follows the override of should_capture, without recursion
    assert check.should_capture_arg("password", "x") is False
    assert check.should_capture_arg("name", "bob") is True
    redactor = build_redactor(CaptureConfig(custom_filter=check), plugins=False)
    result = redactor.apply([("token", "t"), ("name", "bob")])
    assert result.values == [Redacted("name matches 'token'"), "bob"]


def test_overridden_contains_pii_is_called_for_nested_values():
    class NoFoo(ArgumentFilter):
        def contains_pii(self, value):
            return value == "foo" or super().contains_pii(value)

    redactor = build_redactor(CaptureConfig(custom_filter=NoFoo()), plugins=False)
    result = redactor.apply([("data", {"a": ("x", "foo"), "b": "a@b.io"}), ("c", "foo")])
    assert result.values == [
        {
            "a": ("x", Redacted("value rejected by NoFoo.contains_pii")),
            "b": Redacted("value looks like an e-mail address"),
        },
        Redacted("value rejected by NoFoo.contains_pii"),
    ]


def test_both_spellings_overridden_do_not_recurse():
    class Both(ArgumentFilter):
        def should_capture_arg(self, arg_name, arg_value):
            return arg_name != "a" and super().should_capture_arg(arg_name, arg_value)

        def should_capture(self, arg_name, arg_value):
            return arg_name != "b" and super().should_capture(arg_name, arg_value)

    check = Both()
    assert check.should_capture_arg("b", 1) is True  # each keeps its own rule
    assert check.should_capture("a", 1) is True
    redactor = build_redactor(CaptureConfig(custom_filter=check), plugins=False)
    values = redactor.apply([("a", 1), ("b", 2), ("c", 3)]).values
    assert values == [
        Redacted("rejected by Both.should_capture_arg"),
        Redacted("rejected by Both.should_capture"),
        3,
    ]


# -- lists a subclass may replace --------------------------------------------------------


def test_defaults():
    check = ArgumentFilter()
    assert list(check.sensitive_keys) == list(SENSITIVE_PATTERNS)
    assert check.pii_patterns == []
    assert check.value_reason("4111 1111 1111 1111") == "value looks like a card number"
    assert check.value_reason(4111111111111111) == "value looks like a card number"
    assert check.value_reason(b"bob@example.com") == "value looks like an e-mail address"
    assert check.value_reason(3.5) is None
    assert check.sensitive_name_reason("X-Api-Key") == "name matches 'api_key'"
    assert check.sensitive_name_reason("monkey") is None
    assert "ArgumentFilter strict=False" in repr(check)


def test_user_strings_are_word_part_rules():
    check = ArgumentFilter(sensitive_keys=["pin", re.compile(r"^x_"), NameRule.exact("code")])
    assert check.sensitive_name_reason("card_pin") == "name matches 'pin'"
    assert check.sensitive_name_reason("pinned") is None
    assert check.sensitive_name_reason("x_anything") == "name matches '^x_'"
    assert check.sensitive_name_reason("code") == "name matches 'code'"
    assert check.sensitive_name_reason("zip_code") is None
    assert check.sensitive_name_reason("password") is None  # the defaults were replaced


def test_in_place_changes_take_effect():
    check = ArgumentFilter()
    redactor = build_redactor(CaptureConfig(custom_filter=check), plugins=False)
    assert redactor.apply([("pin", 1)]).values == [1]
    check.sensitive_keys.append("pin")
    assert check.sensitive_name_reason("pin") == "name matches 'pin'"
    assert redactor.apply([("pin", 1)]).values == [Redacted("name matches 'pin'")]
    check.pii_patterns += [r"EMP-\d+"]
    assert redactor.apply([("who", "EMP-42")]).values == [
        Redacted("value matches ArgumentFilter.pii_patterns[0]")
    ]
    del check.sensitive_keys[-1]
    assert redactor.apply([("pin", 1)]).values == [1]


def test_built_in_value_rules_can_be_switched_off():
    class OnlyMine(ArgumentFilter):
        def __init__(self):
            super().__init__()
            self.pii_patterns = [r"secret-\d+"]
            self.value_rules = []  # deliberately: no built-in value rules

    check = OnlyMine()
    assert check.contains_pii("bob@example.com") is False
    assert check.contains_pii(4111111111111111) is False
    assert check.contains_pii("x secret-1") is True
    redactor = build_redactor(CaptureConfig(custom_filter=check), plugins=False)
    assert redactor.apply([("m", "bob@example.com")]).values == ["bob@example.com"]


def test_extra_value_rule():
    rule = ValueRule("employee", r"EMP-\d{6}", "looks like an employee id", hints=("EMP-",))
    check = ArgumentFilter()
    check.value_rules.append(rule)
    assert check.value_reason("badge EMP-123456") == "value looks like an employee id"


def test_class_attribute_lists_and_lists_set_before_super():
    class ClassLevel(ArgumentFilter):
        sensitive_keys = ["badge"]

    assert ClassLevel().sensitive_name_reason("badge_id") == "name matches 'badge'"
    assert ClassLevel().sensitive_name_reason("password") is None

    class Early(ArgumentFilter):
        def __init__(self):
            self.pii_patterns = [r"zz\d"]
            super().__init__()

    assert Early().pii_patterns == [r"zz\d"]
    assert Early().contains_pii("a zz1") is True


def test_bad_configuration_is_a_clear_error():
    check = ArgumentFilter(pii_patterns=["(unclosed"])
    with pytest.raises(ConfigError, match=r"ArgumentFilter.pii_patterns\[0\] = '\(unclosed'"):
        check.contains_pii("x")
    with pytest.raises(ConfigError, match="sensitive_keys must be a list"):
        ArgumentFilter().sensitive_keys = "password"
    check = ArgumentFilter(sensitive_keys=[42])  # type: ignore[list-item]
    with pytest.raises(ConfigError, match="sensitive_keys entries must be strings"):
        check.sensitive_name_reason("x")
    check = ArgumentFilter(value_rules=["abc"])  # type: ignore[list-item]
    with pytest.raises(ConfigError, match=r"value_rules\[0\] must be a snapy_core.ValueRule"):
        check.contains_pii("x")
    # at decoration time, the error comes from build_redactor
    with pytest.raises(ConfigError, match="not a valid regular expression"):
        build_redactor(
            CaptureConfig(custom_filter=ArgumentFilter(pii_patterns=["("])), plugins=False
        )


def test_contains_pii_searches_containers():
    check = ArgumentFilter()
    assert check.contains_pii({"a": [{"password": "x"}]}) is True
    assert check.contains_pii({"a": [{"note": "mail bob@example.com"}]}) is True
    assert check.contains_pii({"a": [{"page": 3}]}) is False
    # a container is never rejected as a whole: the Redactor redacts inside it
    assert check.should_capture_arg("data", {"password": "x"}) is True


def test_strict_filter():
    strict = ArgumentFilter(strict=True)
    assert strict.sensitive_name_reason("cache_key") == "name matches 'key'"
    assert strict.sensitive_name_reason("max_tokens") == "name matches 'token'"
    assert strict.value_reason("GB82WEST12345698765432") == "value looks like an IBAN"
    assert ArgumentFilter().value_reason("GB82WEST12345698765432") is None


def test_seed_style_substring_code_works_with_the_default_list():
    class Substrings(ArgumentFilter):
        def should_capture_arg(self, arg_name, arg_value):
            if any(sensitive in arg_name.lower() for sensitive in self.sensitive_keys):
                return False
            return super().should_capture_arg(arg_name, arg_value)

    redactor = build_redactor(CaptureConfig(custom_filter=Substrings()), plugins=False)
    values = redactor.apply([("monkey", 1), ("page", 2)]).values
    assert values == [Redacted("rejected by Substrings.should_capture_arg"), 2]


def test_replacing_a_rule_by_one_of_another_kind_takes_effect():
    check = ArgumentFilter(sensitive_keys=[NameRule.exact("key")])
    assert check.sensitive_name_reason("cache_key") is None
    check.sensitive_keys[0] = NameRule.word("key")  # equal as strings, not as rules
    assert check.sensitive_name_reason("cache_key") == "name matches 'key'"
