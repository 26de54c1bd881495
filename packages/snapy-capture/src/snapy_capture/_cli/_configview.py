"""``snapy config``: every setting, its value, and where the value came from."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path
from typing import Any

from snapy_core import ENVIRONMENT_VARIABLES, ConfigWarning, resolve_config

from ._errors import EXIT_OK
from ._output import Output

_VARIABLE_OF = {name: variable for variable, name in ENVIRONMENT_VARIABLES.items()}


def _value_text(value: Any) -> str:
    if isinstance(value, dt.timedelta):
        return _duration_text(value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return ", ".join(_value_text(item) for item in value) if value else "(none)"
    if value is None:
        return "none"
    if callable(value):
        return getattr(value, "__qualname__", repr(value))
    return str(value)


def _duration_text(value: dt.timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0 and seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{value.total_seconds():g}s"


def _value_json(value: Any) -> Any:
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return [_value_json(item) for item in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return _value_text(value)


def show_config(out: Output, *, as_json: bool) -> int:
    with warnings.catch_warnings():
        # the problems are shown in the output; no second copy as warnings
        warnings.simplefilter("ignore", ConfigWarning)
        resolved = resolve_config()
    if as_json:
        out.json(
            {
                "settings": [
                    {
                        "name": value.name,
                        "value": _value_json(value.value),
                        "source": value.source.value,
                        "detail": value.detail,
                        "variable": _VARIABLE_OF.get(value.name),
                    }
                    for value in resolved.values
                ],
                "problems": list(resolved.problems),
            }
        )
        return EXIT_OK
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("setting", style="cyan", no_wrap=True)
    table.add_column("value", overflow="fold")
    table.add_column("source", no_wrap=True)
    table.add_column("set with", overflow="fold")
    for value in resolved.values:
        variable = _VARIABLE_OF.get(value.name)
        if value.detail:
            detail = Text(value.detail)
        elif variable:
            detail = Text(variable, style="dim")
        else:
            detail = Text("code only", style="dim")
        style = "" if value.source.value == "default" else "bold"
        shown = _value_text(value.value)
        table.add_row(value.name, shown, Text(value.source.value, style=style), detail)
    out.print(table)
    store = Path(resolved.config.path)
    if not store.is_absolute():
        out.print(
            Text(f"\nThe store path is relative: here it is {store.absolute()}"), soft_wrap=True
        )
    if resolved.problems:
        out.print(Text("\nProblems", style="bold red"))
        for problem in resolved.problems:
            out.print(Text(f"  - {problem}", style="red"), soft_wrap=True)
    out.print(
        Text(
            "\nThe variable in the last column changes a default. Decorator arguments "
            "(@capture_args(retention=...)) and set_global_config() in your code override or "
            "add to these for the functions they apply to.",
            style="dim",
        ),
        soft_wrap=True,
    )
    return EXIT_OK


__all__ = ["show_config"]
