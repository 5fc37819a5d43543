"""Open311 GeoReport v2 as plain data: its documents (XML and JSON) and its vocabularies.

The web layer (:mod:`flask_citizencare.blueprints.open311`) parses requests
and asks the queries and services; what the answers look like is decided
here, so the spec's element names and their order live in one place.
"""
