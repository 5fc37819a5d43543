"""Open311 endpoints: services (being written)."""
