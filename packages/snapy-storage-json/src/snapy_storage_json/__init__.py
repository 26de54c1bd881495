"""(filled in by its work item)."""
from .__about__ import __version__

__all__ = ["__version__"]
