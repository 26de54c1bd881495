"""pytest plugin (filled in by its work item)."""
