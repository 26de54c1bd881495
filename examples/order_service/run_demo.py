"""The snapy demo: capture real calls of an order service, then replay them in tests.

    python dev.py demo                      # from the repository root
    python examples/order_service/run_demo.py [--workdir DIR] [--update]

1. "production": ``python -m order_service.traffic`` places six orders; every call of
   ``OrderService.process_order`` is captured (``@capture_args`` as in seed 000: five kept,
   the card token never stored, e-mail addresses redacted wherever they appear);
2. shows what was stored: arguments, what was redacted and why, the metadata;
3. replays the captures with pytest and syrupy (``tests/test_replay.py``), with a test card
   token substituted for the redacted one, and snapshots the newest order's call tree with
   snapy-trace's ``TracedSnapshot``.

Captures go to ``<workdir>/order_captures`` (default ``examples/order_service/.snapy/``,
ignored by git); the directory is emptied at the start so each run shows its own captures.
``--update`` rewrites the syrupy snapshots (``--snapshot-update``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RULE = "-" * 78


def heading(number: int, text: str) -> None:
    print(f"\n{RULE}\n{number}. {text}\n{RULE}", flush=True)


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave no __pycache__ in the example
    for key in list(env):
        if key.startswith("SNAP_CAPTURE_"):
            del env[key]  # the demo shows the decorator's own settings
    return env


def show_captures(store: Path) -> int:
    sys.path.insert(0, str(HERE))
    from snapy_capture import CaptureLoader

    loader = CaptureLoader(store)
    records = loader.load_all("OrderService.process_order")
    print(f"{len(records)} captures of order_service.app.OrderService.process_order in {store}")
    print("(retention=5: the oldest of the six calls was pruned)\n")
    for index, record in enumerate(records):
        customer_id, items, token, address = (*record.args, None, None, None, None)[:4]
        skus = ", ".join(f"{item['quantity']}x {item['sku']}" for item in items or [])
        print(f"[{index}] {record.timestamp:%H:%M:%S.%f} {customer_id}: {skus}")
        print(f"     payment_token    = {token}")
        print(f"     shipping_address = {address}")
        for action in record.filtered:
            print(f"     {action.action:8s} {action.path}: {action.reason}")
    newest = records[0]
    meta = newest.metadata
    print(
        f"\nmetadata of [0]: thread {meta.thread_name} ({meta.thread_id}), pid {meta.pid}, "
        f"host {meta.host}, Python {meta.python_version}, snapy {meta.snapy_version}, "
        f"call depth {meta.call_depth}"
    )
    files = sorted(
        path for path in store.rglob("*") if path.is_file() and not path.name.startswith(".")
    )
    if files:
        newest_file = files[-1]
        text = newest_file.read_text(encoding="utf-8", errors="replace")
        print(f"\non disk, {newest_file.relative_to(store.parent)} ({len(text)} bytes):")
        for line in text.splitlines()[:70]:
            print("    " + line)
        if len(text.splitlines()) > 70:
            print("    ...")
        secrets = [token for token in ("tok_live_", "@example.org") if token in text]
        print("secrets in the file: " + (", ".join(secrets) if secrets else "none"))
    return len(records)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--workdir",
        type=Path,
        default=HERE / ".snapy",
        help="where the captures go (default: examples/order_service/.snapy)",
    )
    parser.add_argument(
        "--update",
        action="store_true",
        help="rewrite the syrupy snapshots instead of checking them",
    )
    options = parser.parse_args(argv)
    workdir = options.workdir.resolve()
    store = workdir / "order_captures"
    shutil.rmtree(store, ignore_errors=True)
    workdir.mkdir(parents=True, exist_ok=True)
    env = child_env()

    heading(1, "production traffic: six orders, every process_order call captured")
    traffic = subprocess.run([sys.executable, "-m", "order_service.traffic"], cwd=workdir, env=env)
    if traffic.returncode != 0:
        print("the order traffic failed; see above")
        return traffic.returncode

    heading(2, "what was captured, and what was redacted")
    count = show_captures(store)

    heading(3, "replay: pytest runs the captured orders against syrupy snapshots")
    command = [sys.executable, "-m", "pytest", "tests", "-v", "--snapy-path", str(store)]
    if options.update:
        command.append("--snapshot-update")
    print(f"$ cd {HERE}\n$ pytest " + " ".join(command[4:]), flush=True)
    replay = subprocess.run(command, cwd=HERE, env=env)

    print(f"\n{RULE}")
    if replay.returncode == 0:
        print(
            f"done: {count} captured calls replayed and matched their snapshots; the test run's "
            "own calls went to a temporary session store, not to order_captures."
        )
    else:
        print(
            "the replay tests failed (see above); `python dev.py demo -- --update` rewrites "
            "the snapshots after an intended change"
        )
    return replay.returncode


if __name__ == "__main__":
    raise SystemExit(main())
