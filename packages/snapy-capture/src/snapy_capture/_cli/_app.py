"""The ``snapy`` command: click commands; the work is done in the sibling modules.

Heavy modules (rich, the renderers, the diff) are imported inside the commands that use
them, so ``snapy list --json`` or ``snapy --help`` start quickly.
"""

from __future__ import annotations

import fnmatch
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from snapy_core import SnapyError

from ._errors import EXIT_FOUND, EXIT_OK, EXIT_USAGE, CliError, UsageProblem
from ._output import Output, format_size, format_time, iso_time, plural

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

EXIT_CODES_HELP = """\b
Exit codes:
  0  done; nothing found (diff: identical, doctor: healthy)
  1  something found or failed (diff: differences, doctor: problems,
     a function, capture or file that does not exist or cannot be read)
  2  usage error (unknown option, bad value, ambiguous function name)

\b
The store is the configured path (SNAP_CAPTURE_DEFAULT_PATH, default
.snapy/captures) unless --path says otherwise. Captured objects of your own
classes are rebuilt by importing their modules: snapy can import what the
current directory holds (run it at your project's root) and what PYTHONPATH
names (PYTHONPATH=src snapy show ...).
"""


def store_options(function: F) -> F:
    """``--path`` and ``--backend``, on every command that reads a store."""
    function = click.option(
        "--backend",
        "-b",
        metavar="NAME",
        help="Read only the captures of this storage backend (default: every installed "
        "backend; `snapy doctor` lists them).",
    )(function)
    function = click.option(
        "--path",
        "-p",
        type=click.Path(file_okay=False, path_type=Path),
        help="The capture store (default: the configured path: SNAP_CAPTURE_DEFAULT_PATH, "
        "else .snapy/captures).",
    )(function)
    return function


def json_option(function: F) -> F:
    return click.option(
        "--json", "as_json", is_flag=True, help="Print JSON (for scripts) instead of text."
    )(function)


@click.group(context_settings=CONTEXT_SETTINGS, epilog=EXIT_CODES_HELP)
@click.version_option(package_name="snapy-capture", prog_name="snapy")
def cli() -> None:
    """See, compare, prune and replay the captures made by @capture_args.

    \b
    Examples:
      snapy list                          # functions with captures, newest first
      snapy show process_order            # the newest capture, pretty
      snapy diff process_order            # what changed between the two newest
      snapy gen-test process_order -o tests/test_replay_process_order.py
      snapy doctor                        # is everything installed and healthy?
    """


# -- list ----------------------------------------------------------------------------------

SORT_KEYS: dict[str, tuple[Callable[[Any], Any], bool]] = {
    "name": (lambda row: row.function_key, False),
    "count": (lambda row: row.count, True),
    "newest": (lambda row: row.newest, True),
    "oldest": (lambda row: row.oldest, False),
    "size": (lambda row: row.total_size, True),
}


def matches(pattern: str, key: str) -> bool:
    """A glob (``shop.*``) on the function key, or a case-insensitive part of it."""
    if any(char in pattern for char in "*?["):
        return fnmatch.fnmatchcase(key, pattern) or fnmatch.fnmatchcase(
            key.rsplit(".", 1)[-1], pattern
        )
    return pattern.lower() in key.lower()


@cli.command("list", short_help="Functions with captures: count, newest, oldest, size.")
@click.argument("pattern", required=False)
@store_options
@click.option(
    "--sort",
    type=click.Choice(list(SORT_KEYS)),
    default="name",
    show_default=True,
    help="Order of the functions (count, newest and size: largest first).",
)
@click.option("--reverse", "-r", is_flag=True, help="Reverse the order.")
@click.option(
    "--captures", "-c", "each", is_flag=True, help="Also list every capture (id, time, size)."
)
@json_option
def list_command(
    pattern: str | None,
    path: Path | None,
    backend: str | None,
    sort: str,
    reverse: bool,
    each: bool,
    as_json: bool,
) -> int:
    """List the functions that have captures: count, newest, oldest, size, backend.

    PATTERN keeps the functions whose name (module.qualname) matches: a glob such
    as 'shop.*' or '*_order', or any part of the name. Reads file names and sizes
    only, never a capture, so it is fast on big stores.

    \b
    Examples:
      snapy list
      snapy list order --sort newest
      snapy list 'shop.*' --captures --json
    """
    from ._store import open_store

    out = Output()
    store = open_store(path, backend)
    rows = store.functions()
    total_functions = len(rows)
    if pattern:
        rows = [row for row in rows if matches(pattern, row.function_key)]
    key, descending = SORT_KEYS[sort]
    rows.sort(key=lambda row: (key(row) is None, key(row) or 0) if sort != "name" else key(row))
    if descending != reverse:
        rows.reverse()
    captures = (
        {row.function_key: store.locate_all(row.function_key) for row in rows} if each else {}
    )

    if as_json:
        out.json(
            {
                "store": str(store.root),
                "backends": store.backend_names,
                "functions": [
                    {
                        "function": row.function_key,
                        "module": row.module,
                        "count": row.count,
                        "newest": iso_time(row.newest),
                        "oldest": iso_time(row.oldest),
                        "total_size": row.total_size,
                        "backends": list(row.backends),
                        "directory": str(row.directory) if row.directory else None,
                        **(
                            {
                                "captures": [
                                    {
                                        "index": item.index,
                                        "id": item.ref.capture_id,
                                        "timestamp": iso_time(item.ref.timestamp),
                                        "backend": item.ref.backend,
                                        "file": str(item.ref.path) if item.ref.path else None,
                                    }
                                    for item in captures[row.function_key]
                                ]
                            }
                            if each
                            else {}
                        ),
                    }
                    for row in rows
                ],
            }
        )
    elif rows:
        from rich.table import Table

        table = Table(box=None, header_style="bold", pad_edge=False)
        table.add_column("function", style="cyan", overflow="fold")
        table.add_column("captures", justify="right")
        table.add_column("newest (UTC)", no_wrap=True)
        table.add_column("oldest (UTC)", no_wrap=True)
        table.add_column("size", justify="right", no_wrap=True)
        table.add_column("backend", no_wrap=True)
        for row in rows:
            table.add_row(
                row.function_key,
                str(row.count),
                format_time(row.newest),
                format_time(row.oldest),
                format_size(row.total_size),
                ", ".join(row.backends),
            )
            for item in captures.get(row.function_key, ()):
                table.add_row(
                    f"  [{item.index}] {item.ref.capture_id}",
                    "",
                    format_time(item.ref.timestamp),
                    "",
                    format_size(_file_size(item.ref.path, item.ref.size)),
                    item.ref.backend,
                    style="dim",
                )
        out.print(table)
        count = sum(row.count for row in rows)
        size = sum(row.total_size for row in rows)
        shown = f"{plural(len(rows), 'function')}"
        if pattern:
            shown += f" of {total_functions} matching {pattern!r}"
        out.print(
            f"{shown}, {plural(count, 'capture')}, {format_size(size)} in {store.root}",
            style="dim",
            soft_wrap=True,
        )
    if not rows:
        if pattern and total_functions:
            raise CliError(
                f"no function in {store.root} matches {pattern!r} "
                f"({plural(total_functions, 'function')} there).",
                "`snapy list` without a pattern shows them all.",
            )
        if not as_json:
            out.note(f"no captures in {store.describe()}.")
        hint = store.unclaimed_hint()
        if hint:
            out.warning(hint)
        if pattern:
            return EXIT_FOUND
    return EXIT_OK


def _file_size(path: Path | None, size: int | None) -> int | None:
    if size is not None or path is None:
        return size
    try:
        return path.stat().st_size
    except OSError:
        return None


# -- show ----------------------------------------------------------------------------------


def _load_one(
    function: str | None,
    index: int | None,
    capture_id: str | None,
    file: Path | None,
    path: Path | None,
    backend: str | None,
) -> Any:
    from ._store import open_store, read_file

    if file is not None:
        if function or index is not None or capture_id is not None:
            raise UsageProblem("--file reads one capture file: give no FUNCTION, --index or --id.")
        return read_file(file, backend)
    if not function:
        raise UsageProblem(
            "name the function whose capture to show (or give --file).",
            "Example: snapy show process_order",
        )
    if index is not None and capture_id is not None:
        raise UsageProblem("give --index or --id, not both.")
    store = open_store(path, backend)
    key = store.resolve(function)
    return store.read(store.locate(key, index=index, capture_id=capture_id))


def record_json(loaded: Any) -> dict[str, Any]:
    from ._values import to_json

    record = loaded.record
    data = record.as_dict()
    data["args"] = [to_json(value) for value in record.args]
    data["kwargs"] = {name: to_json(value) for name, value in record.kwargs.items()}
    data["arg_names"] = list(record.arg_names)
    data["metadata"]["extra"] = to_json(record.metadata.extra)
    if record.outcome is not None:
        data["outcome"]["value"] = to_json(record.outcome.value)
    return {
        "function": record.function_key,
        "file": str(loaded.path) if loaded.path else None,
        "backend": loaded.backend.name,
        "size": loaded.size(),
        "index": loaded.index,
        "count": loaded.total,
        "record": data,
    }


@cli.command(short_help="One capture: arguments, redactions, metadata, outcome.")
@click.argument("function", required=False)
@click.option(
    "--index", "-i", type=int, help="Which capture: 0 is the newest (default), -1 the oldest."
)
@click.option(
    "--id", "capture_id", metavar="ID", help="The capture with this id (or a unique start of it)."
)
@click.option(
    "--file",
    "-f",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Show this capture file instead (any location).",
)
@store_options
@json_option
def show(
    function: str | None,
    index: int | None,
    capture_id: str | None,
    file: Path | None,
    path: Path | None,
    backend: str | None,
    as_json: bool,
) -> int:
    """Show one capture: arguments, redactions and omissions, metadata, outcome.

    FUNCTION is a bare name (process_order), a qualname (OrderService.process_order)
    or module.qualname. Redacted and omitted values are marked, with the reason.

    \b
    Examples:
      snapy show process_order
      snapy show OrderService.process_order --index 2
      snapy show process_order --id 20240915T103000 --json
      snapy show --file .snapy/captures/shop.process_order/20240915T103000.123456Z-42-000001.json
    """
    loaded = _load_one(function, index, capture_id, file, path, backend)
    out = Output()
    if as_json:
        out.json(record_json(loaded))
        return EXIT_OK
    from ._render import render_capture

    out.print(render_capture(loaded))
    return EXIT_OK


# -- diff ----------------------------------------------------------------------------------


@cli.command(short_help="Compare two captures argument by argument.")
@click.argument("function", required=False)
@click.option(
    "--index",
    "-i",
    "indexes",
    type=int,
    nargs=2,
    metavar="I J",
    help="Compare capture I with capture J (0 is the newest).",
)
@click.option("--id", "ids", nargs=2, metavar="A B", help="Compare the captures with these ids.")
@click.option(
    "--file",
    "-f",
    "files",
    nargs=2,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="A B",
    help="Compare two capture files.",
)
@store_options
@json_option
def diff(
    function: str | None,
    indexes: tuple[int, int] | None,
    ids: tuple[str, str] | None,
    files: tuple[Path, Path] | None,
    path: Path | None,
    backend: str | None,
    as_json: bool,
) -> int:
    """Compare two captures argument by argument (default: the two newest).

    Nested data is compared down to the changed value, each change named by its
    path (items[1].quantity). Exit code 0 when the arguments (and recorded results)
    are the same, 1 when they differ, like diff(1).

    \b
    Examples:
      snapy diff process_order                 # older of the two newest -> newest
      snapy diff process_order --index 5 0
      snapy diff process_order --id 20240915T1030 20240916T0900
      snapy diff --file old.json new.json --json
    """
    from ._diff import diff_records
    from ._store import open_store, read_file

    chosen = [
        option
        for option, value in (("--index", indexes), ("--id", ids), ("--file", files))
        if value
    ]
    if len(chosen) > 1:
        raise UsageProblem(f"give one of --index, --id or --file, not {' and '.join(chosen)}.")
    if files:
        if function:
            raise UsageProblem("--file compares two capture files: give no FUNCTION.")
        old, new = (read_file(file, backend) for file in files)
    else:
        if not function:
            raise UsageProblem(
                "name the function whose captures to compare (or give --file A B).",
                "Example: snapy diff process_order",
            )
        store = open_store(path, backend)
        key = store.resolve(function)
        if ids:
            first, second = (store.locate(key, capture_id=capture_id) for capture_id in ids)
        else:
            i, j = indexes or (1, 0)
            located = store.locate_all(key)
            if not indexes and len(located) < 2:
                raise CliError(
                    f"{key} has {plural(len(located), 'capture')}: nothing to compare it with.",
                    "Capture another call first, or compare files with --file A B.",
                )
            first, second = (store.locate(key, index=position) for position in (i, j))
        old, new = store.read(first), store.read(second)
    result = diff_records(old.record, new.record)
    out = Output()
    if as_json:
        from ._diff import diff_json

        out.json(diff_json(old, new, result))
    else:
        from ._render import render_diff

        out.print(render_diff(old, new, result))
    return EXIT_OK if result.identical else EXIT_FOUND


# -- stats ---------------------------------------------------------------------------------


@cli.command(short_help="Count, sizes, argument shapes, redactions, slowest calls.")
@click.argument("function", required=False)
@store_options
@json_option
def stats(function: str | None, path: Path | None, backend: str | None, as_json: bool) -> int:
    """Statistics of the captures of one function, or of every function.

    Count, size distribution, the distinct shapes of the arguments (types and dict
    keys), how often each argument was redacted or omitted, values that could not be
    stored, outcomes, and the slowest calls when durations were recorded
    (@capture_args(capture_result=True)). Reads every capture: slower than list.

    \b
    Examples:
      snapy stats process_order
      snapy stats --json
    """
    from ._stats import collect, to_json
    from ._store import open_store

    out = Output()
    store = open_store(path, backend)
    rows = store.functions()
    keys = [store.resolve(function)] if function else [row.function_key for row in rows]
    if not keys:
        out.note(f"no captures in {store.describe()}.")
    total = sum(row.count for row in rows if row.function_key in keys)
    collected = []
    with out.progress("reading captures", total=total, enabled=total > 200) as advance:
        for key in keys:
            collected.append(collect(store, key, advance))
    if as_json:
        out.json({"store": str(store.root), "functions": [to_json(item) for item in collected]})
    else:
        from rich.text import Text

        from ._render import render_stats

        for position, item in enumerate(collected):
            if position:
                out.print(Text(""))
            out.print(render_stats(item))
    unreadable = sum(len(item.unreadable) for item in collected)
    if unreadable:
        out.warning(
            f"{plural(unreadable, 'capture file')} could not be read (listed above); "
            "`snapy doctor` checks the whole store."
        )
        return EXIT_FOUND
    return EXIT_OK


# -- prune ---------------------------------------------------------------------------------


def _parse_age(value: str | None) -> Any:
    if value is None:
        return None
    from snapy_core import parse_duration

    try:
        age = parse_duration(value)
    except ValueError:
        age = None
    if age is None:
        raise UsageProblem(
            f"--older-than {value!r} is not a duration.",
            "Use a number with a unit: 7d, 12h, 1d12h, 90m, 2w, or seconds (3600).",
        )
    return age


@cli.command(short_help="Remove old captures (--keep N, --older-than AGE).")
@click.argument("pattern", required=False)
@click.option(
    "--keep",
    "-k",
    type=click.IntRange(min=0),
    metavar="N",
    help="Keep the N newest captures of each function.",
)
@click.option(
    "--older-than",
    metavar="AGE",
    help="Remove captures older than AGE: 7d, 12h, 1d12h, 90m, 2w.",
)
@click.option("--dry-run", "-n", is_flag=True, help="List what would be removed; remove nothing.")
@store_options
@json_option
def prune(
    pattern: str | None,
    keep: int | None,
    older_than: str | None,
    dry_run: bool,
    path: Path | None,
    backend: str | None,
    as_json: bool,
) -> int:
    """Remove old captures: all but the newest N, or those older than AGE.

    Applies to every function (or those matching PATTERN, as in `snapy list`).
    Only capture files are removed (and temporary files left by interrupted
    writes); anything else in the store is left alone.

    \b
    Examples:
      snapy prune --keep 5 --dry-run
      snapy prune --older-than 30d
      snapy prune 'shop.*' --keep 1 --older-than 7d
    """
    from ._prune import run_prune
    from ._store import open_store

    if keep is None and older_than is None:
        raise UsageProblem(
            "say what to remove: --keep N, --older-than AGE, or both.",
            "Example: snapy prune --keep 5 --dry-run",
        )
    age = _parse_age(older_than)
    out = Output()
    store = open_store(path, backend)
    rows = [row for row in store.functions() if not pattern or matches(pattern, row.function_key)]
    if pattern and not rows:
        raise CliError(f"no function in {store.root} matches {pattern!r}.")
    return run_prune(out, store, rows, keep=keep, age=age, dry_run=dry_run, as_json=as_json)


# -- export --------------------------------------------------------------------------------


@cli.command(short_help="Copy captures to another store/format (pickle -> JSON).")
@click.argument("function")
@click.option(
    "--to",
    "target",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The store to write to (created if needed).",
)
@click.option(
    "--format",
    "target_format",
    default="json",
    show_default=True,
    metavar="BACKEND",
    help="The storage backend to write with (json, pickle, or one a plugin adds).",
)
@click.option(
    "--partial",
    is_flag=True,
    help="Also write captures with values that cannot be converted, as <unserializable> "
    "placeholders (default: leave those captures out).",
)
@store_options
@json_option
def export(
    function: str,
    target: Path,
    target_format: str,
    partial: bool,
    path: Path | None,
    backend: str | None,
    as_json: bool,
) -> int:
    """Copy the captures of a function to another store, e.g. pickle -> reviewable JSON.

    Every capture is converted with the backend named by --format. A capture with a
    value that backend cannot keep is left out (or, with --partial, written with a
    placeholder), and the command says which value of which capture it was and
    exits with 1.

    \b
    Examples:
      snapy export process_order --format json --to review/
      snapy export process_order --backend pickle --to review/ --partial
    """
    from ._export import run_export
    from ._store import open_store

    store = open_store(path, backend)
    key = store.resolve(function)
    return run_export(
        Output(),
        store,
        key,
        target=target,
        target_format=target_format,
        partial=partial,
        as_json=as_json,
    )


# -- gen-test ------------------------------------------------------------------------------


@cli.command("gen-test", short_help="Write a pytest module replaying every capture.")
@click.argument("function")
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The test module to write, e.g. tests/test_replay_process_order.py.",
)
@click.option(
    "--module",
    "-m",
    "import_from",
    metavar="MODULE",
    help="Import the function from MODULE (default: the module it was captured in).",
)
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@store_options
def gen_test(
    function: str,
    output: Path,
    import_from: str | None,
    force: bool,
    path: Path | None,
    backend: str | None,
) -> int:
    """Write a pytest module that replays every stored capture of a function.

    Each capture becomes one test case (through the snapy_captures marker of the
    snapy-capture pytest plugin), and what the function returns, or the exception
    it raises, is compared with a syrupy snapshot. Record the snapshots once with
    `pytest --snapshot-update`, review them, and commit both.

    \b
    Examples:
      snapy gen-test process_order -o tests/test_replay_process_order.py
      pytest tests/test_replay_process_order.py --snapshot-update
    """
    from ._gentest import write_test_module
    from ._store import open_store

    store = open_store(path, backend)
    key = store.resolve(function)
    return write_test_module(
        Output(), store, key, output=output, import_from=import_from, force=force
    )


# -- config --------------------------------------------------------------------------------


@cli.command(short_help="The effective configuration and where each value came from.")
@json_option
def config(as_json: bool) -> int:
    """Show the effective configuration and where each value came from.

    Sources, highest first: environment (SNAP_CAPTURE_* variables), global config
    (set_global_config in your code: not visible from this command), production
    mode defaults, built-in defaults. Decorator arguments override all of these for
    their function. Values the environment got wrong are listed as problems.

    \b
    Examples:
      snapy config
      SNAP_CAPTURE_DEFAULT_RETENTION=3 snapy config --json
    """
    from ._configview import show_config

    return show_config(Output(), as_json=as_json)


# -- doctor --------------------------------------------------------------------------------


@cli.command(short_help="Check packages, plugins, backends, config and the store.")
@click.option(
    "--quick", is_flag=True, help="Do not read every capture (skips the corrupt-file check)."
)
@store_options
@json_option
def doctor(quick: bool, path: Path | None, backend: str | None, as_json: bool) -> int:
    """Check the installation, the configuration and the capture store.

    Installed snapy packages and plugins (and any that failed to load), storage
    backends, the store location, permissions that let other users read captures,
    configuration problems, corrupt files and files that are not captures.
    Exit code 1 when something is wrong.

    \b
    Examples:
      snapy doctor
      snapy doctor --path ./order_captures --json
    """
    from ._doctor import run_doctor

    return run_doctor(Output(), path=path, backend=backend, quick=quick, as_json=as_json)


# -- trace ---------------------------------------------------------------------------------


@cli.group(context_settings=CONTEXT_SETTINGS, short_help="Saved traces (snapy-trace).")
def trace() -> None:
    """Work with trace files written by snapy-trace.

    \b
    Example:
      snapy trace show trace.json
    """


@trace.command("show", short_help="A saved trace (JSON lines or Chrome trace) as a call tree.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--max-depth", type=click.IntRange(min=0), metavar="N", help="Show calls down to depth N."
)
@click.option(
    "--durations/--no-durations", default=True, show_default=True, help="Show call durations."
)
@json_option
def trace_show(file: Path, max_depth: int | None, durations: bool, as_json: bool) -> int:
    """Show a saved trace as a call tree.

    FILE is a JSON-lines trace (one event per line, snapy-trace's file sink) or a
    Chrome trace (Trace Event Format, as Perfetto and chrome://tracing open).

    \b
    Examples:
      snapy trace show trace.jsonl
      snapy trace show trace.json --max-depth 3 --json
    """
    from ._tracefile import show_trace

    return show_trace(Output(), file, max_depth=max_depth, durations=durations, as_json=as_json)


# -- entry point ---------------------------------------------------------------------------


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    sys.stderr.write(f"snapy: warning: {message}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``snapy``; returns the exit code (the console script exits with it)."""
    previous_showwarning = warnings.showwarning
    warnings.showwarning = _show_warning
    # like `python -m`, but after the installed packages: the project's own modules can
    # be imported to rebuild captured objects, without shadowing anything installed
    cwd = os.getcwd()
    added = cwd not in sys.path
    if added:
        sys.path.append(cwd)
    try:
        return _run(argv)
    finally:
        warnings.showwarning = previous_showwarning
        if added and cwd in sys.path:
            sys.path.remove(cwd)


def _run(argv: Sequence[str] | None) -> int:
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="snapy",
            standalone_mode=False,
        )
    except CliError as error:
        sys.stderr.write("\n".join(error.lines()) + "\n")
        return error.exit_code
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except click.exceptions.Abort:
        sys.stderr.write("snapy: interrupted\n")
        return 130
    except SnapyError as error:
        sys.stderr.write(f"snapy: error: {error}\n")
        return EXIT_FOUND
    except BrokenPipeError:
        # the reader went away (snapy list | head): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FOUND
    except KeyboardInterrupt:
        sys.stderr.write("snapy: interrupted\n")
        return 130
    except Exception as error:
        if os.environ.get("SNAPY_TRACEBACK"):
            raise
        sys.stderr.write(
            f"snapy: error: unexpected {type(error).__name__}: {error}\n"
            "  This is a bug in snapy or in a snapy plugin. Run again with SNAPY_TRACEBACK=1 "
            "to see where it happened, and report it with that output.\n"
        )
        return EXIT_FOUND
    if isinstance(result, int):
        return result
    return EXIT_OK


__all__ = ["EXIT_USAGE", "cli", "main"]
