"""The dashboards' tables: one list of rows feeds the chart, the HTML table and the CSV.

Cells hold raw values (ints, shares 0–1, seconds) and a column kind; the
template formats them in the visitor's language, the CSV writes them as they
are (shares as fractions, durations in seconds), so a spreadsheet can compute
with them.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from ...domain import statistics as st
from ...i18n import format_locale, ngettext, pgettext
from ...i18n import gettext as _
from ...queries.statistics import Figures, ProposalFigures, ProposalRow, Row

#: Column kinds: how a cell is formatted.
TEXT, COUNT, SHARE, DURATION, SCORE = "text", "count", "share", "duration", "score"


@dataclass
class Table:
    """A data table under a chart; ``chart`` names the columns drawn as bars (``None``: no chart)."""

    name: str
    caption: str
    columns: list[tuple[str, str]]
    rows: list[list[Any]] = field(default_factory=list)
    chart: tuple[int, ...] | None = None
    note: str | None = None

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([label for label, _kind in self.columns])
        for row in self.rows:
            writer.writerow(["" if value is None else _csv_value(value) for value in row])
        return out.getvalue()

    def bar_max(self) -> float:
        values = [row[i] for row in self.rows for i in self.chart or () if isinstance(row[i], int | float)]
        return max(values, default=0) or 1


def _csv_value(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:.6g}" if math.isfinite(value) else ""
    if isinstance(value, date):
        return value.isoformat()
    return value


def _locale() -> str:
    return format_locale()


def format_duration(seconds: float | None) -> str:
    """Durations as people say them, in their language: "45 min", "3 h 20 min", "2.5 days"."""
    if seconds is None:
        return "–"
    locale = _locale()
    minutes = round(max(seconds, 0) / 60)
    if minutes < 60:
        return str(_("%(minutes)s min", minutes=format_decimal(minutes, locale=locale)))
    if seconds < 86400:
        hours, rest = divmod(minutes, 60)
        if not rest:
            return str(_("%(hours)s h", hours=format_decimal(hours, locale=locale)))
        return str(
            _(
                "%(hours)s h %(minutes)s min",
                hours=format_decimal(hours, locale=locale),
                minutes=format_decimal(rest, locale=locale),
            )
        )
    days = round(seconds / 86400, 1)
    shown = format_decimal(days, "#,##0.#", locale=locale)
    return str(ngettext("%(days)s day", "%(days)s days", 1 if days == 1 else 2, days=shown))


def format_cell(value: Any, kind: str) -> str:
    if value is None:
        return "–"
    locale = _locale()
    if kind == COUNT:
        return format_decimal(value, locale=locale)
    if kind == SHARE:
        return format_percent(value, "#,##0.#%", locale=locale)
    if kind == DURATION:
        return format_duration(value)
    if kind == SCORE:
        return format_decimal(value, "#,##0.#", locale=locale)
    if isinstance(value, date):
        return format_date(value, "MMM yyyy", locale=locale)
    return str(value)


def build_tables(
    figures: Figures, name_of: dict[str, Callable[[Any], str]], *, staff: bool, period: bool = True
) -> list[Table]:
    """Every table of a dashboard, in page order.

    ``period``: whether the visitor chose a period. The breakdowns' "still open"
    counts the requests received in the period that are open; the staff's "open
    now" every open request of the office or technician, whenever received (their
    workload). Without a period both are the same number, so the staff column is
    left out rather than shown twice.
    """
    count = pgettext("number of requests", "Received"), COUNT
    open_, closed = (
        (pgettext("number of requests", "Still open"), COUNT),
        (pgettext("number of requests", "Closed"), COUNT),
    )
    tables = [
        Table(
            "status",
            _("Open and closed requests"),
            [
                (_("Requests"), TEXT),
                (pgettext("number of requests", "Open"), COUNT),
                (pgettext("number of requests", "Closed"), COUNT),
            ],
            [
                [_("Now, all requests"), figures.open_now, figures.closed_now],
                [_("Received in the period"), figures.open, figures.closed],
            ],
            chart=(1, 2),
        ),
        _breakdown(
            "categories",
            _("Requests by category"),
            _("Category"),
            figures.by_category,
            name_of["category"],
            [count, open_, closed],
        ),
        _breakdown(
            "offices",
            _("Requests by office"),
            _("Office"),
            figures.by_office,
            name_of["office"],
            [count, open_, closed],
            staff=staff,
            backlog=period,
        ),
        _breakdown(
            "areas",
            _("Requests by area"),
            _("Area"),
            figures.by_area,
            name_of["area"],
            [count, open_, closed],
        ),
        Table(
            "times",
            _("Time to acknowledge and to resolve"),
            [
                (_("Measure"), TEXT),
                (_("Cases measured"), COUNT),
                (_("Median"), DURATION),
                (_("90th percentile"), DURATION),
            ],
            [
                [
                    _("Time to acknowledge"),
                    figures.acknowledge.count,
                    figures.acknowledge.median,
                    figures.acknowledge.p90,
                ],
                [
                    _("Time to resolve (from acknowledgement)"),
                    figures.resolve.count,
                    figures.resolve.median,
                    figures.resolve.p90,
                ],
            ],
            chart=(2, 3),
        ),
        Table(
            "sla",
            _("Cases within the service level"),
            [
                (_("Measure"), TEXT),
                (_("Cases with a due time"), COUNT),
                (_("Within the due time"), COUNT),
                (_("Share"), SHARE),
            ],
            [
                [_("Acknowledgement"), figures.ack_due, figures.ack_met, figures.ack_within],
                [_("Resolution"), figures.res_due, figures.res_met, figures.res_within],
            ],
            chart=(3,),
        ),
        Table(
            "backlog",
            _("Open requests by age"),
            [(_("Age"), TEXT), (_("Open requests"), COUNT)],
            [[label, value] for label, value in zip(age_labels(), figures.backlog, strict=True)],
            chart=(1,),
        ),
        Table(
            "trend",
            _("Received and resolved per month, last 12 months"),
            [
                (_("Month"), TEXT),
                (pgettext("number of requests", "Received"), COUNT),
                (pgettext("number of requests", "Resolved"), COUNT),
            ],
            [[month, received, resolved] for month, received, resolved in figures.trend],
            chart=(1, 2),
        ),
    ]
    if figures.survey_count:
        tables.append(
            Table(
                "satisfaction",
                _("Satisfaction of the citizens who answered the survey"),
                [(_("Measure"), TEXT), (_("Value"), SCORE)],
                [
                    [_("Answers"), figures.survey_count],
                    [_("Net Promoter Score (-100 to 100)"), figures.nps],
                    [_("Knowledge of the staff (average, 0-10)"), figures.knowledge],
                    [_("Request resolved (average, 0-10)"), figures.resolved_score],
                ],
                note=_(
                    'Promoters answer 9 or 10 to "would you recommend us", detractors 0 to 6; '
                    "the score is the share of promoters minus the share of detractors."
                ),
            )
        )
    if staff:
        tables.append(
            _breakdown(
                "technicians",
                _("Requests by technician"),
                _("Technician"),
                figures.by_assignee,
                name_of["assignee"],
                [(pgettext("number of requests", "Assigned"), COUNT), open_, closed],
                staff=True,
                backlog=period,
            )
        )
    return tables


def _breakdown(
    name: str,
    caption: str,
    key_label: str,
    rows: Sequence[Row],
    name_of: Callable[[Any], str],
    counts: list[tuple[str, str]],
    *,
    staff: bool = False,
    backlog: bool = False,
) -> Table:
    columns = [(key_label, TEXT), *counts]
    if staff:
        columns += [
            (pgettext("number of requests", "Resolved"), COUNT),
            (_("Median time to resolve"), DURATION),
            (_("Resolved within the due time"), SHARE),
        ]
        if backlog:
            columns.append((_("Open now, received at any time"), COUNT))
    table = Table(name, caption, columns, chart=(1,))
    for row in sorted(rows, key=lambda r: (-r.received, name_of(r.key))):
        values: list[Any] = [name_of(row.key), row.received, row.open, row.closed]
        if staff:
            values += [row.resolved, row.resolve.median, row.within_sla]
            if backlog:
                values.append(row.backlog)
        table.rows.append(values)
    return table


def age_labels() -> list[str]:
    labels = []
    for lower, upper in st.AGE_BUCKETS:
        if lower == 0:
            labels.append(_("Less than a day"))
        elif upper is None:
            labels.append(_("More than %(days)d days", days=lower))
        else:
            labels.append(_("%(low)d to %(high)d days", low=lower, high=upper))
    return labels


def proposal_tables(figures: ProposalFigures, name_of: dict[str, Callable[[Any], str]]) -> list[Table]:
    """The proposals' section: all proposals, by category, by district (none without proposals)."""
    if not figures.total.filed:
        return []
    columns = [
        (pgettext("number of proposals", "Filed"), COUNT),
        (pgettext("number of proposals", "Supported"), COUNT),
        (_("Reached the threshold"), COUNT),
        (pgettext("number of proposals", "Answered"), COUNT),
        (_("Answered within the time"), COUNT),
        (_("Answer late or overdue"), COUNT),
        (_("Share answered within the time"), SHARE),
        (_("Share accepted"), SHARE),
        (_("Share implemented"), SHARE),
    ]

    def values(row: ProposalRow) -> list[Any]:
        return [
            row.filed,
            row.supported,
            row.threshold,
            row.answered,
            row.within,
            row.missed,
            row.within_share,
            row.accepted_share,
            row.implemented_share,
        ]

    note = _(
        "Supported: at least one support. The time to answer starts when a proposal reaches its "
        "category's threshold; late or overdue: answered after it, or not answered and the time is up. "
        "The accepted and implemented shares are of the answered proposals (implemented ones count as "
        "accepted too)."
    )
    tables = [
        Table(
            "proposals",
            _("Proposals"),
            [(_("Proposals"), TEXT), *columns],
            [[_("All proposals"), *values(figures.total)]],
            note=note,
        ),
        Table(
            "proposals_categories",
            _("Proposals by category"),
            [(_("Category"), TEXT), *columns],
            [
                [name_of["category"](row.key), *values(row)]
                for row in sorted(figures.by_category, key=lambda r: (-r.filed, name_of["category"](r.key)))
            ],
            chart=(1, 2),
        ),
    ]
    if figures.by_area:
        tables.append(
            Table(
                "proposals_areas",
                _("Proposals by district"),
                [(_("District"), TEXT), *columns],
                [[name_of["area"](row.key), *values(row)] for row in figures.by_area],
                chart=(1, 2),
            )
        )
    return tables
