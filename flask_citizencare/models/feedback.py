"""Page ratings from the AgID model's widget ("Quanto sono chiare le informazioni su questa pagina?").

No personal data: the page is the route's path template (never the URL with
its tokens), the rating, the chosen answer's code, an optional free text of at
most 200 characters and the language. No address, no user, no session.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow

#: The model's limit for the free text.
FEEDBACK_TEXT_MAX = 200


class PageRating(Base):
    __tablename__ = "cc_page_ratings"
    __table_args__ = (
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        sa.Index("ix_cc_page_ratings_page_created_at", "page", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The route's path template, e.g. ``/segnalazioni/track/<token>``.
    page: Mapped[str] = mapped_column(sa.String(200))
    rating: Mapped[int] = mapped_column(sa.SmallInteger)
    #: The code of the chosen answer of the negative or positive block, if any.
    answer: Mapped[str | None] = mapped_column(sa.String(40))
    comment: Mapped[str | None] = mapped_column(sa.String(FEEDBACK_TEXT_MAX))
    locale: Mapped[str] = mapped_column(sa.String(8), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
