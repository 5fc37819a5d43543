"""The knowledge base: full-text search over finished cases, with their answers, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from flask_citizencare import state
from flask_citizencare.database import migrate
from flask_citizencare.models import Category, Message, Report, StaffMember
from flask_citizencare.services.knowledge import (
    MAX_QUERY_CHARS,
    KnowledgeHit,
    clean_query,
    fts5_query,
    highlight,
    query_words,
    search_resolved,
)

from .conftest import dispose
from .factories import create_category, create_report
from .host import make_host_app

EARLIER = datetime.now(UTC) - timedelta(days=3)


@pytest.fixture
def session(app: Flask, db_session: Session) -> Iterator[Session]:
    with app.test_request_context():
        yield db_session


@pytest.fixture
def staff(session: Session) -> StaffMember:
    member = StaffMember(user_id="urp-1", display_name="Anna URP", role="operator")
    session.add(member)
    session.flush()
    return member


@pytest.fixture
def lighting(session: Session) -> Category:
    return create_category(session, code="lighting", name="Illuminazione pubblica")


@pytest.fixture
def roads(session: Session) -> Category:
    return create_category(session, code="roads", name="Strade")


def resolved(
    session: Session,
    category: Category,
    title: str,
    description: str,
    *,
    answer: str | None = None,
    staff: StaffMember | None = None,
    status: str = "resolved",
) -> Report:
    fields = {"acknowledged_at": EARLIER, "resolved_at": EARLIER}
    if status == "closed":
        fields["closed_at"] = EARLIER
    report = create_report(
        session, category=category, title=title, description=description, status=status, **fields
    )
    if answer is not None:
        assert staff is not None
        session.add(
            Message(report=report, visibility="public", author_kind="staff", author_id=staff.id, body=answer)
        )
    return report


@pytest.fixture
def cases(session: Session, staff: StaffMember, lighting: Category, roads: Category) -> dict[str, Report]:
    reports = {
        "via roma": resolved(
            session,
            lighting,
            "Lampione spento in via Roma",
            "Il lampione davanti al civico 12 è spento.",
            answer="Abbiamo sostituito la lampada.",
            staff=staff,
        ),
        "piazza": resolved(
            session,
            lighting,
            "Lampioni spenti",
            "In piazza Maggiore tutti i lampioni sono spenti da ieri.",
            answer="Guasto alla linea riparato da Hera.",
            staff=staff,
            status="closed",
        ),
        "buca": resolved(
            session,
            roads,
            "Buca profonda",
            "Una buca profonda in via Indipendenza, pericolosa per le bici.",
            answer="Buca chiusa con asfalto a freddo.",
            staff=staff,
        ),
        "open lamp": create_report(
            session, category=lighting, title="Lampione spento in via Emilia", description="Ancora spento."
        ),
        "rejected lamp": create_report(
            session,
            category=lighting,
            title="Lampione spento",
            description="Lampione spento",
            status="rejected",
            reject_reason="Non di competenza comunale",
        ),
    }
    session.commit()
    return reports


def titles(hits: list[KnowledgeHit]) -> set[str]:
    return {hit.report.title for hit in hits}


def test_finds_finished_cases_with_their_answers(session: Session, cases: dict[str, Report]) -> None:
    hits = search_resolved(session, "lampione")
    # PostgreSQL's Italian stemmer and SQLite's prefix query both find the plural.
    assert titles(hits) == {"Lampione spento in via Roma", "Lampioni spenti"}
    answers = {hit.report.title: hit.answer for hit in hits}
    assert answers == {
        "Lampione spento in via Roma": "Abbiamo sostituito la lampada.",
        "Lampioni spenti": "Guasto alla linea riparato da Hera.",
    }
    assert all(hit.rank > 0 for hit in hits)
    assert all("<mark>" in hit.snippet for hit in hits)


def test_every_word_must_match_and_common_words_are_ignored(
    session: Session, cases: dict[str, Report]
) -> None:
    assert titles(search_resolved(session, "lampioni spenti in piazza")) == {"Lampioni spenti"}
    assert titles(search_resolved(session, "buca profonda")) == {"Buca profonda"}
    assert search_resolved(session, "lampione buca") == []
    assert search_resolved(session, "semaforo") == []
    assert search_resolved(session, "il la di in") == []  # only common words


def test_category_filter_and_limit(
    session: Session, cases: dict[str, Report], lighting: Category, roads: Category
) -> None:
    assert titles(search_resolved(session, "via", category_id=roads.id)) == {"Buca profonda"}
    assert titles(search_resolved(session, "via", category_id=lighting.id)) == {"Lampione spento in via Roma"}
    assert len(search_resolved(session, "via", limit=1)) == 1
    assert len(search_resolved(session, "via", limit=0)) == 1  # at least one


def test_best_match_first(session: Session, lighting: Category) -> None:
    resolved(session, lighting, "Segnaletica", "Un cartello storto vicino al lampione.")
    resolved(session, lighting, "Lampione", "Lampione spento, lampione rotto, lampione a terra.")
    session.commit()
    hits = search_resolved(session, "lampione")
    assert [hit.report.title for hit in hits] == ["Lampione", "Segnaletica"]
    assert hits[0].rank > hits[1].rank


def test_answer_is_the_newest_public_staff_reply(
    session: Session, staff: StaffMember, lighting: Category
) -> None:
    report = resolved(session, lighting, "Lampione", "Lampione spento", answer="Prima risposta", staff=staff)
    session.flush()
    later = datetime.now(UTC) + timedelta(minutes=5)
    session.add_all(
        [
            Message(
                report=report,
                visibility="public",
                author_kind="staff",
                author_id=staff.id,
                body="Risposta finale",
                created_at=later,
            ),
            Message(
                report=report,
                visibility="internal",
                author_kind="staff",
                author_id=staff.id,
                body="Nota interna",
                created_at=later + timedelta(minutes=1),
            ),
            Message(
                report=report,
                visibility="private",
                author_kind="staff",
                author_id=staff.id,
                body="Messaggio privato",
                created_at=later + timedelta(minutes=2),
            ),
            Message(
                report=report,
                visibility="public",
                author_kind="reporter",
                body="Grazie!",
                created_at=later + timedelta(minutes=3),
            ),
        ]
    )
    unanswered = resolved(session, lighting, "Lampione storto", "Lampione inclinato")
    session.commit()
    answers = {hit.report.id: hit.answer for hit in search_resolved(session, "lampione")}
    assert answers == {report.id: "Risposta finale", unanswered.id: None}


def test_snippet_is_escaped_html_with_marks(session: Session, backend: str, lighting: Category) -> None:
    resolved(session, lighting, "Palo <b>rotto</b>", 'Il lampione <script>alert("x")</script> & altro')
    session.commit()
    [hit] = search_resolved(session, "lampione")
    snippet = str(hit.snippet)
    assert "<script>" not in snippet and "<b>" not in snippet
    assert "&amp; altro" in snippet
    if backend == "spatialite":
        assert "&lt;script&gt;" in snippet
    # (PostgreSQL's ts_headline leaves HTML tags out of the fragment altogether.)
    assert "<mark>lampione</mark>" in snippet.lower()
    assert snippet.count("<mark>") == snippet.count("</mark>") >= 1
    assert "  " not in snippet


def test_blank_queries_give_nothing(session: Session, cases: dict[str, Report]) -> None:
    for query in ["", "   ", "\n\t", "?!", "***"]:
        assert search_resolved(session, query) == []


HOSTILE = [
    '"',
    '""',
    '"lampione',
    'lampione"',
    "AND",
    "lampione AND",
    "OR lampione",
    "NOT",
    "NEAR(",
    "NEAR(lampione spento, 2)",
    "lampione*",
    "*",
    "^lampione",
    "title:lampione",
    "{title description}: lampione",
    "(",
    ")",
    "lampione)",
    "-lampione",
    "lampione -spento",
    "lampione & spento | !buca <-> x:*",
    "'; DROP TABLE cc_reports; --",
    "1' OR '1'='1",
    "\\",
    "%_%",
    "lampione\x00spento",
    "\ud800lampione",
    "\ue000lampione\ue001",
    "😀 lampione 🚧",
    "città",
    "l'illuminazione dell'area",
    "a" * 3000,
    "lampione " * 2000,
    "x" * 10_000,
    "".join(chr(c) for c in range(1, 1200)),
]


@pytest.mark.parametrize("query", HOSTILE, ids=lambda q: repr(q[:20]))
def test_hostile_queries_never_raise(session: Session, cases: dict[str, Report], query: str) -> None:
    hits = search_resolved(session, query)
    assert isinstance(hits, list)
    assert all(hit.report.status in ("resolved", "closed") for hit in hits)
    # and the session is still usable
    assert session.scalar(sa.select(sa.func.count()).select_from(Report)) == len(cases)


def test_a_quoted_or_starred_word_is_still_searched_for(session: Session, cases: dict[str, Report]) -> None:
    for query in ['"lampione"', "lampione*", "(lampione)", "lampione;"]:
        assert "Lampione spento in via Roma" in titles(search_resolved(session, query)), query


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=80))
def test_any_text_is_a_valid_query(session: Session, cases: dict[str, Report], query: str) -> None:
    assert isinstance(search_resolved(session, query), list)


SYNTAX = ["AND", "OR", "NOT", "NEAR", '"', "*", "(", ")", "^", ":", "-", "+", "{", "}", "'", ";", "--"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(st.sampled_from([*SYNTAX, "lampione"]), max_size=12))
def test_any_mix_of_operators_is_a_valid_query(
    session: Session, cases: dict[str, Report], words: list[str]
) -> None:
    for glue in (" ", ""):
        assert isinstance(search_resolved(session, glue.join(words)), list)


def test_index_follows_updates_and_deletes(session: Session, backend: str, lighting: Category) -> None:
    report = resolved(session, lighting, "Lampione spento", "Il lampione di via Roma non funziona.")
    session.commit()
    assert titles(search_resolved(session, "funziona")) == {"Lampione spento"}

    report.description = "Il semaforo di via Roma lampeggia."
    session.commit()
    assert search_resolved(session, "funziona") == []
    assert titles(search_resolved(session, "semaforo lampeggia")) == {"Lampione spento"}

    report.title = "Semaforo guasto"
    session.commit()
    assert titles(search_resolved(session, "guasto")) == {"Semaforo guasto"}
    assert search_resolved(session, "lampione") == []

    report.status = "closed"  # other columns change without touching the text index
    report.closed_at = datetime.now(UTC)
    session.commit()
    assert titles(search_resolved(session, "semaforo")) == {"Semaforo guasto"}

    session.delete(report)
    session.commit()
    assert search_resolved(session, "semaforo") == []
    if backend == "spatialite":
        # The external-content index agrees with its table ("database disk image is malformed" if not).
        check = "INSERT INTO cc_reports_fts(cc_reports_fts, rank) VALUES ('integrity-check', 1)"
        session.execute(sa.text(check))


def test_the_full_text_index_finds_the_matches(
    session: Session, backend: str, cases: dict[str, Report], lighting: Category
) -> None:
    # Enough finished cases that the status or the category alone no longer narrows the search.
    session.execute(
        sa.insert(Report),
        [
            {
                "public_id": f"2020-{n:06d}",
                "tracking_token": f"token-{n}",
                "category_id": lighting.id,
                "title": f"Rifiuti abbandonati {n}",
                "description": "Sacchi lasciati accanto ai cassonetti.",
                "status": "resolved",
                "acknowledged_at": EARLIER,
                "resolved_at": EARLIER,
            }
            for n in range(500)
        ],
    )
    session.execute(sa.text("ANALYZE cc_reports" if backend == "postgis" else "ANALYZE"))
    seen: list[tuple[str, object]] = []
    engine = session.get_bind()

    def record(conn, cursor, statement, parameters, context, many):  # type: ignore[no-untyped-def]
        seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        hits = search_resolved(session, "lampione", category_id=lighting.id)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert titles(hits) == {"Lampione spento in via Roma", "Lampioni spenti"}
    statement, parameters = next((s, p) for s, p in seen if "websearch_to_tsquery" in s or "cc_fts_hits" in s)
    cursor = session.connection().connection.cursor()
    try:
        if backend == "postgis":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + statement, parameters)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "ix_cc_reports_fts_italian" in plan, plan
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            # One full-text query for all ("M"), never one per report row ("=M": MATCH and rowid = ?).
            assert "SCAN cc_reports_fts VIRTUAL TABLE INDEX 0:M" in plan, plan
            assert ":=M" not in plan, plan
    finally:
        cursor.close()
    session.rollback()


def test_accented_and_unaccented_words_find_the_same_case(session: Session, lighting: Category) -> None:
    """SQLite's unicode61 folds accents away; PostgreSQL's Italian stemmer reduces both to one stem."""
    resolved(session, lighting, "Lampione in città", "Zona università")
    session.commit()
    assert titles(search_resolved(session, "città università")) == {"Lampione in città"}
    assert titles(search_resolved(session, "citta universita")) == {"Lampione in città"}


def test_migration_indexes_existing_reports_and_downgrade_removes_the_index(
    new_database: str, backend: str
) -> None:
    app = make_host_app(new_database)
    try:
        migrate.upgrade(app)
        with app.app_context():
            session = state(app).db.session
            resolved(session, create_category(session), "Lampione spento", "In via Roma")
            session.commit()
        migrate.downgrade(app, "0002")
        with app.app_context(), state(app).db.engine.connect() as connection:
            if backend == "postgis":
                gone = connection.execute(
                    sa.text("SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_cc_reports_fts_italian'")
                ).scalar()
            else:
                gone = connection.execute(
                    sa.text("SELECT count(*) FROM sqlite_master WHERE name LIKE 'cc_reports_fts%'")
                ).scalar()
            assert gone == 0
        migrate.upgrade(app)  # the rebuild indexes the report written before
        with app.app_context(), app.test_request_context():
            hits = search_resolved(state(app).db.session, "lampioni")
            assert [hit.report.title for hit in hits] == ["Lampione spento"]
        assert migrate.pending_differences(app) == []
    finally:
        dispose(app)


# -- The query text, without a database ------------------------------------------------------


def test_query_words_are_cut_cleaned_and_deduplicated() -> None:
    words = query_words(clean_query("Lampione SPENTO, lampione in via Roma!"))
    assert words == ["lampione", "spento", "via", "roma"]
    assert clean_query("a\x00b\ud800c") == "a b c"
    assert len(clean_query("x" * 10_000)) == MAX_QUERY_CHARS
    assert len(query_words(" ".join(f"w{n}" for n in range(100)))) == 16


def test_fts5_query_quotes_every_word() -> None:
    assert fts5_query(["lampione", "via", "buca", "tram"]) == '"lampion"* AND "via" AND "buc"* AND "tram"*'
    assert fts5_query(["lampione", "spento"], any_word=True) == '"lampion"* OR "spent"*'
    assert fts5_query(['a"b']) == '"a""b"'


def test_highlight_escapes_and_marks() -> None:
    raw = "<i>x</i> \ue000lampione\ue001 & \ue000stray"
    assert str(highlight(raw)) == "&lt;i&gt;x&lt;/i&gt; <mark>lampione</mark> &amp; stray"
    assert str(highlight(None)) == ""
