"""``requests.{xml,json}`` POST (file a request) and ``tokens/{token}.{xml,json}``.

A request filed here is a citizen's report on the API channel (its service
level, its "received" mail). The answer is ``200``, as FixMyStreet's Open311
clients and the spec's own examples expect of this call (a ``201`` would
break clients that check for ``200``). ``media_url`` is kept as the client's
link and never fetched; a photo comes as the multipart ``media`` file, through
the same pipeline as the web form's (re-encoded, metadata stripped).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from werkzeug.datastructures import CombinedMultiDict, MultiDict

from ...context import db_session, state
from ...domain.geo import LocationError, check_point
from ...domain.lifecycle import Channel, Kind
from ...domain.open311.documents import Document
from ...domain.open311.filing import ATTRIBUTE_FIELD, IDEMPOTENCY_MAX, title_from
from ...domain.questions import AnswerError, on_form, parse_answer
from ...i18n import current_language
from ...i18n import gettext as _
from ...models import ApiKey, ApiSubmission, Category, Report
from ...queries.notices import category_service_notice
from ...services.open311_filing import Client, file_request, submission_by_token
from ...services.photos import PhotoStoreUnavailable
from ...services.questions import answer_message, questions_of
from ...services.reports import Submission, SubmissionRefused
from ...storage.photos import PhotoRejected, ProcessedPhoto, process_photo
from .discovery import JURISDICTION
from .endpoints import KeyUse, endpoint
from .errors import Open311Error, bad_parameter
from .params import Param, number, text, word

TITLE_MAX = int(Report.__table__.c.title.type.length or 200)  # type: ignore[attr-defined]


def _form(name: str, parser: Any, schema: dict[str, Any], description: str, **more: Any) -> Param:
    return Param(name, parser, schema, description, location="form", **more)


FILING_PARAMS = (
    JURISDICTION,
    _form("api_key", word, {"type": "string"}, "Your API key (one that may file).", required=True),
    _form("service_code", word, {"type": "string"}, "The service's code.", required=True),
    _form("lat", number, {"type": "number"}, "Latitude (WGS84).", minimum=-90, maximum=90),
    _form("long", number, {"type": "number"}, "Longitude (WGS84).", minimum=-180, maximum=180),
    _form("address_string", text, {"type": "string"}, "The address, as written.", maximum=300),
    _form("address_id", word, {"type": "string"}, "Not supported: send lat/long or address_string."),
    _form("email", word, {"type": "string"}, "The citizen's e-mail address (private).", maximum=254),
    _form("device_id", word, {"type": "string"}, "Your identifier of the device (private)."),
    _form("account_id", word, {"type": "string"}, "Your identifier of the citizen (private)."),
    _form("first_name", word, {"type": "string"}, "The citizen's first name (private).", maximum=100),
    _form("last_name", word, {"type": "string"}, "The citizen's last name (private).", maximum=100),
    _form("phone", word, {"type": "string"}, "The citizen's phone number (private).", maximum=40),
    _form("description", text, {"type": "string", "maxLength": 4000}, "What is wrong.", maximum=4000),
    _form("media_url", word, {"type": "string"}, "A link to a photo (kept, never fetched).", maximum=2000),
)


def _category(code: str) -> Category:
    session = db_session()
    category = session.query(Category).filter(Category.code == code).one_or_none()
    if category is None or not category.active or category.kinds not in ("both", Kind.ISSUE.value):
        raise Open311Error(404, _("service_code: there is no such service."), parameter="service_code")
    return category


def _location(args: dict[str, Any], category: Category) -> tuple[float | None, float | None, str | None]:
    if args["address_id"] is not None:
        raise bad_parameter(
            "address_id", _("we have no address registry: send lat and long, or address_string.")
        )
    lat, lon, address = args["lat"], args["long"], args["address_string"]
    if (lat is None) != (lon is None):
        raise bad_parameter("lat" if lat is None else "long", _("send lat and long together."))
    if lat is not None and lon is not None:
        try:
            check_point(lat, lon, state().settings.area)
        except LocationError:
            raise bad_parameter("lat", _("this place is outside the municipality's area.")) from None
    elif not address and category.needs_location:
        raise Open311Error(400, _("missing location: send lat and long, or address_string."), parameter="lat")
    return lat, lon, address


def _answers(category: Category, values: MultiDict[str, str]) -> dict[str, Any]:
    """The ``attribute[CODE]`` answers to the service's questions (unknown codes refused)."""
    questions = {q.key: q for q in on_form(questions_of(category))}
    given: dict[str, list[str]] = {}
    for name in values:
        match = ATTRIBUTE_FIELD.fullmatch(name)
        if name.startswith("attribute") and match is None:
            raise bad_parameter(name, _("write it as attribute[CODE]."))
        if match is None:
            continue
        if match.group(1) not in questions:
            raise bad_parameter(name, _("this service has no such attribute."))
        given.setdefault(match.group(1), []).extend(values.getlist(name))
    answers: dict[str, Any] = {}
    for key, question in questions.items():
        try:
            value = parse_answer(question, given.get(key, []))
        except AnswerError as error:
            raise bad_parameter(f"attribute[{key}]", answer_message(error)) from None
        if value is not None:
            answers[key] = value
    return answers


def _photos() -> list[ProcessedPhoto]:
    files = [f for f in request.files.getlist("media") if f and (f.filename or f.content_length)]
    if len(files) > 1:
        raise bad_parameter("media", _("send one photo."))
    config = current_app.config
    photos = []
    for upload in files:
        try:
            photos.append(
                process_photo(
                    upload.stream.read(config["CITIZENCARE_PHOTO_MAX_BYTES"] + 1),
                    max_bytes=config["CITIZENCARE_PHOTO_MAX_BYTES"],
                    max_pixels=config["CITIZENCARE_PHOTO_MAX_PIXELS"],
                )
            )
        except PhotoRejected as rejected:
            raise bad_parameter("media", str(rejected.message)) from None
    return photos


def idempotency_key_header() -> str | None:
    value = request.headers.get("Idempotency-Key", "").strip()
    if not value:
        return None
    if len(value) > IDEMPOTENCY_MAX or not value.isprintable():
        raise Open311Error(
            400, _("Idempotency-Key: at most %(count)d printable characters.", count=IDEMPOTENCY_MAX)
        )
    return value


def _email(value: str | None) -> str | None:
    if value is not None and (value.count("@") != 1 or " " in value or value.startswith("@")):
        raise bad_parameter("email", _("give an e-mail address, such as name@example.org."))
    return value


def _media_url(value: str | None) -> str | None:
    """A web link only: staff may open it, so no ``javascript:`` or ``data:`` address."""
    if value is not None and not value.lower().startswith(("https://", "http://")):
        raise bad_parameter("media_url", _("give a web address starting with https://."))
    return value


def _answer(record: ApiSubmission, language: str) -> Document:
    report = record.report
    return Document(
        "service_requests",
        [
            {
                "service_request_id": report.public_id,
                "token": record.token,
                "service_notice": category_service_notice(db_session(), report.category, language),
                "account_id": record.account_id,
            }
        ],
        item="request",
    )


@endpoint(
    "/requests",
    "POST",
    name="create_request",
    summary="File a request: a place (or an address), a description, the service's attributes.",
    params=FILING_PARAMS,
    key=KeyUse.POST,
    multipart=True,
    response="request_created",
    description=(
        "attribute[CODE] (attribute[CODE][] for a multi-value list) answers the service's questions. "
        "A photo goes as the multipart file media. Send an Idempotency-Key header to retry safely: "
        "the same key gets the first answer again."
    ),
)
def create_request(fmt: str, args: dict[str, Any], key: ApiKey | None) -> Document:
    assert key is not None  # KeyUse.POST: dispatch refused the request otherwise
    values = CombinedMultiDict([request.args, request.form])
    idempotency_key = idempotency_key_header()
    category = _category(args["service_code"])
    lat, lon, address = _location(args, category)
    answers = _answers(category, values)
    email = _email(args["email"])
    photos = _photos()
    language = current_language()
    description = args["description"] or ""
    name = " ".join(part for part in (args["first_name"], args["last_name"]) if part) or None
    submission = Submission(
        kind=Kind.ISSUE,
        category_id=category.id,
        title=title_from(description, category.label(language), TITLE_MAX),
        description=description,
        submission_token="",
        lat=lat,
        lon=lon,
        address=address,
        answers=answers,
        contact_name=name,
        contact_email=email,
        contact_phone=args["phone"],
        locale=language,
        channel=Channel.API,
    )
    client = Client(
        api_key_id=key.id,
        idempotency_key=idempotency_key,
        device_id=args["device_id"],
        account_id=args["account_id"],
        media_url=_media_url(args["media_url"]),
    )
    try:
        record = file_request(submission, client, photos)
    except SubmissionRefused as refused:
        raise bad_parameter(refused.field, refused.code) from None
    except LocationError:
        raise bad_parameter("lat", _("this place is outside the municipality's area.")) from None
    except PhotoStoreUnavailable:
        raise Open311Error(503, _("The photo could not be saved now. Try again in a few minutes.")) from None
    return _answer(record, language)


@endpoint(
    "/tokens/<token>",
    name="token",
    summary="The request number of a token that filing answered.",
    params=(JURISDICTION,),
    response="tokens",
    path_params={"token": "The token that filing answered."},
)
def token(fmt: str, args: dict[str, Any], key: ApiKey | None, token: str) -> Document:
    record = submission_by_token(db_session(), token)
    if record is None:
        raise Open311Error(404, _("token: there is no request with this token."))
    return Document(
        "service_requests",
        [{"service_request_id": record.report.public_id, "token": record.token}],
        item="request",
    )
