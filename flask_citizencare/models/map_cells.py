"""``cc_map_cells``: public reports counted per grid cell, kept exact by database triggers.

See :mod:`flask_citizencare.queries.map_cells`: the public map's clusters are read
from here instead of aggregating every report of the view.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class MapCell(Base):
    """The public reports of one category, kind and status in one cell of one zoom level.

    ``cx = floor((lon + 180) / cell)``, ``cy = floor((lat + 90) / cell)`` with
    ``cell = geojson.cell_size(level)``: never negative, and a cell of a
    coarser level holds exactly the cells ``cx // 2**k`` of a finer one.
    """

    __tablename__ = "cc_map_cells"

    level: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True, autoincrement=False)
    cx: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    cy: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    category_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    n: Mapped[int]
    #: Sums of the members' coordinates: the centroid is ``sum / n``.
    sum_x: Mapped[float] = mapped_column(sa.Double)
    sum_y: Mapped[float] = mapped_column(sa.Double)
