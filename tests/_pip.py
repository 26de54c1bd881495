"""pip of the test interpreter, for the tests that build or install real distributions."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def pip_local(command: str, *arguments: str | Path, env: Mapping[str, str] | None = None) -> None:
    """``pip <command>`` of local sources: no dependencies, no build isolation.

    The build backends (hatchling; setuptools for snapy-trace's C recorder) are in the test
    environment, so nothing is downloaded. ``env`` replaces the environment of pip and the
    builds. A failure shows pip's own output, not only its exit status.
    """
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            command,
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            *map(str, arguments),
        ],
        capture_output=True,
        text=True,
        check=False,
        env=None if env is None else dict(env),
    )
    if done.returncode != 0:
        raise AssertionError(
            f"pip {command} failed (exit {done.returncode}):\n{done.stdout}{done.stderr}"
        )
