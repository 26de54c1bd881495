"""snapy plugin entry point (filled in by its work item)."""
