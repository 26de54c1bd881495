"""``python -m snapy_capture``: the ``snapy`` command, with the current directory importable."""

import sys

from ._cli import main

sys.exit(main())
