"""Every package builds a wheel and installs on its own into a clean virtual environment."""

from __future__ import annotations

import email.parser
import subprocess
import venv
import zipfile
from pathlib import Path

import pytest

from tests._pip import pip_local

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {
    "snapy-core": "snapy_core",
    "snapy-capture": "snapy_capture",
    "snapy-trace": "snapy_trace",
    "snapy-storage-json": "snapy_storage_json",
    "snapy-storage-pickle": "snapy_storage_pickle",
}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("wheels")
    pip_local("wheel", "--wheel-dir", out, *(ROOT / "packages" / name for name in PACKAGES))
    built = {}
    for name in PACKAGES:
        matches = list(out.glob(f"{name.replace('-', '_')}-*.whl"))
        assert len(matches) == 1, (name, list(out.iterdir()))
        built[name] = matches[0]
    return built


def wheel_metadata(wheel: Path) -> tuple[list[str], email.message.Message, str]:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = email.parser.Parser().parsestr(archive.read(metadata_name).decode())
        entry_points = next(
            (archive.read(n).decode() for n in names if n.endswith("entry_points.txt")), ""
        )
    return names, metadata, entry_points


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_every_package_builds_a_typed_wheel(wheels: dict[str, Path], name: str) -> None:
    names, metadata, _ = wheel_metadata(wheels[name])
    module = PACKAGES[name]
    assert f"{module}/py.typed" in names
    assert f"{module}/__about__.py" in names
    assert f"{module}/__init__.py" in names
    assert metadata["Requires-Python"] == ">=3.10"
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert not any(n.startswith(("tests/", "packages/")) for n in names)
    if name != "snapy-core":
        requirements = metadata.get_all("Requires-Dist") or []
        assert any(r.startswith("snapy-core") and "<" in r for r in requirements), requirements


def test_plugin_entry_points_are_declared(wheels: dict[str, Path]) -> None:
    assert "json = snapy_storage_json._plugin" in wheel_metadata(wheels["snapy-storage-json"])[2]
    pickle_points = wheel_metadata(wheels["snapy-storage-pickle"])[2]
    assert "pickle = snapy_storage_pickle._plugin" in pickle_points
    capture_points = wheel_metadata(wheels["snapy-capture"])[2]
    assert "snapy = snapy_capture._cli:main" in capture_points
    assert "[pytest11]" in capture_points
    names, _, trace_points = wheel_metadata(wheels["snapy-trace"])
    assert "snapy_testing/__init__.py" in names
    assert "[pytest11]" in trace_points


def test_snapy_core_installs_and_works_on_its_own(wheels: dict[str, Path], tmp_path: Path) -> None:
    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    python = environment / "bin" / "python"
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(wheels["snapy-core"]),
        ],
        check=True,
        capture_output=True,
    )
    probe = (
        "import snapy_core, importlib.metadata as m;"
        "print(snapy_core.__version__, snapy_core.get_config().backend,"
        " [p.name for p in snapy_core.plugin_infos()],"
        " sorted(d.metadata['Name'] for d in m.distributions()"
        "  if d.metadata['Name'].startswith('snapy')))"
    )
    result = subprocess.run(
        [str(python), "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert result.stdout.split(" ", 2)[:2] == ["0.1.0", "json"]
    assert "['snapy-core'] ['snapy-core']" in result.stdout
