"""`snapy` works with any storage backend a plugin registers, not only json and pickle.

A third-party distribution (written here, pip-installed into a target directory) registers
a ``text`` backend through the ``snapy_register_storage_backends`` hook; the decorator
writes captures with it, and the console script lists, shows, prunes and checks them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests._pip import pip_local

SNAPY = Path(sys.executable).parent / ("snapy.exe" if os.name == "nt" else "snapy")

pytestmark = pytest.mark.slow  # a pip install and a dozen real processes

PLUGIN_PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "snapy-text-backend"
version = "1.0.0"
dependencies = ["snapy-core"]

[project.entry-points.snapy]
text = "snapy_text_backend"
"""

PLUGIN_MODULE = '''\
"""A third-party snapy storage backend: captures as plain JSON text (.txt files)."""

import json

from snapy_core import CaptureStorage, hookimpl


class TextStorage(CaptureStorage):
    name = "text"
    extension = "txt"

    def serialize_data(self, data):
        return json.dumps(data, default=repr, sort_keys=True)

    def deserialize_data(self, data):
        return json.loads(data)


@hookimpl
def snapy_register_storage_backends(register):
    register("text", TextStorage, description="plain JSON text (a third-party plugin)")
'''

APP = """\
from snapy_capture import capture_args


@capture_args(backend="text", retention="unlimited")
def greet(name, punctuation="!"):
    return f"hello {name}{punctuation}"
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("plugin-source") / "snapy-text-backend"
    (source / "snapy_text_backend").mkdir(parents=True)
    (source / "pyproject.toml").write_text(PLUGIN_PYPROJECT)
    (source / "snapy_text_backend" / "__init__.py").write_text(PLUGIN_MODULE)
    target = tmp_path_factory.mktemp("plugin-site")
    pip_local("install", "--target", target, source)
    return target


def environment(site: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SNAPY_", "SNAP_CAPTURE_"))}
    paths = [str(site)] if site else []
    env["PYTHONPATH"] = os.pathsep.join([*paths, *filter(None, [env.get("PYTHONPATH")])])
    env.update(SNAP_CAPTURE_DEFAULT_PATH="captures", COLUMNS="200")
    return env


def snapy(*args: str, cwd: Path, site: Path | None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(SNAPY), *args],
        cwd=cwd,
        env=environment(site),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture(scope="module")
def project(site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("text-project")
    (project / "greeter.py").write_text(APP)
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import greeter\nfor name in ('ann', 'bob', 'cy'): greeter.greet(name)",
        ],
        cwd=project,
        env=environment(site),
        check=True,
        capture_output=True,
    )
    return project


def test_the_plugin_backend_stores_text_files(project: Path) -> None:
    names = sorted(p.suffix for p in (project / "captures" / "greeter.greet").iterdir())
    assert names == [".json", ".txt", ".txt", ".txt"]  # .json: the directory's metadata


def test_list_show_and_doctor_read_a_plugin_backend(project: Path, site: Path) -> None:
    listed = snapy("list", "--json", cwd=project, site=site)
    assert listed.returncode == 0, listed.stderr
    (function,) = json.loads(listed.stdout)["functions"]
    assert function["function"] == "greeter.greet"
    assert function["backends"] == ["text"]
    assert function["count"] == 3

    shown = snapy("show", "greet", "--index", "-1", cwd=project, site=site)
    assert shown.returncode == 0, shown.stderr
    assert "'ann'" in shown.stdout
    assert "text backend" in shown.stdout

    doctor = snapy("doctor", "--json", cwd=project, site=site)
    assert doctor.returncode == 0, doctor.stdout
    report = json.loads(doctor.stdout)
    assert {
        "name": "text",
        "plugin": "text",
        "description": "plain JSON text (a third-party plugin)",
    } in report["backends"]
    assert report["store"]["captures"] == 3


def test_without_the_plugin_the_files_are_named_not_misread(project: Path) -> None:
    listed = snapy("list", cwd=project, site=None)
    assert listed.returncode == 0
    assert "3 .txt file(s)" in listed.stderr
    assert "no installed backend reads" in listed.stderr

    doctor = snapy("doctor", "--json", cwd=project, site=None)
    assert doctor.returncode == 1
    (problem,) = json.loads(doctor.stdout)["problems"]
    assert problem["message"] == (
        "3 capture files with the extension .txt that no installed backend reads."
    )


def test_prune_and_export_with_a_plugin_backend(project: Path, site: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(project, copy)
    exported = snapy("export", "greet", "--format", "json", "--to", "as-json", cwd=copy, site=site)
    assert exported.returncode == 0, exported.stdout + exported.stderr
    assert "Exported 3 of 3 captures" in exported.stdout

    pruned = snapy("prune", "--keep", "1", "--json", cwd=copy, site=site)
    assert pruned.returncode == 0, pruned.stderr
    assert len(json.loads(pruned.stdout)["removed"]) == 2
    names = snapy("list", "--captures", cwd=copy, site=site).stdout
    assert "[0]" in names
    assert "[1]" not in names
