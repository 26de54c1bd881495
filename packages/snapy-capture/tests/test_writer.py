"""The background writer in real processes: exit, fork, -W error."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from snapy_capture import CaptureLoader

SCRIPT = """
import os, sys
from snapy_capture import capture_args, configure_async_writer


configure_async_writer(max_pending=100_000)

@capture_args(path=sys.argv[1], async_storage=True, retention="unlimited")
def handle(request_id, payload):
    return request_id

for i in range(int(sys.argv[2])):
    handle(i, {"n": i})
{tail}
"""


def run_script(tmp_path: Path, tail: str, *args: str, flags: tuple[str, ...] = ()):
    script = tmp_path / "app.py"
    script.write_text(textwrap.dedent(SCRIPT).replace("{tail}", textwrap.dedent(tail)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNAP_CAPTURE_")}
    return subprocess.run(
        [sys.executable, *flags, str(script), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )


@pytest.mark.slow
def test_pending_captures_are_written_at_interpreter_exit(tmp_path: Path) -> None:
    result = run_script(tmp_path, "", str(tmp_path / "store"), "300")
    assert result.returncode == 0, result.stderr
    records = CaptureLoader(tmp_path / "store").load_all("handle")
    assert sorted(r.args[0] for r in records) == list(range(300))


@pytest.mark.slow
def test_forked_child_writes_its_own_captures(tmp_path: Path) -> None:
    tail = """
    pid = os.fork()
    if pid == 0:
        for i in range(1000, 1050):
            handle(i, {"child": True})
        from snapy_capture import flush
        flush(30)
        os._exit(0)
    os.waitpid(pid, 0)
    """
    result = run_script(tmp_path, tail, str(tmp_path / "store"), "50")
    assert result.returncode == 0, result.stderr
    records = CaptureLoader(tmp_path / "store").load_all("handle")
    ids = sorted(r.args[0] for r in records)
    assert ids == list(range(50)) + list(range(1000, 1050))
    assert len({r.metadata.pid for r in records}) == 2


@pytest.mark.slow
def test_capture_failures_under_warnings_as_errors_never_break_the_program(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the store's directory should be")
    tail = """
    @capture_args(path=sys.argv[1])
    def total(a, b):
        return a + b

    print("result", total(2, 3), total.__snapy__.stats.failures)
    """
    result = run_script(tmp_path, tail, str(blocker / "store"), "3", flags=("-W", "error"))
    assert result.returncode == 0, result.stderr
    assert "result 5 1" in result.stdout
    assert "could not capture a call" in result.stderr  # logged, since warnings are errors
