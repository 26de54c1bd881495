"""The ``snapy`` command (console script ``snapy = snapy_capture._cli:main``).

``snapy --help`` lists the commands; each has ``--help`` with examples. The exit codes
are documented in :mod:`snapy_capture._cli._errors`.
"""

from ._app import cli, main

__all__ = ["cli", "main"]
