"""Historical reports import (``flask citizencare import reports``): mapping, checks, batches, resume."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from flask import Flask

from flask_citizencare.domain.geo import Area
from flask_citizencare.domain.report_import import (
    CategoryInfo,
    MappingError,
    RowParser,
    SourceError,
    parse_mapping,
    read_source,
)
from flask_citizencare.models import (
    Category,
    MapCell,
    Message,
    OutboxMail,
    Report,
    ReporterContact,
    ReportImport,
    StatusEvent,
)
from flask_citizencare.queries import map_cells
from flask_citizencare.queries.statistics import last_refresh
from flask_citizencare.services.report_import import (
    AlreadyImported,
    check_file,
    import_file,
    open_source,
)

from .conftest import BOLOGNA
from .factories import create_category, create_office, create_report
from .host import host_db

HEADER = (
    "id_pratica;oggetto;testo;tipologia;stato;data_apertura;data_chiusura;latitudine;longitudine;"
    "indirizzo;pubblica;segnalante;email;telefono;risposta"
)
ROWS = [
    "A-1;Buca profonda;Buca in via Indipendenza;Buche;Aperta;01/03/2024 08:30;;44,4990;11,3430;"
    "Via Indipendenza 10;si;Mario Rossi;mario.rossi@example.org;+39 333 1234567;",
    "A-2;Lampione spento;Il lampione davanti al civico 3 è spento;Illuminazione;In lavorazione;"
    "02/03/2024 19:00;;44.5000;11.3500;;si;;;;",
    "A-3;;Buca riparata in via Zamboni;buche;Chiusa;03/03/2024 09:00;05/03/2024 12:00;44.4960;11.3520;"
    "Via Zamboni 1;si;Anna Bianchi;anna.bianchi@example.org;;Riparata il 5 marzo.",
    "A-4;Fuori competenza;Strada privata;Buche;Respinta;04/03/2024 10:00;04/03/2024 11:00;;;"
    "Via Privata 2;no;Luca Verdi;;051 123456;",
]
MAPPING: dict[str, Any] = {
    "version": 1,
    "delimiter": ";",
    "columns": {
        "external_id": "id_pratica",
        "title": "oggetto",
        "description": "testo",
        "category": "tipologia",
        "status": "stato",
        "received_at": "data_apertura",
        "resolved_at": "data_chiusura",
        "lat": "latitudine",
        "lon": "longitudine",
        "address": "indirizzo",
        "public": "pubblica",
        "contact_name": "segnalante",
        "contact_email": "email",
        "contact_phone": "telefono",
        "answer": "risposta",
    },
    "times": {"format": "%d/%m/%Y %H:%M", "timezone": "Europe/Rome"},
    "categories": {"Buche": "buche", "Illuminazione": "luci"},
    "statuses": {
        "Aperta": "new",
        "In lavorazione": "in_progress",
        "Chiusa": "closed",
        "Respinta": "rejected",
    },
    "defaults": {"reject_reason": "Non di competenza comunale."},
}
SECRETS = (
    "Mario Rossi",
    "mario.rossi@example.org",
    "333 1234567",
    "Anna Bianchi",
    "anna.bianchi",
    "Luca Verdi",
)


@pytest.fixture
def catalogue(app: Flask) -> dict[str, int]:
    with app.app_context():
        session = host_db.session
        roads = create_office(session, code="strade", name="Strade")
        lights = create_office(session, code="luce", name="Illuminazione")
        buche = create_category(session, code="buche", name="Buche", default_office=roads)
        luci = create_category(session, code="luci", name="Lampioni", default_office=lights)
        session.commit()
        return {"buche": buche.id, "luci": luci.id}


def write_csv(tmp_path: Path, rows: list[str], *, header: str = HEADER, encoding: str = "utf-8") -> Path:
    path = tmp_path / "segnalazioni.csv"
    path.write_bytes(("\r\n".join([header, *rows]) + "\r\n").encode(encoding))
    return path


def write_mapping(tmp_path: Path, mapping: dict[str, Any] | None = None) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(mapping or MAPPING, allow_unicode=True), encoding="utf-8")
    return path


def run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["citizencare", "import", "reports", *args])


def counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        session = host_db.session
        out = {
            model.__tablename__: session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
            for model in (Report, StatusEvent, Message, ReporterContact, ReportImport, OutboxMail)
        }
        session.rollback()
        return out


def _cells(session: Any) -> dict[tuple[Any, ...], int]:
    rows = session.execute(sa.select(MapCell)).scalars()
    return {(c.level, c.cx, c.cy, c.kind, c.category_id, c.status): c.n for c in rows}


def reports(app: Flask) -> dict[str, Report]:
    with app.app_context():
        session = host_db.session
        found = {r.submission_token.removeprefix("import:"): r for r in session.scalars(sa.select(Report))}
        for report in found.values():
            session.expunge(report)
        return found  # type: ignore[return-value]


# -- whole imports -------------------------------------------------------------


def test_csv_import_maps_statuses_times_and_keeps_contacts_private(
    app: Flask, catalogue: dict[str, int], tmp_path: Path
) -> None:
    app.config["CITIZENCARE_DASHBOARD_LIVE_MAX_REPORTS"] = 0
    result = run(app, str(write_csv(tmp_path, ROWS)), "--mapping", str(write_mapping(tmp_path)))
    assert result.exit_code == 0, result.output + result.stderr
    assert "4 report(s) imported" in result.output and "rows/s" in result.output
    assert "Importing" in result.stderr  # the progress bar goes to stderr

    found = reports(app)
    assert {k: r.status for k, r in found.items()} == {
        "A-1": "new",
        "A-2": "in_progress",
        "A-3": "closed",
        "A-4": "rejected",
    }
    new, working, closed, rejected = found["A-1"], found["A-2"], found["A-3"], found["A-4"]
    assert new.received_at.isoformat() == "2024-03-01T07:30:00+00:00"  # 08:30 in Rome, winter time
    assert new.acknowledged_at is None and new.due_at is None and new.ack_due_at is None
    assert working.acknowledged_at == working.received_at and working.office_id is not None
    assert working.category_id == catalogue["luci"]
    assert closed.resolved_at is not None and closed.closed_at == closed.resolved_at
    assert closed.title == "Buca riparata in via Zamboni"  # from the description
    assert rejected.reject_reason == "Non di competenza comunale." and not rejected.is_public
    assert rejected.point is None and rejected.address == "Via Privata 2"
    assert all(r.public_id.startswith("2024-") for r in found.values())
    assert len({r.tracking_token for r in found.values()}) == 4
    assert {r.channel for r in found.values()} == {"api"}

    n = counts(app)
    assert n["cc_reporter_contacts"] == 3 and n["cc_messages"] == 1
    assert n["cc_outbox"] == 0, "an import sends nothing"
    with app.app_context():
        session = host_db.session
        actions = session.scalars(
            sa.select(StatusEvent.action).where(StatusEvent.report_id == closed.id).order_by(StatusEvent.id)
        ).all()
        assert actions == ["submit", "acknowledge", "resolve", "close"]
        contact = session.scalar(sa.select(ReporterContact).where(ReporterContact.report_id == new.id))
        assert contact is not None and contact.email == "mario.rossi@example.org"
        done = session.scalar(sa.select(ReportImport))
        assert done is not None and done.rows_done == done.rows_total == 4 and done.finished_at is not None
        # Statistics and summaries are fresh: the dashboard reads the summary, rebuilt by the import.
        assert last_refresh(session) is not None
        assert session.scalar(sa.text("SELECT count(*) FROM cc_stats_daily")) > 0
        # The map's cells count the imported reports (rebuilt once), and their triggers follow again.
        cells = _cells(session)
        assert sum(cells.values()) > 0
        map_cells.rebuild(session.connection())
        assert _cells(session) == cells
        session.rollback()
        create_report(session, category=session.get(Category, catalogue["buche"]))
        session.commit()
        assert sum(_cells(session).values()) > sum(cells.values())

    client = app.test_client()
    pages = [
        client.get(f"/citizencare/reports/{closed.public_id}"),
        client.get(f"/citizencare/reports/{new.public_id}"),
        client.get("/citizencare/api/reports.geojson?cluster=never"),
        client.get("/citizencare/opendata/reports.csv?until=9999-12-31"),
    ]
    assert pages[0].status_code == 200 and "Riparata il 5 marzo." in pages[0].get_data(as_text=True)
    for page in pages:
        text = page.get_data(as_text=True)
        for secret in SECRETS:
            assert secret not in text, (page.request.path, secret)
    assert client.get(f"/citizencare/reports/{rejected.public_id}").status_code == 404  # not public


def test_geojson_import_takes_the_point_from_the_geometry(
    app: Flask, catalogue: dict[str, int], tmp_path: Path
) -> None:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [11.34 + i / 1000, 44.49]},
            "properties": {
                "id": 1000 + i,
                "testo": f"Segnalazione {i}",
                "tipo": "Buche",
                "stato": "Risolta" if i % 2 else "Aperta",
                "aperta": f"2023-06-0{i + 1}T10:00:00+02:00",
                "chiusa": "2023-06-20T10:00:00+02:00" if i % 2 else None,
                "email": f"persona{i}@example.org",
            },
        }
        for i in range(5)
    ]
    path = tmp_path / "vecchie.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "name": "export", "features": features}))
    mapping = {
        "columns": {
            "external_id": "id",
            "description": "testo",
            "category": "tipo",
            "status": "stato",
            "received_at": "aperta",
            "resolved_at": "chiusa",
            "contact_email": "email",
        },
        "categories": {"buche": "buche"},
        "statuses": {"risolta": "resolved", "aperta": "new"},
        "defaults": {"public": True, "channel": "web"},
    }
    result = run(app, str(path), "--mapping", str(write_mapping(tmp_path, mapping)))
    assert result.exit_code == 0, result.output + result.stderr
    found = reports(app)
    assert sorted(found) == ["1000", "1001", "1002", "1003", "1004"]
    assert found["1001"].status == "resolved" and found["1000"].status == "new"
    assert found["1003"].received_at.isoformat() == "2023-06-04T08:00:00+00:00"
    assert {r.channel for r in found.values()} == {"web"}
    with app.app_context():
        lon = host_db.session.scalar(
            sa.select(sa.func.ST_X(Report.point)).where(Report.id == found["1002"].id)
        )
        assert lon == pytest.approx(11.342)
    assert counts(app)["cc_reporter_contacts"] == 5
    geojson = app.test_client().get("/citizencare/api/reports.geojson?cluster=never").get_data(as_text=True)
    assert "Segnalazione 1" in geojson and "persona1@example.org" not in geojson


def test_dry_run_checks_and_writes_nothing(app: Flask, catalogue: dict[str, int], tmp_path: Path) -> None:
    before = counts(app)
    result = run(app, str(write_csv(tmp_path, ROWS)), "--mapping", str(write_mapping(tmp_path)), "--dry-run")
    assert result.exit_code == 0, result.output + result.stderr
    assert "4 report(s) would be imported" in result.output and "closed 1" in result.output
    assert "nothing was written" in result.output
    assert counts(app) == before


def test_an_imported_file_is_refused_and_an_interrupted_one_resumes(
    app: Flask, catalogue: dict[str, int], tmp_path: Path
) -> None:
    rows = [
        f"B-{i};Titolo {i};Testo {i};Buche;Chiusa;0{1 + i}/02/2024 10:00;10/02/2024 10:00;;;Via {i};si;;;;"
        for i in range(7)
    ]
    csv_path, mapping_path = write_csv(tmp_path, rows), write_mapping(tmp_path)

    class Stop(Exception):
        pass

    def stop(done: int) -> None:
        raise Stop(done)

    with app.app_context():
        session = host_db.session
        mapping = parse_mapping(MAPPING, categories={"buche", "luci"})
        source = open_source(csv_path, mapping)
        area = Area.from_setting(BOLOGNA)
        check = check_file(session, source, mapping, area=area)
        assert check.validation.ok and check.validation.valid == 7
        with pytest.raises(Stop):
            import_file(
                session, source, mapping, MAPPING, area=area, check=check, batch_size=3, after_batch=stop
            )
        session.rollback()
        record = session.scalar(sa.select(ReportImport))
        assert record is not None and record.rows_done == 3 and record.finished_at is None
        session.rollback()
    assert counts(app)["cc_reports"] == 3

    result = run(app, str(csv_path), "--mapping", str(mapping_path), "--batch-size", "3")
    assert result.exit_code == 0, result.output + result.stderr
    assert "Resuming segnalazioni.csv after 3 report(s)" in result.stderr
    assert "resumed after 3" in result.output
    found = reports(app)
    assert sorted(found) == [f"B-{i}" for i in range(7)]
    assert len({r.public_id for r in found.values()}) == 7
    assert counts(app)["cc_status_events"] == 7 * 4

    again = run(app, str(csv_path), "--mapping", str(mapping_path))
    assert again.exit_code != 0 and "already imported" in again.stderr
    with app.app_context(), pytest.raises(AlreadyImported):
        check_file(host_db.session, source, mapping, area=Area.from_setting(BOLOGNA))

    # The same cases in another file: refused by their external ids.
    other = tmp_path / "altro.csv"
    other.write_bytes(csv_path.read_bytes() + b"\r\n")
    refused = run(app, str(other), "--mapping", str(mapping_path))
    assert refused.exit_code != 0
    assert "line 2, column id_pratica: case 'B-0' was already imported from another file" in refused.stderr
    assert counts(app)["cc_reports"] == 7


# -- bad input: clear message, nothing written ----------------------------------------


def _with(**changes: Any) -> dict[str, Any]:
    mapping = json.loads(json.dumps(MAPPING))
    for key, value in changes.items():
        section, _, name = key.partition("__")
        if name:
            mapping[section][name] = value
        else:
            mapping[section] = value
    return mapping


BAD_ROW = ROWS[0].split(";")


def _row(**cells: str) -> str:
    names = HEADER.split(";")
    values = list(BAD_ROW)
    for name, value in cells.items():
        values[names.index(name)] = value
    return ";".join(values)


BAD_INPUTS = {
    "unknown column in the mapping": (
        _with(columns__status="stato_pratica"),
        ROWS,
        "columns.status: column 'stato_pratica' is not in the file's header",
    ),
    "unknown field in the mapping": (_with(columns__colore="x"), ROWS, "columns.colore: unknown field"),
    "unknown key in the mapping": (_with(colonne={}), ROWS, "colonne: unknown key"),
    "mapping to a category we do not have": (
        _with(categories={"Buche": "voragini"}),
        ROWS,
        "categories.buche: 'voragini' is not one of our category codes",
    ),
    "unknown category value": (
        MAPPING,
        [*ROWS, _row(id_pratica="A-9", tipologia="Frane")],
        "line 6, column tipologia: unknown category 'Frane'",
    ),
    "unknown status value": (
        MAPPING,
        [*ROWS, _row(id_pratica="A-9", stato="Chiusa?")],
        "line 6, column stato: unknown status 'Chiusa?'",
    ),
    "bad date": (
        MAPPING,
        [_row(data_apertura="31/02/2024 10:00")],
        "line 2, column data_apertura: bad date '31/02/2024 10:00' (expected %d/%m/%Y %H:%M)",
    ),
    "closed without a resolution time": (
        MAPPING,
        [_row(stato="Chiusa")],
        "line 2, column data_chiusura: a closed case needs the time it was resolved",
    ),
    "position outside the area": (
        MAPPING,
        [_row(latitudine="45.4642", longitudine="9.1900")],
        "line 2, column latitudine: position 45.4642, 9.19 outside the municipality's area",
    ),
    "latitude out of range": (
        MAPPING,
        [_row(latitudine="95", longitudine="11.34")],
        "out of range (latitude -90..90",
    ),
    "a 20-digit number": (
        MAPPING,
        [_row(latitudine="12345678901234567890", longitudine="11.34")],
        "line 2, column latitudine: position 1.2345678901234567e+19, 11.34 out of range",
    ),
    "a NUL byte": (MAPPING, [_row(testo="Buca\x00profonda")], "line 2: contains a NUL byte"),
    "the same id twice": (
        MAPPING,
        [ROWS[0], ROWS[1], ROWS[0]],
        "line 4, column id_pratica: the same id as line 2",
    ),
    "a row with too few fields": (MAPPING, ["A-1;Buca"], "line 2: has 2 fields, the header 15"),
    "header only": (MAPPING, [], "the file has a header but no rows"),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_is_refused_with_its_place(
    app: Flask, catalogue: dict[str, int], tmp_path: Path, case: str
) -> None:
    mapping, rows, expected = BAD_INPUTS[case]
    before = counts(app)
    result = run(app, str(write_csv(tmp_path, rows)), "--mapping", str(write_mapping(tmp_path, mapping)))
    assert result.exit_code == 1, result.output
    assert expected in result.stderr, result.stderr
    assert "nothing was imported" in result.stderr
    assert counts(app) == before


def test_undeclared_latin1_names_the_encoding_and_the_line(
    app: Flask, catalogue: dict[str, int], tmp_path: Path
) -> None:
    rows = [ROWS[0], ROWS[1].replace("è", "e"), _row(id_pratica="A-7", testo="Lampione più spento")]
    path = write_csv(tmp_path, rows, encoding="latin-1")
    result = run(app, str(path), "--mapping", str(write_mapping(tmp_path)))
    assert result.exit_code == 1
    assert "line 4: not valid UTF-8 text (byte 0xf9" in result.stderr
    assert "encoding: latin-1" in result.stderr
    assert counts(app)["cc_reports"] == 0
    # Declared, the same file imports.
    declared = run(app, str(path), "--mapping", str(write_mapping(tmp_path, _with(encoding="latin-1"))))
    assert declared.exit_code == 0, declared.stderr
    assert reports(app)["A-7"].description == "Lampione più spento"


def test_empty_file_and_broken_mapping(app: Flask, catalogue: dict[str, int], tmp_path: Path) -> None:
    empty = tmp_path / "vuoto.csv"
    empty.write_bytes(b"")
    result = run(app, str(empty), "--mapping", str(write_mapping(tmp_path)))
    assert result.exit_code == 1 and "the file is empty" in result.stderr
    broken = tmp_path / "rotto.yaml"
    broken.write_text("columns: [unclosed\n")
    result = run(app, str(write_csv(tmp_path, ROWS)), "--mapping", str(broken))
    assert result.exit_code == 1 and "is not valid YAML" in result.stderr
    assert counts(app)["cc_reports"] == 0


def test_many_problems_list_the_first_fifty_and_count_the_rest(
    app: Flask, catalogue: dict[str, int], tmp_path: Path
) -> None:
    rows = [_row(id_pratica=f"X-{i}", stato="Boh") for i in range(120)]
    result = run(app, str(write_csv(tmp_path, rows)), "--mapping", str(write_mapping(tmp_path)))
    assert result.exit_code == 1
    assert "120 problem(s) in 120 row(s)" in result.stderr and "... and 70 more problem(s)" in result.stderr
    assert result.stderr.count("unknown status 'Boh'") == 50


# -- the pure parts ------------------------------------------------------------------


def _parse(rows: list[str], mapping: dict[str, Any] | None = None, **kw: Any) -> list[Any]:
    parsed = parse_mapping(mapping or MAPPING, categories={"buche", "luci"})
    data = ("\r\n".join([HEADER, *rows]) + "\r\n").encode(kw.get("encoding", "utf-8"))
    parser = RowParser(
        parsed,
        {"buche": CategoryInfo("buche"), "luci": CategoryInfo("luci")},
        Area.from_setting(BOLOGNA),
        datetime.now(UTC),
    )
    return [parser.parse(row) for row in read_source(io.BytesIO(data), parsed, "csv")]


def test_mapping_problems_name_their_paths() -> None:
    with pytest.raises(MappingError) as error:
        parse_mapping(
            {
                "columns": {"description": "t", "lat": "y"},
                "statuses": {"Chiusa": "finished"},
                "times": {"timezone": "Mars/Olympus"},
                "encoding": "utf-16",
            },
            categories=set(),
        )
    problems = error.value.problems
    assert "columns.received_at: required (when each case was received)" in problems
    assert "columns: lat and lon go together" in problems
    assert any(p.startswith("statuses.chiusa: 'finished' is not a state") for p in problems)
    assert "times.timezone: unknown time zone 'Mars/Olympus'" in problems
    assert any(p.startswith("encoding: 'utf-16' is not supported") for p in problems)


def test_quoted_multiline_fields_keep_the_line_of_their_row() -> None:
    rows = [ROWS[0], _row(id_pratica="A-2", testo='"Prima riga\nseconda riga"'), _row(id_pratica="A-3")]
    records = _parse(rows)
    assert [r.position for r in records] == ["line 2", "line 3", "line 5"]
    assert records[1].description == "Prima riga\nseconda riga"


def test_a_long_geojson_streams_feature_by_feature() -> None:
    mapping = parse_mapping(
        {
            "columns": {"description": "t", "received_at": "d"},
            "defaults": {"category": "buche", "status": "new"},
        },
        categories={"buche"},
    )
    features = ",".join(
        json.dumps({"type": "Feature", "geometry": None, "properties": {"t": "x" * 50, "d": "2024-01-01"}})
        for _ in range(5000)
    )
    data = ('{"type": "FeatureCollection", "features": [' + features + "]}").encode()
    rows = list(read_source(io.BytesIO(data), mapping, "geojson"))
    assert len(rows) == 5000 and rows[-1].position == "feature 5000"
    with pytest.raises(SourceError, match="not valid JSON"):
        list(read_source(io.BytesIO(data[:-30]), mapping, "geojson"))


def test_the_shipped_example_mapping_fits_the_demo_catalogue() -> None:
    from flask_citizencare.demo.data import CATEGORIES

    path = Path(__file__).resolve().parent.parent / "flask_citizencare/catalogues/import-mapping.example.yaml"
    mapping = parse_mapping(yaml.safe_load(path.read_text("utf-8")), categories={c.code for c in CATEGORIES})
    assert mapping.delimiter == ";" and mapping.statuses["chiusa"] == "closed"


@pytest.mark.slow
def test_checking_a_large_file_keeps_memory_flat(tmp_path: Path) -> None:
    import tracemalloc

    from flask_citizencare.domain.report_import import Validation

    path = tmp_path / "grande.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER + "\r\n")
        for i in range(60_000):
            out.write(_row(id_pratica=f"G-{i}", testo=f"Buca numero {i} " * 5) + "\r\n")
    mapping = parse_mapping(MAPPING, categories={"buche", "luci"})
    parser = RowParser(
        mapping,
        {"buche": CategoryInfo("buche"), "luci": CategoryInfo("luci")},
        Area.from_setting(BOLOGNA),
        datetime.now(UTC),
    )
    validation = Validation()
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            for row in read_source(stream, mapping, "csv"):
                validation.add(parser.parse(row))
        validation.finish("line", "id_pratica")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert validation.valid == 60_000 and validation.ok
    # 12 bytes a row for the duplicate check (and numpy's sort of them); the rows themselves stream.
    assert peak < 60_000 * 12 * 4 + 2_000_000, peak


def test_one_problem_per_field_and_latin1_geojson_named_by_byte() -> None:
    from flask_citizencare.domain.report_import import RowProblems

    with pytest.raises(RowProblems) as error:
        _parse([_row(stato="Chiusa", data_chiusura="ieri")])
    assert error.value.problems == ["line 2, column data_chiusura: bad date 'ieri' (expected %d/%m/%Y %H:%M)"]
    mapping = parse_mapping(
        {
            "columns": {"description": "t", "received_at": "d"},
            "defaults": {"category": "buche", "status": "new"},
        },
        categories={"buche"},
    )
    data = '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"t": "più"}}]}'
    with pytest.raises(SourceError, match=r"^byte 87: not valid UTF-8 text \(byte 0xf9\)"):
        list(read_source(io.BytesIO(data.encode("latin-1")), mapping, "geojson"))


def test_the_hour_that_repeats_in_autumn_is_not_a_step_back() -> None:
    from flask_citizencare.domain.report_import import RowProblems

    mapping = _with(columns__acknowledged_at="data_chiusura")  # reuse a column for the time taken in charge
    mapping["statuses"]["Aperta"] = "acknowledged"
    (record,) = _parse([_row(data_apertura="27/10/2024 02:50", data_chiusura="27/10/2024 02:05")], mapping)
    assert record.acknowledged_at == record.received_at
    with pytest.raises(RowProblems, match="before the case was received"):
        _parse([_row(data_apertura="27/10/2024 05:50", data_chiusura="27/10/2024 02:05")], mapping)


def test_an_import_stopped_in_the_cli_leaves_the_map_cells_exact_and_resumes(
    app: Flask, catalogue: dict[str, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flask_citizencare.services import report_import

    csv_path, mapping_path = write_csv(tmp_path, ROWS[:3]), write_mapping(tmp_path)
    original = report_import._BatchWriter.write
    calls = []

    def write_then_fail(self: Any, prepared: Any, done: int) -> None:
        calls.append(done)
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C in the middle of the second batch
        original(self, prepared, done)

    monkeypatch.setattr(report_import._BatchWriter, "write", write_then_fail)
    stopped = run(app, str(csv_path), "--mapping", str(mapping_path), "--batch-size", "2")
    assert stopped.exit_code != 0
    monkeypatch.setattr(report_import._BatchWriter, "write", original)
    assert counts(app)["cc_reports"] == 2
    with app.app_context():
        session = host_db.session
        cells = _cells(session)
        assert sum(cells.values()) > 0, "the written batch is on the map's cells"
        map_cells.rebuild(session.connection())
        assert _cells(session) == cells
        session.rollback()
    resumed = run(app, str(csv_path), "--mapping", str(mapping_path), "--batch-size", "2")
    assert resumed.exit_code == 0, resumed.stderr
    assert "resumed after 2" in resumed.output
    assert sorted(reports(app)) == ["A-1", "A-2", "A-3"]
