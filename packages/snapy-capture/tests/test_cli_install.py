"""Every `snapy` command works from a fresh install of snapy-capture and snapy-storage-json.

Wheels of snapy-core, snapy-capture and snapy-storage-json are built from this checkout
(without build isolation, as ``tests/test_packaging.py`` does), installed into a new
virtual environment with their dependencies from the package index, and a short session
runs there: capture, list, show, diff, stats, export, prune, gen-test (then pytest on the
generated module), config, doctor and trace show.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
import venv
from pathlib import Path

import pytest

from tests._pip import pip_local

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("snapy-core", "snapy-capture", "snapy-storage-json")

APP = textwrap.dedent(
    '''
    """A fresh user's application."""
    import dataclasses

    from snapy_capture import capture_args


    @dataclasses.dataclass
    class Line:
        sku: str
        quantity: int


    @capture_args(capture_result=True)
    def checkout(customer, lines, card_token):
        return {"customer": customer, "units": sum(line.quantity for line in lines)}
    '''
)

CHROME_TRACE = {
    "traceEvents": [
        {"name": "checkout", "ph": "X", "ts": 0, "dur": 50, "pid": 1, "tid": 1},
        {"name": "price", "ph": "X", "ts": 10, "dur": 5, "pid": 1, "tid": 1},
    ]
}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with only the three wheels (and their dependencies)."""
    wheels = tmp_path_factory.mktemp("wheels")
    pip_local("wheel", "--wheel-dir", wheels, *(ROOT / "packages" / name for name in PACKAGES))
    environment = tmp_path_factory.mktemp("fresh") / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    python = environment / "bin" / "python"
    installed = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *map(str, sorted(wheels.glob("*.whl"))),
            "pytest",
            "syrupy",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    return environment


def clean_environment(venv_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SNAPY_", "SNAP_CAPTURE_", "PYTHON", "VIRTUAL_ENV"))
    }
    env["PATH"] = os.pathsep.join([str(venv_dir / "bin"), env.get("PATH", "")])
    env["COLUMNS"] = "200"
    return env


def test_a_short_session_in_a_fresh_install(fresh: Path, tmp_path: Path) -> None:
    env = clean_environment(fresh)
    python, snapy = str(fresh / "bin" / "python"), str(fresh / "bin" / "snapy")
    (tmp_path / "shop.py").write_text(APP)
    (tmp_path / "trace.json").write_text(json.dumps(CHROME_TRACE))

    def run(*args: str, expect: int = 0) -> str:
        result = subprocess.run(
            [snapy, *args], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
        )
        assert result.returncode == expect, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        return result.stdout

    capture = (
        "from shop import Line, checkout\n"
        "checkout('ann', [Line('A', 1)], card_token='tok_1')\n"
        "checkout('ann', [Line('A', 1), Line('B', 2)], card_token='tok_2')\n"
        "checkout('bob', [Line('C', 5)], card_token='tok_3')\n"
    )
    subprocess.run([python, "-c", capture], cwd=tmp_path, env=env, check=True)

    # the packages are really the fresh ones, not this checkout's
    where = subprocess.run(
        [python, "-c", "import snapy_capture; print(snapy_capture.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(fresh))

    listing = json.loads(run("list", "--json"))
    assert [(f["function"], f["count"]) for f in listing["functions"]] == [("shop.checkout", 3)]
    assert "shop.checkout" in run("list")
    shown = run("show", "checkout")
    assert "'bob'" in shown
    assert "<redacted: name matches 'token'>" in shown
    assert "tok_3" not in shown
    assert "lines[1]: added Line(sku='B', quantity=2)" in run(
        "diff", "checkout", "-i", "2", "1", expect=1
    )
    stats = json.loads(run("stats", "checkout", "--json"))["functions"][0]
    assert stats["redacted"] == {"card_token": 3}
    assert "Exported 3 of 3" in run("export", "checkout", "--to", "review")
    assert "would remove 2 captures" in run("prune", "--keep", "1", "--dry-run", "-p", "review")
    assert json.loads(run("config", "--json"))["settings"][0]["name"] == "enabled"
    assert json.loads(run("doctor", "--json"))["healthy"] is True
    assert "price" in run("trace", "show", "trace.json")

    run("gen-test", "checkout", "-o", "tests/test_replay_checkout.py")
    for extra in (["--snapshot-update"], []):
        tested = subprocess.run(
            [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests", *extra],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert tested.returncode == 0, tested.stdout + tested.stderr
        assert "3 passed" in tested.stdout
