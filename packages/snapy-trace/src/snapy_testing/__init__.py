from snapy_trace import *  # noqa: F403
