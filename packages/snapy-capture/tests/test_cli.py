"""The ``snapy`` command, run as the installed console script against real stores.

The store is made by the real decorator: ``cli_project/`` (a small shop application) is
copied to a temporary directory and its ``make_captures.py`` run there, with the JSON
backend (the default), the pickle backend (``OrderService.refund``) and both for one
function (``ping``). Stores are shared per module; tests that change a store work on a
copy of it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

PROJECT_TEMPLATE = Path(__file__).parent / "cli_project"
PICKLE_KEY = "a-long-random-secret-for-the-tests"
SNAPY = Path(sys.executable).parent / ("snapy.exe" if os.name == "nt" else "snapy")
if not SNAPY.exists():  # pragma: no cover - an environment without the env's bin dir
    SNAPY = Path(shutil.which("snapy") or "snapy")

CAPTURE_FILE = re.compile(r"\d{8}T\d{6}\.\d{6}Z-\d+-\d+\.(json|pickle)")


@attrs.frozen
class Run:
    args: tuple[str, ...]
    code: int
    out: str
    err: str

    def json(self) -> object:
        return json.loads(self.out)

    def __str__(self) -> str:  # shown by pytest when an assertion fails
        command = " ".join(("snapy", *self.args))
        return f"{command} -> {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def environment(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SNAPY_", "SNAP_CAPTURE_"))
    }
    env.update(COLUMNS="200", SNAP_CAPTURE_PICKLE_KEY=PICKLE_KEY, PYTHONWARNINGS="default")
    env.update(extra)
    return env


def snapy(*args: str | Path, cwd: Path, **env: str) -> Run:
    result = subprocess.run(
        [str(SNAPY), *map(str, args)],
        cwd=cwd,
        env=environment(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    run = Run(tuple(map(str, args)), result.returncode, result.stdout, result.stderr)
    # no traceback ever reaches the user, whatever happened
    assert "Traceback" not in run.err, run
    return run


def make_project(directory: Path) -> Path:
    """The shop application with a store of real captures in ``captures/``."""
    shutil.copytree(PROJECT_TEMPLATE, directory, ignore=shutil.ignore_patterns("__pycache__"))
    env = environment(SNAP_CAPTURE_DEFAULT_PATH="captures")
    for args, extra in (([], {}), (["ping"], {"SNAP_CAPTURE_BACKEND": "pickle"})):
        made = subprocess.run(
            [sys.executable, "make_captures.py", *args],
            cwd=directory,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert made.returncode == 0, made.stderr
    return directory


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with a store that nothing modifies (read-only tests share it)."""
    return make_project(tmp_path_factory.mktemp("cli") / "shop")


@pytest.fixture
def project_copy(project: Path, tmp_path: Path) -> Path:
    """A private copy of the project, for tests that change the store."""
    copy = tmp_path / "shop"
    shutil.copytree(project, copy, symlinks=True)
    return copy


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    """Run ``snapy`` in this process: the console script's own entry point (``main``),
    without the start-up of a new interpreter. Used for the many variants of a command;
    each command also runs as a real console script in a test of its own.
    """
    from snapy_capture._cli import main
    from snapy_core import reset_plugin_manager

    def run(*args: str | Path, cwd: Path, **env: str) -> Run:
        for key in list(os.environ):
            if key.startswith(("SNAPY_", "SNAP_CAPTURE_")):
                monkeypatch.delenv(key)
        for key, value in {"COLUMNS": "200", "SNAP_CAPTURE_PICKLE_KEY": PICKLE_KEY, **env}.items():
            monkeypatch.setenv(key, value)
        monkeypatch.chdir(cwd)
        if any(key.startswith("SNAPY_") for key in env):
            reset_plugin_manager()
        capsys.readouterr()
        code = main([str(arg) for arg in args])
        out, err = capsys.readouterr()
        return Run(tuple(map(str, args)), code, out, err)

    yield run
    reset_plugin_manager()
    for name in [name for name in sys.modules if name == "shop" or name.startswith("shop.")]:
        del sys.modules[name]


def files_of(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


# -- list ----------------------------------------------------------------------------------


def test_list_shows_every_function_with_counts_times_sizes_and_backends(project: Path) -> None:
    run = snapy("list", "--path", "captures", cwd=project)

    assert run.code == 0, run
    lines = {line.split()[0]: line for line in run.out.splitlines() if line.startswith("shop.")}
    assert sorted(lines) == [
        "shop.catalog.find",
        "shop.catalog.ping",
        "shop.orders.OrderService.refund",
        "shop.orders.find",
        "shop.orders.process_order",
    ]
    assert lines["shop.orders.process_order"].split()[1] == "3"
    assert lines["shop.catalog.ping"].split()[1] == "5"
    assert lines["shop.catalog.ping"].rstrip().endswith("json, pickle")
    assert lines["shop.orders.OrderService.refund"].rstrip().endswith("pickle")
    assert "5 functions, 14 captures" in run.out


def test_list_json_is_structured_and_agrees_with_the_files(project: Path, cli: Any) -> None:
    run = cli(
        "list", "--json", "--sort", "count", cwd=project, SNAP_CAPTURE_DEFAULT_PATH="captures"
    )

    assert run.code == 0, run
    data = run.json()
    assert data["store"] == str(project / "captures")
    assert set(data["backends"]) >= {"json", "pickle"}
    functions = {item["function"]: item for item in data["functions"]}
    assert data["functions"][0]["function"] == "shop.catalog.ping"  # the most captures
    ping = functions["shop.catalog.ping"]
    assert ping["count"] == 5
    assert ping["backends"] == ["json", "pickle"]
    assert ping["module"] == "shop.catalog"
    on_disk = [
        p
        for p in (project / "captures" / "shop.catalog.ping").iterdir()
        if CAPTURE_FILE.fullmatch(p.name)
    ]
    assert ping["total_size"] == sum(p.stat().st_size for p in on_disk)
    assert ping["oldest"] < ping["newest"]
    assert ping["oldest"].startswith(tuple(str(year) for year in range(2024, 2100)))


def test_list_pattern_glob_and_substring_and_no_match(project: Path, cli: Any) -> None:
    glob = cli("list", "shop.orders.*", "--json", "--path", "captures", cwd=project).json()
    assert [f["function"] for f in glob["functions"]] == [
        "shop.orders.OrderService.refund",
        "shop.orders.find",
        "shop.orders.process_order",
    ]
    part = cli("list", "PING", "--json", "--path", "captures", cwd=project).json()
    assert [f["function"] for f in part["functions"]] == ["shop.catalog.ping"]

    missing = cli("list", "nothing-like-this", "--path", "captures", cwd=project)
    assert missing.code == 1
    assert "no function in" in missing.err
    assert "matches 'nothing-like-this'" in missing.err


def test_list_captures_gives_ids_newest_first(project: Path, cli: Any) -> None:
    data = cli(
        "list", "process_order", "--captures", "--json", "-p", "captures", cwd=project
    ).json()
    (function,) = data["functions"]
    captures = function["captures"]
    assert [c["index"] for c in captures] == [0, 1, 2]
    assert [c["timestamp"] for c in captures] == sorted(
        (c["timestamp"] for c in captures), reverse=True
    )
    assert all(Path(c["file"]).name == c["id"] + ".json" for c in captures)


def test_list_of_a_missing_store_says_where_it_looked(tmp_path: Path, cli: Any) -> None:
    run = cli("list", cwd=tmp_path)

    assert run.code == 1
    assert f"no capture store at {tmp_path / '.snapy' / 'captures'}" in run.err
    assert "--path" in run.err
    assert "SNAP_CAPTURE_DEFAULT_PATH" in run.err
    assert run.out == ""


def test_a_missing_default_store_points_at_the_stores_nearby(project: Path, cli: Any) -> None:
    run = cli("show", "process_order", cwd=project)  # no --path: .snapy/captures

    assert run.code == 1
    assert "Capture stores found here: captures." in run.err
    assert "--path captures" in run.err


def test_list_of_an_empty_store_is_not_an_error(tmp_path: Path, cli: Any) -> None:
    (tmp_path / "empty").mkdir()
    run = cli("list", "--path", "empty", cwd=tmp_path)

    assert run.code == 0, run
    assert "no captures in" in run.err


def test_list_names_captures_no_installed_backend_reads(project_copy: Path, cli: Any) -> None:
    only_json = cli("list", "--backend", "json", "--json", "-p", "captures", cwd=project_copy)
    assert "shop.orders.OrderService.refund" not in only_json.out

    foreign = project_copy / "other"
    (foreign / "mod.func").mkdir(parents=True)
    (foreign / "mod.func" / "20250101T000000.000000Z-1-000001.yaml").write_text("x")
    run = cli("list", "--path", "other", cwd=project_copy)
    assert run.code == 0, run
    assert "1 .yaml file(s)" in run.err
    assert "no installed backend reads" in run.err


# -- show ----------------------------------------------------------------------------------


def test_show_marks_redactions_and_omissions_with_their_reason(project: Path, cli: Any) -> None:
    run = cli("show", "shop.orders.find", "-p", "captures", cwd=project)

    assert run.code == 0, run
    assert "query" in run.out
    assert "'shoes'" in run.out
    assert "hunter2" not in run.out
    assert "<redacted: name matches 'password'>" in run.out
    assert re.search(r"<omitted: rejected by [^>]*small_payload[^>]*>", run.out)
    section = run.out.split("Redacted or omitted", 1)[1]
    assert re.search(r"password\s+redacted\s+name matches 'password'", section)
    assert re.search(r"payload\s+omitted\s+rejected by .*small_payload", section)


def test_show_newest_by_default_then_by_index_and_by_id(project: Path, cli: Any) -> None:
    newest = cli("show", "process_order", "--json", "-p", "captures", cwd=project).json()
    assert newest["index"] == 0
    assert newest["count"] == 3
    assert newest["record"]["args"][0] == "C-2"  # the call that raised was the last one
    assert newest["record"]["outcome"]["kind"] == "raise"
    assert newest["record"]["outcome"]["exc_type"].endswith("OrderError")

    oldest = cli(
        "show", "process_order", "--index", "-1", "--json", "-p", "captures", cwd=project
    ).json()
    assert oldest["index"] == 2
    capture_id = oldest["record"]["capture_id"]
    by_id = cli(
        "show", "process_order", "--id", capture_id[:22], "--json", "-p", "captures", cwd=project
    )
    assert by_id.code == 0, by_id
    assert by_id.json()["record"] == oldest["record"]


def test_show_json_is_the_record(project: Path, cli: Any) -> None:
    data = cli(
        "show", "shop.orders.process_order", "-i", "2", "--json", "-p", "captures", cwd=project
    ).json()

    record = data["record"]
    assert data["backend"] == "json"
    assert data["file"].endswith(record["capture_id"] + ".json")
    assert record["module"] == "shop.orders"
    assert record["qualname"] == "process_order"
    assert record["arg_names"] == ["customer_id", "items", "payment_token", "shipping_address"]
    assert record["args"][0] == "C-1"
    assert record["args"][3] == {"city": "Berlin", "zip": "10115"}
    assert record["filtered"] == [
        {"path": "payment_token", "action": "redacted", "reason": "name matches 'token'"}
    ]
    assert "tok_live" not in json.dumps(data)
    assert record["outcome"]["kind"] == "return"
    assert record["metadata"]["duration_ns"] > 0
    assert record["metadata"]["python_version"].count(".") == 2


def test_show_of_a_pickle_capture_marks_values_that_were_not_stored(
    project: Path, cli: Any
) -> None:
    run = cli("show", "refund", "-p", "captures", cwd=project)

    assert run.code == 0, run
    assert "order_id" in run.out
    assert "43" in run.out
    assert "Not stored as captured" in run.out
    assert "<unserializable _thread.lock" in run.out.split("Not stored as captured", 1)[1]
    assert "pickle" in run.out


def test_show_file_reads_one_capture_file(project: Path, cli: Any) -> None:
    listing = cli("list", "refund", "--captures", "--json", "-p", "captures", cwd=project).json()
    file = listing["functions"][0]["captures"][1]["file"]
    run = cli("show", "--file", file, "--json", cwd=project)
    assert run.code == 0, run
    assert run.json()["record"]["args"][0] == 42


def test_show_unknown_function_suggests_near_names(project: Path, cli: Any) -> None:
    run = cli("show", "proces_order", "-p", "captures", cwd=project)

    assert run.code == 1
    assert "no captures of 'proces_order'" in run.err
    assert "Did you mean: shop.orders.process_order" in run.err


def test_show_ambiguous_name_is_a_usage_error_listing_candidates(project: Path, cli: Any) -> None:
    run = cli("show", "find", "-p", "captures", cwd=project)

    assert run.code == 2
    assert "shop.catalog.find" in run.err
    assert "shop.orders.find" in run.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "process_order", "--index", "7"], "--index 7 is out of range"),
        (["show", "process_order", "--index", "0", "--id", "x"], "--index or --id, not both"),
        (["show"], "name the function"),
        (["show", "process_order", "--bogus"], "No such option"),
        (["list", "--sort", "colour"], "Invalid value for '--sort'"),
        (["show", "process_order", "--backend", "yaml"], "no snapy storage backend named 'yaml'"),
        (["diff", "process_order", "--index", "0"], "requires 2 arguments"),
        (["prune"], "--keep N, --older-than AGE"),
        (["prune", "--older-than", "soon"], "'soon' is not a duration"),
        (["prune", "--keep", "-1"], "-1 is not in the range"),
    ],
)
def test_usage_errors_exit_2_and_say_what_to_do(
    project: Path, args: list[str], message: str, cli: Any
) -> None:
    run = cli(args[0], "-p", "captures", *args[1:], cwd=project)

    assert run.code == 2, run
    assert message in run.err, run


def test_a_corrupt_capture_is_reported_by_name_without_a_traceback(
    project_copy: Path, cli: Any
) -> None:
    directory = project_copy / "captures" / "shop.orders.process_order"
    newest = sorted(directory.glob("*.json"))[-1]
    newest.write_bytes(newest.read_bytes()[:40])  # cut short, as by a full disk

    run = cli("show", "process_order", "-p", "captures", cwd=project_copy)
    assert run.code == 1
    assert str(newest) in run.err
    assert "cannot be read" in run.err

    older = cli("show", "process_order", "-i", "1", "-p", "captures", cwd=project_copy)
    assert older.code == 0, older  # the other captures stay readable


# -- diff ----------------------------------------------------------------------------------


def test_diff_of_the_two_newest_shows_each_changed_argument(project: Path) -> None:
    run = snapy("diff", "process_order", "--index", "2", "1", "-p", "captures", cwd=project)

    assert run.code == 1, run  # they differ
    assert "items[1].quantity: 2 -> 3" in run.out
    assert "shipping_address['zip']: '10115' -> '10117'" in run.out
    assert "result['total']: Decimal('19.99') -> Decimal('24.99')" in run.out
    assert "unchanged: customer_id, payment_token" in run.out


def test_diff_json_lists_changes_argument_by_argument(project: Path, cli: Any) -> None:
    data = cli(
        "diff", "process_order", "--index", "2", "1", "--json", "-p", "captures", cwd=project
    ).json()

    assert data["identical"] is False
    assert data["old"]["index"] == 2
    assert data["new"]["index"] == 1
    by_name = {argument["name"]: argument for argument in data["arguments"]}
    assert by_name["customer_id"]["status"] == "same"
    assert by_name["items"]["changes"] == [
        {"path": "items[1].quantity", "kind": "changed", "old": 2, "new": 3}
    ]
    assert by_name["shipping_address"]["changes"][0]["path"] == "shipping_address['zip']"


def test_diff_default_compares_the_two_newest(project: Path, cli: Any) -> None:
    run = cli("diff", "process_order", "--json", "-p", "captures", cwd=project)
    data = run.json()
    assert (data["old"]["index"], data["new"]["index"]) == (1, 0)
    items = next(a for a in data["arguments"] if a["name"] == "items")
    assert {change["kind"] for change in items["changes"]} == {"removed"}
    assert data["outcome"][0]["path"] == "outcome"


def test_diff_of_identical_captures_exits_0(project: Path, cli: Any) -> None:
    run = cli("diff", "shop.orders.find", "-p", "captures", cwd=project)

    assert run.code == 0, run
    assert "same arguments" in run.out


def test_diff_by_ids_and_by_files(project: Path, cli: Any) -> None:
    listing = cli("list", "refund", "--captures", "--json", "-p", "captures", cwd=project).json()
    captures = listing["functions"][0]["captures"]
    by_ids = cli(
        "diff",
        "refund",
        "--id",
        captures[2]["id"],
        captures[1]["id"],
        "-p",
        "captures",
        cwd=project,
    )
    assert by_ids.code == 1, by_ids
    assert "order_id: 41 -> 42" in by_ids.out
    assert "reason: 'damaged' -> re.compile('late|lost')" in by_ids.out

    by_files = cli(
        "diff", "--file", captures[2]["file"], captures[1]["file"], "--json", cwd=project
    )
    assert by_files.code == 1, by_files
    assert by_files.json()["old"]["file"] == captures[2]["file"]


def test_diff_with_a_single_capture_explains(project: Path, cli: Any) -> None:
    run = cli("diff", "shop.catalog.find", "-p", "captures", cwd=project)

    assert run.code == 1
    assert "has 1 capture: nothing to compare it with" in run.err


# -- stats ---------------------------------------------------------------------------------


def test_stats_json_counts_shapes_redactions_failures_and_durations(
    project: Path, cli: Any
) -> None:
    run = cli("stats", "--json", "-p", "captures", cwd=project)

    assert run.code == 0, run
    functions = {item["function"]: item for item in run.json()["functions"]}
    order = functions["shop.orders.process_order"]
    assert order["count"] == 3
    assert order["size"]["min"] <= order["size"]["median"] <= order["size"]["max"]
    assert order["argument_shapes"]["items"] == {"list[shop.models.Item]": 2, "list[]": 1}
    assert order["argument_shapes"]["shipping_address"] == {"dict{city, zip}": 2}
    assert order["redacted"] == {"payment_token": 3}
    assert order["outcomes"] == {"returned": 2, "raised shop.models.OrderError": 1}
    assert len(order["slowest"]) == 3
    durations = [call["duration_ns"] for call in order["slowest"]]
    assert durations == sorted(durations, reverse=True)
    assert durations[-1] > 0
    assert len(order["call_shapes"]) == 2

    find = functions["shop.orders.find"]
    assert find["redacted"] == {"password": 2}
    assert find["omitted"] == {"payload": 2}
    assert find["slowest"] == []
    assert find["duration_ns"] is None

    refund = functions["shop.orders.OrderService.refund"]
    assert refund["capture_failures"] == {"lock": 1}
    assert refund["argument_shapes"]["reason"] == {"str": 2, "re.Pattern": 1}
    assert refund["backends"] == {"pickle": 3}


def test_stats_text_for_one_function(project: Path, cli: Any) -> None:
    run = cli("stats", "process_order", "-p", "captures", cwd=project)

    assert run.code == 0, run
    assert "shop.orders.process_order" in run.out
    assert "Slowest calls" in run.out
    assert "Redacted" in run.out
    assert "payment_token  3 of 3" in run.out
    assert "2 distinct call shapes" in run.out


def test_stats_reports_unreadable_files_and_exits_1(project_copy: Path, cli: Any) -> None:
    directory = project_copy / "captures" / "shop.catalog.find"
    (directory / "20250101T000000.000000Z-1-000001.json").write_text("{not json")

    run = cli("stats", "shop.catalog.find", "--json", "-p", "captures", cwd=project_copy)
    assert run.code == 1
    (function,) = run.json()["functions"]
    assert function["count"] == 1
    assert function["unreadable"][0]["file"].endswith("20250101T000000.000000Z-1-000001.json")


# -- prune ---------------------------------------------------------------------------------


def add_foreign_files(store: Path) -> set[str]:
    """Files snapy must never delete; returns their paths relative to the store."""
    (store / "README.txt").write_text("notes about these captures")
    (store / "shop.catalog.ping" / "notes.txt").write_text("mine")
    (store / "shop.catalog.ping" / "20200101T000000.000000Z-1-000001.yaml").write_text("other tool")
    (store / "shop.catalog.ping" / "20200101T000000.000000Z-1-000001.json.bak").write_text("backup")
    (store / "unrelated").mkdir()
    (store / "unrelated" / "data.csv").write_text("a,b")
    return {
        "README.txt",
        "shop.catalog.ping/notes.txt",
        "shop.catalog.ping/20200101T000000.000000Z-1-000001.yaml",
        "shop.catalog.ping/20200101T000000.000000Z-1-000001.json.bak",
        "unrelated/data.csv",
    } | {str(path.relative_to(store)) for path in store.rglob(".snapy-function.json")}


def test_prune_dry_run_lists_and_removes_nothing(project_copy: Path, cli: Any) -> None:
    store = project_copy / "captures"
    before = files_of(store)

    run = cli("prune", "--keep", "1", "--dry-run", "--json", "-p", "captures", cwd=project_copy)

    assert run.code == 0, run
    assert files_of(store) == before
    data = run.json()
    assert data["dry_run"] is True
    removed = {(item["function"], Path(item["file"]).name) for item in data["removed"]}
    assert len(removed) == 14 - 5  # all but the newest of each of the 5 functions
    assert data["kept"] == dict.fromkeys(data["kept"], 1)


def test_prune_keep_leaves_the_newest_and_never_anything_else(project_copy: Path, cli: Any) -> None:
    store = project_copy / "captures"
    foreign = add_foreign_files(store)
    newest = {
        item["function"]: item["captures"][0]["file"]
        for item in cli("list", "--captures", "--json", "-p", "captures", cwd=project_copy).json()[
            "functions"
        ]
    }

    run = snapy("prune", "--keep", "1", "-p", "captures", cwd=project_copy)

    assert run.code == 0, run
    assert "Removed 9 captures of 4 functions" in run.out  # catalog.find has just one
    remaining = files_of(store)
    assert foreign <= remaining
    captures = {name for name in remaining if CAPTURE_FILE.fullmatch(Path(name).name)}
    assert {str(store / name) for name in captures} == set(newest.values())
    # ping is stored by json and pickle: one capture kept in all, the newest (a pickle)
    assert newest["shop.catalog.ping"].endswith(".pickle")


def test_prune_older_than_removes_only_old_captures(project_copy: Path, cli: Any) -> None:
    store = project_copy / "captures"
    foreign = add_foreign_files(store)

    run = cli("prune", "--older-than", "30d", "--json", "-p", "captures", cwd=project_copy)

    assert run.code == 0, run
    removed = run.json()["removed"]
    assert {item["function"] for item in removed} == {"shop.catalog.ping"}
    cutoff = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=30)
    assert len(removed) == 2
    assert all(
        dt.datetime.fromisoformat(item["timestamp"].replace("Z", "+00:00")) < cutoff
        for item in removed
    )
    listing = cli("list", "ping", "--json", "-p", "captures", cwd=project_copy).json()
    assert listing["functions"][0]["count"] == 3
    assert foreign <= files_of(store)


def test_prune_pattern_limits_the_functions(project_copy: Path, cli: Any) -> None:
    run = cli("prune", "shop.orders.*", "--keep", "0", "--json", "-p", "captures", cwd=project_copy)

    assert run.code == 0, run
    assert {item["function"] for item in run.json()["removed"]} == {
        "shop.orders.process_order",
        "shop.orders.find",
        "shop.orders.OrderService.refund",
    }
    left = cli("list", "--json", "-p", "captures", cwd=project_copy).json()
    assert [f["function"] for f in left["functions"]] == ["shop.catalog.find", "shop.catalog.ping"]


# -- export --------------------------------------------------------------------------------


def test_export_pickle_to_json_says_which_values_cannot_be_converted(
    project_copy: Path, cli: Any
) -> None:
    run = cli(
        "export", "refund", "--format", "json", "--to", "review", "-p", "captures", cwd=project_copy
    )

    assert run.code == 1, run  # one capture could not be converted
    assert "Exported 2 of 3 captures" in run.out
    assert re.search(r"reason \(re\.Pattern\) cannot be converted to json", run.out)
    exported = cli("list", "--json", "-p", "review", cwd=project_copy).json()
    assert exported["backends"][0] == "json"
    (function,) = exported["functions"]
    assert function["count"] == 2
    assert function["backends"] == ["json"]
    shown = cli(
        "show", "refund", "-i", "1", "--json", "-p", "review", "--backend", "json", cwd=project_copy
    )
    assert shown.json()["record"]["args"] == [41, "damaged"]
    assert shown.json()["file"].endswith(".json")


def test_export_partial_writes_placeholders_and_the_loader_reads_the_result(
    project_copy: Path, cli: Any
) -> None:
    run = cli(
        "export",
        "refund",
        "--to",
        "review",
        "--partial",
        "--json",
        "-p",
        "captures",
        cwd=project_copy,
    )

    assert run.code == 1, run
    statuses = sorted(item["status"] for item in run.json()["captures"])
    assert statuses == ["exported", "exported", "partial"]
    partial = next(item for item in run.json()["captures"] if item["status"] == "partial")
    assert partial["not_converted"][0]["path"] == "reason"
    assert partial["not_converted"][0]["type_name"] == "re.Pattern"

    probe = (
        "import json\n"
        "from snapy_capture import CaptureLoader\n"
        "records = CaptureLoader('review').load_all('refund')\n"
        "print(json.dumps([[type(v).__name__ for v in r.named_arguments().values()]"
        " for r in records]))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=project_copy,
        env=environment(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(loaded.stdout) == [
        ["int", "str", "Unserializable"],  # the lock: not even pickle could keep it
        ["int", "Unserializable"],  # the re.Pattern: pickle kept it, JSON cannot
        ["int", "str"],
    ]


def test_export_to_the_same_store_and_format_is_refused(project: Path, cli: Any) -> None:
    run = cli("export", "process_order", "--to", "captures", "-p", "captures", cwd=project)
    assert run.code == 1
    assert "is the store being exported" in run.err


# -- config --------------------------------------------------------------------------------


def test_config_shows_each_value_and_where_it_came_from(tmp_path: Path, cli: Any) -> None:
    run = cli(
        "config",
        "--json",
        cwd=tmp_path,
        SNAP_CAPTURE_DEFAULT_RETENTION="3",
        SNAP_CAPTURE_SAMPLE_RATE="lots",
    )

    assert run.code == 0, run
    data = run.json()
    settings = {item["name"]: item for item in data["settings"]}
    assert settings["retention"] == {
        "name": "retention",
        "value": 3,
        "source": "environment",
        "detail": "SNAP_CAPTURE_DEFAULT_RETENTION=3",
        "variable": "SNAP_CAPTURE_DEFAULT_RETENTION",
    }
    assert settings["backend"]["source"] == "default"
    assert settings["backend"]["value"] == "json"
    assert settings["sample_rate"]["source"] == "default"
    assert any("SNAP_CAPTURE_SAMPLE_RATE='lots' is not valid" in p for p in data["problems"])

    text = cli("config", cwd=tmp_path, SNAP_CAPTURE_PRODUCTION_MODE="1")
    assert re.search(r"retention\s+1\s+production mode", text.out)
    assert re.search(
        r"production_mode\s+True\s+environment\s+SNAP_CAPTURE_PRODUCTION_MODE=1", text.out
    )


# -- doctor --------------------------------------------------------------------------------


def test_doctor_on_a_healthy_installation_and_store_exits_0(project: Path) -> None:
    run = snapy("doctor", "--json", "-p", "captures", cwd=project)

    assert run.code == 0, run
    data = run.json()
    assert data["healthy"] is True
    assert data["problems"] == []
    packages = {package["name"] for package in data["packages"]}
    assert {"snapy-core", "snapy-capture", "snapy-storage-json", "snapy-storage-pickle"} <= packages
    assert {backend["name"] for backend in data["backends"]} >= {"json", "pickle"}
    assert {"snapy-core", "json", "pickle"} <= {
        p["name"] for p in data["plugins"] if p["status"] == "loaded"
    }
    assert data["store"]["captures"] == 14
    assert data["store"]["functions"] == 5
    # snapy-trace is installed here, with its C recorder built (unless asked not to be)
    built = os.environ.get("SNAPY_TRACE_BUILD_EXTENSION") != "0"
    assert data["trace_recorder"] == ("C" if built else "Python")


def test_doctor_notes_a_snapy_trace_without_its_c_recorder(monkeypatch: Any) -> None:
    """Where snapy-trace was installed without a compiler, doctor says so (a note, not a
    problem) and how to get the C recorder."""
    from snapy_capture._cli._doctor import Report, _trace_recorder

    report = Report(packages=[{"name": "snapy-trace", "version": "0.1.0"}])
    monkeypatch.setitem(sys.modules, "snapy_trace._speedups", None)  # cannot be imported
    _trace_recorder(report)
    assert report.trace_recorder == "Python"
    (finding,) = report.findings
    assert not finding.problem
    assert "snapy-trace has no C recorder here" in finding.message
    assert finding.hint is not None
    assert "--no-binary snapy-trace" in finding.hint
    assert report.problems == []


def test_doctor_finds_every_kind_of_problem(project_copy: Path, cli: Any) -> None:
    store = project_copy / "captures"
    add_foreign_files(store)
    corrupt = store / "shop.catalog.find" / "20250101T000000.000000Z-1-000001.json"
    corrupt.write_text('{"schema": 1}')
    readable = sorted((store / "shop.orders.find").glob("*.json"))[0]
    readable.chmod(0o644)

    run = snapy(
        "doctor",
        "--json",
        "-p",
        "captures",
        cwd=project_copy,
        SNAPY_PLUGINS="snapy_plugin_that_is_not_installed",
        SNAP_CAPTURE_DEFAULT_RETENTION="many",
    )

    assert run.code == 1, run
    problems = [problem["message"] for problem in run.json()["problems"]]
    text = "\n".join(problems)
    assert "plugin 'snapy_plugin_that_is_not_installed'" in text
    assert "SNAP_CAPTURE_DEFAULT_RETENTION='many'" in text
    assert "1 capture file cannot be read" in text
    assert "with the extension .yaml that no installed backend reads" in text
    assert "can be read by other users" in text
    strays = next(p for p in run.json()["problems"] if "not captures" in p["message"])
    listed = "\n".join(strays["files"])
    for name in ("README.txt", "notes.txt", ".json.bak", "data.csv"):
        assert name in listed
    corrupt_problem = next(p for p in run.json()["problems"] if "cannot be read" in p["message"])
    assert str(corrupt) in corrupt_problem["files"][0]

    text_run = cli("doctor", "-p", "captures", cwd=project_copy)
    assert text_run.code == 1
    assert "problems found" in text_run.out
    assert "chmod 600" in text_run.out


def test_doctor_reports_pickles_signed_with_another_key(project: Path, cli: Any) -> None:
    run = cli(
        "doctor", "--json", "-p", "captures", cwd=project, SNAP_CAPTURE_PICKLE_KEY="not-the-key"
    )

    assert run.code == 1, run
    (problem,) = run.json()["problems"]
    assert problem["message"] == "5 capture files cannot be read."
    assert all(file.split(":")[0].endswith(".pickle") for file in problem["files"])


def test_doctor_notes_pickles_read_without_a_key(project: Path, cli: Any) -> None:
    run = cli("doctor", "--json", "-p", "captures", cwd=project, SNAP_CAPTURE_PICKLE_KEY="")

    assert run.code == 0, run
    notes = "\n".join(note["message"] for note in run.json()["notes"])
    assert "without a signature check" in notes


def test_doctor_without_a_store_yet(tmp_path: Path, cli: Any) -> None:
    run = cli("doctor", cwd=tmp_path)

    assert run.code == 0, run
    assert "no store at" in run.out
    assert "created by the first captured call" in run.out


# -- gen-test ------------------------------------------------------------------------------


def run_pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=project,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_gen_test_writes_a_module_that_runs_and_passes(project_copy: Path) -> None:
    (project_copy / "pytest.ini").write_text("[pytest]\n")  # a project root of its own
    made = subprocess.run(
        [sys.executable, "make_captures.py", "notify"],
        cwd=project_copy,
        env=environment(SNAP_CAPTURE_DEFAULT_PATH="async-captures"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    for name in ("send", "batches"):
        output = f"tests/test_replay_{name}.py"
        run = snapy("gen-test", name, "-o", output, "-p", "async-captures", cwd=project_copy)
        assert run.code == 0, run
    for name, output in (
        ("process_order", "tests/test_replay_process_order.py"),
        ("OrderService.refund", "tests/test_replay_refund.py"),
    ):
        run = snapy("gen-test", name, "-o", output, "-p", "captures", cwd=project_copy)
        assert run.code == 0, run
        assert f"next: pytest {output} --snapshot-update" in run.err

    source = (project_copy / "tests" / "test_replay_process_order.py").read_text()
    assert "from shop.orders import process_order" in source
    assert '@pytest.mark.snapy_captures("shop.orders.process_order", path=CAPTURES' in source
    assert "# 'payment_token': ...,  # redacted when captured: name matches 'token'" in source
    tests = project_copy / "tests"
    assert "asyncio.run(send(*args, **kwargs))" in (tests / "test_replay_send.py").read_text()
    assert "list(batches(*args, **kwargs))" in (tests / "test_replay_batches.py").read_text()
    method = (project_copy / "tests" / "test_replay_refund.py").read_text()
    assert "def order_service() -> OrderService:" in method
    assert "order_service.refund(*args, **kwargs)" in method

    first = run_pytest(project_copy, "tests", "--snapshot-update")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "8 passed" in first.stdout
    assert "8 snapshots generated" in first.stdout
    snapshot = (
        project_copy / "tests" / "__snapshots__" / "test_replay_process_order.ambr"
    ).read_text()
    assert "'raised': 'OrderError'" in snapshot
    assert "Decimal('24.99')" in snapshot

    again = run_pytest(project_copy, "tests")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "8 passed" in again.stdout
    assert "8 snapshots passed" in again.stdout
    batches = (tests / "__snapshots__" / "test_replay_batches.ambr").read_text()
    assert "'returned': list([" in batches
    assert "'characters': 22" in (tests / "__snapshots__" / "test_replay_send.ambr").read_text()

    # the generated test is a real regression test: a changed function fails it
    orders = project_copy / "shop" / "orders.py"
    orders.write_text(orders.read_text().replace('"lines": len(items)', '"lines": len(items) + 1'))
    changed = run_pytest(project_copy, "tests/test_replay_process_order.py")
    assert changed.returncode == 1
    assert "2 failed, 1 passed" in changed.stdout


def test_gen_test_refuses_to_overwrite_and_to_guess(project_copy: Path, cli: Any) -> None:
    target = project_copy / "tests" / "test_x.py"
    target.parent.mkdir()
    target.write_text("# mine\n")
    run = cli("gen-test", "process_order", "-o", target, "-p", "captures", cwd=project_copy)
    assert run.code == 1
    assert "already exists" in run.err
    assert "--force" in run.err
    assert target.read_text() == "# mine\n"

    forced = cli(
        "gen-test", "process_order", "-o", target, "--force", "-p", "captures", cwd=project_copy
    )
    assert forced.code == 0, forced
    compile(target.read_text(), str(target), "exec")


# -- help ----------------------------------------------------------------------------------

COMMANDS = [
    ["list"],
    ["show"],
    ["diff"],
    ["stats"],
    ["prune"],
    ["export"],
    ["gen-test"],
    ["config"],
    ["doctor"],
    ["trace"],
    ["trace", "show"],
]


def test_every_command_has_help_with_an_example() -> None:
    from click.testing import CliRunner

    from snapy_capture._cli import cli

    runner = CliRunner()
    top = runner.invoke(cli, ["--help"])
    assert top.exit_code == 0
    assert "Exit codes:" in top.output
    for command in COMMANDS:
        result = runner.invoke(cli, [*command, "--help"])
        assert result.exit_code == 0, (command, result.output)
        assert "Example" in result.output, command
        assert f"snapy {' '.join(command)}" in result.output, command


def test_help_and_version_through_the_console_script(tmp_path: Path, cli: Any) -> None:
    run = snapy("--help", cwd=tmp_path)
    assert run.code == 0
    assert "Commands:" in run.out
    assert "gen-test" in run.out
    version = cli("--version", cwd=tmp_path)
    assert version.code == 0
    assert re.match(r"snapy, version \d+\.\d+", version.out)
    unknown = cli("frobnicate", cwd=tmp_path)
    assert unknown.code == 2
    assert "No such command 'frobnicate'" in unknown.err


# -- in-process pieces -----------------------------------------------------------------------


def test_the_one_pass_scan_equals_each_backends_own_listing(project: Path) -> None:
    from snapy_capture._cli._scan import scan
    from snapy_core import open_storage

    backends = [open_storage(name, project / "captures") for name in ("json", "pickle")]
    scanned = scan(project / "captures", backends)  # type: ignore[arg-type]
    for backend in backends:
        assert scanned[backend.name] == backend.functions()


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
def test_prune_shows_a_progress_bar_on_a_terminal(project_copy: Path) -> None:
    import pty

    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [str(SNAPY), "prune", "--keep", "1", "-p", "captures"],
        cwd=project_copy,
        env=environment(TERM="xterm-256color"),
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
    )
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    assert process.wait(timeout=120) == 0
    output = b"".join(chunks).decode("utf-8", "replace")
    assert "pruning" in output  # the progress bar's label, drawn then cleared
    assert "5/5" in output or "0/5" in output  # functions done / to do
    assert "Removed 9 captures of 4 functions" in output


BUGGY_PLUGIN = """
from snapy_core import CaptureStorage, hookimpl


class BuggyStorage(CaptureStorage):
    name = "buggy"
    extension = "bug"

    def functions(self):
        raise RuntimeError("the buggy backend has a bug")


@hookimpl
def snapy_register_storage_backends(register):
    register("buggy", BuggyStorage)
"""


def test_a_bug_in_a_plugin_is_reported_without_a_traceback_unless_asked(
    project: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugins = project.parent / "buggy-plugin"
    plugins.mkdir(exist_ok=True)
    (plugins / "snapy_buggy_backend.py").write_text(BUGGY_PLUGIN)
    env = {
        "SNAPY_PLUGINS": "snapy_buggy_backend",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(plugins), os.environ.get("PYTHONPATH")])),
    }

    run = snapy("list", "--backend", "buggy", "-p", "captures", cwd=project, **env)

    assert run.code == 1
    assert "unexpected RuntimeError: the buggy backend has a bug" in run.err
    assert "SNAPY_TRACEBACK=1" in run.err

    monkeypatch.syspath_prepend(str(plugins))
    with pytest.raises(RuntimeError, match="the buggy backend has a bug"):
        cli("list", "--backend", "buggy", "-p", "captures", cwd=project, SNAPY_TRACEBACK="1", **env)
