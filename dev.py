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
# snapy-trace's optional C recorder, compiled in place by its build hook for editable installs
TRACE = ROOT / "packages" / "snapy-trace"
SPEEDUPS_BUILD = TRACE / "hatch_build.py"
SPEEDUPS_SOURCES = (TRACE / "src" / "snapy_trace" / "_speedups.c", SPEEDUPS_BUILD)


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
    # keep developer shells' snapy settings out of the test runs; the build switch of
    # snapy-trace's C recorder is not one, it chooses what the editable install builds
    for key in list(env):
        if key.startswith(("SNAP_CAPTURE_", "SNAPY_")) and key != "SNAPY_TRACE_BUILD_EXTENSION":
            del env[key]
    return env


def speedups_stale(version: str | None) -> bool:
    """Whether the in-place C recorder of pythonX.Y (of any, for None) is missing or outdated.

    The editable install compiled it once; nothing rebuilds it when ``_speedups.c`` changes,
    so an old extension would keep running. Only file times are compared: no process starts.
    """
    tag = version.replace(".", "") if version else "3*"
    package = SPEEDUPS_SOURCES[0].parent
    built = [
        *package.glob(f"_speedups.cpython-{tag}-*.so"),
        *package.glob(f"_speedups.cp{tag}-*.pyd"),
    ]
    if not built:
        return True
    newest_source = max(source.stat().st_mtime for source in SPEEDUPS_SOURCES)
    return min(path.stat().st_mtime for path in built) < newest_source


def refresh_speedups(
    hatch: str, environment: str, version: str | None, env: dict[str, str]
) -> None:
    """Rebuild the C recorder in place with the environment's interpreter when it is stale.

    The build hook, run as a script, compiles only when needed (a first ``hatch run`` creates
    the environment, whose editable install compiles it already) and falls back to the
    pure-Python recorder with a warning when it cannot compile.
    """
    if not speedups_stale(version):
        return
    relative = str(SPEEDUPS_BUILD.relative_to(ROOT))
    code = run([hatch, "run", f"{environment}:python", relative], env)
    if code != 0:
        say(f"could not rebuild snapy-trace's C recorder in {environment} (exit {code})")


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
        refresh_speedups(hatch, "default", None, env)
        return run([hatch, "run", "demo", *rest], env)
    if options.task == "lint":
        return run([hatch, "run", "lint:all", *rest], env)
    if options.task == "bench":
        refresh_speedups(hatch, "bench", "3.12", env)
        return run([hatch, "run", "bench:all", *rest], env)

    failed = []
    for version in wanted:
        refresh_speedups(hatch, f"test.py{version}", version, env)
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
