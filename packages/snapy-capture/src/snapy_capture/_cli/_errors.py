"""Errors a command reports to the user, and the exit codes they map to.

Exit codes of every ``snapy`` command:

* ``0``: done, nothing to report (``diff``: the captures are identical; ``doctor``: no
  problem found);
* ``1``: something was found or failed: ``diff`` found differences, ``doctor`` found a
  problem, a function or capture does not exist, a file could not be read, ``export``
  could not convert every capture;
* ``2``: usage error: an unknown option or command, a bad option value, a function name
  that matches several functions.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FOUND = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A problem to report in one or two sentences (what and where, then what to do)."""

    exit_code = EXIT_FOUND

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def lines(self) -> list[str]:
        lines = [f"snapy: error: {self.message}"]
        if self.hint:
            lines.append(f"  {self.hint}")
        return lines


class UsageProblem(CliError):
    """The command line asks for something that cannot be (exit code 2)."""

    exit_code = EXIT_USAGE


__all__ = ["EXIT_FOUND", "EXIT_OK", "EXIT_USAGE", "CliError", "UsageProblem"]
