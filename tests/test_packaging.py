"""Every package builds a wheel and installs on its own into a clean virtual environment."""

from __future__ import annotations

import email.parser
import os
import subprocess
import sys
import sysconfig
import tarfile
import textwrap
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
TRACE = ROOT / "packages" / "snapy-trace"
EXTENSION = "snapy_trace/_speedups" + sysconfig.get_config_var("EXT_SUFFIX")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("wheels")
    packages = (ROOT / "packages" / name for name in PACKAGES)
    # the test interpreter can compile snapy-trace's C recorder: a failure is an error here
    pip_local("wheel", "--wheel-dir", out, *packages, env=build_switch("1"))
    built = {}
    for name in PACKAGES:
        matches = list(out.glob(f"{name.replace('-', '_')}-*.whl"))
        assert len(matches) == 1, (name, list(out.iterdir()))
        built[name] = matches[0]
    return built


def build_switch(value: str) -> dict[str, str]:
    return {**os.environ, "SNAPY_TRACE_BUILD_EXTENSION": value}


@pytest.fixture(scope="module")
def pure_trace_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pure-wheel")
    pip_local("wheel", "--wheel-dir", out, TRACE, env=build_switch("0"))
    (wheel,) = out.glob("snapy_trace-*.whl")
    return wheel


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


def wheel_file(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/WHEEL"))
        return email.parser.Parser().parsestr(archive.read(name).decode())


def test_snapy_trace_wheel_carries_the_c_recorder(wheels: dict[str, Path]) -> None:
    wheel = wheels["snapy-trace"]
    names, _, _ = wheel_metadata(wheel)
    # only this interpreter's, not the ones editable installs compiled next to the sources
    assert [name for name in names if name.endswith((".so", ".pyd"))] == [EXTENSION]
    assert not any(name.endswith(".c") for name in names)
    interpreter = f"cp{sys.version_info.major}{sys.version_info.minor}"
    (tag,) = wheel_file(wheel).get_all("Tag")
    python, abi, platform = tag.split("-")
    assert (python, abi) == (interpreter, interpreter), wheel.name
    assert platform != "any"
    assert wheel_file(wheel)["Root-Is-Purelib"] == "false"


def test_snapy_trace_builds_a_pure_wheel_when_told_not_to_compile(pure_trace_wheel: Path) -> None:
    assert pure_trace_wheel.name.endswith("-py3-none-any.whl")
    names, _, _ = wheel_metadata(pure_trace_wheel)
    assert "snapy_trace/__init__.py" in names
    assert not any(name.endswith((".so", ".pyd", ".c")) for name in names)
    assert wheel_file(pure_trace_wheel)["Root-Is-Purelib"] == "true"


def test_snapy_trace_sdist_builds_the_c_recorder(tmp_path: Path) -> None:
    built = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, hatchling.build; print(hatchling.build.build_sdist(sys.argv[1]))",
            str(tmp_path),
        ],
        cwd=TRACE,
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    sdist = tmp_path / built.stdout.strip()
    top = sdist.name.removesuffix(".tar.gz")
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    assert f"{top}/src/snapy_trace/_speedups.c" in names
    assert f"{top}/hatch_build.py" in names
    assert not any(name.endswith((".so", ".pyd")) for name in names)
    # and the sdist alone is enough to compile it
    pip_local("wheel", "--wheel-dir", tmp_path / "wheel", sdist, env=build_switch("1"))
    (wheel,) = (tmp_path / "wheel").glob("snapy_trace-*.whl")
    assert EXTENSION in wheel_metadata(wheel)[0]


SHOP = """\
def double(x):
    return 2 * x


def work(n):
    return [double(i) for i in range(n)]
"""

TRACE_PROBE = textwrap.dedent(
    """
    import importlib.util
    import shop
    from snapy_trace import FunctionTracer

    spec = importlib.util.find_spec("snapy_trace._speedups")
    print(spec.origin if spec else None)
    tracer = FunctionTracer(filter_modules=["shop"])
    with tracer:
        shop.work(2)
    print(tracer.format_trace())
    """
)


def test_snapy_trace_installs_with_and_without_the_c_recorder(
    wheels: dict[str, Path], pure_trace_wheel: Path, tmp_path: Path
) -> None:
    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(environment)  # the test environment's pip serves
    python = str(environment / "bin" / "python")
    (tmp_path / "shop.py").write_text(SHOP)

    def install(*arguments: str | Path) -> None:
        command = [sys.executable, "-m", "pip", "--python", python, "install", "--quiet"]
        command.append("--disable-pip-version-check")
        done = subprocess.run([*command, *map(str, arguments)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr

    def probe() -> tuple[str, str]:
        done = subprocess.run(
            [python, "-c", TRACE_PROBE], capture_output=True, text=True, cwd=tmp_path
        )
        assert done.returncode == 0, done.stderr
        origin, trace = done.stdout.split("\n", 1)
        return origin, trace

    install(wheels["snapy-core"], wheels["snapy-trace"])
    origin, compiled_trace = probe()
    assert Path(origin).is_relative_to(environment), origin
    assert origin.endswith(EXTENSION)
    imported = subprocess.run(
        [python, "-c", "import snapy_trace._speedups as s; print(s.__name__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert imported.stdout == "snapy_trace._speedups\n", imported.stderr

    install("--force-reinstall", "--no-deps", pure_trace_wheel)
    origin, pure_trace = probe()
    assert origin == "None"
    assert pure_trace.splitlines() == [
        "shop.work(n=2) -> <list>",
        "  shop.double(x=0) -> 0",
        "  shop.double(x=1) -> 2",
    ]
    assert compiled_trace == pure_trace
