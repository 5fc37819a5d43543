"""Reply by mail: reply addresses, machine mail, the citizen's words and the attachments.

The fixtures in ``tests/mail`` are addressed to report 123 with the test secret
below; ``test_fixture_addresses_verify`` fails (and shows the right address) if
the token scheme ever changes.
"""

from __future__ import annotations

import email
import io
import random
from email.message import EmailMessage, Message
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from flask_citizencare.domain.mail import (
    LOOP_HEADER,
    TOKEN_LENGTH,
    Incoming,
    attachments,
    find_reply_target,
    html_to_text,
    is_automatic,
    parse_incoming,
    parse_reply_address,
    reply_address,
    reply_text,
    strip_quotes,
)

MAIL = Path(__file__).parent / "mail"
SECRET = b"test-secret"
DOMAIN = "segnalazioni.comune.example"
LOCAL = "risposte"
ADDRESS = reply_address(LOCAL, 123, SECRET, DOMAIN)
TOKEN = ADDRESS.split("@")[0].split(".")[1]


def load(name: str) -> bytes:
    return (MAIL / name).read_bytes()


def parse(raw: bytes) -> Incoming:
    return parse_incoming(raw, secret=SECRET, domain=DOMAIN, local=LOCAL)


def message(name: str) -> Message:
    return email.message_from_bytes(load(name))


def simple(headers: dict[str, str], body: str = "Va bene, grazie.\n") -> bytes:
    msg = EmailMessage()
    msg["From"] = "Mario Rossi <mario.rossi@example.org>"
    msg["To"] = ADDRESS
    msg["Subject"] = "Re: Segnalazione 2026-000123"
    msg["Message-ID"] = "<test.1@example.org>"
    for name, value in headers.items():
        del msg[name]
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes()


# --------------------------------------------------------------------------- reply addresses


def test_reply_address_shape() -> None:
    assert ADDRESS == f"risposte+123.{TOKEN}@segnalazioni.comune.example"
    assert len(TOKEN) == TOKEN_LENGTH == 26
    assert TOKEN == TOKEN.lower() and set(TOKEN) <= set("abcdefghijklmnopqrstuvwxyz234567")


def test_fixture_addresses_verify() -> None:
    for name in ("gmail_reply.eml", "outlook_reply.eml", "thunderbird_reply.eml", "html_only.eml"):
        assert ADDRESS in load(name).decode("utf-8"), f"{name} must be addressed to {ADDRESS}"
    assert find_reply_target(message("gmail_reply.eml"), SECRET, DOMAIN, LOCAL) == 123


@given(st.integers(min_value=1, max_value=10**9))
def test_round_trip(report_id: int) -> None:
    address = reply_address(LOCAL, report_id, SECRET, DOMAIN)
    assert parse_reply_address(address, SECRET, DOMAIN, LOCAL) == report_id
    assert parse_reply_address(f"Comune di Esempio <{address}>", SECRET, DOMAIN, LOCAL) == report_id
    assert parse_reply_address(address, b"another-secret", DOMAIN, LOCAL) is None


@pytest.mark.parametrize("position", range(TOKEN_LENGTH))
def test_any_token_change_is_refused(position: int) -> None:
    other = "a" if TOKEN[position] != "a" else "b"
    token = TOKEN[:position] + other + TOKEN[position + 1 :]
    assert parse_reply_address(ADDRESS.replace(TOKEN, token), SECRET, DOMAIN, LOCAL) is None


@pytest.mark.parametrize(
    "address",
    [
        f"risposte+124.{TOKEN}@{DOMAIN}",  # another report with this report's token
        f"risposte+0123.{TOKEN}@{DOMAIN}",  # same number, other spelling
        f"risposte+123.{TOKEN.upper()}@{DOMAIN}",
        f"Risposte+123.{TOKEN}@{DOMAIN}",
        f"risposte+123.{TOKEN}@comune.example",
        f"risposte+123.{TOKEN}@{DOMAIN}.evil.example",
        f"risposte+123.{TOKEN[:-1]}@{DOMAIN}",
        f"risposte+123.{TOKEN}x@{DOMAIN}",
        f"risposte+123.{TOKEN}@{DOMAIN}@{DOMAIN}",
        f"altro+123.{TOKEN}@{DOMAIN}",
        f"risposte+-123.{TOKEN}@{DOMAIN}",
        f"risposte+123{TOKEN}@{DOMAIN}",
        f"risposte@{DOMAIN}",
        f"risposte+123.{TOKEN}",
        "",
        "not an address at all",
    ],
)
def test_bad_addresses_are_refused(address: str) -> None:
    assert parse_reply_address(address, SECRET, DOMAIN, LOCAL) is None


def test_domain_case_does_not_matter() -> None:
    assert parse_reply_address(ADDRESS.replace(DOMAIN, DOMAIN.upper()), SECRET, DOMAIN, LOCAL) == 123


def test_reply_address_refuses_nonsense() -> None:
    for bad_id in (0, -1, True):
        with pytest.raises(ValueError):
            reply_address(LOCAL, bad_id, SECRET, DOMAIN)
    with pytest.raises(ValueError):
        reply_address(LOCAL, 1, b"", DOMAIN)
    with pytest.raises(ValueError):
        reply_address("a+b", 1, SECRET, DOMAIN)


@pytest.mark.parametrize("header", ["To", "Cc", "Delivered-To", "X-Original-To"])
def test_target_found_in_any_recipient_header(header: str) -> None:
    raw = simple({"To": "Ufficio <urp@comune.example>", header: f"Comune <{ADDRESS}>"})
    if header == "To":
        raw = simple({"To": f"urp@comune.example, Comune <{ADDRESS}>"})
    assert parse(raw).report_id == 123


# --------------------------------------------------------------------------- the fixtures

REPLIES = {
    "gmail_reply.eml": (
        "maria.rossi@gmail.example",
        "Re: Segnalazione 2026-000123 è stata risolta",
        "Buongiorno,\n"
        "la buca in via Rizzoli è ancora lì, anzi si è allargata dopo la pioggia.\n"
        "Potete ricontrollare?\n"
        "\n"
        "Grazie,\n"
        "Maria Rossi",
    ),
    "outlook_reply.eml": (
        "giuseppe.verdi@outlook.example",
        "R: Segnalazione 2026-000123 risolta – perché?",
        "Buongiorno, il lampione di via Garibaldi 12 è di nuovo spento da ieri sera.\n"
        "Perché l’illuminazione non è stata sistemata? Ho già speso 20 € per una torcia.\n"
        "\n"
        "Cordiali saluti\n"
        "Giuseppe Verdi",
    ),
    "thunderbird_reply.eml": (
        "luca.bianchi@libero.example",
        "Re: Segnalazione 2026-000123 presa in carico",
        "Il numero civico è il 45, davanti alla farmacia. Il cassonetto è ancora rotto.",
    ),
    "html_only.eml": (
        "anna.neri@webmail.example",
        "Re: Segnalazione 2026-000123",
        "Salve,\nil marciapiede è stato riparato male: ci sono ancora due buche.\n\nSaluti\nAnna Neri",
    ),
    "iphone_reply.eml": (
        "paolo.gialli@icloud.example",
        "Re: Segnalazione 2026-000123",
        "Ecco la foto della buca, è profonda almeno 10 cm.",
    ),
}


@pytest.mark.parametrize("name", sorted(REPLIES))
def test_replies_are_accepted_with_the_citizens_words(name: str) -> None:
    sender, subject, text = REPLIES[name]
    incoming = parse(load(name))
    assert incoming.ignored_reason is None and incoming.accepted
    assert incoming.report_id == 123
    assert incoming.sender == sender
    assert incoming.subject == subject
    assert incoming.text == text
    assert incoming.message_id and incoming.message_id.startswith("<")


#: Mail that must change nothing, with the reason it is ignored (shared with the ingest tests).
IGNORED_FIXTURES = [
    ("auto_reply.eml", "automatic"),
    ("vacation.eml", "automatic"),
    ("bounce.eml", "bounce"),
    ("forged_token.eml", "forged"),
    ("loop.eml", "loop"),
    ("garbage.eml", "unreadable"),
]


@pytest.mark.parametrize(
    ("name", "reason"),
    IGNORED_FIXTURES,
)
def test_ignored_fixtures(name: str, reason: str) -> None:
    incoming = parse(load(name))
    assert incoming.ignored_reason == reason
    assert incoming.report_id is None  # even when the address is genuine
    assert incoming.detail


def test_gmail_html_part_gives_the_same_words() -> None:
    html = next(p for p in message("gmail_reply.eml").walk() if p.get_content_type() == "text/html")
    payload = html.get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert strip_quotes(html_to_text(payload.decode("utf-8"))) == REPLIES["gmail_reply.eml"][2]


def test_outlook_html_header_block_is_cut() -> None:
    html = next(p for p in message("outlook_reply.eml").walk() if p.get_content_type() == "text/html")
    payload = html.get_payload(decode=True)
    assert isinstance(payload, bytes)
    text = strip_quotes(html_to_text(payload.decode("windows-1252")))
    assert text == REPLIES["outlook_reply.eml"][2]


def test_html_script_and_style_never_appear() -> None:
    text = reply_text(message("html_only.eml"))
    for secret in ("rubato", "segreto", "alert", "document.write", "color", "stile", "citato", "Gentile"):
        assert secret not in text


def test_iphone_attachment_bytes() -> None:
    incoming = parse(load("iphone_reply.eml"))
    (photo,) = incoming.attachments
    assert photo.filename == "IMG_0042.jpeg"
    assert photo.content_type == "image/jpeg"
    assert photo.data.startswith(b"\xff\xd8\xff")
    with Image.open(io.BytesIO(photo.data)) as image:
        assert image.format == "JPEG" and image.size == (8, 6)


def test_text_bodies_are_not_attachments() -> None:
    assert attachments(message("gmail_reply.eml")) == []
    assert attachments(message("outlook_reply.eml")) == []


def test_attachment_limits() -> None:
    msg = EmailMessage()
    msg["From"] = "mario.rossi@example.org"
    msg["To"] = ADDRESS
    msg.set_content("Foto allegate.")
    for i in range(8):
        msg.add_attachment(bytes([i]) * (100 + i), maintype="image", subtype="png", filename=f"f{i}.png")
    assert [a.filename for a in attachments(msg)] == [f"f{i}.png" for i in range(5)]
    assert [a.filename for a in attachments(msg, max_count=10, max_total_bytes=250)] == ["f0.png", "f1.png"]
    incoming = parse_incoming(msg.as_bytes(), secret=SECRET, domain=DOMAIN, local=LOCAL, max_attachments=3)
    assert len(incoming.attachments) == 3 and incoming.attachments_dropped == 5


def test_attachment_filenames_are_made_safe() -> None:
    msg = EmailMessage()
    msg["From"] = "mario.rossi@example.org"
    msg.set_content("x")
    msg.add_attachment(b"data", maintype="application", subtype="pdf", filename="../../etc/passwd")
    msg.add_attachment(b"\x89PNG", maintype="image", subtype="png", disposition="inline")
    names = [a.filename for a in attachments(msg)]
    assert names == ["passwd", "allegato-2.png"]


# --------------------------------------------------------------------------- forged, other domain, unreadable


def test_tampered_token_is_forged() -> None:
    raw = load("gmail_reply.eml").replace(
        TOKEN.encode(), (TOKEN[:-1] + ("a" if TOKEN[-1] != "a" else "b")).encode()
    )
    assert parse(raw).ignored_reason == "forged"


def test_other_domain_is_no_target() -> None:
    raw = load("gmail_reply.eml").replace(DOMAIN.encode(), b"altro-comune.example")
    incoming = parse(raw)
    assert incoming.ignored_reason == "no_target" and incoming.report_id is None


def test_no_recipient_is_no_target() -> None:
    assert parse(simple({"To": "urp@comune.example"})).ignored_reason == "no_target"


def test_random_bytes_are_unreadable() -> None:
    rng = random.Random(20261123)
    for _ in range(20):
        raw = rng.randbytes(10_000)
        incoming = parse(raw)
        assert incoming.ignored_reason == "unreadable" and incoming.report_id is None


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\r\n\r\n",
        b"From: \r\n\r\nbody",
        b"From: =?x-unknown?Q?=FF?= <a@b.example>\r\nTo: " + ADDRESS.encode() + b"\r\n\r\nciao",
        b"From: a@b.example\r\nContent-Type: multipart/mixed\r\n\r\nno boundary",
        "From: Zoë <zoe@example.org>\r\nTo: x\r\nSubject: caffè\r\n\r\nè".encode("latin-1"),
    ],
)
def test_malformed_input_never_raises(raw: bytes) -> None:
    assert isinstance(parse(raw), Incoming)


def test_not_bytes_is_unreadable() -> None:
    assert parse("text, not bytes").ignored_reason == "unreadable"  # type: ignore[arg-type]


def test_eight_bit_headers_are_guessed() -> None:
    raw = (
        "From: Zoë Caffè <zoe@example.org>\r\nTo: " + ADDRESS + "\r\nSubject: perché\r\n\r\nè così\r\n"
    ).encode("latin-1")
    incoming = parse(raw)
    assert incoming.report_id == 123
    assert incoming.subject == "perché"
    assert incoming.text == "è così"


# --------------------------------------------------------------------------- machine mail rules


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"Auto-Submitted": "auto-generated"}, "automatic"),
        ({"Auto-Submitted": "auto-replied; owner-email=x@example.org"}, "automatic"),
        ({"Precedence": "list"}, "automatic"),
        ({"Precedence": "junk"}, "automatic"),
        ({"Precedence": "auto_reply"}, "automatic"),
        ({"X-Autorespond": "yes"}, "automatic"),
        ({"X-Auto-Response-Suppress": "DR, OOF, AutoReply"}, "automatic"),
        ({"X-Auto-Response-Suppress": "All"}, "automatic"),
        ({"X-MS-Exchange-Generated-Message-Source": "Mailbox Rules Agent"}, "automatic"),
        ({"Subject": "Automatic reply: Segnalazione 2026-000123"}, "automatic"),
        ({"Subject": "Out of Office: Segnalazione"}, "automatic"),
        ({"Subject": "Respuesta automática: Segnalazione"}, "automatic"),
        ({"Subject": "Resposta automàtica: Segnalazione"}, "automatic"),
        ({"Subject": "[Fuori sede] fino a lunedì"}, "automatic"),
        ({"X-Ricevuta": "avvenuta-consegna"}, "automatic"),
        ({"X-Ricevuta": "errore-consegna"}, "bounce"),
        ({"Return-Path": "<>"}, "bounce"),
        ({"From": "postmaster@provider.example"}, "bounce"),
        ({"From": "Mail Delivery System <MAILER-DAEMON@provider.example>"}, "bounce"),
        ({"X-Failed-Recipients": "x@example.org"}, "bounce"),
        ({LOOP_HEADER: "1"}, "loop"),
    ],
)
def test_machine_mail(headers: dict[str, str], code: str) -> None:
    raw = simple(headers)
    incoming = parse(raw)
    assert incoming.ignored_reason == code, incoming.detail
    reason = is_automatic(email.message_from_bytes(raw))
    assert reason is not None and reason.startswith(code + ":")


def test_too_many_received_headers_is_a_loop() -> None:
    received = "".join(
        f"Received: from hop{i}.example by hop{i + 1}.example; Mon, 23 Nov 2026\r\n" for i in range(31)
    )
    assert parse(received.encode() + simple({})).ignored_reason == "loop"
    few = "".join(f"Received: from hop{i}.example\r\n" for i in range(30))
    assert parse(few.encode() + simple({})).report_id == 123


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "no"},
        {"Precedence": "first-class"},
        {"Subject": "Re: fuori sede il cassonetto?"},
        {"Subject": "Re: Automatic replies are annoying"},
        {"Return-Path": "<mario.rossi@example.org>"},
    ],
)
def test_people_are_not_machines(headers: dict[str, str]) -> None:
    raw = simple(headers)
    assert is_automatic(email.message_from_bytes(raw)) is None
    assert parse(raw).report_id == 123


# --------------------------------------------------------------------------- quotes and signatures


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sì, grazie.\n\nOn Mon, 23 Nov 2026 at 10:00, Comune <r@x.example> wrote:\n> ciao\n", "Sì, grazie."),
        (
            "Sì, grazie.\n\nOn Mon, 23 Nov 2026 at 10:00, Comune di Esempio <\n"
            "r@x.example> wrote:\n\n> ciao\n",
            "Sì, grazie.",
        ),
        ("Sì.\n\nIl giorno lun 23 nov 2026 alle ore 10:00 Comune <r@x.example> ha scritto:\n> ciao", "Sì."),
        ("Ok\n\nOn 23 Nov 2026, at 10:00, Comune di Esempio <r@x.example> wrote:\n\n> ciao", "Ok"),
        ("Ok\n\n-----Original Message-----\nFrom: Comune\nSent: Monday\n\nciao", "Ok"),
        ("Ok\n\nFrom: Comune <r@x.example>\nSent: Monday, November 23, 2026 10:00\nTo: me\n\nciao", "Ok"),
        ("Ok\n\nDa: Comune <r@x.example>\nInviato: lunedì 23 novembre 2026 10:00\nA: io\n\nciao", "Ok"),
        ("Ok\n________________________________\nDa: Comune\nData: oggi\nciao", "Ok"),
        ("Ok\n\nSent from my iPhone\n\n> ciao", "Ok"),
        ("Ok\n\nInviato dal mio smartphone Samsung Galaxy.", "Ok"),
        ("Ok\n-- \nMario Rossi\nVia Roma 1", "Ok"),
        ("Ok\n\n\n\n\nsecondo paragrafo", "Ok\n\nsecondo paragrafo"),
        ("> citato\nrisposta in mezzo\n> altro citato\nfine", "risposta in mezzo\nfine"),
        ("Il tecnico mi ha scritto:\nche passa domani", "Il tecnico mi ha scritto:\nche passa domani"),
        ("Inviato da mio figlio il modulo, va bene?", "Inviato da mio figlio il modulo, va bene?"),
        ("Da: ieri la strada è chiusa", "Da: ieri la strada è chiusa"),
        (
            "Il cassonetto è rotto dal 12\nIl 23/11/2026 10:00, Comune di Esempio ha scritto:\n> ciao",
            "Il cassonetto è rotto dal 12",
        ),
        ("Saluti\nAnna\nIl 23/11/2026 10:00, Comune ha scritto:\nciao", "Saluti\nAnna"),
        ("Sopra\n\nIl 23/11/2026 10:00, Comune ha scritto:\n> citato\n\nSotto\n-- \nFirma", "Sopra\n\nSotto"),
    ],
)
def test_strip_quotes(text: str, expected: str) -> None:
    assert strip_quotes(text) == expected


def test_html_line_breaks_and_blockquotes() -> None:
    html = (
        "<p>Uno</p><p>Due<br>Tre</p><div>Quattro</div>"
        "<blockquote>citato<br>ancora</blockquote><div>Cinque</div>"
    )
    assert html_to_text(html) == "Uno\n\nDue\nTre\n\nQuattro\nCinque"
    assert html_to_text("<pre>a  b\n c</pre>") == "a  b\nc"
    assert html_to_text("<div>unclosed <blockquote>quoted") == "unclosed"


def test_plain_falls_back_to_html_when_empty() -> None:
    msg = EmailMessage()
    msg["From"] = "mario.rossi@example.org"
    msg.set_content("   \n")
    msg.add_alternative("<p>Solo <i>HTML</i></p>", subtype="html")
    assert reply_text(msg) == "Solo HTML"


def test_damaged_charset_name_still_reads() -> None:
    raw = simple({}).replace(b'charset="utf-8"', b'charset="utf-\xbf"')
    assert b"utf-\xbf" in raw
    incoming = parse(raw)
    assert incoming.report_id == 123 and incoming.text == "Va bene, grazie."


def test_damaged_encoded_word_charset_still_reads() -> None:
    raw = simple({}).replace(b"Subject: Re:", "Subject: =?òtf-8?Q?caff=C3=A8?= Re:".encode("latin-1"))
    incoming = parse(raw)
    assert incoming.report_id == 123 and incoming.subject.endswith("Re: Segnalazione 2026-000123")
