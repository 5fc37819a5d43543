"""Use cases that change state: each runs in one transaction and writes its audit event."""
