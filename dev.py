#!/usr/bin/env python3
"""Bootstrap and run snapy's development tasks from a fresh clone.

    python dev.py demo                 # the end-to-end demo (examples/order_service)
    python dev.py test                 # the whole test suite on Python 3.10, 3.11, 3.12, 3.13
    python dev.py test --python 3.12 -- -k config    # one interpreter, extra pytest args
    python dev.py lint                 # ruff + mypy
    python dev.py bench                # the benchmarks in benchmarks/

Needs only Python 3.10+ and pip: the first run creates ``.dev/venv`` with hatch in it, and
hatch creates one environment per interpreter with every package under ``packages/``
installed editable. Interpreters are taken from PATH (``python3.10`` ...), or from pyenv's
versions directory when the pyenv shims do not expose them; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DEV = ROOT / ".dev"
VENV = DEV / "venv"
HATCH_REQUIREMENT = "hatch>=1.16,<2"
PYTHONS = ("3.10", "3.11", "3.12", "3.13")


def say(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def venv_bin(name: str) -> Path:
    return VENV / ("Scripts" if os.name == "nt" else "bin") / name


def ensure_hatch() -> Path:
    hatch = venv_bin("hatch")
    stamp = DEV / "hatch.requirement"
    if hatch.exists() and stamp.exists() and stamp.read_text() == HATCH_REQUIREMENT:
        return hatch
    say(f"creating {VENV.relative_to(ROOT)} with {HATCH_REQUIREMENT} (first run only)")
    venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    subprocess.run(
        [
            str(venv_bin("python")),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            HATCH_REQUIREMENT,
        ],
        check=True,
    )
    stamp.write_text(HATCH_REQUIREMENT)
    return hatch


def _works(executable: str) -> bool:
    try:
        result = subprocess.run([executable, "-c", "pass"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def find_interpreters(versions: tuple[str, ...]) -> dict[str, Path]:
    """Directories holding each ``pythonX.Y``; pyenv versions are searched when needed."""
    found: dict[str, Path] = {}
    pyenv_roots = [Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))]
    for version in versions:
        name = f"python{version}"
        on_path = shutil.which(name)
        if on_path and _works(on_path):
            found[version] = Path(on_path).parent
            continue
        for root in pyenv_roots:
            candidates = sorted(
                (root / "versions").glob(f"{version}.*/bin/{name}"),
                key=lambda p: [int(x) if x.isdigit() else 0 for x in p.parts[-3].split(".")],
            )
            for candidate in reversed(candidates):
                if _works(str(candidate)):
                    found[version] = candidate.parent
                    break
            if version in found:
                break
    return found


def hatch_env(interpreters: dict[str, Path]) -> dict[str, str]:
    env = dict(os.environ)
    extra = [str(path) for path in dict.fromkeys(interpreters.values())]
    env["PATH"] = os.pathsep.join([*extra, env.get("PATH", "")])
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env.setdefault("HATCH_DATA_DIR", str(DEV / "hatch-data"))
    env.setdefault("HATCH_CACHE_DIR", str(DEV / "hatch-cache"))
    env.pop("VIRTUAL_ENV", None)
    # keep developer shells' snapy settings out of the test runs
    for key in list(env):
        if key.startswith(("SNAP_CAPTURE_", "SNAPY_")):
            del env[key]
    return env


def run(command: list[str], env: dict[str, str]) -> int:
    say("$ " + " ".join(command))
    return subprocess.run(command, cwd=ROOT, env=env).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("task", choices=["demo", "test", "lint", "bench"])
    parser.add_argument(
        "--python",
        action="append",
        choices=PYTHONS,
        help="interpreter(s) to test on (default: all four)",
    )
    argv = sys.argv[1:] if argv is None else argv
    rest: list[str] = []
    if "--" in argv:  # everything after -- goes to pytest / the demo
        split = argv.index("--")
        argv, rest = argv[:split], argv[split + 1 :]
    options = parser.parse_args(argv)

    wanted = tuple(options.python or (PYTHONS if options.task == "test" else ("3.12",)))
    interpreters = find_interpreters(wanted)
    missing = [version for version in wanted if version not in interpreters]
    if missing:
        say(
            "missing interpreter(s): "
            + ", ".join(f"python{v}" for v in missing)
            + ". Install them (e.g. `pyenv install "
            + " ".join(missing)
            + "`) or choose others"
            " with --python."
        )
        return 2
    hatch = str(ensure_hatch())
    env = hatch_env(interpreters)

    if options.task == "demo":
        return run([hatch, "run", "demo", *rest], env)
    if options.task == "lint":
        return run([hatch, "run", "lint:all", *rest], env)
    if options.task == "bench":
        return run([hatch, "run", "bench:all", *rest], env)

    failed = []
    for version in wanted:
        code = run([hatch, "run", f"test.py{version}:run", *rest], env)
        if code != 0:
            # pytest's 5 ("no tests collected") is a failure too
            failed.append(f"Python {version} (exit {code})")
    if failed:
        say("FAILED on " + ", ".join(failed))
        return 1
    say("all tests passed on Python " + ", ".join(wanted))
    return 0


if __name__ == "__main__":
    sys.exit(main())
