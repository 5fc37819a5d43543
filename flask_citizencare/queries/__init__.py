"""The read side: what views, the API, exports and dashboards show, built in SQL.

Nothing here changes a case; the summary tables (dashboard figures, map cells)
that speed the reads up are kept here too, beside the queries that use them.
"""
