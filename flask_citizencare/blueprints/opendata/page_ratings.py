"""Open data: the rating widget's figures per page (count, average, stars, answers), never its free texts."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response, current_app, jsonify
from flask.typing import ResponseReturnValue

from ...domain.feedback import ALL_ANSWERS, RATINGS
from ...queries.feedback import PageSummary, page_summaries
from ...web.caching import PUBLIC_DATA

HEADER = (
    "page",
    "count",
    "average",
    *(f"rating_{n}" for n in RATINGS),
    *(f"answer_{code}" for code in ALL_ANSWERS),
)


def _licensed(response: Response) -> Response:
    url = current_app.config["CITIZENCARE_OPENDATA_LICENCE_URL"]
    if url:
        response.headers["Link"] = f'<{url}>; rel="license"'
    response.headers["Cache-Control"] = PUBLIC_DATA
    return response


def _item(summary: PageSummary) -> dict[str, Any]:
    return {
        "page": summary.page,
        "count": summary.count,
        "average": round(summary.average, 2),
        "ratings": {str(n): summary.ratings.get(n, 0) for n in RATINGS},
        "answers": {code: summary.answers.get(code, 0) for code in ALL_ANSWERS},
    }


def page_ratings_json() -> ResponseReturnValue:
    response = jsonify(
        licence=current_app.config["CITIZENCARE_OPENDATA_LICENCE"],
        pages=[_item(summary) for summary in page_summaries()],
    )
    return _licensed(response)


def page_ratings_csv() -> ResponseReturnValue:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for summary in page_summaries():
        item = _item(summary)
        writer.writerow(
            [
                item["page"],
                item["count"],
                f"{item['average']:.2f}",
                *item["ratings"].values(),
                *item["answers"].values(),
            ]
        )
    response = Response(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = "attachment; filename=valutazioni-pagine.csv"
    return _licensed(response)
