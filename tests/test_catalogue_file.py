"""The portable catalogue: ``flask citizencare catalogue import | export`` and its YAML file."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from flask import Flask

from flask_citizencare.cli.catalogue import SHIPPED
from flask_citizencare.demo.catalogue import DEMO_FILE, demo_yaml
from flask_citizencare.domain.catalogue_file import CatalogueFileError, load, parse_catalogue
from flask_citizencare.domain.lifecycle import Kind
from flask_citizencare.domain.routing import parse_rules, route
from flask_citizencare.models import (
    AuditEntry,
    CannedReply,
    CatalogueSetting,
    Category,
    Office,
    Report,
    RoutingRuleRecord,
)
from flask_citizencare.services.reports import Submission, submit_report

from .conftest import empty_tables
from .factories import create_report
from .host import host_db

BASE_FILE = SHIPPED / "comune-base.yaml"
BASE: dict[str, Any] = yaml.safe_load(BASE_FILE.read_text(encoding="utf-8"))
#: Bologna's centre, inside the test app's area.
CENTRE = {"name": "Centro", "bbox": (11.33, 44.48, 11.36, 44.50)}
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[11.34, 44.49], [11.35, 44.49], [11.35, 44.5], [11.34, 44.5], [11.34, 44.49]]],
}
TABLES = (Office, Category, RoutingRuleRecord, CatalogueSetting, CannedReply, AuditEntry)


def counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            model.__tablename__: host_db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
            for model in TABLES
        }


EMPTY = {model.__tablename__: 0 for model in TABLES}


def write(tmp_path: Path, content: Any, name: str = "catalogue.yaml") -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(path)


def run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["citizencare", "catalogue", *args])


def rich_catalogue() -> dict[str, Any]:
    """The shipped catalogue with every field used at least once."""
    content = copy.deepcopy(BASE)
    content["offices"].append(
        {"code": "anas", "name": "ANAS", "email": None, "external": True, "active": True}
    )
    graffiti = next(c for c in content["categories"] if c["code"] == "graffiti")
    graffiti.update(active=False, successor="rifiuti-abbandonati", retention_months=24, duplicate_age_days=10)
    roads = content["categories"][0]
    roads["sla"] = {"resolution": {"1": "16h"}, "complex": True}
    roads["keywords"] = ["buca", "asfalto"]
    content["routing"][:0] = [
        {"category": "buche-strade", "district": "Centro", "area": None, "office": "anas", "note": "Centro",
         "active": True},
        {"category": None, "district": None, "area": SQUARE, "office": "polizia-locale", "note": "Piazza",
         "active": False},
    ]  # fmt: skip
    content["templates"][0]["category"] = "buche-strade"
    return content


# -- the shipped catalogue: from an empty database to a routed report ---------------------------


def test_the_shipped_catalogue_gives_a_working_municipality(app: Flask) -> None:
    result = run(app, "import", "--shipped", "comune-base")
    assert result.exit_code == 0, result.output
    assert "+ urp: created" in result.output and "+ buche-strade: created" in result.output
    assert "replace the stored ones as a whole list" in result.output
    assert "imported (" in result.output
    assert counts(app) == {
        "cc_offices": 7,
        "cc_categories": 16,
        "cc_routing_rules": 16,
        # sla_policy and calendar; the recompute job's state; the stored routing rules' revision.
        "cc_catalogue_settings": 4,
        "cc_canned_replies": 4,
        # One entry per object, and one for the import.
        "cc_audit_entries": 7 + 16 + 16 + 2 + 4 + 1,
    }
    page = app.test_client().get("/citizencare/new").get_data(as_text=True)
    assert "Buche e dissesti stradali" in page and "Rumori e disturbo della quiete" in page
    with app.app_context():
        session = host_db.session
        lights = session.scalar(sa.select(Category).where(Category.code == "illuminazione"))
        assert lights is not None and lights.names["ca"] == "Enllumenat públic"
        assert lights.name == "Illuminazione pubblica" and "it" not in lights.names
        assert lights.questions[1]["type"] == "singlevaluelist"
        report = submit_report(
            Submission(
                kind=Kind.ISSUE,
                category_id=lights.id,
                title="Lampione spento in via Irnerio",
                description="Il lampione davanti al civico 12 è spento da tre giorni.",
                submission_token="portable-1",
                lat=44.4985,
                lon=11.3521,
                answers={"light_problem": "spento"},
            )
        )
        assert report.office is not None and report.office.code == "illuminazione"
        # The stored rules send it there too (the routing service tries them before the default office).
        stored = session.scalars(sa.select(RoutingRuleRecord).order_by(RoutingRuleRecord.position)).all()
        rules = parse_rules(
            {"office": r.office.code, "categories": [r.category.code] if r.category else None, "area": r.area}
            for r in stored
            if r.active
        )
        assert route(rules, "illuminazione", None, 11.3521, 44.4985) == "illuminazione"
        assert route(rules, "rumori", None, 11.3521, 44.4985) == "polizia-locale"
        assert report.ack_due_at is not None and report.ack_due_at > report.created_at
        entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.subject_type == "category").limit(1))
        assert entry is not None and (entry.actor_id, entry.actor_name, entry.action) == (
            None,
            "import",
            "create",
        )
        calendar = session.get(CatalogueSetting, "calendar")
        assert calendar is not None and calendar.value["country"] == "IT" and calendar.revision == 1


def test_a_second_import_changes_nothing_and_says_so(app: Flask) -> None:
    assert run(app, "import", "--shipped", "comune-base").exit_code == 0
    before = counts(app)
    again = run(app, "import", "--shipped", "comune-base")
    assert again.exit_code == 0, again.output
    assert "nothing to change" in again.output and "0 created, 0 changed" in again.output
    assert "= buche-strade: unchanged" in again.output
    assert counts(app) == before
    with app.app_context():
        calendar = host_db.session.get(CatalogueSetting, "calendar")
        assert calendar is not None and calendar.revision == 1


def test_a_dry_run_shows_the_diff_and_writes_nothing(app: Flask, tmp_path: Path) -> None:
    dry = run(app, "import", "--shipped", "comune-base", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "+ urp: created" in dry.output and "dry run, nothing was written" in dry.output
    assert counts(app) == EMPTY
    assert run(app, "import", "--shipped", "comune-base").exit_code == 0
    before = counts(app)
    changed = copy.deepcopy(BASE)
    changed["offices"][0]["name"] = "URP centrale"
    changed["categories"][0]["names"]["en"] = "Potholes"
    result = run(app, "import", write(tmp_path, changed), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "~ urp: changed" in result.output
    assert 'name: "URP - Ufficio Relazioni con il Pubblico" → "URP centrale"' in result.output
    assert "~ buche-strade: changed" in result.output and "= marciapiedi: unchanged" in result.output
    assert counts(app) == before
    with app.app_context():
        assert host_db.session.scalar(sa.select(Office.name).where(Office.code == "urp")) != "URP centrale"
    applied = run(app, "import", write(tmp_path, changed))
    assert applied.exit_code == 0 and "~ urp: changed" in applied.output and "imported (" in applied.output
    with app.app_context():
        session = host_db.session
        assert session.scalar(sa.select(Office.name).where(Office.code == "urp")) == "URP centrale"
        entry = session.scalar(
            sa.select(AuditEntry).where(AuditEntry.subject_type == "office", AuditEntry.action == "update")
        )
        assert entry is not None and entry.subject_label == "urp"
        assert entry.changes == {"name": ["URP - Ufficio Relazioni con il Pubblico", "URP centrale"]}


def test_export_then_import_into_an_empty_database_gives_the_same_file(app: Flask, tmp_path: Path) -> None:
    app.config["CITIZENCARE_DISTRICTS"] = [CENTRE]
    imported = run(app, "import", write(tmp_path, rich_catalogue()))
    assert imported.exit_code == 0, imported.output
    first = tmp_path / "first.yaml"
    assert run(app, "export", str(first)).exit_code == 0
    empty_tables(app)
    assert counts(app) == EMPTY
    again = run(app, "import", str(first))
    assert again.exit_code == 0, again.output
    second = tmp_path / "second.yaml"
    assert run(app, "export", str(second)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    content = load(first.read_bytes())
    graffiti = next(c for c in content["categories"] if c["code"] == "graffiti")
    assert (graffiti["active"], graffiti["successor"], graffiti["retention_months"]) == (
        False,
        "rifiuti-abbandonati",
        24,
    )
    assert content["routing"][1]["area"] == SQUARE and content["routing"][0]["district"] == "Centro"
    assert content["categories"][0]["sla"] == {"resolution": {"1": "16h"}, "complex": True}
    assert content["categories"][0]["keywords"] == ["buca", "asfalto"]
    assert content["categories"][1]["keywords"] == []
    assert content["templates"][0]["category"] is None  # sorted by code: intervento-concluso first
    # Exported to standard output by default, and read back the same.
    assert run(app, "export").output == first.read_text(encoding="utf-8")
    assert "nothing to change" in run(app, "import", str(first)).output


def test_the_routing_list_is_replaced_whole_and_the_rest_is_left(app: Flask, tmp_path: Path) -> None:
    assert run(app, "import", "--shipped", "comune-base").exit_code == 0
    small = {
        "format": "flask-citizencare-catalogue",
        "version": 2,
        "routing": [{"category": "rumori", "office": "urp"}],
    }
    result = run(app, "import", write(tmp_path, small))
    assert result.exit_code == 0, result.output
    assert "~ routing[0]: changed" in result.output and "- stored routing[15]: removed" in result.output
    assert "service_levels: not in the file, left as it is" in result.output
    with app.app_context():
        session = host_db.session
        rules = session.scalars(sa.select(RoutingRuleRecord)).all()
        assert [(r.category.code if r.category else None, r.office.code) for r in rules] == [
            ("rumori", "urp")
        ]
        assert session.scalar(sa.select(sa.func.count()).select_from(Category)) == 16
        deleted = session.scalars(
            sa.select(AuditEntry).where(
                AuditEntry.subject_type == "routing_rule", AuditEntry.action == "delete"
            )
        ).all()
        assert len(deleted) == 15


def test_demo_data_loads_its_catalogue_through_the_import(app: Flask) -> None:
    assert DEMO_FILE.read_text(encoding="utf-8") == demo_yaml(), (
        "run python -m flask_citizencare.demo.catalogue"
    )
    from flask_citizencare.demo import load_demo

    with app.app_context():
        summary = load_demo(5, seed=1)
        assert (summary.offices, summary.categories) == (7, 15)
        entries = host_db.session.scalars(sa.select(AuditEntry.actor_name).distinct()).all()
        assert entries == ["import"]
    result = run(app, "import", "--shipped", "demo")
    assert result.exit_code == 0 and "nothing to change" in result.output


def test_a_version_1_json_file_is_still_read(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(
        '{"format": "flask-citizencare-catalogue", "version": 1, '
        '"offices": [{"code": "strade", "name": "Strade", "email": null, "active": true}], '
        '"categories": [{"code": "buche", "name": "Buche", "office": "strade", "names": {"en": "Potholes"}, '
        '"questions": [{"key": "size", "label": "Quanto?", "type": "choice", '
        '"choices": [{"value": "small", "label": "Piccola"}]}]}]}',
        encoding="utf-8",
    )
    result = run(app, "import", str(path))
    assert result.exit_code == 0, result.output
    with app.app_context():
        category = host_db.session.scalar(sa.select(Category))
        assert category is not None
        assert (category.name, category.names, category.default_office.code) == (
            "Buche",
            {"en": "Potholes"},
            "strade",
        )  # type: ignore[union-attr]


# -- bad input: every problem with its place, nothing written -------------------------------------


def _broken(change: Any) -> dict[str, Any]:
    content = copy.deepcopy(BASE)
    change(content)
    return content


def _question(content: dict[str, Any]) -> dict[str, Any]:
    return content["categories"][4]["questions"][1]  # type: ignore[no-any-return]


BROKEN = {
    "unknown key": (
        lambda d: d["categories"][3].__setitem__("colour", "red"),
        "categories[3].colour: is not a known field",
    ),
    "unknown top key": (lambda d: d.__setitem__("staff", []), "staff: is not a known field"),
    "keywords not a list": (
        lambda d: d["categories"][0].__setitem__("keywords", "buca, asfalto"),
        "categories[0].keywords: must be a list of texts",
    ),
    "keyword with a comma": (
        lambda d: d["categories"][0].__setitem__("keywords", ["buca, asfalto"]),
        "categories[0].keywords: a keyword must not hold a comma",
    ),
    "wrong type": (
        lambda d: d["offices"][1].__setitem__("active", "yes"),
        "offices[1].active: must be true or false",
    ),
    "duplicate code": (
        lambda d: d["categories"][1].__setitem__("code", "buche-strade"),
        "categories[1].code: 'buche-strade' appears twice",
    ),
    "no default name": (
        lambda d: d["categories"][2]["names"].pop("it"),
        "categories[2].names: needs the text in the default language (it)",
    ),
    "unknown office": (
        lambda d: d["categories"][0].__setitem__("office", "nowhere"),
        "categories[0].office: 'nowhere' is not an office of the file or the database",
    ),
    "unknown successor": (
        lambda d: d["categories"][0].__setitem__("successor", "nothing"),
        "categories[0].successor: 'nothing' is not a category",
    ),
    "question type": (
        lambda d: _question(d).__setitem__("type", "colour"),
        "categories[4].questions[1].type: must be one of string, number",
    ),
    "question key": (
        lambda d: _question(d).__setitem__("key", "Che cosa"),
        "categories[4].questions[1].key: must be a key",
    ),
    "question label": (
        lambda d: _question(d).__setitem__("label", {"en": "What?"}),
        "categories[4].questions[1].label: needs the text in the default language (it)",
    ),
    "list without values": (
        lambda d: _question(d).__setitem__("choices", []),
        "categories[4].questions[1].choices: a list question needs at least one value",
    ),
    "choices on text": (
        lambda d: d["categories"][4]["questions"][0].__setitem__("choices", [{"value": "a", "label": "A"}]),
        "categories[4].questions[0].choices: only a list question",
    ),
    "required note": (
        lambda d: d["categories"][4]["questions"][0].update(type="note", required=True),
        "categories[4].questions[0].required: a note has no answer",
    ),
    "NUL byte": (
        lambda d: d["offices"][0].__setitem__("name", "UR\x00P"),
        "offices[0].name: contains a NUL character",
    ),
    "huge number": (
        lambda d: d["categories"][0].__setitem__("position", 10**20),
        "categories[0].position: must be a whole number from 0 to 1000000",
    ),
    "routing office": (
        lambda d: d["routing"][2].__setitem__("office", "nowhere"),
        "routing[2].office: 'nowhere' is not an office",
    ),
    "routing category": (
        lambda d: d["routing"][2].__setitem__("category", "nope"),
        "routing[2].category: 'nope' is not a category",
    ),
    "routing district": (
        lambda d: d["routing"][2].__setitem__("district", "Marte"),
        "routing[2].district: 'Marte' is not a district",
    ),
    "routing point": (
        lambda d: d["routing"][0].__setitem__("area", {"type": "Point", "coordinates": [11.3, 44.5]}),
        "routing[0].area: must be a GeoJSON Polygon or MultiPolygon",
    ),
    "routing bow tie": (
        lambda d: d["routing"][0].__setitem__(
            "area", {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
        ),
        "routing[0].area: must be a valid GeoJSON Polygon",
    ),
    "routing empty area": (
        lambda d: d["routing"][0].__setitem__("area", {"type": "Polygon", "coordinates": []}),
        "routing[0].area: is empty",
    ),
    "rule to deactivated office": (
        lambda d: d["offices"][2].__setitem__("active", False),
        "routing[4].office: office 'illuminazione' is deactivated in this file",
    ),
    "hours 25:00": (lambda d: d["calendar"]["hours"].__setitem__("mon", ["08:00-25:00"]), "calendar: "),
    "unknown calendar key": (
        lambda d: d["calendar"].__setitem__("lunch", "1h"),
        "calendar: unknown calendar setting(s): lunch",
    ),
    "bad duration": (
        lambda d: d["service_levels"]["acknowledgement"].__setitem__("web", "soon"),
        "service_levels: ",
    ),
    "bad category sla": (
        lambda d: d["categories"][0].__setitem__("sla", {"speed": 1}),
        "categories[0].sla: ",
    ),
    "template status": (
        lambda d: d["templates"][0].__setitem__("status", "done"),
        "templates[0].status: must be one of",
    ),
    "auto send without status": (
        lambda d: d["templates"][0].update(status=None, auto_send=True),
        "templates[0].auto_send: a template is sent by itself",
    ),
    "template language": (lambda d: d["templates"][0].__setitem__("language", "de"), "templates[0].language"),
    "not a list": (lambda d: d.__setitem__("offices", {"urp": "URP"}), "offices: must be a list"),
    "version": (lambda d: d.__setitem__("version", 7), "version: must be 2"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_file_says_where_and_changes_nothing(app: Flask, tmp_path: Path, case: str) -> None:
    change, expected = BROKEN[case]
    result = run(app, "import", write(tmp_path, _broken(change)))
    assert result.exit_code == 1, result.output
    assert "cannot be imported, nothing was changed" in result.output
    assert expected in result.output
    assert counts(app) == EMPTY


def test_every_problem_is_listed_at_once() -> None:
    content = _broken(
        lambda d: (
            d["offices"][0].pop("name"),
            d["categories"][3].__setitem__("kinds", 3),
            _question(d).__setitem__("type", "colour"),
            d["templates"][1].__setitem__("code", "presa-in-carico"),
        )
    )
    with pytest.raises(CatalogueFileError) as raised:
        parse_catalogue(content)
    assert [p.split(":")[0] for p in raised.value.problems] == [
        "offices[0].name",
        "categories[3].kinds",
        "categories[4].questions[1].type",
        "templates[1].code",
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("format: flask-citizencare-catalogue\nname: Caffè\n".encode("latin-1"), "is not UTF-8 text"),
        (b"format: [1, 2\n", "line 2, column 1"),
        (b"- 1\n- 2\n", "the file must hold a mapping"),
        (b"a: &x [1, 2]\nb: *x\n", "anchors and aliases"),
        (
            b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
            b"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
            b"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n",
            "anchors and aliases",
        ),
        (b"format: x\nformat: y\n", "the key 'format' appears twice"),
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper than 40"),
        (b"a: [" + b"1," * 120_000 + b"1]\n", "more than 100000 values"),
        (b"a: !!python/object/apply:os.system ['true']\n", "could not determine a constructor"),
        (b"format: flask\x00\n", "NUL"),
    ],
)
def test_a_file_that_is_not_a_catalogue_is_refused(
    app: Flask, tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(content)
    result = run(app, "import", str(path))
    assert result.exit_code == 1 and expected in result.output, result.output
    assert counts(app) == EMPTY


def test_a_file_over_5_mb_is_refused_before_reading_it_all(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"# " + b"x" * (5 * 1024 * 1024) + b"\n")
    result = run(app, "import", str(path))
    assert result.exit_code == 1 and "larger than 5 MB" in result.output
    assert counts(app) == EMPTY


def test_yaml_1_1_surprises_stay_text() -> None:
    assert load(b"a: 9:00\nb: 2026-08-14\nc: no\nd: .nan\ne: 012\n") == {
        "a": "9:00",
        "b": "2026-08-14",
        "c": "no",
        "d": ".nan",
        "e": 12,
    }


def test_a_missing_file_and_a_missing_argument_are_clear(app: Flask, tmp_path: Path) -> None:
    missing = run(app, "import", str(tmp_path / "none.yaml"))
    assert missing.exit_code == 1 and "cannot read" in missing.output
    neither = run(app, "import")
    assert neither.exit_code == 2 and "give a catalogue FILE or --shipped NAME" in neither.output


# -- refusing what would orphan reports -----------------------------------------------------------


def test_an_office_with_open_cases_is_not_deactivated(app: Flask, tmp_path: Path) -> None:
    assert run(app, "import", "--shipped", "comune-base").exit_code == 0
    with app.app_context():
        session = host_db.session
        office = session.scalar(sa.select(Office).where(Office.code == "verde-pubblico"))
        category = session.scalar(sa.select(Category).where(Category.code == "verde-pubblico"))
        create_report(session, category=category, office=office)
        session.commit()
    before = counts(app)
    content = copy.deepcopy(BASE)
    content["offices"][4]["active"] = False
    content["routing"] = [r for r in content["routing"] if r["office"] != "verde-pubblico"]
    for category in content["categories"]:
        if category["office"] == "verde-pubblico":
            category["office"] = "urp"
    result = run(app, "import", write(tmp_path, content))
    assert result.exit_code == 1, result.output
    assert "offices[4].active: office 'verde-pubblico' still has 1 open case(s)" in result.output
    assert counts(app) == before
    # Without the routing list, the stored rules still point to it.
    del content["routing"]
    stored = run(app, "import", write(tmp_path, content))
    assert "the stored routing rule(s) routing[8], routing[9] send cases to office 'verde-pubblico'" in (
        stored.output
    )


def test_a_question_that_reports_answered_cannot_be_dropped(app: Flask, tmp_path: Path) -> None:
    assert run(app, "import", "--shipped", "comune-base").exit_code == 0
    with app.app_context():
        session = host_db.session
        lights = session.scalar(sa.select(Category).where(Category.code == "illuminazione"))
        create_report(session, category=lights, answers={"light_problem": "spento", "pole_number": "12"})
        session.commit()
    content = copy.deepcopy(BASE)
    questions = content["categories"][4]["questions"]
    questions[0]["type"] = "number"
    questions[1]["choices"] = [c for c in questions[1]["choices"] if c["value"] != "spento"]
    dropped = run(app, "import", write(tmp_path, content))
    assert dropped.exit_code == 1
    assert "the values spento of 'light_problem' are answers in reports" in dropped.output
    questions.pop(1)
    gone = run(app, "import", write(tmp_path, content))
    assert "the question 'light_problem' has answers in reports" in gone.output
    # Retired, it stays: the import goes through.
    questions.insert(1, {**BASE["categories"][4]["questions"][1], "retired": True})
    retired = run(app, "import", write(tmp_path, content))
    assert retired.exit_code == 0, retired.output
    assert "questions[light_problem].retired: null → true" in retired.output
    assert 'questions[pole_number].type: "string" → "number"' in retired.output
    with app.app_context():
        assert host_db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 1


def test_a_category_with_open_reports_may_be_deactivated(app: Flask, tmp_path: Path) -> None:
    assert run(app, "import", "--shipped", "comune-base").exit_code == 0
    with app.app_context():
        session = host_db.session
        create_report(
            session, category=session.scalar(sa.select(Category).where(Category.code == "graffiti"))
        )
        session.commit()
    content = copy.deepcopy(BASE)
    graffiti = next(c for c in content["categories"] if c["code"] == "graffiti")
    graffiti.update(active=False, successor="rifiuti-abbandonati")
    result = run(app, "import", write(tmp_path, content))
    assert result.exit_code == 0, result.output
    assert (
        "active: true → false" in result.output and 'successor: null → "rifiuti-abbandonati"' in result.output
    )
    graffiti["successor"] = "graffiti"
    assert "a category cannot be its own successor" in run(app, "import", write(tmp_path, content)).output


def test_templates_without_a_code_are_left_out_of_an_export_with_a_word(app: Flask) -> None:
    with app.app_context():
        host_db.session.add(CannedReply(title="Vecchia risposta", body="Grazie.", language="it"))
        host_db.session.commit()
    result = app.test_cli_runner().invoke(args=["citizencare", "catalogue", "export"])
    assert result.exit_code == 0
    assert "1 response template(s) without a code were left out" in result.stderr
    assert load(result.stdout.encode())["templates"] == []


def test_a_rule_taken_out_of_the_middle_is_one_removal(app: Flask, tmp_path: Path) -> None:
    assert run(app, "import", "--shipped", "comune-base").exit_code == 0
    content = copy.deepcopy(BASE)
    content["routing"].pop(3)
    content["routing"].insert(
        0, {"category": None, "area": SQUARE, "office": "polizia-locale", "note": "Piazza"}
    )
    content["calendar"]["local_holidays"].append("10-04")
    result = run(app, "import", write(tmp_path, content))
    assert result.exit_code == 0, result.output
    assert "+ routing[0]: created" in result.output and "- stored routing[3]: removed" in result.output
    assert "= routing[4]: unchanged" in result.output and "0 created" not in result.output
    assert 'local_holidays: ["08-14"] → ["08-14", "10-04"]' in result.output
    assert "(1 created, 1 changed, 1 removed," in result.output
    with app.app_context():
        session = host_db.session
        rules = session.scalars(sa.select(RoutingRuleRecord).order_by(RoutingRuleRecord.position)).all()
        assert [r.position for r in rules] == list(range(16))
        assert rules[0].area == SQUARE and rules[4].category.code == "illuminazione"  # type: ignore[union-attr]
        entry = session.scalar(
            sa.select(AuditEntry).where(AuditEntry.subject_type == "calendar", AuditEntry.action == "update")
        )
        assert entry is not None and entry.changes == {"local_holidays": [["08-14"], ["08-14", "10-04"]]}
    assert "nothing to change" in run(app, "import", write(tmp_path, content)).output


def test_a_template_with_an_unknown_placeholder_is_refused_as_on_screen(app: Flask, tmp_path: Path) -> None:
    content = copy.deepcopy(BASE)
    content["templates"][0]["body"] = "La segnalazione {numero} è nel {quartiere}."
    before = counts(app)
    result = run(app, "import", write(tmp_path, content))
    assert result.exit_code != 0
    assert "templates[0].body: unknown placeholder {quartiere}" in result.output
    assert counts(app) == before
