"""Loading a JSON capture never imports an untrusted module and never runs code it names."""

from __future__ import annotations

import importlib
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import orjson
import pytest

import snapy_core
from snapy_core import Untrusted
from snapy_core.errors import RecordError
from snapy_storage_json import SAFE_CLASSES, SAFE_MODULES, JSONCodec

PROBE_SOURCE = """
import dataclasses
import enum
import os
import pathlib
import typing

import attrs

pathlib.Path({marker!r}).write_text("imported")

init_calls = []


@dataclasses.dataclass
class Thing:
    name: str
    size: int = 0


@attrs.define
class AttrsThing:
    name: str


class Pair(typing.NamedTuple):
    a: object
    b: object


class Color(enum.Enum):
    RED = 1


class Widget:
    def __init__(self, name):
        init_calls.append(name)
        self.name = name


def helper():
    return "called"
"""


@attrs.frozen
class Probe:
    name: str
    marker: Path
    module: Any

    def forget(self) -> None:
        """Unload the package and remove its import marker, as in a fresh process."""
        sys.modules.pop(self.name, None)
        self.marker.unlink(missing_ok=True)

    @property
    def imported(self) -> bool:
        return self.name in sys.modules or self.marker.exists()


@pytest.fixture
def probe(tmp_path: Path) -> Iterator[Probe]:
    """A real package on sys.path whose import leaves a marker file."""
    name = f"snapy_probe_{uuid.uuid4().hex[:12]}"
    marker = tmp_path / "imported.txt"
    package = tmp_path / "site" / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(PROBE_SOURCE.format(marker=str(marker))))
    sys.path.insert(0, str(package.parent))
    try:
        module = importlib.import_module(name)
        yield Probe(name, marker, module)
    finally:
        sys.path.remove(str(package.parent))
        sys.modules.pop(name, None)


def plain_codec(*trusted: str) -> JSONCodec:
    return JSONCodec(trusted_modules=trusted, use_config=False, plugins=False)


def probe_values(probe: Probe) -> dict[str, object]:
    module = probe.module
    return {
        "dataclass": module.Thing("t", 3),
        "attrs": module.AttrsThing("a"),
        "namedtuple": module.Pair(1, (2,)),
        "enum": module.Color.RED,
        "object": module.Widget("w"),
        "function": module.helper,
        "class": module.Thing,
    }


# -- untrusted classes come back as placeholders, their module never imported --------------------


def test_untrusted_classes_become_placeholders_without_importing(probe: Probe) -> None:
    raw = plain_codec().dumps(probe_values(probe))
    probe.forget()
    loaded = plain_codec().loads(raw)
    assert not probe.imported
    expected_repr = {
        "dataclass": "Thing(name='t', size=3)",
        "attrs": "AttrsThing(name='a')",
        "namedtuple": "Pair(a=1, b=(2,))",
        "enum": "Color.RED",
        "object": "Widget(name='w')",
        "function": f"{probe.name}:helper",
        "class": f"{probe.name}:Thing",
    }
    for key, value in loaded.items():
        assert isinstance(value, Untrusted), key
        assert value.value_repr == expected_repr[key], key
        assert value.type_name.startswith(f"{probe.name}."), key
        assert "SNAP_CAPTURE_TRUSTED_MODULES" in value.reason
        assert probe.name in value.reason


def test_trusted_classes_are_rebuilt(probe: Probe) -> None:
    values = probe_values(probe)
    raw = plain_codec().dumps(values)
    probe.forget()
    loaded = plain_codec(probe.name).loads(raw)
    assert probe.imported
    module = sys.modules[probe.name]
    assert loaded["dataclass"] == module.Thing("t", 3)
    assert loaded["attrs"] == module.AttrsThing("a")
    assert loaded["namedtuple"] == module.Pair(1, (2,))
    assert loaded["enum"] is module.Color.RED
    assert type(loaded["object"]) is module.Widget
    assert loaded["object"].name == "w"
    assert module.init_calls == []  # rebuilt with __new__ + state: __init__ did not run
    assert loaded["function"] is module.helper
    assert loaded["class"] is module.Thing


def test_the_captured_functions_package_is_trusted(probe: Probe) -> None:
    raw = plain_codec().dumps(probe.module.Thing("t"))
    probe.forget()
    assert isinstance(plain_codec().loads(raw, module="other_package.service"), Untrusted)
    assert not probe.imported
    thing = plain_codec().loads(raw, module=f"{probe.name}.service.orders")
    assert type(thing).__name__ == "Thing"


def test_trust_from_the_environment_and_the_global_config(
    probe: Probe, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = plain_codec().dumps(probe.module.Thing("t"))
    codec = JSONCodec(plugins=False)  # reads the configuration at each decode
    monkeypatch.setenv("SNAP_CAPTURE_TRUSTED_MODULES", f"elsewhere, {probe.name}")
    assert type(codec.loads(raw)).__name__ == "Thing"
    monkeypatch.delenv("SNAP_CAPTURE_TRUSTED_MODULES")
    assert isinstance(codec.loads(raw), Untrusted)
    snapy_core.set_global_config(snapy_core.CaptureConfig(trusted_modules=[probe.name]))
    try:
        assert type(codec.loads(raw)).__name__ == "Thing"
    finally:
        snapy_core.set_global_config(None)
    assert isinstance(plain_codec().loads(raw), Untrusted)  # use_config=False ignores both


def test_trust_covers_submodules_only(probe: Probe) -> None:
    raw = plain_codec().dumps(probe.module.Thing("t"))
    assert isinstance(plain_codec(probe.name[:-1]).loads(raw), Untrusted)  # a prefix
    assert isinstance(plain_codec(f"{probe.name}.sub").loads(raw), Untrusted)  # a child
    assert not isinstance(plain_codec(probe.name).loads(raw), Untrusted)


# -- malicious files ---------------------------------------------------------------------------


def _attacks(marker: Path) -> list[object]:
    command = f"touch {marker}"
    return [
        {"$object": {"class": "os:system", "call": [command]}},
        {"$object": {"class": "posix:system", "call": [command]}},
        {"$object": {"class": "subprocess:Popen", "call": [["touch", str(marker)]]}},
        {"$object": {"class": "subprocess:run", "call": [["touch", str(marker)]]}},
        {"$object": {"class": "builtins:eval", "call": [f"__import__('os').system({command!r})"]}},
        {"$object": {"class": "builtins:exec", "call": [f"open({str(marker)!r}, 'w')"]}},
        {"$object": {"class": "importlib:import_module", "call": ["antigravity"]}},
        {"$object": {"class": "builtins:type", "call": ["X", {"$tuple": []}, {}]}},
        {"$object": {"class": "types:FunctionType", "new": [None, {}]}},
        {"$object": {"class": "pickle:loads", "call": [{"$bytes": "base64:gAU="}]}},
        {"$object": {"class": "io:FileIO", "call": [str(marker), "w"]}},
        {"$object": {"class": "pathlib:Path.write_text", "call": [str(marker), "x"]}},
        {"$global": "builtins:eval"},
        {"$global": "builtins:__import__"},
        {"$global": "os:system"},
        {"$global": "importlib:import_module"},
        {"$enum": "os:system.x"},
        {"$enum": {"class": "subprocess:Popen", "value": ["touch", str(marker)]}},
        {"$dataclass": {"class": "subprocess:Popen", "fields": {"args": ["touch", str(marker)]}}},
        {"$attrs": {"class": "shutil:rmtree", "fields": {}}},
        {"$namedtuple": {"class": "antigravity:X", "fields": {}}},
        {"$object": {"class": "this:X", "new": []}},
    ]


@pytest.mark.parametrize("claimed_module", [None, "os", "subprocess.worker", "builtins"])
def test_malicious_files_run_nothing(tmp_path: Path, claimed_module: str | None) -> None:
    marker = tmp_path / "pwned"
    before = set(sys.modules)
    for attack in _attacks(marker):
        raw = orjson.dumps({"args": [attack]})
        if attack.get("$global") == "builtins:__import__":
            with pytest.raises(RecordError, match="refusing"):  # a dunder name: refused outright
                plain_codec().loads(raw, module=claimed_module)
            continue
        loaded = plain_codec().loads(raw, module=claimed_module)
        placeholder = loaded["args"][0]
        assert isinstance(placeholder, Untrusted), attack
        assert "not trusted" in placeholder.reason
    assert not marker.exists()
    assert {"antigravity", "this"}.isdisjoint(set(sys.modules) - before)


def test_a_trusted_module_is_not_a_springboard(probe: Probe) -> None:
    codec = plain_codec(probe.name)
    attempts = {
        f"{probe.name}:os.system": "resolves to",  # os imported by the probe module
        f"{probe.name}:pathlib.Path": "resolves to",
        f"{probe.name}:Widget.__init__": "special attribute",
        f"{probe.name}:Thing.__class__": "special attribute",
        f"{probe.name}:helper.__globals__": "special attribute",
        f"{probe.name}:missing": "renamed or removed",
    }
    for path, message in attempts.items():
        for document in ({"$global": path}, {"$object": {"class": path, "call": ["x"]}}):
            with pytest.raises(RecordError, match=message):
                codec.loads(orjson.dumps(document))


def test_trusted_module_functions_are_never_called(probe: Probe) -> None:
    codec = plain_codec(probe.name)
    with pytest.raises(RecordError, match="is not a class"):
        codec.loads(orjson.dumps({"$object": {"class": f"{probe.name}:helper", "call": []}}))
    for tag in ("$dataclass", "$attrs", "$namedtuple", "$enum"):
        document = {tag: {"class": f"{probe.name}:helper", "fields": {}, "value": 1}}
        with pytest.raises(RecordError, match="is not"):
            codec.loads(orjson.dumps(document))


def test_stored_attribute_names_cannot_reach_special_attributes(probe: Probe) -> None:
    codec = plain_codec(probe.name)
    documents = [
        {"$dataclass": {"class": f"{probe.name}:Thing", "fields": {"__class__": 1}}},
        {"$attrs": {"class": f"{probe.name}:AttrsThing", "fields": {"__dict__": {}}}},
        {
            "$object": {
                "class": f"{probe.name}:Widget",
                "state": {"$tuple": [None, {"__class__": {"$global": f"{probe.name}:Thing"}}]},
            }
        },
    ]
    for document in documents:
        with pytest.raises(RecordError, match="not an attribute name"):
            codec.loads(orjson.dumps(document))


def test_calling_a_trusted_class_runs_its_constructor(probe: Probe) -> None:
    """The one place decoding runs class code: ``call`` (a class whose own __reduce__ names
    the class itself, e.g. exceptions) calls the trusted class."""
    codec = plain_codec(probe.name)
    widget = codec.loads(
        orjson.dumps({"$object": {"class": f"{probe.name}:Widget", "call": ["c"]}})
    )
    assert widget.name == "c"
    assert probe.module.init_calls == ["c"]


# -- the built-in lists ------------------------------------------------------------------------


def test_safe_lists_hold_only_standard_library_classes() -> None:
    for path in SAFE_CLASSES:
        module, qualname = path.split(":")
        target = importlib.import_module(module)
        for part in qualname.split("."):
            target = getattr(target, part)
        assert isinstance(target, type), path
        assert module.split(".")[0] in sys.stdlib_module_names, path
    for name in SAFE_MODULES:
        assert name.split(".")[0] in sys.stdlib_module_names, name
    assert "builtins:type" not in SAFE_CLASSES
    assert "builtins:object" in SAFE_CLASSES
    assert "collections:OrderedDict" in SAFE_CLASSES
    assert "builtins:ValueError" in SAFE_CLASSES
    assert {"os", "subprocess", "importlib", "pickle", "shutil", "io"}.isdisjoint(SAFE_MODULES)


def test_safe_classes_load_without_trust() -> None:
    document = {
        "$object": {"class": "fractions:Fraction", "call": [1, 3]},
    }
    assert str(plain_codec().loads(orjson.dumps(document))) == "1/3"
