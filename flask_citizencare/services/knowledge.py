"""The knowledge base: staff search finished cases and reuse the answers given.

Both databases search with their own full-text index, built by migration 0003:

* PostgreSQL: a GIN index on the Italian ``to_tsvector`` of title and description.
  The query is ``websearch_to_tsquery('italian', …)`` (web-search syntax: words are
  all required, ``"a phrase"``, ``or``, ``-word``; it never raises a syntax error),
  ranked with ``ts_rank``, highlighted with ``ts_headline``. The Italian stemmer
  makes "lampione" find "lampioni".
* SQLite: the FTS5 table ``cc_reports_fts`` (``unicode61 remove_diacritics 2``),
  kept in step with ``cc_reports`` by triggers, ranked with ``bm25``, highlighted
  with ``snippet()``. unicode61 does not stem, so each word of four letters or
  more becomes a prefix query without its last vowel ("lampione" → ``lampion*``,
  which finds "lampioni" too; "buca" → ``buc*`` finds "buche"). Every word is
  required; quotes, ``or`` and ``-`` are not operators there.

User text never reaches the FTS5 query language as syntax: it is cut to
:data:`MAX_QUERY_CHARS`, split into words, and each word is written as an FTS5
string (``"word"``), so input such as ``AND``, ``"``, ``*``, ``NEAR(`` or SQL
fragments is only ever searched for, never parsed. PostgreSQL gets the text as a
bind parameter of ``websearch_to_tsquery``, after removing the NUL and
surrogate characters it cannot store.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from ..access import Actor, visible_reports
from ..domain.lifecycle import Status
from ..models import Message, Report

#: Longer queries are cut here: nobody types more, and it bounds the work of a search.
MAX_QUERY_CHARS = 500
#: At most this many words of a query are used on SQLite.
MAX_TERMS = 16
MAX_LIMIT = 100
FINISHED = (Status.RESOLVED.value, Status.CLOSED.value)

#: The indexed expression of migration 0003, repeated verbatim so the planner uses the index.
PG_DOCUMENT = (
    "to_tsvector('italian'::regconfig, "
    "coalesce(cc_reports.title, '') || ' ' || coalesce(cc_reports.description, ''))"
)
PG_TEXT = "coalesce(cc_reports.title, '') || ' ' || coalesce(cc_reports.description, '')"
PG_CONFIG = "'italian'::regconfig"

# Private-use characters mark the highlighted words in what the database returns;
# they are turned into <mark> after the text has been HTML-escaped.
_START, _STOP = "\ue000", "\ue001"
_MARKED = re.compile(f"{_START}([^{_START}{_STOP}]*){_STOP}")
_ELLIPSIS = " … "
PG_HEADLINE_OPTIONS = (
    f"StartSel={_START}, StopSel={_STOP}, MaxWords=30, MinWords=12, ShortWord=2, "
    f'MaxFragments=2, FragmentDelimiter="{_ELLIPSIS}"'
)
SNIPPET_TOKENS = 24

_WORD = re.compile(r"\w+")
_SPACES = re.compile(r"\s+")
_VOWELS = frozenset("aeiouàèéìíòóù")
#: Italian words too common to search for on SQLite (PostgreSQL's Italian dictionary drops them too).
STOPWORDS = frozenset(
    """
    a ad al allo ai agli all agl alla alle con col coi da dal dallo dai dagli dall dagl dalla dalle
    di del dello dei degli dell degl della delle in nel nello nei negli nell negl nella nelle su sul
    sullo sui sugli sull sugl sulla sulle per tra fra il lo la li le gli ne un uno una ma ed se
    anche come dove che chi cui non più si c e è i l o ho ha hanno sono era
    """.split()
)


@dataclass(frozen=True)
class KnowledgeHit:
    """A finished case that matches a search.

    ``snippet`` is HTML-safe: the case's text, escaped, with the matched words
    in ``<mark>``. ``answer`` is the last public reply staff gave (the one
    written at resolution), if any. ``rank``: higher is better; comparable only
    within one search.
    """

    report: Report
    snippet: Markup
    answer: str | None
    rank: float


def search_resolved(
    session: Session,
    query: str,
    *,
    category_id: int | None = None,
    limit: int = 20,
    actor: Actor | None = None,
) -> list[KnowledgeHit]:
    """Resolved and closed cases matching ``query``, best first, with their answers.

    An empty query gives ``[]``; so does one made only of common words. Give
    ``actor`` to keep to the cases that staff member may see.
    """
    found = search_reports(
        session, query, statuses=FINISHED, category_id=category_id, limit=limit, actor=actor
    )
    answers = public_answers(session, [report.id for report, _, _ in found])
    return [
        KnowledgeHit(report=report, snippet=snippet, answer=answers.get(report.id), rank=rank)
        for report, snippet, rank in found
    ]


def search_reports(
    session: Session,
    query: str,
    *,
    statuses: Collection[str],
    category_id: int | None = None,
    limit: int = 20,
    any_word: bool = False,
    exclude_id: int | None = None,
    actor: Actor | None = None,
) -> list[tuple[Report, Markup, float]]:
    """Reports in ``statuses`` matching ``query``: ``(report, snippet, rank)``, best first.

    ``any_word`` matches reports with at least one of the words instead of all
    of them (used to find cases similar to a report's title).
    """
    text = clean_query(query)
    words = query_words(text)
    if not words:
        return []
    limit = max(1, min(int(limit), MAX_LIMIT))
    where: list[sa.ColumnElement[bool]] = [Report.status.in_(sorted(statuses))]
    if category_id is not None:
        where.append(Report.category_id == category_id)
    if exclude_id is not None:
        where.append(Report.id != exclude_id)
    if actor is not None:
        where.append(visible_reports(actor))
    if session.get_bind().dialect.name == "postgresql":
        pg_query = " or ".join(w for w in words if w != "or") if any_word else text
        rows = _search_postgres(session, pg_query, where, limit)
    else:
        rows = _search_sqlite(session, fts5_query(words, any_word=any_word), where, limit)
    return [(report, highlight(snippet), float(rank)) for report, snippet, rank in rows]


def _search_postgres(
    session: Session, text: str, where: list[sa.ColumnElement[bool]], limit: int
) -> list[Any]:
    document: sa.ColumnElement[Any] = sa.literal_column(PG_DOCUMENT)
    config: sa.ColumnElement[Any] = sa.literal_column(PG_CONFIG)
    tsquery = sa.func.websearch_to_tsquery(config, sa.bindparam("q", text, type_=sa.Text))
    rank = sa.func.ts_rank(document, tsquery).label("rank")
    # Rank and keep the best first; highlight only those (ts_headline re-parses the text).
    best = (
        sa.select(Report.id.label("id"), rank)
        .where(document.op("@@")(tsquery), *where)
        .order_by(rank.desc(), Report.id.desc())
        .limit(limit)
        .subquery()
    )
    headline = sa.func.ts_headline(
        config, sa.literal_column(PG_TEXT), tsquery, sa.bindparam("options", PG_HEADLINE_OPTIONS)
    )
    statement = (
        sa.select(Report, headline, best.c.rank)
        .join(best, best.c.id == Report.id)
        .order_by(best.c.rank.desc(), Report.id.desc())
    )
    return list(session.execute(statement).all())


def _search_sqlite(
    session: Session, match: str, where: list[sa.ColumnElement[bool]], limit: int
) -> list[Any]:
    fts = sa.table("cc_reports_fts", sa.column("rowid"))
    table: sa.ColumnElement[Any] = sa.literal_column("cc_reports_fts")
    query = sa.bindparam("q", match, type_=sa.Text)
    # The full-text query runs once, as a materialised table: joined to cc_reports directly,
    # SQLite would rather walk a category's or a status' rows and re-run MATCH for each one.
    hits = (
        sa.select(fts.c.rowid.label("id"), sa.func.bm25(table).label("score"))
        .where(table.op("MATCH")(query))
        .cte("cc_fts_hits")
        .prefix_with("MATERIALIZED")
    )
    best = session.execute(
        sa.select(Report, hits.c.score)
        .join(hits, hits.c.id == Report.id)
        .where(*where)
        .order_by(hits.c.score, Report.id.desc())
        .limit(limit)
    ).all()
    if not best:
        return []
    # snippet() needs the full-text query too; only for the reports kept.
    snippet = sa.func.snippet(table, -1, _START, _STOP, _ELLIPSIS.strip(), SNIPPET_TOKENS)
    rows = session.execute(
        sa.select(fts.c.rowid, snippet).where(
            table.op("MATCH")(query), fts.c.rowid.in_([report.id for report, _ in best])
        )
    )
    snippets = {rowid: text for rowid, text in rows}
    # bm25: lower is better; the hit's rank is higher-is-better.
    return [(report, snippets.get(report.id, ""), -score) for report, score in best]


def public_answers(session: Session, report_ids: Iterable[int]) -> dict[int, str]:
    """The newest public staff reply of each report (the answer given at resolution)."""
    ids = sorted(set(report_ids))
    if not ids:
        return {}
    rows = session.execute(
        sa.select(Message.report_id, Message.body)
        .where(
            Message.report_id.in_(ids),
            Message.visibility == "public",
            Message.author_kind == "staff",
        )
        .order_by(Message.report_id, Message.created_at.desc(), Message.id.desc())
    )
    answers: dict[int, str] = {}
    for report_id, body in rows:
        answers.setdefault(report_id, body)
    return answers


# -- Query text ------------------------------------------------------------------------------


def clean_query(query: str | None) -> str:
    """The user's text, cut to :data:`MAX_QUERY_CHARS`, without control and surrogate characters.

    PostgreSQL refuses NUL in text, and no driver encodes a lone surrogate.
    """
    if not query:
        return ""
    text = str(query)[:MAX_QUERY_CHARS]
    return "".join(" " if unicodedata.category(ch) in ("Cc", "Cs", "Co") else ch for ch in text).strip()


def query_words(text: str) -> list[str]:
    """The distinct words worth searching for, lower-cased, in order, at most :data:`MAX_TERMS`."""
    words: list[str] = []
    for match in _WORD.finditer(text.lower()):
        word = match.group().strip("_")
        if word and word not in STOPWORDS and word not in words:
            words.append(word)
            if len(words) == MAX_TERMS:
                break
    return words


def fts5_query(words: Iterable[str], *, any_word: bool = False) -> str:
    """An FTS5 MATCH expression in which every word is a quoted string, never syntax.

    Words of four letters or more lose a final vowel and become prefixes, a
    poor man's Italian stemmer: ``lampione`` → ``"lampion"*``.
    """
    terms = []
    for word in words:
        if len(word) >= 4:
            stem = word[:-1] if word[-1] in _VOWELS else word
            terms.append(_fts5_string(stem) + "*")
        else:
            terms.append(_fts5_string(word))
    return (" OR " if any_word else " AND ").join(terms)


def _fts5_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def highlight(raw: str | None) -> Markup:
    """Escape the database's snippet and turn its markers into ``<mark>``; runs of spaces become one."""
    raw = _SPACES.sub(" ", raw or "").strip()
    parts: list[str] = []
    position = 0
    for marked in _MARKED.finditer(raw):
        parts.append(_plain(raw[position : marked.start()]))
        parts.append(f"<mark>{_plain(marked.group(1))}</mark>")
        position = marked.end()
    parts.append(_plain(raw[position:]))
    return Markup("".join(parts))  # noqa: S704 (every piece of text was escaped above)


def _plain(text: str) -> str:
    return str(escape(text.replace(_START, "").replace(_STOP, "")))
