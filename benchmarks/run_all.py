"""Run every benchmark in this directory, one after the other.

    python dev.py bench                 # all of them
    python dev.py bench -- storage      # those whose file name contains "storage"

Each ``*_bench.py`` prints its own table of ratios measured in one run (the machines are
shared and noisy, so absolute times are shown only next to their baseline).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    scripts = sorted(HERE.glob("*_bench.py"))
    if argv:
        scripts = [s for s in scripts if any(word in s.name for word in argv)]
    if not scripts:
        print(
            f"no benchmark matches {argv!r}; available: "
            + ", ".join(s.stem for s in sorted(HERE.glob("*_bench.py")))
        )
        return 2
    failed = []
    for script in scripts:
        print(
            f"\n=== {script.name} ({sys.implementation.name} {sys.version.split()[0]}) ===",
            flush=True,
        )
        if subprocess.run([sys.executable, str(script)], cwd=HERE.parent).returncode != 0:
            failed.append(script.name)
    if failed:
        print("failed: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
