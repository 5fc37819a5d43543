"""The receipt ("ricevuta") of a report: a one-page PDF the reporter downloads and keeps.

What it holds: the number, when the report reached the municipality (in the
municipality's zone), its category, the place (address and coordinates), the
text the reporter wrote (title and details), the thumbnails of the photos sent
with it, when an answer is expected (the service level's due time, the same
value the API calls ``expected_at``, by the rule every surface uses), and the private
tracking link as text and
as a QR code. Written in the reporter's language (the report's contact locale).

What it leaves out, on purpose: the reporter's name, e-mail address and phone
(a PDF is printed, forwarded and attached; the tracking link already says whose
it is), photos moderation hid (the tracking page does not show them either) and
photos added later with a message (the receipt records what was filed).

Libraries, and why:

- **fpdf2** writes the PDF: pure Python (nothing to compile, no system
  libraries, unlike WeasyPrint's Pango/Cairo), actively maintained, embeds a
  subset of a TrueType font for full Unicode text, and draws a one-page
  document in a few milliseconds. ReportLab would do too, but its open-source
  edition is larger and its Unicode handling needs the same font work; a
  layout this small does not need HTML and CSS, which is what WeasyPrint sells.
- **segno** makes the QR code: pure Python, no dependencies, maintained, ISO
  18004 conformant; fpdf2 draws only linear barcodes (Code 39, Interleaved 2
  of 5), not QR codes.

The font: DejaVu Sans (Debian's ``fonts-dejavu-core``, which
``scripts/install-system-packages.sh`` installs) covers every script citizens
write in. Where it is missing the receipt still works: it falls back to the
PDF core font Helvetica, which knows only Latin-1, and writes other characters
as their closest Latin-1 letters (accents kept where Latin-1 has them, others
as "?"); the fallback is logged once and ``flask citizencare doctor`` reports it.
"""

from __future__ import annotations

import io
import logging
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import segno
from babel.dates import format_time
from flask_babel import force_locale
from fpdf import FPDF
from geoalchemy2.shape import to_shape

from .context import state
from .domain.sla import expected_answer
from .formatting import cc_date, local_time
from .i18n import current_language
from .i18n import gettext as _
from .models import Photo, Report
from .models.base import utcnow

log = logging.getLogger(__name__)

#: Where DejaVu Sans is installed: Debian and Ubuntu, then Fedora, then Arch.
FONT_FOLDERS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu-sans-fonts"),
    Path("/usr/share/fonts/TTF"),
)
REGULAR, BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
#: Most thumbnails on the receipt (the form takes five photos by default).
MAX_THUMBNAILS = 6
#: Characters outside Latin-1 that the core-font fallback writes as their usual Latin-1 spelling.
_LATIN1_SPELLINGS = str.maketrans(
    {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "€": "EUR", "\u00a0": " "}
)

_warned: set[str] = set()


@dataclass(frozen=True)
class Fonts:
    """The receipt's TrueType fonts, or None for each when the core-font fallback is used."""

    regular: Path | None
    bold: Path | None

    @property
    def unicode(self) -> bool:
        return self.regular is not None


def find_fonts() -> Fonts:
    """DejaVu Sans (regular and bold) where the system installs it, or the fallback (None)."""
    for folder in FONT_FOLDERS:
        regular = folder / REGULAR
        if regular.is_file():
            bold = folder / BOLD
            return Fonts(regular, bold if bold.is_file() else regular)
    return Fonts(None, None)


def font_status() -> tuple[bool, str]:
    """For ``flask citizencare doctor``: whether the Unicode font is there, and a line about it."""
    fonts = find_fonts()
    if fonts.unicode:
        return True, f"PDF receipts use {fonts.regular}"
    return False, (
        "DejaVu Sans not found: PDF receipts fall back to Helvetica and spell non-Latin-1 text in "
        "Latin-1 letters; install it (Debian: apt-get install fonts-dejavu-core)"
    )


def to_latin1(text: str) -> str:
    """``text`` as the core fonts can write it: Latin-1, other letters without their accents, else "?"."""
    text = text.translate(_LATIN1_SPELLINGS)
    out = []
    for char in text:
        if ord(char) < 256:
            out.append(char)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if ord(c) < 256)
        out.append(base or "?")
    return "".join(out)


def receipt_language(report: Report) -> str:
    """The reporter's language (the one they filed in), if we still offer it; else our default."""
    languages = state().settings.languages
    locale = report.contact.locale if report.contact is not None else None
    return locale if locale in languages else languages[0]


def coordinates(report: Report) -> tuple[float, float] | None:
    """(lat, lon) of the report's point, or None."""
    if report.point is None:
        return None
    point: Any = to_shape(report.point)
    return float(point.y), float(point.x)


def receipt_photos(report: Report) -> list[Photo]:
    """The photos sent with the report that moderation did not hide (:meth:`Photo.public_condition`)."""
    return [p for p in report.photos if not p.hidden and p.message_id is None][:MAX_THUMBNAILS]


def filename(report: Report) -> str:
    return f"ricevuta-{report.public_id}.pdf"


def _when(value: datetime) -> str:
    local = local_time(value)
    return _(
        "%(date)s at %(time)s",
        date=cc_date(value, "long"),
        time=format_time(local, "short", locale=current_language()),
    )


class _Receipt(FPDF):
    def __init__(self, fonts: Fonts) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.receipt_fonts = fonts
        if fonts.unicode:
            self.add_font("receipt", "", str(fonts.regular))
            self.add_font("receipt", "B", str(fonts.bold))
            self.face = "receipt"
        else:
            self.face = "helvetica"
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 18, 18)

    def text_of(self, value: str) -> str:
        return value if self.receipt_fonts.unicode else to_latin1(value)

    def write_line(self, value: str, *, size: float = 10.5, bold: bool = False, height: float = 5.5) -> None:
        self.set_font(self.face, "B" if bold else "", size)
        self.multi_cell(0, height, self.text_of(value), new_x="LMARGIN", new_y="NEXT", align="L")

    def fact(self, label: str, value: str) -> None:
        """One "label: value" row, the label in a column of its own."""
        self.set_font(self.face, "B", 10)
        top = self.get_y()
        self.multi_cell(52, 5.5, self.text_of(label), new_x="LMARGIN", new_y="NEXT", align="L")
        after_label = self.get_y()
        self.set_xy(self.l_margin + 54, top)
        self.set_font(self.face, "", 10.5)
        self.multi_cell(0, 5.5, self.text_of(value), new_x="LMARGIN", new_y="NEXT", align="L")
        self.set_y(max(self.get_y(), after_label) + 1.5)


def _thumbnail(photo: Photo) -> bytes | None:
    """The stored thumbnail's bytes, or None if the store lost it (the receipt goes out without it)."""
    try:
        with state().photo_store.open(photo.thumbnail_key) as handle:
            return handle.read()
    except (FileNotFoundError, ValueError, OSError):
        log.warning("receipt: thumbnail %s of a report is missing from the photo store", photo.thumbnail_key)
        return None


def _qr_png(url: str) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=8, border=2)
    return out.getvalue()


def build_receipt(report: Report, tracking_url: str, municipality: str) -> bytes:
    """The receipt of ``report`` as PDF bytes, in the reporter's language."""
    fonts = find_fonts()
    if not fonts.unicode and "font" not in _warned:
        _warned.add("font")
        log.warning(font_status()[1])
    with force_locale(receipt_language(report)):
        return _draw(report, tracking_url, municipality, fonts)


def _draw(report: Report, tracking_url: str, municipality: str, fonts: Fonts) -> bytes:
    language = current_language()
    proposal = report.kind == "proposal"
    pdf = _Receipt(fonts)
    pdf.set_lang(language)
    pdf.set_title(pdf.text_of(_("Receipt of report %(number)s", number=report.public_id)))
    pdf.set_creator("flask-citizencare")
    pdf.add_page()

    pdf.write_line(municipality, size=11, bold=True)
    pdf.ln(2)
    title = (
        _("Receipt of proposal %(number)s", number=report.public_id)
        if proposal
        else _("Receipt of report %(number)s", number=report.public_id)
    )
    pdf.write_line(title, size=17, bold=True, height=8)
    pdf.ln(4)

    pdf.fact(_("Number"), report.public_id)
    pdf.fact(_("Sent on"), _when(report.received_at))
    pdf.fact(_("Category"), report.category.label(language))
    if report.address:
        pdf.fact(_("Address"), report.address)
    place = coordinates(report)
    if place is not None:
        pdf.fact(_("Coordinates"), f"{place[0]:.6f}, {place[1]:.6f}")
    # The rule of every surface (domain.sla.expected_answer): nothing once the case is finished.
    expected = expected_answer(
        report.status,
        report.resolve_due_at,
        report.due_at,
        utcnow(),
        answer_due_at=report.answer_due_at,
        answered_at=report.answered_at,
    )
    if expected is not None:
        pdf.fact(_("Response expected by"), _when(expected.at))

    pdf.ln(3)
    pdf.write_line(_("Subject"), size=12, bold=True, height=7)
    pdf.write_line(report.title, bold=True)
    pdf.ln(1)
    pdf.write_line(_("Details"), size=12, bold=True, height=7)
    pdf.write_line(report.description)

    thumbnails = [data for data in map(_thumbnail, receipt_photos(report)) if data is not None]
    if thumbnails:
        pdf.ln(3)
        pdf.write_line(_("Photos"), size=12, bold=True, height=7)
        width, gap = 40.0, 4.0
        per_row = int((pdf.epw + gap) // (width + gap))
        for start in range(0, len(thumbnails), per_row):
            if pdf.get_y() + width > pdf.page_break_trigger:
                pdf.add_page()
            top, tallest = pdf.get_y(), 0.0
            for n, data in enumerate(thumbnails[start : start + per_row]):
                info = pdf.image(io.BytesIO(data), x=pdf.l_margin + n * (width + gap), y=top, w=width)
                tallest = max(tallest, float(info.rendered_height))
            pdf.set_y(top + tallest + gap)

    pdf.ln(3)
    if pdf.get_y() + 50 > pdf.page_break_trigger:
        pdf.add_page()
    pdf.write_line(_("Follow your report"), size=12, bold=True, height=7)
    top = pdf.get_y()
    pdf.image(io.BytesIO(_qr_png(tracking_url)), x=pdf.l_margin, y=top, w=38, h=38)
    pdf.set_xy(pdf.l_margin + 44, top)
    pdf.set_font(pdf.face, "", 10)
    pdf.multi_cell(
        0,
        5,
        pdf.text_of(
            _(
                "Scan the code or open this private link to follow the report, add information "
                "and answer us. Anyone with the link sees the report as you do: do not share it."
            )
        ),
        new_x="LMARGIN",
        new_y="NEXT",
        align="L",
    )
    pdf.set_x(pdf.l_margin + 44)
    pdf.set_font(pdf.face, "", 9)
    pdf.multi_cell(
        0, 4.5, pdf.text_of(tracking_url), new_x="LMARGIN", new_y="NEXT", link=tracking_url, align="L"
    )
    return bytes(pdf.output())
