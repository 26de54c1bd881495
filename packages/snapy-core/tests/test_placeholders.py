from __future__ import annotations

import copy
import pickle

import pytest

from snapy_core import Omitted, Placeholder, Redacted, Unserializable, Untrusted

EXAMPLES = [
    (Redacted("name matches 'password'"), "<redacted: name matches 'password'>"),
    (
        Omitted("larger than max_capture_size (1024 bytes)"),
        "<omitted: larger than max_capture_size (1024 bytes)>",
    ),
    (
        Unserializable("cannot be encoded", type_name="_thread.lock"),
        "<unserializable _thread.lock: cannot be encoded>",
    ),
    (
        Untrusted("module not trusted", type_name="evil.Thing", value_repr="Thing(1)"),
        "<untrusted evil.Thing: Thing(1)>",
    ),
]


@pytest.mark.parametrize(("placeholder", "text"), EXAMPLES)
def test_placeholders_read_clearly_and_stably(placeholder: Placeholder, text: str) -> None:
    assert str(placeholder) == repr(placeholder) == text
    assert isinstance(placeholder, Placeholder)


@pytest.mark.parametrize(("placeholder", "text"), EXAMPLES)
def test_placeholders_are_values(placeholder: Placeholder, text: str) -> None:
    assert copy.deepcopy(placeholder) == placeholder
    assert pickle.loads(pickle.dumps(placeholder)) == placeholder
    assert hash(copy.copy(placeholder)) == hash(placeholder)
    assert len({placeholder, copy.copy(placeholder)}) == 1


def test_different_kinds_with_the_same_reason_differ() -> None:
    assert Redacted("x") != Omitted("x")
