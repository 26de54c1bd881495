"""``snapy_testing``: the import name the seed documents use; an alias of :mod:`snapy_trace`.

``from snapy_testing import FunctionTracer, TracerConfig, TracedSnapshot`` gives the same
objects as importing them from ``snapy_trace``.
"""

from snapy_trace import *  # noqa: F403 - the alias re-exports everything
from snapy_trace import __all__ as __all__
