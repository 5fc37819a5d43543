"""Mail, both ways: the outbox written with each change, its delivery, and replies read back into threads."""
