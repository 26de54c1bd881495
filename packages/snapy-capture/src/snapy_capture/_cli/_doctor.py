"""``snapy doctor``: is snapy installed, configured and storing captures safely?

Every finding is a *problem* (exit code 1) or a *note* (informational). Problems: a plugin
that failed to load, no storage backend, a configuration value that was ignored, a store
that other users can read, capture files no installed backend reads, corrupt captures,
files in the store that are not captures.
"""

from __future__ import annotations

import importlib
import os
import stat
import sys
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

import attrs

from snapy_core import (
    CaptureCorruptError,
    CaptureNotFoundError,
    ConfigWarning,
    PluginWarning,
    SnapyError,
    available_backends,
    plugin_infos,
    resolve_config,
)

from ._errors import EXIT_FOUND, EXIT_OK, CliError
from ._output import Output, format_size, plural
from ._store import CAPTURE_NAME, Store, backend_extension, configured_path, open_backends

MAX_LISTED = 20
"""Files listed per finding; the rest are counted."""


@attrs.frozen
class Finding:
    section: str
    message: str
    hint: str | None = None
    files: tuple[str, ...] = ()
    problem: bool = True


@attrs.define
class Report:
    packages: list[dict[str, Any]] = attrs.field(factory=list)
    plugins: list[dict[str, Any]] = attrs.field(factory=list)
    backends: list[dict[str, Any]] = attrs.field(factory=list)
    config_problems: list[str] = attrs.field(factory=list)
    store: dict[str, Any] = attrs.field(factory=dict)
    findings: list[Finding] = attrs.field(factory=list)
    trace_recorder: str | None = None
    """``"C"`` or ``"Python"`` when snapy-trace is installed."""

    def problem(self, section: str, message: str, hint: str | None = None, files: Any = ()) -> None:
        self.findings.append(Finding(section, message, hint, tuple(map(str, files))))

    def note(self, section: str, message: str, hint: str | None = None, files: Any = ()) -> None:
        self.findings.append(Finding(section, message, hint, tuple(map(str, files)), problem=False))

    @property
    def problems(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.problem]


def _packages(report: Report) -> None:
    seen = set()
    for distribution in metadata.distributions():
        name = distribution.metadata["Name"] or ""
        normalized = name.lower().replace("_", "-")
        if not normalized.startswith("snapy") or normalized in seen:
            continue
        seen.add(normalized)
        report.packages.append({"name": name, "version": distribution.version})
    report.packages.sort(key=lambda package: package["name"].lower())
    if not any(p["name"].lower().replace("_", "-") == "snapy-core" for p in report.packages):
        report.problem("packages", "snapy-core is not installed as a distribution.")


def _trace_recorder(report: Report) -> None:
    """Which recorder snapy-trace traces with here (when it is installed)."""
    if not any(p["name"].lower().replace("_", "-") == "snapy-trace" for p in report.packages):
        return
    try:
        importlib.import_module("snapy_trace._speedups")
    except ImportError as error:
        report.trace_recorder = "Python"
        report.note(
            "packages",
            "snapy-trace has no C recorder here (it was installed without a C compiler or "
            f"with SNAPY_TRACE_BUILD_EXTENSION=0: {error}): it traces with its pure-Python "
            "recorder, the same events 1.5x-3x more slowly.",
            "Reinstall it where a C compiler and the Python headers are available: "
            "pip install --force-reinstall --no-deps --no-binary snapy-trace snapy-trace",
        )
    else:
        report.trace_recorder = "C"


def _plugins(report: Report) -> None:
    for info in plugin_infos():
        report.plugins.append(
            {
                "name": info.name,
                "distribution": info.distribution,
                "version": info.version,
                "status": info.status,
                "detail": info.detail,
            }
        )
        if info.status == "failed":
            where = f" ({info.distribution} {info.version})" if info.distribution else ""
            remedy = (
                f"pip uninstall {info.distribution}"
                if info.distribution
                else "remove it from SNAPY_PLUGINS"
            )
            report.problem(
                "plugins",
                f"plugin {info.name!r}{where} failed to load: {info.detail}",
                f"Fix or uninstall it ({remedy}), or set SNAPY_DISABLED_PLUGINS={info.name}.",
            )
        elif info.status == "disabled":
            report.note("plugins", f"plugin {info.name!r} is disabled: {info.detail}")


def _backends(report: Report) -> None:
    backends = available_backends()
    for name, info in sorted(backends.items()):
        report.backends.append(
            {"name": name, "plugin": info.plugin, "description": info.description}
        )
    if not backends:
        report.problem(
            "backends",
            "no storage backend is installed: captures can be neither written nor read.",
            "pip install snapy-storage-json",
        )
    configured = resolve_config().config.backend
    if backends and configured not in backends:
        from snapy_core import KNOWN_BACKEND_PACKAGES

        package = KNOWN_BACKEND_PACKAGES.get(configured)
        report.problem(
            "backends",
            f"the configured backend {configured!r} is not installed (installed: "
            f"{', '.join(sorted(backends))}); decorated functions cannot capture.",
            f"pip install {package}"
            if package
            else "Install the plugin that provides it, or "
            "set SNAP_CAPTURE_BACKEND to an installed backend.",
        )


def _config(report: Report) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConfigWarning)
        resolved = resolve_config()
    report.config_problems = list(resolved.problems)
    for problem in resolved.problems:
        report.problem("configuration", problem)


def _check_permissions(report: Report, store: Store) -> None:
    if os.name != "posix":
        return
    uid = os.getuid()
    try:
        root_stat = store.root.stat()
    except OSError:
        return
    if stat.S_IMODE(root_stat.st_mode) & 0o077:
        report.problem(
            "permissions",
            f"the store {store.root} is accessible by other users "
            f"(mode {stat.S_IMODE(root_stat.st_mode):o}; snapy creates it 700).",
            f"chmod 700 {store.root}",
        )
    open_dirs: list[Path] = []
    open_files: list[Path] = []
    foreign_owner: list[Path] = []
    try:
        directories = sorted(
            Path(entry.path)
            for entry in os.scandir(store.root)
            if entry.is_dir(follow_symlinks=False)
        )
    except OSError:
        return
    for directory in directories:
        try:
            directory_stat = directory.stat()
        except OSError:
            continue
        if stat.S_IMODE(directory_stat.st_mode) & 0o077:
            open_dirs.append(directory)
        if directory_stat.st_uid != uid:
            foreign_owner.append(directory)
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError as error:
            report.problem(
                "permissions",
                f"cannot read {directory}: {error.strerror or error}.",
                "Check its owner and permissions.",
            )
            continue
        for entry in entries:
            try:
                entry_stat = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISREG(entry_stat.st_mode) and stat.S_IMODE(entry_stat.st_mode) & 0o077:
                open_files.append(Path(entry.path))
    if open_dirs:
        report.problem(
            "permissions",
            f"{plural(len(open_dirs), 'function directory', 'function directories')} can be "
            "read by other users (snapy creates them 700).",
            f"chmod 700 {store.root}/*",
            open_dirs[:MAX_LISTED],
        )
    if open_files:
        report.problem(
            "permissions",
            f"{plural(len(open_files), 'file')} in the store can be read by other users "
            "(captures may hold personal data; snapy writes them 600).",
            f"chmod 600 {store.root}/*/*",
            open_files[:MAX_LISTED],
        )
    if foreign_owner:
        report.note(
            "permissions",
            f"{plural(len(foreign_owner), 'directory', 'directories')} belong to another user: "
            "this user may be unable to prune them.",
            files=foreign_owner[:MAX_LISTED],
        )


def _check_files(report: Report, store: Store, out: Output, *, quick: bool) -> None:
    rows = store.functions()
    by_backend: dict[str, int] = {}
    for row in rows:
        for name in row.backends:
            by_backend[name] = by_backend.get(name, 0) + 1
    report.store.update(
        {
            "functions": len(rows),
            "captures": sum(row.count for row in rows),
            "size": sum(row.total_size for row in rows),
        }
    )
    unclaimed = store.unclaimed_captures()
    if unclaimed:
        from snapy_core import KNOWN_BACKEND_PACKAGES

        for extension, count in sorted(unclaimed.items()):
            package = KNOWN_BACKEND_PACKAGES.get(extension)
            report.problem(
                "store",
                f"{plural(count, 'capture file')} with the extension .{extension} that no "
                "installed backend reads.",
                f"pip install {package}"
                if package
                else "Install the plugin of the backend that wrote them.",
            )
    _check_strays(report, store)
    if quick:
        report.note("store", "capture contents not checked (--quick).")
        return
    corrupt: list[CaptureCorruptError] = []
    seen_warnings: dict[str, None] = {}
    total = report.store["captures"]
    with (
        warnings.catch_warnings(record=True) as caught,
        out.progress("reading captures", total=total, enabled=total > 200) as advance,
    ):
        warnings.simplefilter("always")
        for row in rows:
            for located in store.locate_all(row.function_key):
                try:
                    located.backend.read(located.ref)
                except CaptureCorruptError as error:
                    corrupt.append(error)
                except CaptureNotFoundError:
                    pass
                except SnapyError as error:
                    corrupt.append(
                        CaptureCorruptError(located.ref.path or located.ref.capture_id, str(error))
                    )
                advance(1)
    for warning in caught:
        seen_warnings[str(warning.message)] = None
    for message in seen_warnings:
        report.note("store", message)
    if corrupt:
        report.problem(
            "store",
            f"{plural(len(corrupt), 'capture file')} cannot be read.",
            "Look at each file; delete the ones you do not need (loaders skip them with a "
            "warning meanwhile).",
            [f"{error.path}: {error.reason}" for error in corrupt[:MAX_LISTED]],
        )


def _check_strays(report: Report, store: Store) -> None:
    known = {ext for ext in (backend_extension(b) for b in store.backends) if ext}
    reports: list[dict[Path, Any]] = []
    for backend in store.backends:
        finder = getattr(backend, "stray_files", None)
        if finder is None:
            continue
        try:
            reports.append({stray.path: stray for stray in finder()})
        except (OSError, SnapyError):
            continue
    if not reports:
        return
    # a file is stray only if no backend claims it
    common = set(reports[0]).intersection(*reports[1:])
    strays = []
    temporary = []
    for path in sorted(common):
        stray = reports[0][path]
        match = CAPTURE_NAME.fullmatch(path.name)
        if match is not None and match["extension"] not in known:
            continue  # counted by the unclaimed-captures check
        if "temporary" in stray.reason:
            temporary.append(stray)
        else:
            strays.append(stray)
    if strays:
        report.problem(
            "store",
            f"{plural(len(strays), 'file')} in the store that "
            f"{'is' if len(strays) == 1 else 'are'} not captures (snapy never deletes them).",
            "Move them out of the store if they do not belong there.",
            [f"{stray.path}: {stray.reason}" for stray in strays[:MAX_LISTED]],
        )
    if temporary:
        removable = sum(1 for stray in temporary if stray.removable)
        report.note(
            "store",
            f"{plural(len(temporary), 'temporary file')} of interrupted writes"
            + (f" ({removable} stale: `snapy prune` removes them)" if removable else ""),
            files=[stray.path for stray in temporary[:MAX_LISTED]],
        )


def run_doctor(
    out: Output, *, path: Path | None, backend: str | None, quick: bool, as_json: bool
) -> int:
    report = Report()
    with warnings.catch_warnings():
        # what these would warn about is reported below, once
        warnings.simplefilter("ignore", ConfigWarning)
        warnings.simplefilter("ignore", PluginWarning)
        _packages(report)
        _trace_recorder(report)
        _plugins(report)
        _backends(report)
        _config(report)
    if path is None:
        root, origin = configured_path()
    else:
        root, origin = Path(os.path.abspath(path)), "--path"
    report.store = {"path": str(root), "origin": origin, "exists": root.is_dir()}
    if root.is_dir():
        try:
            store = Store(root, open_backends(root, backend), origin=origin)
        except CliError as error:
            report.problem("store", error.message, error.hint)
        else:
            report.store["backends"] = store.backend_names
            _check_permissions(report, store)
            _check_files(report, store, out, quick=quick)
    elif root.exists():
        report.problem(
            "store", f"{root} is not a directory ({origin}).", "Point --path at the store."
        )
    else:
        report.note(
            "store",
            f"no store at {root} yet ({origin}): it is created by the first captured call.",
        )
    if as_json:
        out.json(
            {
                "healthy": not report.problems,
                "python": sys.version.split()[0],
                "packages": report.packages,
                "trace_recorder": report.trace_recorder,
                "plugins": report.plugins,
                "backends": report.backends,
                "config_problems": report.config_problems,
                "store": report.store,
                "problems": [attrs.asdict(f) for f in report.problems],
                "notes": [attrs.asdict(f) for f in report.findings if not f.problem],
            }
        )
    else:
        _print(out, report)
    return EXIT_FOUND if report.problems else EXIT_OK


def _print(out: Output, report: Report) -> None:
    from rich.text import Text

    def line(mark: str, style: str, text: str) -> None:
        rendered = Text("  ")
        rendered.append(mark, style=style)
        rendered.append(" " + text)
        out.print(rendered, soft_wrap=True)

    def findings(section: str) -> None:
        for finding in report.findings:
            if finding.section != section:
                continue
            if finding.problem:
                line("✗", "bold red", finding.message)
            else:
                line("•", "yellow", finding.message)
            for file in finding.files:
                out.print(Text(f"      {file}", style="dim"), soft_wrap=True)
            if finding.hint:
                out.print(Text(f"      → {finding.hint}", style="cyan"), soft_wrap=True)

    out.print(
        Text(f"Python {sys.version.split()[0]} ({sys.executable})", style="dim"), soft_wrap=True
    )
    out.print(Text("Packages", style="bold"))
    for package in report.packages:
        recorder = ""
        if package["name"].lower().replace("_", "-") == "snapy-trace" and report.trace_recorder:
            recorder = f" ({report.trace_recorder} recorder)"
        line("✓", "green", f"{package['name']} {package['version']}{recorder}")
    findings("packages")
    out.print(Text("Plugins", style="bold"))
    for plugin in report.plugins:
        if plugin["status"] != "loaded":
            continue
        source = (
            f" ({plugin['distribution']} {plugin['version']})" if plugin["distribution"] else ""
        )
        line("✓", "green", f"{plugin['name']}{source}")
    findings("plugins")
    out.print(Text("Storage backends", style="bold"))
    configured = resolve_config().config.backend
    for backend in report.backends:
        default = " [configured]" if backend["name"] == configured else ""
        line(
            "✓",
            "green",
            f"{backend['name']}{default}: {backend['description'] or '-'} "
            f"(plugin {backend['plugin']})",
        )
    findings("backends")
    out.print(Text("Configuration", style="bold"))
    if not report.config_problems:
        line("✓", "green", "no problems (`snapy config` shows every value and its source)")
    findings("configuration")
    store = report.store
    out.print(Text("Store", style="bold"))
    state = f"{store['path']} ({store['origin']})"
    if "functions" in store:
        line(
            "✓" if store["exists"] else "•",
            "green",
            f"{state}: {plural(store['functions'], 'function')}, "
            f"{plural(store['captures'], 'capture')}, {format_size(store['size'])}",
        )
    findings("store")
    findings("permissions")
    problems = report.problems
    out.print("")
    if problems:
        out.print(Text(f"{plural(len(problems), 'problem')} found.", style="bold red"))
    else:
        out.print(Text("No problems found.", style="bold green"))


__all__ = ["run_doctor"]
