"""Similar proposals: the open ones a citizen could support instead of filing her own.

While a citizen types a proposal's title the form shows the open proposals
most like it, so that supports gather on one proposal instead of splitting
over five; a proposal's page lists its related ones. Only proposals that can
still gather supports are shown: public, not merged into another, open
(new, acknowledged, in progress, suspended) and not yet answered.

Both databases answer from an index, in one statement:

* PostgreSQL: ``pg_trgm`` on :data:`PG_DOCUMENT`, the partial GIN trigram
  index ``ix_cc_reports_proposals_trgm`` of migration 0011 (the expression is
  repeated here character for character, with the index's ``kind =
  'proposal'`` written as a literal, so the planner can use it). The operator
  is ``document %> words`` (``word_similarity``): the searched words of the
  title (common words and those under three letters left out; the
  description's words only when the title has none) against the
  best-matching stretch of a proposal's title and description, which suits
  a few typed words against a long text; ranked by that similarity. Plain
  ``similarity`` of the whole texts (``%``) was tried and left out: against
  long descriptions it keeps too little apart, and at 10^5 proposals its
  index scan returned most of the table (see docs/performance.md). The
  cut-off is pg_trgm's own ``pg_trgm.word_similarity_threshold`` (0.6): a
  database administrator may tune it per database (``ALTER DATABASE … SET
  pg_trgm.word_similarity_threshold = 0.7``; higher is faster and finds
  fewer) without an extra round trip per search.
* SQLite: the FTS5 table ``cc_reports_fts`` of migration 0003 (title and
  description of every report, ``unicode61 remove_diacritics 2``), ranked with
  ``bm25`` (the title weighs twice the description). The typed words become
  quoted FTS5 strings, never syntax; words of four letters or more become
  prefixes without their last vowel (``panchine`` → ``"panchin"*``, which
  finds "panchina" too). With two words or more, a proposal must share at
  least two of them: a lone "via" or "parco" in common is not similarity.

Words shorter than three letters, the commonest Italian, English and
Catalan words and the words of every address ("via", "piazza", "carrer") are
not searched for. Input is cut to :data:`MAX_TITLE_CHARS`
and :data:`MAX_DESCRIPTION_CHARS`; control characters (NUL among them, which
PostgreSQL refuses) and lone surrogates are dropped. Text that leaves no word
(punctuation only, ``"*"``) gives ``[]``, never an error.

Moderation may have redacted a proposal's public text (``public_title``,
``public_description``). The index holds the original text, so such a
proposal is shown only if its *public* text matches too: nobody can find out
what was redacted by typing it.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import combinations
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from ..context import db_session
from ..domain.lifecycle import OPEN_STATUSES, Kind
from ..models import Report

#: The indexed expression of migration 0011 (``PG_DOCUMENT`` there), verbatim: keep them identical.
PG_DOCUMENT = "(coalesce(title, '') || ' ' || coalesce(description, ''))"
#: The same expression over what the public sees (moderation's redacted text, if any).
PG_SHOWN = "(coalesce(public_title, title, '') || ' ' || coalesce(public_description, description, ''))"

MAX_LIMIT = 20
#: Only the start of what is typed is compared: titles are short, and it bounds a search's work.
MAX_TITLE_CHARS = 200
MAX_DESCRIPTION_CHARS = 1000
#: At most this many words of the typed text are searched for on SQLite.
MAX_TERMS = 8
#: Shortest word searched for.
MIN_WORD = 3

_WORD = re.compile(r"\w+")
_VOWELS = frozenset("aeiouàèéìíòóù")
#: Common words of the three shipped languages that say nothing about a proposal; with them the
#: words of every address ("via", "piazza"), which nearly every proposal holds (the street's name stays).
STOPWORDS = frozenset(
    """
    agli alla alle allo anche che chi col coi come con cui dagli dai dal dalla dalle dallo degli dei del
    della delle dello dove fra gli hanno nei negli nel nella nelle nello non per più questa queste questi
    questo quella quelle quello quelli sono sui sugli sul sulla sulle sullo tra una uno era molto tutti
    tutto essere
    the and for with from this that these those are was were not but our more into there their have has
    els les amb del dels que una uns unes als més com són aquest aquesta aquests aquestes pel pels
    via viale piazza strada street road carrer plaça avinguda
    """.split()
)


def similar_proposals(
    title: str,
    description: str = "",
    *,
    exclude_id: int | None = None,
    limit: int = 5,
    category_id: int | None = None,
) -> list[Report]:
    """Up to ``limit`` open, public, unanswered proposals like ``title`` (and ``description``), best first.

    Each comes with its category loaded. ``exclude_id`` leaves out one
    proposal (the page's own); ``category_id`` keeps to one category.
    """
    session = db_session()
    title_text = clean_text(title, MAX_TITLE_CHARS)
    description_text = clean_text(description, MAX_DESCRIPTION_CHARS)
    words = search_words(f"{title_text} {description_text}")
    if not words:
        return []
    limit = max(1, min(int(limit), MAX_LIMIT))
    where = _still_open(exclude_id, category_id)
    if session.get_bind().dialect.name == "postgresql":
        # The typed title's words without the common ones: "Panchine al parco" looks for "panchine parco".
        typed = " ".join(search_words(title_text)) or " ".join(words)
        return _postgres(session, typed, where, limit)
    return _sqlite(session, words, where, limit)


def _still_open(exclude_id: int | None, category_id: int | None) -> list[sa.ColumnElement[bool]]:
    """Proposals that can still gather supports (``kind`` as a literal: the partial indexes' predicate)."""
    where: list[sa.ColumnElement[bool]] = [
        Report.kind == sa.literal_column(f"'{Kind.PROPOSAL.value}'"),
        Report.is_public.is_(True),
        Report.duplicate_of_id.is_(None),
        Report.answered_at.is_(None),
        Report.status.in_(sorted(OPEN_STATUSES)),
    ]
    if exclude_id is not None:
        where.append(Report.id != exclude_id)
    if category_id is not None:
        where.append(Report.category_id == category_id)
    return where


def _postgres(session: Session, typed: str, where: list[sa.ColumnElement[bool]], limit: int) -> list[Report]:
    document: sa.ColumnElement[Any] = sa.literal_column(PG_DOCUMENT)
    shown: sa.ColumnElement[Any] = sa.literal_column(PG_SHOWN)
    words = sa.bindparam("typed", typed, type_=sa.Text)
    score: sa.ColumnElement[Any] = sa.func.word_similarity(words, document)
    not_redacted = sa.and_(Report.public_title.is_(None), Report.public_description.is_(None))
    best = (
        sa.select(Report.id.label("id"), score.label("score"))
        .where(document.op("%>")(words), sa.or_(not_redacted, shown.op("%>")(words)), *where)
        .order_by(sa.desc("score"), Report.id.desc())
        .limit(limit)
        .subquery("cc_similar")
    )
    statement = (
        sa.select(Report)
        .join(best, best.c.id == Report.id)
        .options(joinedload(Report.category))
        .order_by(best.c.score.desc(), Report.id.desc())
    )
    return list(session.scalars(statement).unique())


def _sqlite(
    session: Session, words: list[str], where: list[sa.ColumnElement[bool]], limit: int
) -> list[Report]:
    table: sa.ColumnElement[Any] = sa.literal_column("cc_reports_fts")
    fts = sa.table("cc_reports_fts", sa.column("rowid"))
    match = sa.bindparam("q", fts5_query(words), type_=sa.Text)
    # The full-text query runs once, as a materialised table (as in services.knowledge).
    hits = (
        sa.select(fts.c.rowid.label("id"), sa.func.bm25(table, 2.0, 1.0).label("score"))
        .where(table.op("MATCH")(match))
        .cte("cc_similar_hits")
        .prefix_with("MATERIALIZED")
    )
    # A few more than asked: a redacted proposal whose public text does not match is dropped below.
    rows = session.scalars(
        sa.select(Report)
        .join(hits, hits.c.id == Report.id)
        .where(*where)
        .options(joinedload(Report.category))
        .order_by(hits.c.score, Report.id.desc())
        .limit(limit * 2)
    ).unique()
    needed = min(2, len(words))
    found = [r for r in rows if _public_text_matches(r, words, needed)]
    return found[:limit]


def _public_text_matches(report: Report, words: list[str], needed: int) -> bool:
    """A redacted proposal's public text shares ``needed`` of the words too (others: always true)."""
    if report.public_title is None and report.public_description is None:
        return True
    shown = search_words(f"{report.shown_title} {report.shown_description}", limit=None)
    stems = [_stem(word) for word in words]
    shared = sum(1 for stem in stems if any(word.startswith(stem) for word in shown))
    return shared >= needed


# -- Query text ------------------------------------------------------------------------------


def clean_text(text: str | None, limit: int) -> str:
    """``text`` cut to ``limit`` characters, control, surrogate and private-use characters made spaces."""
    if not text:
        return ""
    cut = str(text)[:limit]
    return "".join(" " if unicodedata.category(ch) in ("Cc", "Cs", "Co") else ch for ch in cut).strip()


def search_words(text: str, *, limit: int | None = MAX_TERMS) -> list[str]:
    """The distinct words worth searching for, lower-cased, in order (at most ``limit``)."""
    words: list[str] = []
    for found in _WORD.finditer(text.lower()):
        word = found.group().strip("_")
        if len(word) >= MIN_WORD and word not in STOPWORDS and not word.isdigit() and word not in words:
            words.append(word)
            if limit is not None and len(words) == limit:
                break
    return words


def _stem(word: str) -> str:
    return word[:-1] if len(word) >= 4 and word[-1] in _VOWELS else word


def fts5_query(words: list[str]) -> str:
    """An FTS5 MATCH expression of quoted strings only, never syntax; two words shared at least.

    One word: that word. More: any two of them (``(a AND b) OR (a AND c) OR …``).
    """
    terms = [_fts5_string(_stem(w)) + ("*" if len(w) >= 4 else "") for w in words]
    if len(terms) == 1:
        return terms[0]
    return " OR ".join(f"({a} AND {b})" for a, b in combinations(terms, 2))


def _fts5_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'
