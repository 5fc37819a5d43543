"""Suggestions learned from the municipality's own history."""
