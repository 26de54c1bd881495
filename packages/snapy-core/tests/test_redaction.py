import collections
import copy
import dataclasses
import os
import socket
import threading
import typing
from types import MappingProxyType

import attrs
import pytest

from snapy_core import (
    ArgumentFilter,
    CallContext,
    CaptureConfig,
    FilterAction,
    Omitted,
    PluginWarning,
    Redacted,
    Redactor,
    build_redactor,
    get_plugin_manager,
    hookimpl,
    reset_plugin_manager,
)

CARD = "4111 1111 1111 1111"
PASSWORD = Redacted("name matches 'password'")
EMAIL = Redacted("value looks like an e-mail address")


def redact(*arguments, **settings):
    return build_redactor(CaptureConfig(**settings), plugins=False).apply(list(arguments))


def paths(result):
    return {action.path: action.reason for action in result.actions}


# -- containers ------------------------------------------------------------------------------


@dataclasses.dataclass
class Address:
    street: str
    email: str


@dataclasses.dataclass(frozen=True)
class Card:
    holder: str
    card: str


@attrs.define
class AttrsUser:
    name: str
    _token: str
    tags: list = attrs.field(factory=list)


@attrs.frozen
class FrozenAttrs:
    label: str
    secret: str


class Point(typing.NamedTuple):
    x: int
    password: str


class Plain:
    def __init__(self, name, address, items):
        self.name = name
        self.address = address
        self.items = items


class Slotted:
    __slots__ = ("__hidden", "label", "password")

    def __init__(self, label, password, hidden):
        self.label = label
        self.password = password
        self.__hidden = hidden


def test_placeholder_and_action_for_a_top_level_argument():
    result = redact(("payment_token", "tok_123"), ("amount", 10))
    assert result.values == [Redacted("name matches 'token'"), 10]
    assert result.actions == [
        FilterAction(path="payment_token", action="redacted", reason="name matches 'token'")
    ]
    assert str(result.values[0]) == "<redacted: name matches 'token'>"


def test_dict_keys_are_names_and_keys_are_kept():
    result = redact(("headers", {"Authorization": "xyz", "X-Api-Key": "k", "Accept": "json"}))
    assert result.values == [
        {
            "Authorization": Redacted("name matches 'authorization'"),
            "X-Api-Key": Redacted("name matches 'api_key'"),
            "Accept": "json",
        }
    ]
    assert paths(result) == {
        "headers['Authorization']": "name matches 'authorization'",
        "headers['X-Api-Key']": "name matches 'api_key'",
    }


def test_every_container_kind():
    user = Plain(
        "ann",
        {"email": "ann@example.com", "city": "Oslo"},
        [
            Card("ann", "x"),
            Card("bob", CARD),
        ],
    )
    original = copy.deepcopy(user.__dict__)
    result = redact(
        ("user", user),
        ("attrs_user", AttrsUser("bob", "t0k", ["ok", "bob@example.com"])),
        ("frozen", FrozenAttrs("l", "s")),
        ("point", Point(1, "pw")),
        ("slotted", Slotted("l", "pw", "bob@example.com")),
        ("group", ({"password": "a"}, frozenset({"x", "ann@example.com"}), {"y"})),
        ("queue", collections.deque(["a", "bob@example.com"], maxlen=5)),
        ("ordered", collections.OrderedDict(a=1, password=2)),
        ("counts", collections.defaultdict(int, {"token": 3})),
        ("address", Address("Main St 1", "bob@example.com")),
    )
    new_user = result.values[0]
    assert type(new_user) is Plain
    assert new_user is not user
    assert new_user.name == "ann"
    assert new_user.address == {"email": EMAIL, "city": "Oslo"}
    assert new_user.items[0] is user.items[0]  # unchanged parts are shared, not copied
    assert new_user.items[1] == Card("bob", Redacted("value looks like a card number"))
    assert user.__dict__ == original  # the caller's object is untouched

    attrs_user = result.values[1]
    assert type(attrs_user) is AttrsUser
    assert attrs_user._token == Redacted("name matches 'token'")
    assert attrs_user.tags == ["ok", EMAIL]
    assert result.values[2] == FrozenAttrs("l", Redacted("name matches 'secret'"))
    assert result.values[3] == Point(1, PASSWORD)
    assert type(result.values[3]) is Point
    slotted = result.values[4]
    assert type(slotted) is Slotted
    assert slotted.label == "l"
    assert slotted.password == PASSWORD
    assert slotted._Slotted__hidden == EMAIL
    group = result.values[5]
    assert group == ({"password": PASSWORD}, frozenset({"x", EMAIL}), {"y"})
    assert type(group[1]) is frozenset
    queue = result.values[6]
    assert type(queue) is collections.deque
    assert queue.maxlen == 5
    assert list(queue) == ["a", EMAIL]
    ordered = result.values[7]
    assert type(ordered) is collections.OrderedDict
    assert list(ordered) == ["a", "password"]
    counts = result.values[8]
    assert type(counts) is collections.defaultdict
    assert counts.default_factory is int
    assert counts == {"token": Redacted("name matches 'token'")}
    assert result.values[9] == Address("Main St 1", EMAIL)

    assert paths(result) == {
        "user.address['email']": "value looks like an e-mail address",
        "user.items[1].card": "value looks like a card number",
        "attrs_user._token": "name matches 'token'",
        "attrs_user.tags[1]": "value looks like an e-mail address",
        "frozen.secret": "name matches 'secret'",
        "point.password": "name matches 'password'",
        "slotted.__hidden": "value looks like an e-mail address",
        "slotted.password": "name matches 'password'",
        "group[0]['password']": "name matches 'password'",
        "group[1]{...}": "value looks like an e-mail address",
        "queue[1]": "value looks like an e-mail address",
        "ordered['password']": "name matches 'password'",
        "counts['token']": "name matches 'token'",
        "address.email": "value looks like an e-mail address",
    }


def test_nothing_sensitive_returns_the_same_objects():
    data = {"page": 3, "items": [{"sku": "A1", "qty": 2}], "monkey": ("banana",)}
    user = Plain("ann", {"city": "Oslo"}, [Card("ann", "none")])
    result = redact(("data", data), ("user", user), ("message", "hello"))
    assert result.values[0] is data
    assert result.values[1] is user
    assert result.actions == []


def test_only_the_changed_branch_is_copied():
    left = {"a": [1, 2, 3]}
    right = {"b": {"password": "x"}}
    data = {"left": left, "right": right}
    new = redact(("data", data)).values[0]
    assert new is not data
    assert new["left"] is left
    assert new["right"] is not right


def test_deep_secret_is_caught_like_a_top_level_one():
    data = {"level1": {"level2": {"level3": {"level4": [{"password": "hunter2"}]}}}}
    result = redact(("data", data))
    assert result.values[0]["level1"]["level2"]["level3"]["level4"][0]["password"] == PASSWORD
    assert "hunter2" not in repr(result)


def test_other_mappings_are_built_anew_never_changed_in_place(monkeypatch):
    result = redact(("config", {"inner": MappingProxyType({"password": "x", "a": 1})}))
    inner = result.values[0]["inner"]
    assert type(inner) is MappingProxyType
    assert dict(inner) == {"password": PASSWORD, "a": 1}

    # os.environ is a mapping whose item methods change the process environment: it
    # must never be copied and emptied. It cannot be built from a dict: redacted whole.
    monkeypatch.setenv("SNAPY_TEST_API_KEY", "k-123")
    before = dict(os.environ)
    result = redact(("env", os.environ))
    assert dict(os.environ) == before
    (placeholder,) = result.values
    assert isinstance(placeholder, Redacted)
    assert placeholder.reason.startswith("_Environ could not be copied to redact env[")
    assert "k-123" not in repr(result)


def test_subclass_overrides_are_not_called_when_rebuilding():
    calls = []

    class Audited(dict):
        def __setitem__(self, key, value):
            calls.append(key)
            super().__setitem__(key, value)

        def clear(self):
            calls.append("clear")
            super().clear()

    class Logged(list):
        def extend(self, items):
            calls.append("extend")
            super().extend(items)

    result = redact(("d", Audited(password="x", a=1)), ("l", Logged(["bob@example.com"])))
    assert type(result.values[0]) is Audited
    assert result.values[0] == {"password": PASSWORD, "a": 1}
    assert type(result.values[1]) is Logged
    assert result.values[1] == [EMAIL]
    assert "clear" not in calls
    assert "extend" not in calls


def test_object_that_refuses_to_be_copied_is_redacted_whole():
    class Stubborn:
        def __init__(self):
            self.password = "hunter2"

        def __copy__(self):
            raise TypeError("no copies")

    result = redact(("holder", [Stubborn()]))
    assert result.values == [
        [Redacted("Stubborn could not be copied to redact holder[0].password (TypeError)")]
    ]
    assert "hunter2" not in repr(result)


def test_validators_that_refuse_placeholders_fall_back_to_a_copy():
    @attrs.frozen
    class Strict:
        password: str = attrs.field(validator=attrs.validators.instance_of(str))

    @dataclasses.dataclass
    class Derived:
        card: str
        last4: str = dataclasses.field(init=False)

        def __post_init__(self):
            self.last4 = self.card[-4:]

    result = redact(("a", Strict("pw")), ("b", Derived(CARD)))
    assert result.values[0].password == PASSWORD
    assert type(result.values[0]) is Strict
    assert result.values[1].card == Redacted("value looks like a card number")
    assert result.values[1].last4 == "1111"


def test_exception_arguments():
    error = ValueError("login failed for bob@example.com")
    new = redact(("error", error)).values[0]
    assert type(new) is ValueError
    assert new.args == (EMAIL,)
    assert error.args == ("login failed for bob@example.com",)


def test_redacted_dict_keys_stay_distinct():
    result = redact(("scores", {"ann@example.com": 1, "bob@example.com": 2, "carl": 3}))
    new = result.values[0]
    assert list(new.values()) == [1, 2, 3]
    assert list(new)[2] == "carl"
    assert {str(key) for key in list(new)[:2]} == {
        "<redacted: key looks like an e-mail address>",
        "<redacted: key looks like an e-mail address (#2)>",
    }
    assert set(paths(result)) == {"scores[<key <redacted key>>]"}
    assert "example.com" not in repr(result)


def test_card_numbers_as_integers_and_bytes():
    result = redact(
        ("card", 4111111111111111),
        ("order", 123456789012345),
        ("raw", b"to: bob@example.com"),
        ("ids", {4111111111111111: "x"}),
    )
    assert result.values[:3] == [Redacted("value looks like a card number"), 123456789012345, EMAIL]
    assert list(result.values[3]) == [Redacted("value looks like a card number")]


def test_path_labels_never_show_sensitive_keys():
    result = redact(("m", {"bob@example.com": {"password": "x"}}))
    assert set(paths(result)) == {"m[<key <redacted key>>]", "m[<redacted key>]['password']"}


# -- cycles, depth, sharing ----------------------------------------------------------------


def test_reference_cycles():
    node = {"name": "root", "children": []}
    child = {"parent": node, "password": "x"}
    node["children"].append(child)
    result = redact(("tree", node))
    new = result.values[0]
    assert new is not node
    assert new["children"][0]["parent"] is new  # the copy points at the copy
    assert new["children"][0]["password"] == PASSWORD
    assert node["children"][0]["password"] == "x"


def test_clean_cycles_are_kept_as_they_are():
    node = {"name": "root"}
    node["self"] = node
    assert redact(("tree", node)).values[0] is node


def test_cycle_through_a_clean_container_to_a_dirty_one():
    root = {"secret": "s", "links": []}
    middle = {"back": root}  # clean itself, but it reaches root, which changes
    root["links"].append(middle)
    new = redact(("root", root)).values[0]
    assert new["links"][0] is not middle
    assert new["links"][0]["back"] is new
    assert "'s'" not in repr(new)


def test_cycle_through_an_immutable_container():
    holder = {"password": "x"}
    pair = (holder, [])
    pair[1].append(pair)
    holder["pair"] = pair
    result = redact(("pair", pair))
    new = result.values[0]
    assert new[0]["password"] == PASSWORD
    assert new[1][0] == Omitted("reference cycle back to pair")
    assert "'x'" not in repr(new)


def test_shared_objects_are_visited_once_and_stay_shared():
    shared = {"password": "x"}
    data = [shared, shared, {"k": shared}]
    result = redact(("data", data))
    new = result.values[0]
    assert new[0] is new[1] is new[2]["k"]
    assert len(result.actions) == 1


def test_depth_bound_does_not_leak():
    data: dict = {}
    inner = data
    for _ in range(40):
        inner["next"] = {}
        inner = inner["next"]
    inner["value"] = "hunter2"
    result = build_redactor(CaptureConfig(), plugins=False, max_depth=5).apply([("d", data)])
    new = result.values[0]
    assert new["next"]["next"]["next"]["next"]["next"] == Omitted("nested deeper than 5 levels")
    assert "hunter2" not in repr(result)
    # strings above the bound are still checked
    shallow = {"a": {"b": {"c": "bob@example.com"}}}
    result = build_redactor(CaptureConfig(), plugins=False, max_depth=3).apply([("s", shallow)])
    assert result.values[0]["a"]["b"]["c"] == EMAIL


def test_very_deep_nesting_does_not_blow_the_stack():
    data: list = []
    inner = data
    for _ in range(5000):
        inner.append([])
        inner = inner[0]
    result = redact(("d", data))
    assert result.actions[0].reason == "nested deeper than 32 levels"


# -- ignore_args, custom filters, sizes, types --------------------------------------------


def test_ignore_args_top_level_and_nested():
    result = redact(
        ("customer_secret", "a"),
        ("order", {"customer_secret": "b", "x": 1}),
        ignore_args=["customer_secret", "payment_token"],
    )
    assert result.values == [
        Redacted("listed in ignore_args"),
        {"customer_secret": Redacted("listed in ignore_args"), "x": 1},
    ]
    # exact names only
    result = redact(("customer_secrets_count", 3), ignore_args=["customer_secret"])
    assert result.values == [3]


def test_custom_filters_omit_and_name_the_callable():
    def no_big_training_data(name, value):
        return name != "training_data" or len(value) < 3

    result = redact(
        ("training_data", [1, 2, 3]),
        ("other", [1, 2, 3]),
        custom_filters=[no_big_training_data, lambda name, value: True],
    )
    assert result.values[1] == [1, 2, 3]
    assert result.values[0] == Omitted("rejected by custom filter 'no_big_training_data'")
    assert result.actions[0].action == "omitted"


def test_lambda_filters_are_named_by_place():
    result = redact(("x", 1), custom_filters=[lambda name, value: False])
    (reason,) = paths(result).values()
    assert reason.startswith("rejected by custom filter '<lambda> (test_redaction.py:")


def test_a_filter_that_raises_does_not_break_the_call():
    def broken(name, value):
        raise RuntimeError(f"cannot handle {value}")

    class BrokenFilter(ArgumentFilter):
        def should_capture_arg(self, arg_name, arg_value):
            raise KeyError(arg_value)

        def contains_pii(self, value):
            raise ValueError(value)

    result = redact(("a", "hunter2"), custom_filters=[broken])
    assert result.values == [
        Redacted("custom filter 'broken' raised RuntimeError; left out to be safe")
    ]
    result = redact(("a", "hunter2"), custom_filter=BrokenFilter())
    assert result.values == [
        Redacted("BrokenFilter.should_capture_arg raised KeyError; left out to be safe")
    ]
    redactor = Redactor(argument_filter=BrokenFilter(), top_level_decisions=False)
    result = redactor.apply([("b", ["hunter2"])])
    assert result.values == [
        [Redacted("value could not be checked: BrokenFilter.contains_pii raised ValueError")]
    ]
    assert "hunter2" not in repr(result)


def test_unreadable_objects_are_redacted_not_raised():
    class Exploding(dict):
        def items(self):
            raise OSError("boom")

    result = redact(("x", Exploding(a=1)), ("y", 2))
    assert result.values == [Redacted("could not be filtered (OSError); left out to be safe"), 2]


def test_max_capture_size():
    result = redact(
        ("small", "x" * 100),
        ("big", "x" * 2000),
        ("nested", {"a": ["y" * 600] * 3}),
        ("blob", b"z" * 2000),
        max_capture_size=1024,
    )
    assert result.values[0] == "x" * 100
    assert result.values[1:] == [Omitted("larger than max_capture_size (1024 bytes)")] * 3
    assert [action.action for action in result.actions] == ["omitted"] * 3


def test_size_is_counted_lazily_on_huge_values():
    huge = list(range(10**6))
    redactor = build_redactor(CaptureConfig(max_capture_size=100), plugins=False)
    assert redactor.apply([("huge", huge)]).values == [
        Omitted("larger than max_capture_size (100 bytes)")
    ]


def test_ignore_large_objects_omits_uncapturable_values(tmp_path):
    handle = (tmp_path / "f.txt").open("w")
    sock = socket.socket()
    generator = (n for n in range(3))
    try:
        result = redact(
            ("file", handle),
            ("sock", sock),
            ("gen", generator),
            ("nested", {"it": iter([1]), "lock": threading.Lock(), "ok": 1}),
            ignore_large_objects=True,
        )
        assert result.values[:3] == [
            Omitted("an open file or stream is not captured (ignore_large_objects)"),
            Omitted("a socket is not captured (ignore_large_objects)"),
            Omitted("a generator is not captured (ignore_large_objects)"),
        ]
        assert result.values[3] == {
            "it": Omitted("an iterator is not captured (ignore_large_objects)"),
            "lock": Omitted("a lock is not captured (ignore_large_objects)"),
            "ok": 1,
        }
        # the generator was not consumed
        assert list(generator) == [0, 1, 2]
        # without the setting they are left to the storage backend
        plain = redact(("gen", generator), ("file", handle))
        assert plain.values == [generator, handle]
    finally:
        handle.close()
        sock.close()


def test_ignore_large_objects_has_a_default_size_limit():
    config = CaptureConfig(ignore_large_objects=True)
    assert config.effective_max_capture_size == 64 * 1024
    result = build_redactor(config, plugins=False).apply([("big", "x" * 70000)])
    assert result.values == [Omitted("larger than max_capture_size (65536 bytes)")]


# -- strict mode -------------------------------------------------------------------------------


def test_strict_redaction_and_production_mode():
    arguments = [
        ("cache_key", "user:1"),
        ("iban", "x"),
        ("note", "GB82WEST12345698765432"),
        ("tok", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
        ("page", 2),
    ]
    assert redact(*arguments).values == [a[1] for a in arguments[:-1]] + [2]
    for settings in ({"redaction": "strict"}, {"production_mode": True}):
        values = redact(*arguments, **settings).values
        assert all(isinstance(value, Redacted) for value in values[:-1]), values
        assert values[-1] == 2


def test_strict_rules_hold_whatever_custom_filter_is_configured():
    class Lenient(ArgumentFilter):
        def __init__(self):
            super().__init__()
            self.sensitive_keys = []
            self.value_rules = []

    lenient = redact(("password", "x"), ("cache_key", "k"), custom_filter=Lenient())
    assert lenient.values == ["x", "k"]
    strict = redact(
        ("password", "x"), ("cache_key", "k"), custom_filter=Lenient(), production_mode=True
    )
    assert strict.values == [PASSWORD, Redacted("name matches 'key'")]


# -- plugins -----------------------------------------------------------------------------------


@pytest.fixture
def plugin_manager():
    reset_plugin_manager()
    manager = get_plugin_manager()
    yield manager
    reset_plugin_manager()


class DropsBadge:
    @hookimpl
    def snapy_register_filters(self, register):
        register(lambda name, value: name != "badge")
        register(ArgumentFilter(sensitive_keys=["pin"]))


def test_plugin_filters(plugin_manager):
    plugin_manager.register(DropsBadge(), name="badge-plugin")
    redactor = build_redactor(CaptureConfig())
    result = redactor.apply([("badge", 1), ("card", {"pin": 1234}), ("password", "x"), ("n", 1)])
    reason = result.values[0].reason
    assert reason.startswith("rejected by filter '<lambda> (test_redaction.py:")
    assert reason.endswith(")' from plugin 'badge-plugin'")
    assert isinstance(result.values[0], Redacted)
    assert result.values[1:] == [{"pin": Redacted("name matches 'pin'")}, PASSWORD, 1]
    # plugins=False leaves them out
    assert build_redactor(CaptureConfig(), plugins=False).apply([("badge", 1)]).values == [1]


def test_bad_plugin_registration_warns_and_is_ignored(plugin_manager):
    class Bad:
        @hookimpl
        def snapy_register_filters(self, register):
            register("not a filter")

    plugin_manager.register(Bad(), name="bad-plugin")
    with pytest.warns(PluginWarning, match="'bad-plugin' registered 'not a filter'"):
        redactor = build_redactor(CaptureConfig())
    assert redactor.apply([("a", 1)]).values == [1]


def test_plugin_may_register_a_filter_class(plugin_manager):
    class PinFilter(ArgumentFilter):
        def __init__(self):
            super().__init__(sensitive_keys=["pin"])

    class NeedsArguments(ArgumentFilter):
        def __init__(self, level):
            super().__init__()

    class RegistersClasses:
        @hookimpl
        def snapy_register_filters(self, register):
            register(PinFilter)
            register(NeedsArguments)

    plugin_manager.register(RegistersClasses(), name="classes")
    with pytest.warns(PluginWarning, match="filter class NeedsArguments, which cannot be created"):
        redactor = build_redactor(CaptureConfig())
    assert redactor.apply([("pin", 1), ("n", 2)]).values == [
        Redacted("name matches 'pin'"),
        2,
    ]


class IgnoresInternal:
    calls = 0

    @hookimpl
    def snapy_ignore_argument(self, call, name, value):
        IgnoresInternal.calls += 1
        if name.startswith("internal_"):
            return True
        return None


def _context():
    def target():
        pass

    return CallContext(module="app.orders", qualname="process", function=target)


def test_ignore_argument_hook(plugin_manager):
    plugin_manager.register(IgnoresInternal(), name="ignores-internal")
    IgnoresInternal.calls = 0
    redactor = build_redactor(CaptureConfig(), call=_context())
    result = redactor.apply([("internal_state", {"a": 1}), ("amount", 3)])
    assert result.values == [
        Redacted("dropped by plugin 'ignores-internal' (snapy_ignore_argument)"),
        3,
    ]
    assert IgnoresInternal.calls == 2
    # without a CallContext the hook is not consulted
    assert build_redactor(CaptureConfig()).apply([("internal_state", 1)]).values == [1]


def test_hook_is_never_called_when_nobody_implements_it(plugin_manager):
    assert plugin_manager.hook.snapy_ignore_argument.get_hookimpls() == []
    redactor = build_redactor(CaptureConfig(), call=_context())
    assert redactor._hooks == ()
    # registering an implementation after the build does not add a per-call hook
    plugin_manager.register(IgnoresInternal(), name="late")
    assert redactor.apply([("internal_state", 1)]).values == [1]


def test_hook_that_raises_redacts(plugin_manager):
    class Raises:
        @hookimpl
        def snapy_ignore_argument(self, name):
            raise RuntimeError(name)

    plugin_manager.register(Raises(), name="raises")
    result = build_redactor(CaptureConfig(), call=_context()).apply([("a", 1)])
    assert result.values == [
        Redacted(
            "plugin 'raises' raised RuntimeError in snapy_ignore_argument; left out to be safe"
        )
    ]


def test_hook_wrappers_go_through_pluggy(plugin_manager):
    class Wrapper:
        @hookimpl(wrapper=True)
        def snapy_ignore_argument(self, name):
            result = yield
            return True if name == "wrapped" else result

    plugin_manager.register(IgnoresInternal(), name="ignores-internal")
    plugin_manager.register(Wrapper(), name="wrapper")
    redactor = build_redactor(CaptureConfig(), call=_context())
    values = redactor.apply([("wrapped", 1), ("internal_x", 2), ("y", 3)]).values
    assert values == [Redacted("dropped by a snapy_ignore_argument plugin hook")] * 2 + [3]


# -- the contract other packages use -------------------------------------------------------------


def test_redactor_can_be_built_directly():
    redactor = Redactor(
        argument_filter=ArgumentFilter(),
        ignore_args=frozenset({"x"}),
        extra_filters=(lambda name, value: name != "y",),
        max_capture_size=50,
    )
    result = redactor.apply([("x", 1), ("y", 2), ("z", "a" * 60), ("w", 4)])
    assert result.values == [
        Redacted("listed in ignore_args"),
        Omitted(result.values[1].reason),
        Omitted("larger than max_capture_size (50 bytes)"),
        4,
    ]
    assert "Redactor" in repr(redactor)


def test_names_that_are_not_strings_are_shown_as_text():
    result = Redactor().apply([(3, "bob@example.com")])  # type: ignore[list-item]
    assert result.actions == [
        FilterAction(path="3", action="redacted", reason="value looks like an e-mail address")
    ]


def test_extra_positional_names():
    result = redact(("*args[3]", "bob@example.com"), ("*args[4]", 1))
    assert result.actions == [
        FilterAction(
            path="*args[3]", action="redacted", reason="value looks like an e-mail address"
        )
    ]


# -- the README section stays true ---------------------------------------------------------


def _readme_section() -> str:
    from pathlib import Path

    text = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    start = text.index("## Filters and redaction")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_readme_examples_run():
    import doctest
    import re

    section = _readme_section()
    parser = doctest.DocTestParser()
    test = parser.get_doctest(section, {}, "README: Filters and redaction", None, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
    assert test.examples
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    namespace: dict = {}
    for block in blocks:
        if ">>>" not in block:
            exec(compile(block, "README.md", "exec"), namespace)
    redactor = build_redactor(namespace["config"], plugins=False)
    values = redactor.apply([("internal_note", 1), ("badge_id", 2), ("n", "EMP-123456")]).values
    assert all(isinstance(value, Redacted) for value in values)


def test_default_filters_are_shared_and_read_only():
    from snapy_core import ConfigError

    first = build_redactor(CaptureConfig(), plugins=False)
    second = build_redactor(CaptureConfig(ignore_args=["x"]), plugins=False)
    assert first.argument_filter is second.argument_filter
    strict = build_redactor(CaptureConfig(production_mode=True), plugins=False)
    assert strict.argument_filter.strict
    assert strict.argument_filter is not first.argument_filter
    with pytest.raises(ConfigError, match="cannot be changed"):
        first.argument_filter.sensitive_keys = ["pin"]
    with pytest.raises(AttributeError):
        first.argument_filter.sensitive_keys.append("pin")  # a tuple
