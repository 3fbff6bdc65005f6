"""PDF documents through fpdf2: the content block of a document's HTML template, in a frame
drawn here (agency header on every page, confidentiality notice and "Page n of m" in every
footer, the client's identifiers, signature and date lines).

fpdf2 is pure Python and installs from wheels (its dependencies too: Pillow, fontTools,
defusedxml) on a laptop without system packages; it reads the simple HTML our templates make
(headings, paragraphs, lists, definition lists, tables). It uses the PDF core fonts, which hold
Latin-1: other characters are written as their closest Latin-1 letter ("ễ" as "e"), so a name
is never dropped or garbled into boxes.
"""

from __future__ import annotations

import re
import unicodedata

from fpdf import FPDF
from fpdf.fonts import FontFace, TextStyle

_REPLACEMENTS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u2192": "->",
    "\u2022": "·",
    "\u00a0": " ",
    # Letters NFKD does not take apart.
    "Ł": "L",
    "ł": "l",
    "Đ": "D",
    "đ": "d",
    "Œ": "OE",
    "œ": "oe",
    "ı": "i",
    "\u2713": "yes",
    "\u2717": "no",
}


def latin(text: str) -> str:
    """Text the core fonts can show: typographic marks as their plain forms, other letters
    without their accents where Latin-1 lacks them, anything else as "?"."""
    out = []
    for char in text:
        char = _REPLACEMENTS.get(char, char)
        try:
            char.encode("latin-1")
            out.append(char)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
            out.append("".join(c for c in base if not unicodedata.combining(c)) or "?")
    return "".join(out)


class _Framed(FPDF):
    def __init__(self, frame: dict, labels: dict[str, str]):
        super().__init__(format="letter" if frame["paper"] == "letter" else "A4", unit="mm")
        self.frame, self.labels = frame, labels
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=26)
        self.set_title(latin(labels["title"]))
        self.set_author(latin(frame["agency"].name or ""))

    def header(self) -> None:
        agency = self.frame["agency"]
        self.set_font("helvetica", "B", 12)
        self.cell(0, 6, latin(agency.name or self.labels["agency_unset"]), new_x="LMARGIN", new_y="NEXT")
        self.set_font("helvetica", "", 9)
        contact = " · ".join(part for part in (agency.address, agency.phone) if part)
        for line in (agency.program, contact):
            if line:
                self.cell(0, 4.5, latin(line), new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(60, 60, 60)
        self.set_line_width(0.5)
        self.line(self.l_margin, self.get_y() + 1.5, self.w - self.r_margin, self.get_y() + 1.5)
        self.ln(5)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-22)
        self.set_draw_color(180, 180, 180)
        self.set_line_width(0.2)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.5)
        self.set_font("helvetica", "", 7.5)
        self.set_text_color(70, 70, 70)
        width = self.w - self.l_margin - self.r_margin
        page = f"{self.labels['page']} {self.page_no()} {self.labels['of']} {{nb}}"
        self.multi_cell(width - 28, 3.4, latin(self.frame["agency"].confidentiality_notice), new_x="RIGHT", new_y="TOP")
        self.set_font("helvetica", "", 8)
        self.cell(28, 3.4, page, align="R")
        self.set_text_color(0, 0, 0)


def _identifiers(pdf: _Framed, rows: list[tuple[str, str]]) -> None:
    for label, value in rows:
        pdf.set_font("helvetica", "B", 10)
        pdf.cell(38, 5.5, latin(label))
        pdf.set_font("helvetica", "", 10)
        pdf.multi_cell(0, 5.5, latin(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _signatures(pdf: _Framed, signers: list[str], date_label: str) -> None:
    if not signers:
        return
    # Each line with room above it to sign; keep the block together on one page.
    needed = 16 * len(signers) + 6
    if pdf.get_y() + needed > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(6)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    sign_width, gap = width * 0.66, width * 0.06
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.3)
    for who in signers:
        pdf.ln(11)
        y = pdf.get_y()
        pdf.line(pdf.l_margin, y, pdf.l_margin + sign_width, y)
        pdf.line(pdf.l_margin + sign_width + gap, y, pdf.w - pdf.r_margin, y)
        pdf.set_font("helvetica", "", 9)
        pdf.cell(sign_width + gap, 4.5, latin(who))
        pdf.cell(0, 4.5, latin(date_label), new_x="LMARGIN", new_y="NEXT")


# The frame's words in English; ``templates.pdf_labels(lang)`` gives them in another language.
LABELS = {"page": "Page", "of": "of", "date": "Date", "agency_unset": "Agency name not set (Agency profile)"}

_BLOCKS_WITHOUT_MEANING = re.compile(r"</?(main|section|div|span|thead|tbody)\b[^>]*>", re.IGNORECASE)


def render_pdf(content_html: str, frame: dict, *, title: str, signers: list[str], labels: dict[str, str]) -> bytes:
    """The PDF of a document: ``content_html`` (its template's content block) in the frame.
    ``labels``: the frame's words in the document's language (page, of, date, agency_unset)."""
    pdf = _Framed(frame, {"title": title, **labels})
    pdf.add_page()
    _identifiers(pdf, frame["identifiers"])
    body = _BLOCKS_WITHOUT_MEANING.sub("", content_html)
    pdf.set_font("helvetica", "", 10)
    pdf.write_html(
        latin(body),
        font_family="helvetica",
        li_prefix_color=(0, 0, 0),  # fpdf2's bullets are red by default
        tag_styles={
            "h1": FontFace(size_pt=16, emphasis="BOLD"),
            "h2": FontFace(size_pt=12.5, emphasis="BOLD"),
            "h3": FontFace(size_pt=11, emphasis="BOLD"),
            "blockquote": TextStyle(color=(60, 60, 60), l_margin=6, t_margin=2, b_margin=2),  # not fpdf2's purple
        },
    )
    _signatures(pdf, signers, labels["date"])
    return bytes(pdf.output())
