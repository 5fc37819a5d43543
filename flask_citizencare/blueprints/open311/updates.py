"""Open311 endpoints: updates (being written)."""
