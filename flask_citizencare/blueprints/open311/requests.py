"""Open311 endpoints: requests (being written)."""
