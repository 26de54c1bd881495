"""The README's demo, run as a user would, twice in a row, leaving the checkout clean."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "order_service" / "run_demo.py"


def git_status() -> str | None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        return None
    result = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return result.stdout if result.returncode == 0 else None


@pytest.mark.slow
def test_demo_runs_twice_and_leaves_no_files(tmp_path: Path) -> None:
    before = git_status()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNAP_CAPTURE_")}
    for run in (1, 2):
        result = subprocess.run(
            [sys.executable, str(DEMO), "--workdir", str(tmp_path / "work")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
        )
        assert result.returncode == 0, f"run {run}:\n{result.stdout}\n{result.stderr}"
        out = result.stdout
        assert "5 captures of order_service.app.OrderService.process_order" in out
        assert "<redacted: listed in ignore_args>" in out
        assert "tok_live_" not in out.split("2. what was captured")[1].split("3. replay")[0]
        assert "8 passed" in out
        assert "secrets in the file: none" in out
    assert git_status() == before
