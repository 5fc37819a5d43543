"""The demo's service notices: a current incident on an online service, planned road works with their
area, and an incident resolved some days ago, so the status page, the feeds, the map's layer and the
report form's banners have something to show.

Idempotent: a notice whose title (Italian) is already there is not made again. Times are relative
to the load's ``now``; the works stay "upcoming" for a few days after the load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Polygon, box
from sqlalchemy.orm import Session

from ..models import Category, NoticeUpdate, ServiceNotice


@dataclass(frozen=True)
class _Step:
    status: str
    #: Hours after the notice's start (negative: before it, as works announced in advance).
    hours: float
    texts: dict[str, str]


@dataclass(frozen=True)
class _DemoNotice:
    kind: str
    titles: dict[str, str]
    bodies: dict[str, str]
    #: Hours from the load's ``now`` to the start.
    starts_in: float
    lasts: float | None
    steps: tuple[_Step, ...]
    impact: str = "degraded"
    categories: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    area: MultiPolygon | None = None
    extra: dict[str, str] = field(default_factory=dict)


#: Via Irnerio, from Piazza VIII Agosto to Porta San Donato, approximately.
_IRNERIO = MultiPolygon(
    [Polygon([(11.3440, 44.5002), (11.3568, 44.4995), (11.3570, 44.5008), (11.3442, 44.5015)])]
)
#: The Bolognina, in the Navile district, approximately (the example site's district of that name).
_BOLOGNINA = MultiPolygon([box(11.335, 44.505, 11.360, 44.520)])

NOTICES = (
    _DemoNotice(
        kind="incident",
        titles={
            "it": "Pagamenti PagoPA non disponibili",
            "en": "PagoPA payments unavailable",
            "ca": "Pagaments PagoPA no disponibles",
        },
        bodies={
            "it": "Il portale dei pagamenti non risponde: **non è possibile pagare** "
            "multe, mense e tributi online. "
            "Le scadenze di oggi sono prorogate di tre giorni.",
            "en": "The payments portal does not answer: fines, school meals and taxes "
            "**cannot be paid** online. "
            "Today's deadlines are postponed by three days.",
            "ca": "El portal de pagaments no respon: **no es poden pagar** multes, "
            "menjadors i tributs en línia. "
            "Els terminis d'avui s'allarguen tres dies.",
        },
        starts_in=-3,
        lasts=5,
        impact="interrupted",
        categories=("servizi-digitali",),
        services=("Pagamenti PagoPA", "Portale dei servizi online"),
        steps=(
            _Step(
                "investigating",
                0,
                {
                    "it": "Stiamo verificando il guasto.",
                    "en": "We are looking into the fault.",
                    "ca": "Estem verificant l'avaria.",
                },
            ),
            _Step(
                "identified",
                2,
                {
                    "it": "Guasto al collegamento con il nodo PagoPA: il fornitore è al lavoro.",
                    "en": "A fault on the link to the PagoPA node: the supplier is working on it.",
                    "ca": "Avaria a l'enllaç amb el node PagoPA: el proveïdor hi treballa.",
                },
            ),
        ),
    ),
    _DemoNotice(
        kind="planned",
        titles={
            "it": "Rifacimento dell'asfalto in via Irnerio",
            "en": "Via Irnerio resurfaced",
            "ca": "Nou asfaltat a via Irnerio",
        },
        bodies={
            "it": "Via Irnerio è chiusa al traffico tra Piazza VIII Agosto e Porta San "
            "Donato, dalle 7 alle 19. "
            "Le buche di questo tratto saranno chiuse con i lavori: non serve segnalarle.",
            "en": "Via Irnerio is closed to traffic between Piazza VIII Agosto and Porta "
            "San Donato, 7:00 to 19:00. "
            "The potholes along it are fixed by the works: there is no need to report them.",
            "ca": "Via Irnerio és tancada al trànsit entre Piazza VIII Agosto i Porta San Donato, de 7 a 19. "
            "Els clots d'aquest tram es tapen amb les obres: no cal informar-ne.",
        },
        starts_in=24 * 5,
        lasts=24 * 4,
        categories=("buche-strade",),
        area=_IRNERIO,
        steps=(
            _Step(
                "scheduled",
                -24 * 7,
                {"it": "Lavori in calendario.", "en": "Works scheduled.", "ca": "Obres programades."},
            ),
        ),
    ),
    _DemoNotice(
        kind="incident",
        titles={
            "it": "Lampioni spenti in Bolognina",
            "en": "Street lights off in the Bolognina",
            "ca": "Fanals apagats a la Bolognina",
        },
        bodies={
            "it": "Un guasto alla cabina elettrica ha spento i lampioni di diverse vie della Bolognina.",
            "en": "A fault in the substation switched off the street lights of several "
            "streets of the Bolognina.",
            "ca": "Una avaria a l'estació elèctrica ha apagat els fanals de diversos "
            "carrers de la Bolognina.",
        },
        starts_in=-24 * 12,
        lasts=None,
        categories=("illuminazione",),
        area=_BOLOGNINA,
        steps=(
            _Step(
                "investigating",
                0,
                {
                    "it": "Segnalato il guasto al gestore.",
                    "en": "The fault was reported to the operator.",
                    "ca": "S'ha comunicat l'avaria al gestor.",
                },
            ),
            _Step(
                "resolved",
                20,
                {
                    "it": "La cabina è stata riparata: i lampioni sono di nuovo accesi.",
                    "en": "The substation was repaired: the lights are on again.",
                    "ca": "L'estació s'ha reparat: els fanals tornen a estar encesos.",
                },
            ),
        ),
    ),
)


def ensure_demo_notices(session: Session, now: datetime, *, default_language: str = "it") -> int:
    """Add the demo's notices that are not there yet; the number added."""
    existing = set(session.scalars(sa.select(ServiceNotice.title)))
    codes = {code for demo in NOTICES for code in demo.categories}
    categories = {c.code: c for c in session.scalars(sa.select(Category).where(Category.code.in_(codes)))}
    added = 0
    for demo in NOTICES:
        title = demo.titles[default_language]
        if title in existing:
            continue
        starts_at = now + timedelta(hours=demo.starts_in)
        steps = [
            NoticeUpdate(
                status=step.status,
                body=step.texts[default_language],
                bodies={k: v for k, v in step.texts.items() if k != default_language},
                notify=True,
                at=starts_at + timedelta(hours=step.hours),
            )
            for step in demo.steps
        ]
        last = steps[-1]
        notice = ServiceNotice(
            kind=demo.kind,
            status=last.status,
            impact=demo.impact,
            title=title,
            titles={k: v for k, v in demo.titles.items() if k != default_language},
            body=demo.bodies[default_language],
            bodies={k: v for k, v in demo.bodies.items() if k != default_language},
            services=list(demo.services),
            districts=list(demo.districts),
            area=from_shape(demo.area, srid=4326) if demo.area is not None else None,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=demo.lasts) if demo.lasts is not None else None,
            ended_at=last.at if last.status in {"resolved", "completed", "cancelled"} else None,
            published_at=steps[0].at,
            categories=[categories[code] for code in demo.categories if code in categories],
            updates=steps,
        )
        session.add(notice)
        added += 1
    session.flush()
    return added
