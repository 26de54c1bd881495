"""Hatchling build hook: compile ``snapy_trace._speedups``, the optional C recorder.

The extension is compiled with setuptools' ``build_ext`` for the interpreter that runs the
build. A wheel gets it (and a platform tag); an editable install gets it next to the
sources, in ``src/snapy_trace/``, one file per interpreter (``_speedups.cpython-312-...so``),
so environments of several Pythons share one checkout. When it cannot be compiled (no
compiler, no Python headers, a free-threaded or non-CPython interpreter) the build goes on
as a pure-Python wheel and snapy-trace records with its pure-Python recorder.

``SNAPY_TRACE_BUILD_EXTENSION``: unset (default) tries and falls back with a warning, ``0``
does not try, ``1`` makes a failed compile an error.

Run as a script (``python hatch_build.py [--force]``) it rebuilds the in-place extension
for the running interpreter when ``_speedups.c`` or this file is newer than it; ``dev.py``
does that before tests and benchmarks, since an installed editable package is not rebuilt
by anything else.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

HERE = Path(__file__).resolve().parent
PACKAGE_DIR = HERE / "src" / "snapy_trace"
SOURCE = PACKAGE_DIR / "_speedups.c"
MODULE = "snapy_trace._speedups"
SWITCH = "SNAPY_TRACE_BUILD_EXTENSION"


class ExtensionNotBuilt(Exception):
    """The C recorder could not be compiled for this interpreter; the message says why."""


def extension_filename() -> str:
    """``_speedups`` + this interpreter's suffix: ``.cpython-312-x86_64-linux-gnu.so`` ..."""
    return "_speedups" + str(sysconfig.get_config_var("EXT_SUFFIX") or ".so")


def in_place_extension() -> Path:
    return PACKAGE_DIR / extension_filename()


def build_mode() -> str:
    """``"try"``, ``"skip"`` or ``"require"``, from ``SNAPY_TRACE_BUILD_EXTENSION``."""
    value = os.environ.get(SWITCH, "").strip()
    modes = {"": "try", "0": "skip", "1": "require"}
    if value not in modes:
        raise ValueError(
            f"{SWITCH}={value!r} is not understood: use 1 (the C recorder is required),"
            " 0 (do not build it) or leave it unset (build it when possible)."
        )
    return modes[value]


def unsupported_reason() -> str | None:
    if sys.implementation.name != "cpython":
        return f"{sys.implementation.name} is not CPython"
    if sysconfig.get_config_var("Py_GIL_DISABLED"):
        return "this is a free-threaded CPython build (the C recorder relies on the GIL)"
    return None


def compile_extension(destination: Path) -> Path:
    """Compile ``_speedups.c`` into ``destination``; returns the file written.

    Raises ``ExtensionNotBuilt`` with the reason when this interpreter cannot have it.
    """
    reason = unsupported_reason()
    if reason:
        raise ExtensionNotBuilt(reason)
    try:
        from setuptools import Distribution, Extension
        from setuptools.command.build_ext import build_ext
    except ImportError as error:
        raise ExtensionNotBuilt(f"setuptools is not installed ({error})") from error

    extension = Extension(
        MODULE,
        sources=[str(SOURCE)],
        # the interpreter's own flags choose the optimisation (-O3/-O2, /Ox); asserts stay off
        define_macros=[("NDEBUG", None)],
    )
    with tempfile.TemporaryDirectory(prefix="snapy-trace-build-") as work:
        command = build_ext(Distribution({"name": "snapy-trace", "ext_modules": [extension]}))
        command.build_lib = os.path.join(work, "lib")
        command.build_temp = os.path.join(work, "temp")
        command.ensure_finalized()
        try:
            command.run()
        except Exception as error:  # CompileError, LinkError, PlatformError (no MSVC), ...
            raise ExtensionNotBuilt(
                f"compiling {SOURCE.name} failed: {type(error).__name__}: {error}"
            ) from error
        built = Path(command.get_ext_fullpath(MODULE))
        destination.mkdir(parents=True, exist_ok=True)
        target = destination / extension_filename()
        # a new file, then a rename: a process that has the old extension loaded keeps it
        staging = destination / f".{target.name}.{os.getpid()}.tmp"
        shutil.copyfile(built, staging)
        os.replace(staging, target)
    return target


def warn(message: str) -> None:
    print(f"snapy-trace: {message}", file=sys.stderr, flush=True)


def fallback_warning(error: ExtensionNotBuilt) -> str:
    return (
        f"WARNING: the C recorder ({MODULE}) was not built: {error}."
        " snapy-trace will use its pure-Python recorder (correct, slower)."
        f" Set {SWITCH}=1 to make this an error."
    )


def remove_in_place_extension() -> None:
    """An in-place extension that was not rebuilt would run outdated C: take it away."""
    stale = in_place_extension()
    if stale.exists():
        stale.unlink()
        warn(f"removed {stale}: it may be outdated, and the pure-Python recorder is used.")


class SpeedupsBuildHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        mode = build_mode()
        editable = version == "editable"
        if mode == "skip":
            warn(f"{SWITCH}=0: the C recorder is not built; the pure-Python recorder is used.")
            if editable:
                remove_in_place_extension()
            return
        if editable:
            destination = PACKAGE_DIR
        else:  # kept until the wheel is written (finalize)
            destination = self._work = Path(tempfile.mkdtemp(prefix="snapy-trace-wheel-"))
        try:
            built = compile_extension(destination)
        except ExtensionNotBuilt as error:
            if mode == "require":
                raise RuntimeError(
                    f"the C recorder ({MODULE}) is required ({SWITCH}=1) but was not built: {error}"
                ) from error
            warn(fallback_warning(error))
            if editable:
                remove_in_place_extension()
            return
        if not editable:
            build_data["force_include"][str(built)] = f"snapy_trace/{built.name}"
        build_data["pure_python"] = False
        build_data["infer_tag"] = True

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        work = getattr(self, "_work", None)
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)


def rebuild_in_place(*, force: bool = False) -> int:
    """Rebuild the in-place extension of this interpreter when its sources are newer."""
    target = in_place_extension()
    newest_source = max(SOURCE.stat().st_mtime, Path(__file__).stat().st_mtime)
    if not force and target.exists() and target.stat().st_mtime >= newest_source:
        return 0
    mode = build_mode()
    if mode == "skip":
        remove_in_place_extension()
        return 0
    try:
        built = compile_extension(PACKAGE_DIR)
    except ExtensionNotBuilt as error:
        if mode == "require":
            warn(f"ERROR: the C recorder ({MODULE}) is required ({SWITCH}=1): {error}")
            return 1
        warn(fallback_warning(error))
        remove_in_place_extension()
        return 0
    warn(f"built {built.relative_to(HERE)}")
    return 0


if __name__ == "__main__":
    sys.exit(rebuild_in_place(force="--force" in sys.argv[1:]))
