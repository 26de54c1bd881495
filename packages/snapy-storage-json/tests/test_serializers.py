"""Serializers registered by plugins through ``snapy_register_serializers``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import orjson
import pytest

import snapy_core
from snapy_core import Unserializable, hookimpl
from snapy_core.errors import PluginWarning, RecordError
from snapy_storage_json import JSONCodec, dumps, loads
from snapy_storage_json._decode import TAGS
from snapy_storage_json._serializers import RESERVED_TAGS


class Cents:
    """A value type of a third-party library the codec knows nothing about."""

    def __init__(self, amount: int, currency: str = "EUR") -> None:
        self.amount = amount
        self.currency = currency

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and (other.amount, other.currency) == (self.amount, self.currency)  # type: ignore[attr-defined]
        )

    def __hash__(self) -> int:
        return hash((self.amount, self.currency))


class TaxedCents(Cents):
    pass


class Fragile:
    pass


class MoneyPlugin:
    @hookimpl
    def snapy_register_serializers(self, register: Callable[..., None]) -> None:
        register(
            Cents,
            tag="test.cents",
            encode=lambda value: (value.amount, value.currency),
            decode=lambda pair: (TaxedCents if pair[1] == "TAX" else Cents)(*pair),
        )
        register(Fragile, tag="test.fragile", encode=_explode, decode=_explode)
        register(
            dt.date, tag="test.date", encode=lambda day: day.toordinal(), decode=dt.date.fromordinal
        )


def _explode(value: Any) -> Any:
    raise RuntimeError("serializer bug")


@pytest.fixture
def money_plugin(fresh_plugins: None) -> MoneyPlugin:
    plugin = MoneyPlugin()
    snapy_core.get_plugin_manager().register(plugin, name="test-money")
    return plugin


def test_registered_serializer_encodes_and_decodes(money_plugin: MoneyPlugin) -> None:
    codec = JSONCodec(plugins=True, use_config=False)
    value = {"price": Cents(250), "set": {Cents(1), Cents(2, "USD")}}
    encoded = codec.encode(value)
    assert encoded["price"] == {"$test.cents": {"$tuple": [250, "EUR"]}}
    back = codec.loads(codec.dumps(value))
    assert back == value
    assert type(back["price"]) is Cents


def test_subclasses_use_the_serializer_of_their_base(money_plugin: MoneyPlugin) -> None:
    codec = JSONCodec(use_config=False)
    assert codec.encode(TaxedCents(5, "TAX")) == {"$test.cents": {"$tuple": [5, "TAX"]}}
    assert type(codec.loads(codec.dumps(TaxedCents(5, "TAX")))) is TaxedCents


def test_a_plugin_can_take_over_a_built_in_type(money_plugin: MoneyPlugin) -> None:
    codec = JSONCodec(use_config=False)
    day = dt.date(2024, 2, 29)
    assert codec.encode(day) == {"$test.date": day.toordinal()}
    assert codec.loads(codec.dumps(day)) == day
    assert codec.encode(dt.datetime(2024, 1, 1)) == {"$datetime": "2024-01-01T00:00:00"}


def test_serializers_are_collected_once_per_codec(fresh_plugins: None) -> None:
    before = JSONCodec(use_config=False)
    snapy_core.reset_plugin_manager()  # registrations are cached per plugin manager
    snapy_core.get_plugin_manager().register(MoneyPlugin(), name="test-money")
    after = JSONCodec(use_config=False)
    assert "$object" in before.encode(Cents(1))
    assert "$test.cents" in after.encode(Cents(1))


def test_module_level_functions_follow_the_plugin_manager(fresh_plugins: None) -> None:
    assert b"$object" in dumps(Cents(1))
    snapy_core.reset_plugin_manager()
    snapy_core.get_plugin_manager().register(MoneyPlugin(), name="test-money")
    raw = dumps(Cents(1))
    assert b"$test.cents" in raw
    assert loads(raw) == Cents(1)


def test_unknown_tag_names_the_missing_plugin(money_plugin: MoneyPlugin) -> None:
    raw = JSONCodec(use_config=False).dumps({"price": Cents(3)})
    without = JSONCodec(plugins=False, use_config=False)
    with pytest.raises(RecordError) as caught:
        without.loads(raw)
    message = str(caught.value)
    assert message.startswith("price.$test.cents: unknown tag '$test.cents'")
    assert "plugin that is not installed" in message


def test_failing_serializer_is_contained(money_plugin: MoneyPlugin) -> None:
    codec = JSONCodec(use_config=False)
    back = codec.loads(codec.dumps({"bad": Fragile(), "good": Cents(1)}))
    assert isinstance(back["bad"], Unserializable)
    assert "test.fragile" in back["bad"].reason
    assert "test-money" in back["bad"].reason
    assert "serializer bug" in back["bad"].reason
    assert back["good"] == Cents(1)
    with pytest.raises(RecordError, match=r"serializer 'test.fragile' \(plugin test-money\)"):
        codec.loads(orjson.dumps({"$test.fragile": 1}))


class BadPlugin:
    @hookimpl
    def snapy_register_serializers(self, register: Callable[..., None]) -> None:
        register(Cents, tag="tuple", encode=str, decode=str)
        register("not a class", tag="x", encode=str, decode=str)
        register(Cents, tag="$x", encode=str, decode=str)
        register(Cents, tag="fine")  # no encode / decode
        register(Fragile, tag="test.ok", encode=lambda value: 1, decode=lambda value: Fragile())


@pytest.mark.parametrize(
    "problem",
    [
        "used by snapy-storage-json",
        "must be a class",
        "must not start with '$'",
        "missing encode, decode",
    ],
)
def test_invalid_registrations_are_skipped_with_a_warning(
    fresh_plugins: None, problem: str
) -> None:
    snapy_core.get_plugin_manager().register(BadPlugin(), name="bad-plugin")
    with pytest.warns(PluginWarning) as caught:
        codec = JSONCodec(use_config=False)
    messages = [str(warning.message) for warning in caught]
    assert any(problem in message and "'bad-plugin'" in message for message in messages)
    assert len(messages) == 4
    assert "$test.ok" in codec.encode(Fragile())


def test_reserved_tags_are_the_codecs_own() -> None:
    assert {"$" + tag for tag in RESERVED_TAGS} == TAGS
