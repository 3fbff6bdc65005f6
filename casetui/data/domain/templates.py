"""Documents rendered from the jinja2 templates in ``templates/``.

HTML templates are autoescaped; Markdown ones are not (Markdown has no escaping to do). Every
HTML document extends ``_base.html`` (agency header, client identifiers, signature and date
lines, confidentiality footer, page numbers, print styles); every Markdown one uses the macros
of ``_frame.md``. Client-facing documents are translated with gettext catalogues
(``templates/locale/<lang>/LC_MESSAGES/casetui.po``, jinja2's i18n extension): the ``.po`` files
are compiled in memory when first used, so a source checkout, an editable install and a wheel
all work without a build step. Saving a document (owner-only) is ``services.documents.save``.
"""

from __future__ import annotations

import gettext
import io
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from casetui.data.domain.languages import language_code

DOMAIN = "casetui"
# Languages with a catalogue; any other language reads the English the templates are written in.
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}


def templates_dir() -> Path:
    """Inside the wheel (``casetui/templates``) or, in a source checkout, the top-level folder."""
    package = Path(__file__).resolve().parents[2]  # casetui/
    packaged = package / "templates"
    if packaged.is_dir():
        return packaged
    return package.parent / "templates"


def css_string(value) -> Markup:
    """Typed text as a CSS string literal inside a ``<style>`` element (the page footer's
    confidentiality notice): everything but letters, digits and spaces as a hex escape, so no
    quote, backslash or ``</style>`` in it can end the string or the element."""
    out = []
    for char in str(value or ""):
        out.append(char if char.isascii() and (char.isalnum() or char == " ") else f"\\{ord(char):x} ")
    return Markup('"' + "".join(out) + '"')


@lru_cache(maxsize=8)
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue for ``lang`` ("es"), compiled from its ``.po`` in memory; English (the
    templates' own words) for a language without one."""
    po = templates_dir() / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.is_file():
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalog = read_po(source, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def document_language(language: str | None) -> str:
    """The catalogue to use for a client's language ("Spanish", "es", "es-MX" -> "es")."""
    code = language_code(language) if language else "en"
    return code if code in LANGUAGES else "en"


@lru_cache(maxsize=8)
def environment(lang: str = "en") -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir())),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(lang), newstyle=True)
    env.filters["d"] = lambda value, fmt="%Y-%m-%d": value.strftime(fmt) if value else ""
    env.filters["css_string"] = css_string
    return env


def render(template: str, *, lang: str = "en", **context) -> str:
    return environment(lang).get_template(template).render(lang=lang, **context)


def render_block(template: str, block: str, *, lang: str = "en", **context) -> str:
    """One block of a template (an HTML document's ``content``), for the PDF writer: the PDF
    shows the same content as the HTML, in a frame of its own."""
    compiled = environment(lang).get_template(template)
    return "".join(compiled.blocks[block](compiled.new_context({"lang": lang, **context})))


def pdf_labels(lang: str) -> dict[str, str]:
    """The PDF frame's words (``pdf.LABELS``) in ``lang``."""
    from casetui.data.domain.pdf import LABELS

    words = translations(lang)
    return {key: words.gettext(text) for key, text in LABELS.items()}
