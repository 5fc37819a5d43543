"""``discovery.{xml,json}``: where the API is, which spec and formats it speaks, whom to ask."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for

from ...domain.open311.documents import CONTENT_TYPES, FORMATS, Document
from ...i18n import gettext as _
from .endpoints import endpoint
from .params import Param, word

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
#: The time of the last change of this API's behaviour (discovery's ``changeset``).
CHANGESET = "2026-12-03T00:00:00Z"

JURISDICTION = Param("jurisdiction_id", word, {"type": "string"}, "This municipality's jurisdiction id.")
#: The language of the answer's texts (``it``, ``en``, ``en_GB`` ...); one we do not offer is ignored.
LOCALE = Param(
    "locale",
    word,
    {"type": "string", "maxLength": 35},
    "The language of the names and descriptions (one of ours; others are ignored).",
    maximum=35,
)


def contact() -> str:
    config = current_app.config
    if config["CITIZENCARE_OPEN311_CONTACT"]:
        return str(config["CITIZENCARE_OPEN311_CONTACT"])
    parts = [config["CITIZENCARE_URP_EMAIL"], config["CITIZENCARE_URP_PHONE"]]
    name = config["CITIZENCARE_URP_NAME"] or _("Public Relations Office (URP)")
    return " ".join([f"{name}, {config['CITIZENCARE_MUNICIPALITY_NAME']}:", *[p for p in parts if p]]).rstrip(
        ":"
    )


@endpoint(
    "/discovery",
    name="discovery",
    summary="Where the API is, its specification and formats, and whom to ask for a key.",
    params=(JURISDICTION,),
    response="discovery",
)
def discovery(fmt: str, args: dict[str, Any], key: Any) -> Document:
    config = current_app.config
    contact_text = contact()
    base = url_for("citizencare.open311.discovery", fmt="xml", _external=True).rsplit("/", 1)[0]
    return Document(
        "discovery",
        {
            "changeset": config["CITIZENCARE_OPEN311_CHANGESET"] or CHANGESET,
            "contact": contact_text,
            "key_service": config["CITIZENCARE_OPEN311_KEY_SERVICE"] or contact_text,
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": base,
                    "changeset": config["CITIZENCARE_OPEN311_CHANGESET"] or CHANGESET,
                    "type": "production",
                    "formats": [CONTENT_TYPES[name].split(";")[0] for name in FORMATS],
                }
            ],
        },
    )
