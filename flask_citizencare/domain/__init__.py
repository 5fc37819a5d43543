"""Pure domain rules: no Flask request objects, no database sessions."""
