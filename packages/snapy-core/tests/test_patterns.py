import re

import pytest

from snapy_core import SENSITIVE_PATTERNS, STRICT_NAME_RULES, STRICT_VALUE_RULES, NameRule
from snapy_core._patterns import (
    DEFAULT_VALUE_RULES,
    NameMatcher,
    ValueRule,
    ValueScanner,
    is_card_number,
    luhn_ok,
    split_words,
)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("api_key", ("api", "key")),
        ("X-Api-Key", ("x", "api", "key")),
        ("apiKey", ("api", "key")),
        ("refreshToken", ("refresh", "token")),
        ("DB_PASSWORD", ("db", "password")),
        ("HTTPAuthHeader", ("http", "auth", "header")),
        ("user.address email", ("user", "address", "email")),
        ("password2", ("password", "2")),
        ("__secret", ("secret",)),
        ("monkey", ("monkey",)),
        ("*args[3]", ("args", "3")),
        ("pässwort_neu", ("pässwort", "neu")),
        ("", ()),
    ],
)
def test_split_words(name, words):
    assert split_words(name) == words


default_names = NameMatcher(SENSITIVE_PATTERNS)
strict_names = NameMatcher(STRICT_NAME_RULES)


@pytest.mark.parametrize(
    "name",
    [
        "password",
        "api_key",
        "X-Api-Key",
        "apiKey",
        "APIKEY",
        "apikey",
        "refreshToken",
        "DB_PASSWORD",
        "user_password",
        "passwords",
        "secret",
        "client_secret",
        "token",
        "access_token",
        "csrf_token",
        "oauth_token",
        "Authorization",
        "auth",
        "X-Auth-Token",
        "key",
        "KEY",
        "_key",
        "private_key",
        "privateKey",
        "secret_key",
        "access_key",
        "AWS_ACCESS_KEY_ID",
        "session_id",
        "sessionId",
        "SESSIONID",
        "credentials",
        "cookie",
        "Set-Cookie",
        "cvv",
        "card_number",
        "cardNumber",
        "ssn",
        "passwd",
        "pwd",
        "otp_code",
        "api_keys",
    ],
)
def test_sensitive_names(name):
    assert default_names.reason(name) is not None
    assert strict_names.reason(name) is not None


@pytest.mark.parametrize(
    "name",
    [
        "monkey",
        "keyboard",
        "page",
        "usage",
        "message",
        "author",
        "authored_by",
        "cache_key",
        "sort_key",
        "primary_key",
        "keys",
        "turkey",
        "tokenize",
        "tokenizer",
        "max_tokens",
        "token_count",
        "auth_type",
        "password_min_length",
        "secretary",
        "passage",
        "session",
        "key_count",
        "customer_id",
        "items",
        "payment",
        "shipping_address",
        "age",
        "pinned",
    ],
)
def test_harmless_names(name):
    assert default_names.reason(name) is None


@pytest.mark.parametrize(
    "name",
    [
        "cache_key",
        "max_tokens",
        "userpassword",
        "mytoken",
        "pin",
        "email",
        "phone_number",
        "date_of_birth",
        "iban",
        "db_url",
        "session",
        "signature",
    ],
)
def test_strict_adds_names(name):
    assert default_names.reason(name) is None
    assert strict_names.reason(name) is not None


@pytest.mark.parametrize("name", ["monkey", "keyboard", "page", "tokenizer", "author", "secretary"])
def test_strict_keeps_look_alikes(name):
    assert strict_names.reason(name) is None


def test_reason_quotes_the_rule_as_written():
    assert default_names.reason("DB_PASSWORD") == "name matches 'password'"
    assert default_names.reason("X-Api-Key") == "name matches 'api_key'"
    assert default_names.reason("KEY") == "name matches 'key'"


def test_rule_kinds():
    exact = NameRule.exact("key")
    assert exact.matches("Key")
    assert exact.matches("__key__")
    assert exact.matches("key2")
    assert exact.matches("KEY_1")
    assert not exact.matches("cache_key")
    assert not exact.matches("keys")
    word = NameRule.word("session_id")
    assert word.matches("user_session_id")
    assert word.matches("sessionIds")
    assert word.matches("SESSIONID")  # the glued form
    assert not word.matches("session")
    assert not word.matches("id_session")
    regex = NameRule.regex(r"^x-.*-sig$")
    assert regex.matches("X-Amz-Sig")
    assert not regex.matches("sig")
    contains = NameRule.contains("token", unless=["tokenizer"])
    assert contains.matches("mytokenvalue")
    assert not contains.matches("tokenizer")
    unless = NameRule.word("token", unless=["count"])
    assert unless.matches("token")
    assert not unless.matches("token_count")
    assert repr(unless) == "NameRule.word('token', unless=['count'])"
    assert str(word) == "session_id"


def test_first_rule_in_list_order_wins():
    matcher = NameMatcher([NameRule.word("token"), NameRule.word("refresh_token")])
    assert matcher.reason("refreshToken") == "name matches 'token'"
    matcher = NameMatcher([NameRule.word("refresh_token"), NameRule.word("token")])
    assert matcher.reason("refreshToken") == "name matches 'refresh_token'"


def test_name_rule_needs_a_word():
    with pytest.raises(ValueError, match="at least one letter"):
        NameRule.word("__")


def test_name_cache_is_bounded():
    matcher = NameMatcher(SENSITIVE_PATTERNS)
    for number in range(5000):
        matcher.reason(f"field_{number}")
    assert len(matcher._cache) <= 4096
    assert matcher.reason("password") is not None


# -- value rules ---------------------------------------------------------------------------

default_values = ValueScanner(DEFAULT_VALUE_RULES, default_names.reason)
strict_values = ValueScanner(STRICT_VALUE_RULES, strict_names.reason)

PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8Pb\n"
    "-----END RSA PRIVATE KEY-----"
)
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ."
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("123-45-6789", "social security"),
        ("ssn 123 45 6789 on file", "social security"),
        ("4111111111111111", "card number"),
        ("4111 1111 1111 1111", "card number"),
        ("4111-1111-1111-1111", "card number"),
        ("card: 5555 5555 5555 4444 exp 12/30", "card number"),
        ("amex 3782 822463 10005", "card number"),
        ("12 4111 1111 1111 1111 2024", "card number"),  # neighbours around a card
        ("6011111111111117", "card number"),
        ("bob@example.com", "e-mail"),
        ("Contact: Bob.Smith+tag@mail.example.co.uk, thanks", "e-mail"),
        ("+1 415 555 2671", "phone"),
        ("+14155552671", "phone"),
        ("(415) 555-2671", "phone"),
        ("415-555-2671", "phone"),
        ("call +44 20 7946 0958", "phone"),
        ("+33 1 23 45 67 89", "phone"),
        (JWT, "JSON Web Token"),
        ("AKIAIOSFODNN7EXAMPLE", "AWS access key"),
        ("id=ASIAY34FZKBOKMUTVV7A;", "AWS access key"),
        (PEM, "private key"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1r\n", "private key"),
        ("-----BEGIN PGP PRIVATE KEY BLOCK-----", "private key"),
        ("Bearer abc123.def456", "bearer"),
        ("authorization: bearer 0123456789abcdefXYZ", "bearer"),
        ("Basic dXNlcjpwYXNzd29yZA==", "basic"),
        ("https://user:hunter2@example.com/path", "URL with a password"),
        ("redis://:s3cret@cache:6379/0", "URL with a password"),
        ("postgres://app:p@ss@db/app", "URL with a password"),
        ("https://api.example.com/v1?page=2&access_token=abc", "name=value"),
        ("https://example.com/?apiKey=xyz", "name=value"),
        ("https://maps.example.com/api?key=AIzaSyDx", "name=value"),
        ("password=hunter2", "name=value"),
        ('{"user": "bob", "password": "hunter2"}', "name=value"),
        ("X-Api-Key: 0f9e8d7c", "name=value"),
        ("host=db user=app password=secret sslmode=require", "name=value"),
    ],
)
def test_value_rules_find(text, kind):
    reason = default_values.reason(text)
    assert reason is not None
    assert kind in reason


@pytest.mark.parametrize(
    "text",
    [
        "hello world",
        "",
        "x",
        "2024-01-15",
        "2024-01-15T10:30:00+00:00",
        "10:30",
        "123456789012345",  # 15-digit order number
        "4111111111111112",  # 16 digits, Luhn fails
        "1234567890123456",  # 16 digits, no card issuer starts with 1
        "5551234567",
        "ORDER-5551234567",
        "invoice 000123456789",  # bare digit runs
        "192.168.100.200",
        "v1.2.3",
        "3.14159265358979",
        "000-12-3456",
        "666-12-3456",
        "123-00-4567",  # impossible SSNs
        "user@localhost",
        "@decorator",
        "pkg@1.0",
        "a @ b",
        "eyJ-not-a-jwt",
        "AKIA",
        "-----BEGIN CERTIFICATE-----",
        "the bearer of bad news",
        "Basic information about the plan",
        "https://example.com/path?page=2&sort=asc",
        "http://example.com/@home",
        "key_count=3",
        "token_count: 12",
        "sort_key=name",
        "Note: nothing here",
        "C:\\Users\\bob",
        "ratio 1:2",
        "a=b",
        "monkey=banana",
        "tokenize=true",
        "https://example.com:8080/x",
    ],
)
def test_value_rules_let_look_alikes_pass(text):
    assert default_values.reason(text) is None


def test_strict_value_rules():
    assert default_values.reason("DE89 3704 0044 0532 0130 00") is None
    assert "IBAN" in strict_values.reason("DE89 3704 0044 0532 0130 00")
    assert "IBAN" in strict_values.reason("iban GB82WEST12345698765432")
    assert strict_values.reason("DE89 3704 0044 0532 0130 01") is None  # mod 97 fails
    token = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
    assert default_values.reason(token) is None
    assert "random token" in strict_values.reason(token)
    assert "random token" in strict_values.reason("ghp_16C7e42F292c6912E7710c838347Ae178B4a")
    assert "random token" in strict_values.reason("da39a3ee5e6b4b0d3255bfef95601890afd80709")
    for harmless in (
        "this_is_a_long_identifier_name",
        "ThisIsALongCamelCaseName",
        "aaaaaaaaaaaaaaaaaaaaaaaaa1",
        "hello world and more words here",
        "module_v2_handler_function",
        "order-2024-01-15-000123",
        "550e8400-e29b-41d4-a716-446655440000",
    ):
        assert strict_values.reason(harmless) is None, harmless


def test_luhn_and_issuers():
    assert luhn_ok("79927398713")
    assert not luhn_ok("79927398710")
    assert is_card_number("4111111111111111")
    assert is_card_number("378282246310005")  # Amex, 15 digits
    assert not is_card_number("378282246310005" + "0")  # Amex is 15 digits only
    assert not is_card_number("7992739871300000")  # no issuer starts with 7
    assert not is_card_number("4111")


def test_value_rule_hints_build_the_fast_negative_check():
    rule = ValueRule("employee", r"EMP-\d{6}", "looks like an employee id", hints=("EMP-",))
    scanner = ValueScanner([rule], default_names.reason)
    assert not scanner.might_match("emp 123456")  # no trigger character (M)
    assert scanner.reason("badge EMP-123456") == "value looks like an employee id"
    assert scanner.reason("EMP-12") is None
    always = ValueScanner([ValueRule("x", r"zz", "has zz")], default_names.reason)
    assert always.might_match("anything")
    assert default_values.might_match("hello") is False


def test_value_rule_accepts_compiled_patterns():
    rule = ValueRule("x", re.compile("abc", re.I), "has abc")
    assert ValueScanner([rule], default_names.reason).reason("xABCx") == "value has abc"


def test_long_inputs_stay_linear():
    # Patterns are written so that long runs cannot make the regular expressions
    # backtrack badly; these would take minutes with a catastrophic pattern.
    for text in (
        "+" + "1" * 5000,
        "a" * 20000 + "@",
        "1 " * 10000,
        "x=" * 10000,
        "-" * 10000,
        "eyJ" + "a" * 10000 + ".",
        "a." * 10000 + "@",
    ):
        default_values.reason(text)
        strict_values.reason(text)


def test_rules_are_the_strings_they_were_written_as():
    import copy
    import pickle

    assert "password" in SENSITIVE_PATTERNS
    assert "key" in SENSITIVE_PATTERNS
    assert ", ".join(SENSITIVE_PATTERNS).startswith("password, passwd")
    rule = NameRule.exact("key")
    assert rule == "key"
    for clone in (copy.copy(rule), copy.deepcopy(rule), pickle.loads(pickle.dumps(rule))):
        assert clone.kind == "exact"
        assert clone.identity == rule.identity
    regex = NameRule.regex(r"^x_")
    assert pickle.loads(pickle.dumps(regex)).matches("X_Y")
    with pytest.raises(ValueError, match="unknown name rule kind"):
        NameRule("x", "fuzzy")  # type: ignore[arg-type]
