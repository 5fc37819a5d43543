"""Plumbing of the answers we serve: caching, body limits, forms, the layout and its assets.

Nothing here reads the per-app state (:mod:`flask_citizencare.context`): the
state stores what :mod:`.layout` and :mod:`.limiter` make, and the blueprints
apply them (``blueprints.layout_check``, ``blueprints.ratelimit``).
"""
